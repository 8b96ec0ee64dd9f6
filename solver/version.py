"""The package version, from the installed package's metadata (pyproject.toml sets it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("territory-solver")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
