"""Scenario: defaults, TOML loading, errors that name the key, immutability, replace()."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pydantic
import pytest

import solver
from solver.errors import InputIssue
from solver.scenario import Rules, Travel, Weights, as_scenario
from tests.instances import make_instance


def write_toml(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def scenario_error(call) -> solver.ScenarioError:
    with pytest.raises(solver.ScenarioError) as info:
        call()
    error = info.value
    assert isinstance(error, solver.InputError)  # the CLI maps both to exit 3
    assert error.exit_code == 3
    assert all(isinstance(i, InputIssue) for i in error.issues)
    return error


def keys(error: solver.ScenarioError) -> dict[str, InputIssue]:
    return {issue.column: issue for issue in error.issues}


# ---------------------------------------------------------------- defaults and loading


def test_defaults():
    s = solver.Scenario()
    assert s.as_of == dt.date.today()
    assert s.engine == "auto"
    assert s.time_limit_s == 30.0
    assert s.seed == 0
    assert s.workers == 2
    assert s.workload_unit == "hours"
    assert s.max_candidates is None
    assert s.deterministic is False
    assert s.weights == Weights(
        travel=1.0, specialty=150.0, value_fit=300.0, continuity=60.0, balance=0.0
    )
    assert [(b.measure, b.share, b.tolerance, b.weight, b.band) for b in s.balance] == [
        ("workload", "capacity", 0.10, 300.0, None),
        ("value", "capacity", 0.15, 50.0, None),
    ]
    r = s.rules
    assert (r.protection, r.capacity_hours, r.max_accounts, r.max_travel) == (True,) * 4
    assert (r.region, r.required_specialty) == (False, False)
    assert r.key_account_min_seniority is None
    assert r.max_moves is None and r.max_moves_pct is None
    assert r.locks == () and r.forbidden == ()
    assert s.travel == Travel(road_factor=1.3, speed_kmh=60.0)


def test_from_toml_reads_every_section(tmp_path):
    path = write_toml(
        tmp_path,
        """
as_of = 2027-01-01
engine = "cpsat"
time_limit_s = 5
seed = 7

[weights]
travel = 2.5
balance = 30

[rules]
region = true
key_account_min_seniority = 3
max_moves_pct = 25
forbidden = [["C001", "R2"]]

