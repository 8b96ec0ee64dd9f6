"""Outputs under faults: a plan folder and a change-set are replaced as one set (a kill, a
full disk or a second run never leaves a mix that a reader accepts), staging folders of
dead runs are cleaned, outputs of the wrong kind or on a read-only disk are refused before
any work, and every CSV reads back to exactly the cells written."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import multiprocessing
import multiprocessing.synchronize
import os
import pathlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import solver
from solver import outputs
from solver.cli.main import app
from solver.errors import EXIT_INVALID_INPUT, EXIT_USAGE, EXIT_WRITE, InputError
from solver.export import FORMATS, export_changes
from solver.export.formats import get_format
from solver.export.plan_files import plan_file_bytes, read_plan
from solver.export.writer import encode, output_paths
from solver.inputs.io import read_table, restore_formula_text, write_csv
from tests.instances import make_instance, python_process

runner = CliRunner()
SCENARIO = {"as_of": "2027-01-01", "time_limit_s": 2, "seed": 1, "engine": "lns"}
PLAN_FILES = ("assignments.csv", "reps.csv", "metrics.json")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    customers, reps = make_instance(n=30, m=5, seed=1)
    customers.to_csv(folder / "customers.csv", index=False)
    reps.to_csv(folder / "reps.csv", index=False)
    (folder / "scenario.toml").write_text(
        'as_of = 2027-01-01\ntime_limit_s = 2\nseed = 1\nengine = "lns"\n', encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def two_plans(inputs) -> tuple[solver.Plan, solver.Plan]:
    customers = inputs / "customers.csv"
    reps = inputs / "reps.csv"
    first = solver.solve(customers, reps, SCENARIO)
    second = solver.solve(customers, reps, {**SCENARIO, "as_of": "2027-07-01"})
    return first, second


def contents(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in PLAN_FILES}


def solve_args(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [
        "solve",
        "--customers", str(inputs / "customers.csv"),
        "--reps", str(inputs / "reps.csv"),
        "--scenario", str(inputs / "scenario.toml"),
        "--out", str(out),
        "--quiet",
        *extra,
    ]  # fmt: skip


def readers_refuse(inputs: Path, plan: Path, tmp_path: Path) -> list[str]:
    """Run report, export and check on ``plan``; return their outputs (each must exit 3)."""
    check = [
        "check",
        "--customers", str(inputs / "customers.csv"),
        "--reps", str(inputs / "reps.csv"),
        "--scenario", str(inputs / "scenario.toml"),
        "--plan", str(plan / "assignments.csv"),
    ]  # fmt: skip
    runs = [
        ["report", "--plan", str(plan), "--out", str(tmp_path / "r.html")],
        ["export", "--plan", str(plan), "--format", "generic", "--out", str(tmp_path / "c.csv")],
        check,
        [*check[:-1], str(plan)],  # the folder itself
    ]
    texts = []
    for args in runs:
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_INVALID_INPUT, (args[0], result.output)
        texts.append(" ".join(result.output.split()))
    return texts


# --------------------------------------------------------------------------- one plan per folder
def test_every_plan_file_carries_the_plan_id_and_the_seal_names_it(two_plans, tmp_path):
    first, _ = two_plans
    first.write(tmp_path)
    seal = json.loads((tmp_path / "metrics.json").read_text())["plan_id"]
    for name in ("assignments.csv", "reps.csv"):
        ids = pd.read_csv(tmp_path / name, dtype=str)["plan_id"]
        assert set(ids) == {seal}, name
    assert read_plan(tmp_path).plan_id == seal
    assert "plan_id" not in read_plan(tmp_path).assignments.frame.columns


@pytest.mark.parametrize("copied", ["assignments.csv", "reps.csv", "metrics.json"])
def test_a_file_copied_from_another_plan_is_refused_by_every_reader(
    two_plans, inputs, tmp_path, copied
):
    first, second = two_plans
    a, b = tmp_path / "a", tmp_path / "b"
    first.write(a)
    second.write(b)
    shutil.copy(b / copied, a / copied)
    for text in readers_refuse(inputs, a, tmp_path):
        assert "come from different plans" in text and copied in text
    with pytest.raises(InputError, match="different plans"):
        read_plan(a)
    with pytest.raises(InputError, match="different plans"):
        solver.Plan.load(a)
    assert solver.Plan.load(b).certificate["as_of"] == "2027-07-01"  # a whole folder loads


def test_a_folder_without_ids_is_read_as_before(two_plans, tmp_path):
    first, _ = two_plans
    first.write(tmp_path)
    for name in ("assignments.csv", "reps.csv"):
        frame = pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False)
        frame.drop(columns="plan_id").to_csv(tmp_path / name, index=False)
    data = json.loads((tmp_path / "metrics.json").read_text())
    del data["plan_id"]
    (tmp_path / "metrics.json").write_text(json.dumps(data))
    assert read_plan(tmp_path).plan_id is None


def _kill_at(stage: str, name: str) -> str:
    """Python code for a ``territory`` process that kills itself at one step of the write."""
    return (
        "import os, signal\n"
        "from solver import outputs\n"
        "def hook(stage, name):\n"
        f"    if (stage, name) == ({stage!r}, {name!r}):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "outputs.WRITE_HOOK = hook\n"
        "from solver.cli.main import app\n"
        "app()\n"
    )


@pytest.mark.parametrize(
    ("stage", "name", "expect"),
    [
        ("staged", "", "previous"),
        ("replaced", "assignments.csv", "refused"),
        ("replaced", "reps.csv", "refused"),
        ("replaced", "metrics.json", "new"),
    ],
)
def test_a_kill_during_the_write_leaves_the_old_plan_the_new_one_or_a_refused_folder(
    inputs, tmp_path, stage, name, expect
):
    out = tmp_path / "plan"
    assert runner.invoke(app, solve_args(inputs, out)).exit_code == 0
    before = contents(out)
    killed = python_process(_kill_at(stage, name), solve_args(inputs, out, "--as-of", "2027-07-01"))
    _, stderr = killed.communicate(timeout=120)
    assert killed.returncode == -9, stderr
    if expect == "previous":
        assert contents(out) == before
        assert read_plan(out).plan_id == json.loads(before["metrics.json"])["plan_id"]
    elif expect == "new":
        assert read_plan(out).certificate["as_of"] == "2027-07-01"
    else:
        for text in readers_refuse(inputs, out, tmp_path):
            assert "come from different plans" in text and str(out) in text


def test_stale_staging_folders_are_removed_by_the_next_write(two_plans, tmp_path):
    first, second = two_plans
    first.write(tmp_path)
    dead = tmp_path / ".staging-plan-x1y2z3"
    legacy = tmp_path / ".staging-k3j4l5m6"  # the staging name of earlier versions
    for folder in (dead, legacy):
        folder.mkdir()
        (folder / "assignments.csv").write_bytes(b"x" * 3_000_000)
    keep = tmp_path / ".staging-notes"  # not ours: left alone
    keep.mkdir()
    second.write(tmp_path)
    assert not dead.exists() and not legacy.exists() and keep.exists()


def _hold_lock(folder: Path, seconds: float) -> subprocess.Popen:
    code = (
        "import sys, time\nfrom filelock import FileLock\n"
        "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(folder / ".plan.lock"), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_live_runs_lock_makes_the_writer_wait_and_its_staging_is_kept(
    two_plans, tmp_path, monkeypatch
):
    first, second = two_plans
    first.write(tmp_path)
    live = tmp_path / ".staging-plan-live"
    live.mkdir()
    monkeypatch.setattr(outputs, "LOCK_WAIT_S", 0.5)
    holder = _hold_lock(tmp_path, 60)
    try:
        with pytest.raises(outputs.WriteError, match="another run is writing") as info:
            second.write(tmp_path)
        assert info.value.exit_code == EXIT_WRITE
        assert live.exists() and read_plan(tmp_path).certificate["as_of"] == "2027-01-01"
    finally:
        holder.kill()
        holder.wait()
    second.write(tmp_path)  # the lock died with its process
    assert not live.exists() and read_plan(tmp_path).certificate["as_of"] == "2027-07-01"


def test_a_reader_between_a_live_writers_renames_waits_and_reads_the_whole_plan(
    two_plans, tmp_path
):
    first, second = two_plans
    a, b = tmp_path / "a", tmp_path / "b"
    first.write(a)
    second.write(b)
    shutil.copy(b / "assignments.csv", a / "assignments.csv")  # the writer's first rename
    code = (  # the writer holds the lock, renames the other two files a second later, ends
        "import shutil, sys, time\nfrom filelock import FileLock\n"
        "lock = FileLock(sys.argv[1] + '/.plan.lock'); lock.acquire(); print('held', flush=True)\n"
        "time.sleep(1)\n"
        "for name in ('reps.csv', 'metrics.json'):\n"
        "    shutil.copy(sys.argv[2] + '/' + name, sys.argv[1] + '/' + name)\n"
        "lock.release()\n"
    )
    writer = python_process(code, [str(a), str(b)])
    assert writer.stdout is not None and writer.stdout.readline().strip() == "held"
    files = read_plan(a)
    writer.communicate(timeout=30)
    assert files.certificate["as_of"] == "2027-07-01"


def _write_slowly(folder: str, files: dict[str, bytes], pause_s: float) -> None:
    """A writer that stops ``pause_s`` after its first rename (a slow disk, a busy machine)."""

    def hook(stage: str, name: str) -> None:
        if stage == "replaced" and name == "assignments.csv":
            time.sleep(pause_s)

    outputs.WRITE_HOOK = hook
    outputs.replace_together(Path(folder), files, "plan", "the plan")


def test_two_processes_writing_one_folder_leave_one_whole_plan(two_plans, tmp_path):
    payloads = []
    for plan in two_plans:
        payload = {"metrics": plan.metrics, "certificate": plan.certificate}
        payloads.append(plan_file_bytes(plan.assignments, plan.reps, payload))
    ctx = multiprocessing.get_context("fork")
    slow = ctx.Process(target=_write_slowly, args=(str(tmp_path), payloads[0], 1.0))
    fast = ctx.Process(target=_write_slowly, args=(str(tmp_path), payloads[1], 0.0))
    slow.start()
    time.sleep(0.3)  # the slow writer has renamed its first file and pauses
    fast.start()
    for proc in (slow, fast):
        proc.join(60)
        assert proc.exitcode == 0
    files = read_plan(tmp_path)  # raises on a mixed folder
    assert files.certificate["as_of"] == "2027-07-01"  # the second writer waited, then wrote


# --------------------------------------------------------------------------- change-sets
@pytest.fixture
def plan_folder(two_plans, tmp_path) -> Path:
    first, _ = two_plans
    first.write(tmp_path / "plan")
    return tmp_path / "plan"


@pytest.fixture
def exported(two_plans, tmp_path) -> tuple[Path, dict[str, bytes]]:
    """Plan folders a and b; a's change-set exported to crm/changes.csv, with its bytes."""
    first, second = two_plans
    first.write(tmp_path / "a")
    second.write(tmp_path / "b")
    out = tmp_path / "crm" / "changes.csv"
    export_changes(tmp_path / "a", "generic", out)
    return out, {p.name: p.read_bytes() for p in output_paths(out)}


