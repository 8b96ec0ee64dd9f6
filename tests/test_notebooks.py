"""Every notebook in notebooks/ (jupytext percent .py) converts and runs top to bottom.

Each is executed in a fresh kernel from the repository root (so ``data/`` resolves), with
a per-cell timeout and a whole-notebook time budget; a notebook that raises fails here.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
CELL_TIMEOUT_S = 120
#: the notebooks are written to finish in under a minute; allow slack for a busy machine
BUDGET_S = 120


def test_the_promised_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"quarterly_rebalance", "what_if", "tradeoffs"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"{path.name} took {elapsed:.0f} s"
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure was displayed"
