"""A live progress bar for long solves: elapsed time against the limit, incumbent, gap."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from solver.models.stopping import gap

Report = Callable[[float, float], None]
Factory = Callable[[str, float, float | None], AbstractContextManager]
log = logging.getLogger(__name__)


@contextmanager
def live_bar(
    label: str, limit_s: float, lower_bound: float | None, console: Console | None = None
) -> Iterator[Report]:
    """Context yielding ``report(incumbent, engine_bound)``; the bar ticks every 0.2 s."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
        console=console or Console(stderr=True),
        transient=True,
    )
    task = progress.add_task(label, total=limit_s, info="searching for a first plan")
    start = time.perf_counter()
    done = threading.Event()

    def tick() -> None:
        while not done.wait(0.2):
            progress.update(task, completed=min(time.perf_counter() - start, limit_s))

    def report(incumbent: float, engine_bound: float) -> None:
        info = f"incumbent {incumbent:,.1f}"
        if lower_bound is not None and incumbent:
            info += f"  gap {gap(incumbent, lower_bound):.3%}"
        progress.update(task, info=info)

    ticker = threading.Thread(target=tick, daemon=True)
    with progress:
        ticker.start()
        try:
            yield report
        finally:
            done.set()
            ticker.join()


@contextmanager
def logged(
    inner: Factory | None, label: str, limit_s: float, lower_bound: float | None
) -> Iterator[Report]:
    """``inner``'s progress report (if any), with each improvement logged at INFO."""
    log.info("%s: searching for up to %.1f s", label, limit_s)
    with inner(label, limit_s, lower_bound) if inner else nullcontext() as report:

        def both(incumbent: float, engine_bound: float) -> None:
            shown = (
                f", gap {gap(incumbent, lower_bound):.3%}"
                if lower_bound is not None and incumbent
                else ""
            )
            log.info("%s: incumbent %.1f%s", label, incumbent, shown)
            if report is not None:
                report(incumbent, engine_bound)

        yield both
    log.info("%s: done", label)