def test_a_full_disk_leaves_the_previous_change_set_undo_and_manifest_whole(
    exported, tmp_path, monkeypatch
):
    out, before = exported
    calls = {"n": 0}
    original = pathlib.Path.write_bytes

    def fill_up(self, data):
        calls["n"] += 1
        if calls["n"] == 2:  # the undo file fitted, the change-set does not
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return original(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", fill_up)
    args = ["--plan", str(tmp_path / "b"), "--format", "generic", "--out", str(out), "--force"]
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == EXIT_WRITE, result.output
    assert "No space left on device" in result.output and "unchanged" in result.output
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in output_paths(out)} == before
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([*before, ".changes.csv.lock"])


def test_an_export_killed_before_its_renames_leaves_the_old_batch_and_its_staging_goes(
    exported, tmp_path
):
    out, before = exported
    args = ["export", "--plan", str(tmp_path / "b"), "--format", "generic", "--out", str(out)]
    killed = python_process(_kill_at("staged", ""), [*args, "--force"])
    _, stderr = killed.communicate(timeout=120)
    assert killed.returncode == -9, stderr
    assert {p.name: p.read_bytes() for p in output_paths(out)} == before
    assert [p for p in out.parent.iterdir() if p.name.startswith(".staging-changes.csv-")]
    result = export_changes(tmp_path / "b", "generic", out, overwrite=True)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        [p.name for p in output_paths(out)] + [".changes.csv.lock"]
    )
    manifest = json.loads(result.manifest_path.read_text())
    assert (
        manifest["batch_id"]
        == result.batch_id
        != json.loads(before["changes.manifest.json"])["batch_id"]
    )