[travel]
speed_kmh = 80
""",
    )
    s = solver.Scenario.from_toml(path)
    assert s.as_of == dt.date(2027, 1, 1)
    assert (s.engine, s.time_limit_s, s.seed) == ("cpsat", 5.0, 7)
    assert s.weights.travel == 2.5 and s.weights.balance == 30.0
    assert s.weights.specialty == 150.0  # untouched keys keep their defaults
    assert s.rules.region is True
    assert s.rules.key_account_min_seniority == 3
    assert s.rules.max_moves_pct == 25.0
    assert s.rules.forbidden == (("C001", "R2"),)
    assert s.rules.protection is True
    assert s.travel.speed_kmh == 80.0 and s.travel.road_factor == 1.3


def test_as_of_as_quoted_string(tmp_path):
    s = solver.Scenario.from_toml(write_toml(tmp_path, 'as_of = "2027-03-04"\n'))
    assert s.as_of == dt.date(2027, 3, 4)


def test_bundled_sample_scenario_loads():
    path = Path(__file__).resolve().parents[1] / "data" / "scenario.toml"
    s = solver.Scenario.from_toml(path)
    assert s.as_of == dt.date(2027, 1, 1)
    assert s.rules.key_account_min_seniority == 3


# ---------------------------------------------------------------- errors naming the key


def test_unknown_top_level_key(tmp_path):
    path = write_toml(tmp_path, "time_limt_s = 5\n")
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert (issue.source, issue.column, issue.rule) == (str(path), "time_limt_s", "unknown key")


def test_unknown_nested_key(tmp_path):
    path = write_toml(tmp_path, "[weights]\ntravl = 1\n")
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert issue.column == "weights.travl"
    assert issue.rule == "unknown key"
    assert f"{path}, key 'weights.travl': unknown key" in str(error)


def test_unknown_table(tmp_path):
    path = write_toml(tmp_path, "[weight]\ntravel = 1\n")
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert list(keys(error)) == ["weight"]


def test_all_bad_keys_reported_together(tmp_path):
    path = write_toml(
        tmp_path,
        'engine = "gurobi"\nfoo = 1\n[weights]\ntravl = 1\nbalance = -1\n[rules]\nmax_moves = -3\n',
    )
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert set(keys(error)) == {
        "engine",
        "foo",
        "weights.travl",
        "weights.balance",
        "rules.max_moves",
    }
    assert str(error).startswith("5 problem(s) in the input:")


@pytest.mark.parametrize(
    ("toml", "key", "rule_part", "given"),
    [
        ('time_limit_s = "fast"\n', "time_limit_s", "valid number", "'fast'"),
        ("time_limit_s = 0\n", "time_limit_s", "greater than 0", "0"),
        ("seed = -1\n", "seed", "greater than or equal to 0", "-1"),
        ("workers = 100\n", "workers", "less than or equal to 64", "100"),
        ('engine = "gurobi"\n', "engine", "'auto', 'cpsat', 'lns', 'flow' or 'milp'", "'gurobi'"),
        ('workload_unit = "days"\n', "workload_unit", "'hours' or 'accounts'", "'days'"),
        ('as_of = "2027-13-01"\n', "as_of", "not a date in YYYY-MM-DD form", "'2027-13-01'"),
        ("[weights]\ntravel = -2\n", "weights.travel", "greater than or equal to 0", "-2"),
        ('[weights]\nspecialty = "high"\n', "weights.specialty", "valid number", "'high'"),
        ('[rules]\nprotection = "maybe"\n', "rules.protection", "valid boolean", "'maybe'"),
        (
            "[rules]\nkey_account_min_seniority = 9\n",
            "rules.key_account_min_seniority",
            "less than or equal to 5",
            "9",
        ),
        ("[rules]\nmax_moves_pct = 150\n", "rules.max_moves_pct", "or equal to 100", "150"),
        ("[travel]\nroad_factor = 0.5\n", "travel.road_factor", "or equal to 1", "0.5"),
        ("weights = 3\n", "weights", "valid dictionary", "3"),
    ],
)
def test_bad_value_names_the_key(tmp_path, toml, key, rule_part, given):
    path = write_toml(tmp_path, toml)
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert len(error.issues) == 1, error.issues
    issue = error.issues[0]
    assert issue.source == str(path)
    assert issue.column == key
    assert rule_part in issue.rule
    assert issue.detail == f"got {given}"
    assert f"key '{key}'" in str(error)


def test_boolean_for_a_number_is_a_wrong_type(tmp_path):
    path = write_toml(tmp_path, "time_limit_s = true\n")
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert list(keys(error)) == ["time_limit_s"]


def test_bad_toml_syntax(tmp_path):
    path = write_toml(tmp_path, "as_of = \n[weights\n")
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert issue.source == str(path)
    assert issue.column == ""
    assert issue.rule.startswith("not valid TOML:")
    assert "line 1" in issue.rule


def test_missing_toml_file(tmp_path):
    path = tmp_path / "nope.toml"
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert [(i.source, i.rule) for i in error.issues] == [(str(path), "file not found")]


def test_from_dict_names_the_key():
    error = scenario_error(lambda: solver.Scenario.from_dict({"rules": {"protect": False}}))
    assert [(i.source, i.column, i.rule) for i in error.issues] == [
        ("scenario", "rules.protect", "unknown key")
    ]


# ---------------------------------------------------------------- replace and immutability


def test_replace_returns_a_new_scenario_and_keeps_the_base():
    base = solver.Scenario(as_of="2027-01-01", seed=3)
    dumped = base.model_dump()
    variant = base.replace(seed=9, time_limit_s=5, as_of=dt.date(2027, 7, 1))
    assert variant is not base
    assert (variant.seed, variant.time_limit_s, variant.as_of) == (9, 5.0, dt.date(2027, 7, 1))
    assert base.model_dump() == dumped
    assert (base.seed, base.time_limit_s, base.as_of) == (3, 30.0, dt.date(2027, 1, 1))


def test_replace_merges_nested_tables():
    base = solver.Scenario(weights={"specialty": 10, "balance": 5})
    variant = base.replace(weights={"travel": 2}, rules={"region": True})
    assert variant.weights == Weights(
        travel=2.0, specialty=10.0, value_fit=300.0, continuity=60.0, balance=5.0
    )
    assert variant.rules.region is True
    assert variant.rules.protection is True
    assert base.weights.travel == 1.0 and base.rules.region is False


def test_replace_with_a_model_replaces_the_table():
    variant = solver.Scenario().replace(travel=Travel(speed_kmh=90))
    assert variant.travel == Travel(road_factor=1.3, speed_kmh=90.0)


def test_replace_validates():
    base = solver.Scenario()
    error = scenario_error(lambda: base.replace(weights={"travl": 2}))
    assert [(i.source, i.column, i.rule) for i in error.issues] == [
        ("replace()", "weights.travl", "unknown key")
    ]
    error = scenario_error(lambda: base.replace(time_limit_s=-1))
    assert [i.column for i in error.issues] == ["time_limit_s"]


def test_scenario_is_immutable():
    s = solver.Scenario()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.seed = 5
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.weights.travel = 5
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.rules.protection = False
    assert s.seed == 0 and s.weights.travel == 1.0 and s.rules.protection is True


def test_scenario_is_hashable_and_compares_by_value():
    a = solver.Scenario(as_of="2027-01-01")
    b = solver.Scenario(as_of=dt.date(2027, 1, 1))
    assert a == b
    assert hash(a) == hash(b)
    assert a != a.replace(seed=1)


def test_locks_are_stored_as_tuples():
    s = solver.Scenario(rules={"locks": [["C001", "R2"]]})
    assert s.rules.locks == (("C001", "R2"),)
    assert isinstance(s.rules, Rules)


# ---------------------------------------------------------------- as_scenario


def test_as_scenario_accepts_none_dict_path_and_scenario(tmp_path):
    assert as_scenario(None) == solver.Scenario()
    from_dict = as_scenario({"seed": 4, "weights": {"travel": 3}})
    assert from_dict.seed == 4 and from_dict.weights.travel == 3.0
    path = write_toml(tmp_path, "seed = 11\n")
    assert as_scenario(path).seed == 11
    assert as_scenario(str(path)).seed == 11
    given = solver.Scenario(seed=2)
    assert as_scenario(given) is given


def test_as_scenario_dict_errors_name_the_key():
    error = scenario_error(lambda: as_scenario({"sead": 3}))
    assert [i.column for i in error.issues] == ["sead"]


# ---------------------------------------------------------------- locks from a CSV file


def test_locks_csv_is_read_relative_to_the_toml(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "locks.csv").write_text(
        "customer_id,rep_id\nC005,R2\n C006 , R0 \n", encoding="utf-8"
    )
    path = write_toml(folder, 'as_of = 2027-01-01\n[rules]\nlocks = "locks.csv"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the lock file is found next to the TOML, not in the cwd
    s = solver.Scenario.from_toml(path)
    assert s.rules.locks == (("C005", "R2"), ("C006", "R0"))


def test_locks_from_csv_force_the_plan(tmp_path):
    (tmp_path / "locks.csv").write_text("customer_id,rep_id\nC005,R2\nC006,R2\n", encoding="utf-8")
    path = write_toml(
        tmp_path, 'as_of = 2027-01-01\ntime_limit_s = 5\n[rules]\nlocks = "locks.csv"\n'
    )
    customers, reps = make_instance(n=20, m=4, seed=0)
    problem = solver.Problem.build(customers, reps, path)
    assert problem.forced[5] == 2 and problem.forced[6] == 2
    assert problem.forced_reason[5] == "locked by the scenario"
    plan = solver.solve(customers, reps, path)
    by_id = plan.assignments.set_index("customer_id")["rep_id"]
    assert by_id["C005"] == "R2" and by_id["C006"] == "R2"


def test_missing_locks_file(tmp_path):
    path = write_toml(tmp_path, '[rules]\nlocks = "nolocks.csv"\n')
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert [(i.source, i.rule) for i in error.issues] == [
        (str(tmp_path / "nolocks.csv"), "file for rules.locks not found")
    ]


def test_locks_file_row_missing_an_id(tmp_path):
    (tmp_path / "locks.csv").write_text("customer_id,rep_id\nC001,R1\nC002,\n", encoding="utf-8")
    path = write_toml(tmp_path, '[rules]\nlocks = "locks.csv"\n')
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert (issue.column, issue.rule, issue.rows) == (
        "customer_id/rep_id",
        "both ids are required",
        (3,),
    )


def test_unknown_customer_in_locks_names_the_entry(tmp_path):
    (tmp_path / "locks.csv").write_text(
        "customer_id,rep_id\nNOPE,R2\nC003,R1\nC004,RZ\n", encoding="utf-8"
    )
    path = write_toml(tmp_path, 'as_of = 2027-01-01\n[rules]\nlocks = "locks.csv"\n')
    scenario = solver.Scenario.from_toml(path)  # ids are only known once data is loaded
    customers, reps = make_instance(n=12, m=4, seed=0)
    error = scenario_error(lambda: solver.Problem.build(customers, reps, scenario))
    assert [(i.column, i.rule, i.detail) for i in error.issues] == [
        ("rules.locks[1]", "unknown customer_id", "'NOPE'"),
        ("rules.locks[3]", "unknown rep_id", "'RZ'"),
    ]
    assert "key 'rules.locks[1]': unknown customer_id" in str(error)


def test_a_bad_balance_table_is_named_by_its_position_counted_from_one(tmp_path):
    path = write_toml(
        tmp_path,
        '[[balance]]\nmeasure = "value"\nband = [0.8, 1.2]\n'
        '[[balance]]\nmeasure = "value"\nband = [1.2, 1.3]\n',
    )
    error = scenario_error(lambda: solver.Scenario.from_toml(path))
    assert [i.column for i in error.issues] == ["balance[2].band"]
    text = str(error)
    assert "key 'balance[2].band': the floor 1.2 is above 1" in text
    assert "Value error" not in text


def test_a_scenario_with_its_own_workload_term_keeps_it_and_gets_only_the_value_table():
    old = solver.Scenario.from_dict({"weights": {"balance": 30.0}})
    assert old.weights.balance == 30.0
    assert [b.measure for b in old.balance] == ["value"]
    assert solver.Scenario.from_dict({"balance": []}).balance == ()
    own = solver.Scenario.from_dict({"balance": [{"measure": "accounts", "weight": 5.0}]})
    assert [b.measure for b in own.balance] == ["accounts"]  # given tables replace defaults


def test_default_tables_follow_a_replaced_workload_weight_and_survive_a_round_trip():
    base = solver.Scenario()
    assert [b.measure for b in base.replace(weights={"balance": 30.0}).balance] == ["value"]
    assert base.replace(weights={"travel": 2.0}).balance == base.balance
    assert base.replace(balance=[]).balance == ()
    again = solver.Scenario.from_dict(base.model_dump())
    assert again == base and again.replace(weights={"balance": 30.0}).balance == base.balance
