"""Windows, macOS and containers: no POSIX-only import at start-up, memory read through
psutil and capped by the container's cgroup limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from solver import limits
from solver.errors import TooLargeError

ROOT = Path(__file__).resolve().parents[2]
GIB = 2**30


def test_import_without_the_resource_module():
    """What Windows does: ``resource`` does not exist. The package, the sweep and the
    memory estimate still work; only the worker memory cap is refused, with a reason.
    psutil is imported first: its Linux back end uses ``resource``, its Windows one not."""
    code = (
        "import sys, psutil; sys.modules['resource'] = None\n"
        "import solver, solver.cli.main\n"
        "from solver import sweep\n"
        "from solver import limits\n"
        "assert limits.available_bytes() > 0\n"
        "try:\n"
        "    sweep(None, [], worker_memory_mb=100)\n"
        "except ValueError as exc:\n"
        "    print('refused:', exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "refused: worker_memory_mb needs a POSIX system" in result.stdout


def cgroup_tree(tmp_path: Path, files: dict[str, str], self_line: str) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    proc = tmp_path / "self_cgroup"
    proc.write_text(self_line + "\n")
    return root, proc


def test_cgroup_v2_limit_minus_usage(tmp_path):
    root, proc = cgroup_tree(
        tmp_path,
        {
            "memory.max": "max",  # the root sets no limit
            "kubepods/pod1/memory.max": str(2 * GIB),
            "kubepods/pod1/memory.current": str(GIB // 2),
            "kubepods/pod1/app/memory.max": "max",
        },
        "0::/kubepods/pod1/app",
    )
    assert limits.cgroup_room_bytes(root, proc) == 2 * GIB - GIB // 2


def test_cgroup_v1_limit_and_no_limit(tmp_path):
    root, proc = cgroup_tree(
        tmp_path,
        {
            "memory/docker/abc/memory.limit_in_bytes": str(GIB),
            "memory/docker/abc/memory.usage_in_bytes": str(GIB // 4),
        },
        "12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc",
    )
    assert limits.cgroup_room_bytes(root, proc) == GIB - GIB // 4
    (root / "memory/docker/abc/memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert limits.cgroup_room_bytes(root, proc) is None  # v1's "unlimited"


def test_no_cgroup_files_means_no_cap(tmp_path):
    assert limits.cgroup_room_bytes(tmp_path / "none", tmp_path / "none" / "cgroup") is None


def test_a_solve_beyond_the_container_limit_stops_with_exit_7(tmp_path, monkeypatch):
    root, proc = cgroup_tree(
        tmp_path, {"memory.max": str(GIB), "memory.current": str(GIB // 2)}, "0::/"
    )
    monkeypatch.setattr(limits, "CGROUP_ROOT", root)
    monkeypatch.setattr(limits, "SELF_CGROUP", proc)
    assert limits.available_bytes() <= GIB // 2
    with pytest.raises(TooLargeError) as info:
        limits.check_size(1_000_000, "lns")  # 0.4 GiB base + 0.37 GiB of pairs
    assert info.value.exit_code == 7
    assert "0.5 GiB available" in str(info.value)
