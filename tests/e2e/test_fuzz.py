"""Property tests and a fuzzer over the CSV readers and the scenario loader.

Whatever bytes or text arrive as customers/reps files, ``Problem.build`` either succeeds or
raises one of the errors a user can act on (``InputError``, which includes
``ScenarioError``, or ``InfeasibleError``); never another exception. Whatever mapping
arrives as a scenario, ``Scenario.from_dict`` returns a valid scenario or raises
``ScenarioError``. Every property runs a bounded, derandomized number of examples so the
run is fast and a strict xfail stays deterministic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import solver
from tests.corpus.make_corpus import C_HEAD, C_ROWS, R_HEAD, R_ROWS

AS_OF = {"as_of": "2027-01-01", "time_limit_s": 2.0, "progress": False}

C_COLUMNS = [
    "customer_id",
    "lat",
    "lon",
    "value",
    "effort_hours",
    "visits",
    "segment",
    "current_rep",
    "protected_rep",
    "protected_until",
    "owner_since",
    "tier",
    "region",
]
R_COLUMNS = [
    "rep_id",
    "lat",
    "lon",
    "capacity_hours",
    "max_accounts",
    "specialties",
    "seniority",
    "performance",
    "region",
    "max_travel_km",
    "active",
]
VALID_CUSTOMERS = ("\n".join([C_HEAD, *C_ROWS]) + "\n").encode()
VALID_REPS = ("\n".join([R_HEAD, *R_ROWS]) + "\n").encode()

ALLOWED = (solver.InputError, solver.InfeasibleError)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- cell and file strategies

SPECIAL_NUMBERS = [
    "0",
    "-0",
    "1e308",
    "1e309",
    "-1e309",
    "1e-320",
    "5e-324",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1,234",
    "1.234,56",
    "1 000",
    "1\u00a0000",
    "1_000",
    "0x10",
    "+5",
    "-",
    ".",
    "1e",
    "99999999999999999999999999",
    "12h",
    "$5",
    "50%",
]
SPECIAL_TEXT = [
    "",
    " ",
    "R1",
    "r1",
    " R1 ",
    "R2",
    "C1",
    "true",
    "false",
    "A",
    "B",
    "2027-06-30",
    "2027-02-30",
    "06/30/2027",
    "=1+1",
    '"',
    "\u200b",
    "\ufeff",
    "\x00",
    "é",
    "😀",
]

numbers = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda x: f"{x:,.2f}"),
)
words = st.one_of(st.sampled_from(SPECIAL_TEXT), st.text(max_size=8))
cells = st.one_of(numbers, words)


def quote(cell: str, delimiter: str) -> str:
    """Quote a cell the way a spreadsheet would when it needs it (sometimes not at all)."""
    if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_bytes(draw, columns: list[str]) -> bytes:
    """CSV-ish bytes: a header drawn from the contract plus junk, rows of random cells."""
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    header = draw(st.lists(st.one_of(st.sampled_from(columns), st.text(max_size=6)), max_size=12))
    width = max(len(header), 1)
    rows = draw(
        st.lists(st.lists(cells, min_size=max(width - 2, 0), max_size=width + 1), max_size=6)
    )
    lines = [delimiter.join(quote(c, delimiter) for c in line) for line in [header, *rows]]
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    return text.encode(encoding, errors="replace")


@st.composite
def mutated(draw, head: str, rows: list[str]) -> bytes:
    """The valid table with a few cells replaced by random ones: reaches deep validation."""
    table = [row.split(",") for row in rows]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(table) - 1))
        j = draw(st.integers(0, len(table[i]) - 1))
        table[i][j] = draw(cells)
    lines = [head, *(",".join(quote(c, ",") for c in row) for row in table)]
    return ("\n".join(lines) + "\n").encode("utf-8", errors="replace")


def build(customers: bytes, reps: bytes, scenario=None) -> None:
    """Problem.build on the two byte strings written as files; only allowed errors pass."""
    with tempfile.TemporaryDirectory() as tmp:
        c_path, r_path = Path(tmp) / "customers.csv", Path(tmp) / "reps.csv"
        c_path.write_bytes(customers)
        r_path.write_bytes(reps)
        with contextlib.suppress(ALLOWED):
            solver.Problem.build(c_path, r_path, scenario or AS_OF)


def test_the_fuzzer_base_pair_is_valid(tmp_path):
    """The pair every fuzzer mutates builds cleanly, so errors come from the mutation."""
    (tmp_path / "c.csv").write_bytes(VALID_CUSTOMERS)
    (tmp_path / "r.csv").write_bytes(VALID_REPS)
    problem = solver.Problem.build(tmp_path / "c.csv", tmp_path / "r.csv", AS_OF)
    assert problem.n == len(C_ROWS) and problem.m == len(R_ROWS)


# ---------------------------------------------------------------- (a) CSV readers


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_as_customers(data):
    build(data, VALID_REPS)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_as_reps(data):
    build(VALID_CUSTOMERS, data)


@FUZZ
@given(csv_bytes(C_COLUMNS))
def test_csv_ish_customers(data):
    build(data, VALID_REPS)


@FUZZ
@given(csv_bytes(R_COLUMNS))
def test_csv_ish_reps(data):
    build(VALID_CUSTOMERS, data)


@FUZZ
@given(mutated(C_HEAD, C_ROWS))
def test_valid_customers_with_random_cells(data):
    build(data, VALID_REPS)


@FUZZ
@given(mutated(R_HEAD, R_ROWS))
def test_valid_reps_with_random_cells(data):
    build(VALID_CUSTOMERS, data)


# ---------------------------------------------------------------- (b) scenario loader

SCENARIO_KEYS = {
    "": [
        "as_of",
        "engine",
        "time_limit_s",
        "seed",
        "workers",
        "workload_unit",
        "max_candidates",
        "deterministic",
        "progress",
    ],
    "weights": ["travel", "specialty", "value_fit", "continuity", "balance"],
    "rules": [
        "protection",
        "capacity_hours",
        "max_accounts",
        "max_travel",
        "region",
        "required_specialty",
        "key_account_min_seniority",
        "max_moves",
        "max_moves_pct",
        "locks",
        "forbidden",
    ],
    "travel": ["road_factor", "speed_kmh"],
}

toml_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["auto", "cpsat", "flow", "milp", "hours", "accounts", "2027-01-01"]),
    st.dates(),
    st.datetimes(),
    st.times(),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
    ),
    max_leaves=6,
)
some_key = st.text(max_size=8)


@st.composite
def scenario_dicts(draw) -> dict:
    """Mostly known keys with random values, some unknown keys, some tables as scalars."""
    data: dict = {}
    for _ in range(draw(st.integers(0, 6))):
        table = draw(st.sampled_from(list(SCENARIO_KEYS)))
        key = draw(st.one_of(st.sampled_from(SCENARIO_KEYS[table]), some_key))
        value = draw(toml_values)
        if table == "":
            data[key] = value
        else:
            section = data.setdefault(table, {})
            if isinstance(section, dict):
                section[key] = value
    if draw(st.booleans()):
        key = draw(st.one_of(st.sampled_from(["weights", "rules", "travel"]), some_key))
        data[key] = draw(toml_values)
    return data


@FUZZ
@given(scenario_dicts())
def test_scenario_from_dict_raises_only_scenario_error(data):
    try:
        scenario = solver.Scenario.from_dict(data)
    except solver.ScenarioError:
        return
    assert isinstance(scenario, solver.Scenario)
    assert isinstance(scenario.as_of, dt.date)


valid_weights = st.fixed_dictionaries(
    {},
    optional={
        name: st.floats(min_value=0, allow_nan=False, allow_infinity=True)
        for name in SCENARIO_KEYS["weights"]
    },
)


@settings(FUZZ, max_examples=20, phases=[Phase.explicit, Phase.generate])
@given(valid_weights)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_accepted_scenario_solves_or_fails_cleanly(weights):
    """A scenario that from_dict accepts must not crash a solve of a valid pair."""
    try:
        scenario = solver.Scenario.from_dict({**AS_OF, "time_limit_s": 0.3, "weights": weights})
    except solver.ScenarioError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        c_path, r_path = Path(tmp) / "customers.csv", Path(tmp) / "reps.csv"
        c_path.write_bytes(VALID_CUSTOMERS)
        r_path.write_bytes(VALID_REPS)
        with contextlib.suppress(solver.SolverError):
            solver.solve(c_path, r_path, scenario)


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_scenario_file_raises_only_scenario_error(data):
    """Any bytes as a scenario TOML file: a valid scenario or a ScenarioError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.toml"
        path.write_bytes(data)
        with contextlib.suppress(solver.ScenarioError):
            solver.Scenario.from_toml(path)