def test_the_manifest_seals_the_change_set_and_its_undo(plan_folder, tmp_path):
    out = tmp_path / "changes.csv"
    result = export_changes(plan_folder, "generic", out)
    manifest = json.loads(result.manifest_path.read_text())
    for key, path in (("changes", result.changes_path), ("undo", result.undo_path)):
        assert manifest["files"][key]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the disk says no
def _read_only(monkeypatch, folder: Path) -> None:
    """Every file opened for writing inside ``folder`` fails as on a read-only filesystem."""
    original = os.open
    root = str(folder.resolve())

    def refuse(path, flags, *args, **kwargs):
        writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        if writing and str(Path(os.fsdecode(path)).resolve()).startswith(root):
            raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))
        return original(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)


def test_a_read_only_output_folder_stops_solve_before_loading(tmp_path, monkeypatch):
    out = tmp_path / "plan"
    out.mkdir()
    _read_only(monkeypatch, out)
    missing = tmp_path / "no-such-customers.csv"  # never read: the output is checked first
    result = runner.invoke(
        app, ["solve", "--customers", str(missing), "--reps", str(missing), "--out", str(out)]
    )
    assert result.exit_code == EXIT_WRITE, result.output
    text = " ".join(result.output.split())
    assert "Read-only file system" in text and "nothing was loaded" in text
    assert "no-such-customers" not in text and "Traceback" not in text


