"""Stop a solve early on Ctrl-C (SIGINT) or SIGTERM and keep the best plan found so far.

While :func:`stop_on_signals` is active, the first SIGINT or SIGTERM only sets a flag;
engines poll it (neighbourhood search between steps, CP-SAT through ``stop_search``) and
return their incumbent, which the pipeline marks as interrupted. A second signal raises
``KeyboardInterrupt`` at once, for a user who does not want to wait. Presses are counted
through the signal wakeup socket, to which the interpreter writes one byte per signal even
while Python code cannot run (two presses during one engine step are two presses).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

#: seconds between two looks at the flag while an engine runs in a helper thread
POLL_S = 0.1


def exit_at_once(code: int) -> None:
    """End the process with ``code`` now, output flushed: after a stop, engine threads (CP-SAT,
    HiGHS) may still run, and an interpreter shutting down under them can abort with
    ``terminate called without an active exception`` instead of exiting with ``code``."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)


class Terminated(BaseException):
    """SIGTERM arrived outside a search (the command line turns it into exit 143)."""


def raise_terminated(signum: int, frame: object) -> None:
    """A SIGTERM handler: raise :class:`Terminated` where the program is."""
    raise Terminated


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
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM noted while the block runs, and the first of them raised again
    as it ends, to the handlers from before the block (main thread only). For imports of
    compiled modules: one that is initialising when a signal's exception is raised turns
    it into its own error (OR-Tools: ``ImportError: initialization failed``), which the
    command line would show as a traceback instead of exiting 130 or 143. (Blocking the
    signals would not do: the OS hands a signal to any thread that does not block it.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum: int, frame: object) -> None:
        noted.append(signum)

    before = {signum: signal.signal(signum, note) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        if noted:
            signal.raise_signal(noted[0])


@contextmanager
def stop_on_signals(stop: StopRequest) -> Iterator[StopRequest]:
    """Route SIGINT and SIGTERM to ``stop`` inside the block (main thread only; elsewhere
    the block runs with the handlers untouched)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    presses = _SignalCount()

    def handler(signum: int, frame: object) -> None:
        again = stop.is_set()
        stop.set(signal.Signals(signum).name)
        if again or presses.take() > 1:
            raise KeyboardInterrupt

    with presses:
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield stop
        finally:
            for signum, old in previous.items():
                signal.signal(signum, old)


class _SignalCount:
    """Signals delivered since the last :meth:`take`, read from the wakeup socket."""

    def __init__(self) -> None:
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        self._previous = -1

    def __enter__(self) -> _SignalCount:
        self._previous = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.set_wakeup_fd(self._previous)
        self._read.close()
        self._write.close()

    def take(self) -> int:
        """Stop signals received since the last call (at least 1: the caller got one)."""
        count = 0
        while True:
            try:
                data = self._read.recv(4096)
            except OSError:  # nothing more to read
                break
            if not data:
                break
            count += sum(1 for b in data if b in (signal.SIGINT, signal.SIGTERM))
        return max(count, 1)


def run_stoppable(work: Callable[[], T], stop: StopRequest | None, halt: Callable[[], None]) -> T:
    """Run ``work`` in a helper thread so signal handlers keep running in the main thread
    (and a stop asked for in any thread halts it promptly); call ``halt`` (which must make
    ``work`` return soon) once ``stop`` is set."""
    if stop is None:
        return work()
    halted = False

    def poll() -> None:
        nonlocal halted
        if stop.is_set() and not halted:
            halt()
            halted = True

    return run_in_thread(work, poll)


def run_in_thread(
    work: Callable[[], T], poll: Callable[[], None], name: str = "engine", nicer: int = 0
) -> T:
    """``work()`` in a helper thread, ``nicer`` steps nicer than this one
    (:func:`lower_priority`), calling ``poll()`` in this thread every ``POLL_S`` seconds
    meanwhile; its value, or its error re-raised here."""
    outcome: dict[str, object] = {}

    def target() -> None:
        lower_priority(nicer)
        try:
            outcome["value"] = work()
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(POLL_S)
        poll()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def lower_priority(nicer: int) -> None:
    """Make the calling thread ``nicer`` steps nicer (Linux, where the nice value is per
    thread and threads it starts inherit it; elsewhere it would lower the whole process, so
    nothing). Under contention the scheduler then gives the process's other threads more of
    its CPU share; on idle cores nothing changes. A thread cannot undo it: call it only in a
    thread that ends."""
    if nicer <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):  # not permitted: run as it is
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nicer)
