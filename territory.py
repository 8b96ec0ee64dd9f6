"""The ``territory`` console command, quiet when stopped while it starts.

Importing the solver takes seconds; a Ctrl-C (exit 130) or SIGTERM (exit 143) in that time
ends the program without a traceback. Then :func:`solver.cli.main.main` runs the command.
"""

from __future__ import annotations

import signal

_received: list[int] = []


def _quit(signum: int, frame: object) -> None:
    _received.append(signum)
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point of the ``territory`` script (``python -m territory`` does the same)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _quit)
    try:
        from solver.cli.main import main as run
    except BaseException:
        # A compiled module that is initialising when the signal's exit is raised turns it
        # into its own error (OR-Tools: "ImportError: initialization failed"); the signal
        # still decides the exit code.
        if _received:
            raise SystemExit(128 + _received[0]) from None
        raise
    run()


if __name__ == "__main__":
    main()