def test_a_full_disk_during_solve_is_one_line_and_keeps_the_previous_plan(
    inputs, tmp_path, monkeypatch
):
    out = tmp_path / "plan"
    assert runner.invoke(app, solve_args(inputs, out)).exit_code == 0
    before = contents(out)

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    result = runner.invoke(app, solve_args(inputs, out, "--as-of", "2027-07-01"))
    assert result.exit_code == EXIT_WRITE, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "No space left on device" in lines[0], result.output
    assert contents(out) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []


def test_solve_out_naming_a_file_fails_before_loading_and_keeps_the_file(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("mine")
    missing = tmp_path / "no-such-customers.csv"
    result = runner.invoke(
        app, ["solve", "--customers", str(missing), "--reps", str(missing), "--out", str(afile)]
    )
    assert result.exit_code == EXIT_USAGE, result.output
    assert "is a file, not a folder" in " ".join(result.output.split())
    assert afile.read_text() == "mine"


def test_outputs_that_are_not_regular_files_or_new_paths_are_refused(plan_folder, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases = [
        ["report", "--plan", str(plan_folder), "--out", str(fifo)],
        ["export", "--plan", str(plan_folder), "--format", "generic", "--out", ""],
        ["export", "--plan", str(plan_folder), "--format", "generic", "--out", str(fifo)],
        ["report", "--plan", str(plan_folder), "--out", str(tmp_path)],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_USAGE, (args, result.output)
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit), result.exception
    assert fifo.exists() and not fifo.is_file()


def test_a_failed_record_after_a_written_plan_says_the_plan_was_written(inputs, tmp_path):
    db = tmp_path / "runs.db"
    db.write_bytes(b"this is not a database" * 100)
    out = tmp_path / "plan"
    result = runner.invoke(app, [*solve_args(inputs, out), "--record", "--db", str(db)])
    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert f"the plan was written to {out}; only recording it failed" in text
    assert read_plan(out).plan_id


# --------------------------------------------------------------------------- cells round-trip
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
FRAMES = st.integers(1, 6).flatmap(
    lambda n: st.fixed_dictionaries(
        {"customer_id": st.lists(TEXT, min_size=n, max_size=n, unique=True).filter(all)},
        optional={"note": st.lists(TEXT, min_size=n, max_size=n)},
    )
)
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _frame(data: dict) -> pd.DataFrame:
    frame = pd.DataFrame(data)
    frame["rep_id"] = [f"R\r{k}," for k in range(len(frame))]
    frame["previous_rep"] = frame.get("note", "")
    frame["value"] = 1.5
    return frame


@PROPERTY
@given(FRAMES)
def test_write_csv_reads_back_to_the_cells_written(tmp_path, data):
    frame = _frame(data)
    write_csv(frame, tmp_path / "t.csv")
    back = read_table(tmp_path / "t.csv", "t").frame
    restored = back.map(restore_formula_text)
    expected = frame.astype(str)
    pd.testing.assert_frame_equal(restored, expected, check_dtype=False)


@PROPERTY
@given(FRAMES)
def test_a_plan_folder_reads_back_to_the_cells_written(tmp_path, data):
    frame = _frame(data)
    reps = pd.DataFrame({"rep_id": frame["rep_id"], "name": frame["customer_id"]})
    payload = {"metrics": {}, "certificate": {"status": "feasible"}}
    folder = tmp_path / "plan"
    outputs.replace_together(folder, plan_file_bytes(frame, reps, payload), "plan", "the plan")
    files = read_plan(folder)
    pd.testing.assert_frame_equal(files.assignments.frame, frame.astype(str))
    pd.testing.assert_frame_equal(files.reps.frame, reps.astype(str))


@PROPERTY
@given(FRAMES, st.sampled_from(sorted(FORMATS)))
def test_change_set_files_read_back_to_the_cells_written(data, fmt):
    frame = _frame(data)
    form = get_format(fmt)
    text = encode(form, frame).decode("utf-8")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if form.for_spreadsheets:
        back = back.map(restore_formula_text)
    pd.testing.assert_frame_equal(back, frame.astype(str))


def test_a_lone_carriage_return_in_an_input_cell_survives_solve_and_check(tmp_path):
    customers, reps = make_instance(n=20, m=4, seed=2)
    customers["name"] = "plain"
    customers.loc[5, "name"] = "a\rb"
    customers.loc[6, "customer_id"] = "C\r006"
    customers.to_csv(tmp_path / "c.csv", index=False, quoting=csv.QUOTE_ALL)  # quoted CR
    reps.to_csv(tmp_path / "r.csv", index=False)
    out = tmp_path / "plan"
    args = ["--customers", str(tmp_path / "c.csv"), "--reps", str(tmp_path / "r.csv")]
    solved = runner.invoke(app, ["solve", *args, "--out", str(out), "-q", "--time-limit", "2"])
    assert solved.exit_code == 0, solved.output
    written = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert len(written) == 20 and "a\rb" in set(written["name"])
    assert "C\r006" in set(written["customer_id"])
    checked = runner.invoke(app, ["check", *args, "--plan", str(out / "assignments.csv")])
    assert checked.exit_code == 0, checked.output


# --------------------------------------------------------------------------- run history
def _record(db: str, plan: solver.Plan, start: multiprocessing.synchronize.Event) -> None:
    from solver.store.history import record_run

    start.wait(30)
    record_run(plan, SCENARIO, db, label=f"pid {os.getpid()}")


@pytest.mark.parametrize("round_", range(3))
def test_processes_recording_into_a_new_database_at_once_all_succeed(two_plans, tmp_path, round_):
    from solver.store.history import RunStore

    db = str(tmp_path / f"fresh-{round_}.db")
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_record, args=(db, two_plans[0], start)) for _ in range(6)]
    for proc in procs:
        proc.start()
    time.sleep(0.5)
    start.set()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0] * 6
    with RunStore(db) as store:
        assert len(store.list()) == 6


