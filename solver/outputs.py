"""Output paths and files that belong together.

- :func:`check_output_dir` / :func:`check_output_file`: refuse an output that is the wrong
  kind of path (exit 2) or cannot be written (exit 8) before any work starts.
- :func:`replace_together`: a set of files (a plan folder; a change-set, its undo and its
  manifest) written complete into a hidden staging folder beside their destination, then
  renamed into place one by one under an advisory lock, the seal (the file that names what
  the others must be) last. A kill before the first rename leaves the previous files as
  they were; the renames take microseconds, and a kill between them leaves files whose ids
  differ, which every reader refuses. Staging folders left by dead runs are removed by the
  next write, under the lock, so never a live run's.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from solver.errors import EXIT_USAGE, EXIT_WRITE, SolverError
from solver.inputs.io import _umask

#: seconds a write waits for another run writing the same outputs before giving up
LOCK_WAIT_S = 30.0
#: called as ``WRITE_HOOK(stage, name)`` with stage "staged" (every file complete in the
#: staging folder) and "replaced" (``name`` renamed into place): tests aim kills here
WRITE_HOOK: Callable[[str, str], None] | None = None


class OutputPathError(SolverError):
    """An output names the wrong kind of path (a file for a folder, a device, nothing)."""

    exit_code = EXIT_USAGE


class WriteError(SolverError):
    """Outputs could not be written (disk full, read-only, no permission, locked)."""

    exit_code = EXIT_WRITE


def describe(exc: OSError) -> str:
    """One line for an OS error: its reason and number (``No space left on device``)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    name = errno.errorcode.get(exc.errno or 0)
    return f"{reason} ({name})" if name else reason


def check_output_dir(path: Path, what: str = "--out") -> None:
    """``path`` must be a folder or a new path whose nearest existing parent is a writable
    folder; raises :class:`OutputPathError` or :class:`WriteError` otherwise."""
    if str(path) == "":
        raise OutputPathError(f"{what}: give a folder")
    if path.exists() and not path.is_dir():
        raise OutputPathError(
            f"{what} {path} is a file, not a folder; give a folder for the plan files "
            "(nothing was loaded or written)"
        )
    probe_writable(_existing_parent(path, what), what)


def check_output_file(path: Path, what: str = "--out", probe: bool = True) -> None:
    """``path`` must be a regular file or a new path in a folder (writable, when ``probe``)."""
    if str(path) in ("", "."):
        raise OutputPathError(f"{what}: give the path of the file to write")
    if path.is_dir():
        raise OutputPathError(f"{what} {path} is a folder; give the path of the file to write")
    if path.exists() or path.is_symlink():
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise OutputPathError(f"{what} {path} cannot be used: {describe(exc)}") from None
        if not stat.S_ISREG(mode):
            raise OutputPathError(
                f"{what} {path} is not a regular file (a device, pipe or socket); "
                "give a new path or a regular file to replace"
            )
    parent = _existing_parent(path.parent, what)
    if probe:
        probe_writable(parent, what)


def _existing_parent(path: Path, what: str) -> Path:
    """The nearest existing folder at or above ``path``."""
    current = path.absolute()
    while not current.exists():
        current = current.parent
    if not current.is_dir():
        raise OutputPathError(f"{what} {path}: {current} is a file, not a folder")
    return current


def probe_writable(folder: Path, what: str = "--out") -> None:
    """Create, write and remove a small temporary file in ``folder``."""
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".probe-") as handle:
            handle.write(b"x")
            handle.flush()
    except OSError as exc:
        raise WriteError(
            f"cannot write into {folder} ({what}): {describe(exc)}; nothing was loaded or written"
        ) from None


@contextmanager
def output_lock(folder: Path, key: str) -> Iterator[None]:
    """Hold the advisory lock ``.<key>.lock`` in ``folder`` (waits up to ``LOCK_WAIT_S``)."""
    lock = FileLock(folder / f".{key}.lock", timeout=LOCK_WAIT_S)
    try:
        lock.acquire()
    except Timeout:
        raise WriteError(
            f"another run is writing {key} in {folder} (lock .{key}.lock held for more than "
            f"{LOCK_WAIT_S:.0f} s); try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()


def wait_for_writer(folder: Path, key: str) -> bool:
    """Wait for a run writing ``key`` in ``folder`` to finish; False when no lock file is
    there, it cannot be taken (a read-only folder) or it is held past ``LOCK_WAIT_S``."""
    if not (folder / f".{key}.lock").is_file():
        return False
    try:
        with FileLock(folder / f".{key}.lock", timeout=LOCK_WAIT_S):
            return True
    except (Timeout, OSError):
        return False


def staging_prefix(key: str) -> str:
    return f".staging-{key}-"


def remove_stale_staging(folder: Path, key: str) -> int:
    """Remove staging folders a dead write of ``key`` left in ``folder``; call only while
    holding :func:`output_lock` (a live writer holds it), returns how many were removed."""
    prefix = staging_prefix(key)
    removed = 0
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink() and _is_staging(entry.name, prefix):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _is_staging(name: str, prefix: str) -> bool:
    # ".staging-" + 8 random characters: the plan folder's staging of earlier versions
    legacy = prefix == staging_prefix("plan") and len(name) == 17 and name.count("-") == 1
    return name.startswith(prefix) or (legacy and name.startswith(".staging-"))


def replace_together(folder: Path, files: dict[str, bytes], key: str, what: str) -> None:
    """Write ``files`` (name -> bytes, in order; the last one seals the set) into ``folder``
    so that they replace the earlier ones together. ``what`` names the set in errors.
    Raises :class:`WriteError` (what was there is left whole) on a write failure."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create {folder} for {what}: {describe(exc)}") from None
    with output_lock(folder, key):
        remove_stale_staging(folder, key)
        try:
            staging = Path(tempfile.mkdtemp(prefix=staging_prefix(key), dir=folder))
        except OSError as exc:
            raise WriteError(_unchanged(folder, what, exc)) from None
        try:
            _fill(staging, files, folder, what)
            _rename_all(staging, list(files), folder, what)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _fill(staging: Path, files: dict[str, bytes], folder: Path, what: str) -> None:
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
            os.chmod(staging / name, 0o666 & ~_umask())
    except OSError as exc:
        raise WriteError(_unchanged(folder, what, exc)) from None
    if WRITE_HOOK is not None:
        WRITE_HOOK("staged", "")


def _rename_all(staging: Path, names: list[str], folder: Path, what: str) -> None:
    done = 0
    try:
        for name in names:
            os.replace(staging / name, folder / name)
            done += 1
            if WRITE_HOOK is not None:
                WRITE_HOOK("replaced", name)
    except OSError as exc:
        if done == 0:
            raise WriteError(_unchanged(folder, what, exc)) from None
        raise WriteError(
            f"writing {what} into {folder} failed after {done} of {len(names)} files "
            f"({describe(exc)}); the folder now mixes two versions and readers refuse it: "
            "write it again"
        ) from None


def _unchanged(folder: Path, what: str, exc: OSError) -> str:
    return f"cannot write {what} into {folder}: {describe(exc)}; the files there are unchanged"
