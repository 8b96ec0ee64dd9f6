"""The ``territory`` command line: one module per command group, calling the public API."""
