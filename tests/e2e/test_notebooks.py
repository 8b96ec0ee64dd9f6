"""Every notebook in notebooks/ (jupytext percent .py) converts and runs top to bottom.

Each is executed in a fresh kernel from the repository root (so ``data/`` resolves), with
a per-cell timeout and a whole-notebook time budget; a notebook that raises fails here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def test_every_notebook_has_a_tagged_parameters_cell():
    jupytext = pytest.importorskip("jupytext")
    for path in NOTEBOOKS:
        cells = [c for c in jupytext.read(path).cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, path.name
        assert "CUSTOMERS =" in cells[0].source and "REPS =" in cells[0].source


def test_the_rebalance_notebook_runs_on_a_users_own_workbook(tmp_path: Path):
    """What papermill does with -p: a cell after the parameters cell sets the user's files
    (here an Excel workbook without the sample's name/city columns, and no map zoom)."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat
    import pandas as pd

    customers = pd.read_csv(ROOT / "data" / "customers.csv").head(400)
    reps = pd.read_csv(ROOT / "data" / "reps.csv")
    book = tmp_path / "mine.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        customers.drop(columns=["name", "city"]).to_excel(
            writer, sheet_name="Accounts", index=False
        )
        reps.drop(columns=["name"]).to_excel(writer, sheet_name="Reps", index=False)
    notebook = jupytext.read(ROOT / "notebooks" / "quarterly_rebalance.py")
    at = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    injected = (
        f"CUSTOMERS = {str(book) + '#Accounts'!r}\nREPS = {str(book) + '#Reps'!r}\n"
        "TIME_LIMIT_S = 2.0\nZOOM = None\n"
    )
    notebook.cells.insert(at + 1, nbformat.v4.new_code_cell(injected))
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )  # fmt: skip
    client.execute()
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = " ".join(str(o.get("text", "")) + str(o.get("data", {})) for o in outputs)
    assert "400 accounts" in text
    assert any("<b>Plan</b>" in o.get("data", {}).get("text/html", "") for o in outputs)


def test_a_sweep_shows_its_progress_in_a_notebook():
    """One line updated in place as variants finish (no widget library needed)."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbclient
    import nbformat

    notebook = nbformat.v4.new_notebook()
    code = (
        "from solver import sweep\n"
        "from solver.analysis.whatif import Case\n"
        "from tests.instances import SMALL_SCENARIO, make_instance\n"
        "case = Case(*make_instance(n=20, m=4, seed=0), {**SMALL_SCENARIO, 'time_limit_s': 1.0})\n"
        "frame = sweep(case, [{}, {'weights.travel': 2.0}, {'rep_leaves': 'nobody'}], "
        "backend='serial')"
    )
    notebook.cells.append(nbformat.v4.new_code_cell(code))
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )  # fmt: skip
    client.execute()
    shown = [o["data"]["text/html"] for o in notebook.cells[0].outputs if "data" in o]
    assert len(shown) == 1  # updated in place, not one line per variant
    assert re.fullmatch(
        r"<code>sweep: 3 of 3 variants done, 1 without a plan, \d+ s</code>", shown[0]
    )