def load_with_pair_file(key: str, name: str, content: bytes) -> None:
    """Scenario TOML whose rules.<key> names a file; only ScenarioError may come out."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pairs.csv").write_bytes(content)
        path = folder / "scenario.toml"
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        path.write_text(f'[rules]\n{key} = "{escaped}"\n', encoding="utf-8", errors="replace")
        with contextlib.suppress(solver.ScenarioError):
            solver.Scenario.from_toml(path)


@settings(FUZZ, max_examples=40)
@given(
    st.sampled_from(["locks", "forbidden"]),
    st.one_of(st.sampled_from(["pairs.csv", "missing.csv", "", "."]), st.text(max_size=8)),
)
def test_scenario_pair_file_names_raise_only_scenario_error(key, name):
    """rules.locks / rules.forbidden naming any path next to the scenario."""
    load_with_pair_file(key, name, b"customer_id,rep_id\nC1,R1\n")


@settings(FUZZ, max_examples=40)
@given(
    st.sampled_from(["locks", "forbidden"]),
    st.one_of(
        st.binary(max_size=60),
        st.text(max_size=40).map(str.encode),
        st.just("customer_id,rep_id\nC1,M\u00fcller\n".encode("latin-1")),
    ),
)
def test_scenario_pair_file_contents_raise_only_scenario_error(key, content):
    """rules.locks / rules.forbidden naming a file with any bytes in it."""
    load_with_pair_file(key, "pairs.csv", content)