# --------------------------------------------------------------------------- files a scenario names
@pytest.mark.parametrize(
    ("named", "rule"),
    [
        ("/dev/zero", "is not a regular file"),
        ("/proc/self/environ", "NUL bytes"),
        (".", "is not a regular file"),
    ],
)
def test_a_scenario_naming_a_device_or_a_proc_file_is_refused_naming_it(tmp_path, named, rule):
    toml = tmp_path / "scenario.toml"
    toml.write_text(f'[rules]\nlocks = "{named}"\n', encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(solver.ScenarioError) as info:
        solver.Scenario.from_toml(toml)
    assert time.perf_counter() - started < 5
    text = str(info.value)
    assert rule in text and (named in text or str(tmp_path) in text)


def test_a_scenario_file_above_the_size_limit_is_refused(tmp_path, monkeypatch):
    import solver.scenario

    monkeypatch.setattr(solver.scenario, "SCENARIO_FILE_LIMIT", 1000)
    locks = tmp_path / "locks.csv"
    locks.write_text("customer_id,rep_id\n" + "C1,R1\n" * 500, encoding="utf-8")
    toml = tmp_path / "scenario.toml"
    toml.write_text('[rules]\nlocks = "locks.csv"\n', encoding="utf-8")
    with pytest.raises(solver.ScenarioError, match="larger than the 0 MiB limit") as info:
        solver.Scenario.from_toml(toml)
    assert str(locks) in str(info.value)
    toml.write_text('[rules]\nlocks = "/dev/zero"\n' + "#" * 2000, encoding="utf-8")
    with pytest.raises(solver.ScenarioError, match="limit"):
        solver.Scenario.from_toml(toml)


def test_a_locks_file_without_the_id_header_is_refused(tmp_path):
    (tmp_path / "locks.csv").write_text("", encoding="utf-8")
    toml = tmp_path / "scenario.toml"
    toml.write_text('[rules]\nlocks = "locks.csv"\n', encoding="utf-8")
    with pytest.raises(solver.ScenarioError, match="no header row"):
        solver.Scenario.from_toml(toml)


def test_customers_from_a_device_are_refused_naming_the_file(tmp_path):
    result = runner.invoke(
        app,
        ["solve", "--customers", "/dev/zero", "--reps", "/dev/zero", "--out", str(tmp_path)],
    )
    assert result.exit_code == EXIT_INVALID_INPUT, result.output
    assert "/dev/zero" in result.output and "not a regular file" in result.output


def test_a_full_disk_under_the_run_database_is_exit_8_and_the_plan_stays(
    inputs, tmp_path, monkeypatch
):
    import sqlite3

    import sqlalchemy as sa

    import solver.store.history

    def full(conn, table, run_id, rows):
        raise sa.exc.OperationalError(
            "INSERT", {}, sqlite3.OperationalError("database or disk is full")
        )

    monkeypatch.setattr(solver.store.history, "_insert_rows", full)
    out = tmp_path / "plan"
    db = tmp_path / "runs.db"
    result = runner.invoke(app, [*solve_args(inputs, out), "--record", "--db", str(db)])
    assert result.exit_code == EXIT_WRITE, result.output
    text = " ".join(result.output.split())
    assert "only recording it failed" in text and "disk is full" in text
    assert "nothing was recorded" in text and read_plan(out).plan_id
    with solver.store.history.RunStore(db) as store:
        assert store.list().empty  # one transaction: the failed run left no row


def test_a_full_disk_under_the_report_is_one_line_exit_8(plan_folder, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("the previous report", encoding="utf-8")

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(pathlib.Path, "write_text", full)
    result = runner.invoke(app, ["report", "--plan", str(plan_folder), "--out", str(out)])
    assert result.exit_code == EXIT_WRITE, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "No space left on device (ENOSPC)" in lines[0]
    assert out.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_text_that_starts_with_a_quote_before_a_formula_leader_reads_back_unchanged(tmp_path):
    cells = ["'=", "'=1+1", "''-x", "=SUM(A1)", "'plain", "-5 km"]
    frame = pd.DataFrame({"customer_id": cells})
    write_csv(frame, tmp_path / "t.csv")
    written = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert written == ["''=", "''=1+1", "'''-x", "'=SUM(A1)", "'plain", "'-5 km"]
    back = read_table(tmp_path / "t.csv", "t").frame["customer_id"].map(restore_formula_text)
    assert back.tolist() == cells
