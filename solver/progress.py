"""A live progress bar for long solves: elapsed time against the limit, incumbent, gap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

Report = Callable[[float, float], None]


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
            info += f"  gap {max(0.0, incumbent - lower_bound) / abs(incumbent):.3%}"
        progress.update(task, info=info)

    ticker = threading.Thread(target=tick, daemon=True)
    with progress:
        ticker.start()
        try:
            yield report
        finally:
            done.set()
            ticker.join()
