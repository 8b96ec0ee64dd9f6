"""Progress of a sweep: finished variants out of all, how many failed, time so far.

In a Jupyter notebook one line of HTML updated in place (IPython display handle, no
widget library needed); elsewhere a rich bar on stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

#: statuses of a row that has a plan
SOLVED = ("optimal", "feasible")

Tick = Callable[[dict[str, Any]], None]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


@contextmanager
def sweep_progress(total: int, enabled: bool | None) -> Iterator[Tick]:
    """Context yielding ``tick(row)``, called once per finished variant. ``enabled``
    None: on in a notebook only."""
    show = in_notebook() if enabled is None else enabled
    if not show or total == 0:
        yield lambda row: None
        return
    state = {"done": 0, "failed": 0}
    start = time.perf_counter()

    def text() -> str:
        failed = f", {state['failed']} without a plan" if state["failed"] else ""
        return (
            f"sweep: {state['done']} of {total} variants done{failed}, "
            f"{time.perf_counter() - start:.0f} s"
        )

    if in_notebook():
        from IPython.display import HTML, display

        handle = display(HTML(f"<code>{escape(text())}</code>"), display_id=True)

        def tick(row: dict[str, Any]) -> None:
            state["done"] += 1
            state["failed"] += row.get("status") not in SOLVED
            handle.update(HTML(f"<code>{escape(text())}</code>"))

        yield tick
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sweep", total=total)

        def tick(row: dict[str, Any]) -> None:
            state["done"] += 1
            state["failed"] += row.get("status") not in SOLVED
            bar.update(task, advance=1, description=text())

        yield tick
