"""Stop a solve early on Ctrl-C (SIGINT) or SIGTERM and keep the best plan found so far.

While :func:`stop_on_signals` is active, the first SIGINT or SIGTERM only sets a flag;
engines poll it (neighbourhood search between steps, CP-SAT through ``stop_search``) and
return their incumbent, which the pipeline marks as interrupted. A second signal raises
``KeyboardInterrupt`` at once, for a user who does not want to wait.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

#: seconds between two looks at the flag while an engine runs in a helper thread
POLL_S = 0.1


class StopRequest:
    """Set once a stop was asked for; ``signal_name`` says which signal asked. A request
    with a ``parent`` counts as set when its parent is (a search that ends on Ctrl-C or
    when another engine has proved optimality)."""

    def __init__(self, parent: StopRequest | None = None) -> None:
        self._event = threading.Event()
        self._parent = parent
        self.signal_name: str | None = None

    def set(self, signal_name: str = "stop") -> None:
        if self.signal_name is None:
            self.signal_name = signal_name
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.is_set())


@contextmanager
def stop_on_signals(stop: StopRequest) -> Iterator[StopRequest]:
    """Route SIGINT and SIGTERM to ``stop`` inside the block (main thread only; elsewhere
    the block runs with the handlers untouched)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set(signal.Signals(signum).name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def run_stoppable(work: Callable[[], T], stop: StopRequest | None, halt: Callable[[], None]) -> T:
    """Run ``work`` in a helper thread so signal handlers keep running in the main thread;
    call ``halt`` (which must make ``work`` return soon) once ``stop`` is set."""
    if stop is None or threading.current_thread() is not threading.main_thread():
        return work()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="engine", daemon=True)
    thread.start()
    halted = False
    while thread.is_alive():
        thread.join(POLL_S)
        if stop.is_set() and not halted:
            halt()
            halted = True
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
