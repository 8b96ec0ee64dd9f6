"""The HTML report of a plan folder: content, escaping, size limits, CLI, and a real browser."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import html
import json
import re
import shutil
import struct
import subprocess
import tomllib
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import solver
from solver.cli.report import report
from solver.inputs.io import restore_formula_text, write_csv
from solver.report import page as report_mod
from solver.report.page import render_report, write_report
from tests.instances import SMALL_SCENARIO, make_instance

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_REASON = '<img src=x onerror="alert(2)"> moved & "quoted"'
FORMULA_NAME = "=cmd|' /C calc'!A0"
HOSTILE_REP = "<b onmouseover=alert(3)>Rep</b>"


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A solved small plan whose CRM text carries markup and a spreadsheet formula."""
    customers, reps = make_instance(n=40, m=5, seed=3)
    customers["name"] = [f"Account {i}" for i in range(len(customers))]
    customers.loc[0, "name"] = HOSTILE_NAME
    reps["name"] = [f"Rep {j}" for j in range(len(reps))]
    reps.loc[0, "name"] = HOSTILE_REP
    plan = solver.solve(customers, reps, SMALL_SCENARIO)
    out = tmp_path_factory.mktemp("plan")
    plan.write(out)
    # a hostile reason on a moved account (reasons are ours, but the page must not trust them)
    raw = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assignments = raw.map(restore_formula_text)
    moved = assignments.index[assignments["changed"] == "True"]
    assert len(moved) >= 2
    assignments.loc[moved[0], "reason"] = HOSTILE_REASON
    assignments.loc[moved[0], "name"] = HOSTILE_NAME
    assignments.loc[moved[1], "name"] = FORMULA_NAME
    write_csv(assignments, out / "assignments.csv")
    return out


@pytest.fixture(scope="module")
def page(plan_dir: Path) -> str:
    return render_report(plan_dir)


@pytest.fixture(scope="module")
def metrics(plan_dir: Path) -> dict:
    return json.loads((plan_dir / "metrics.json").read_text(encoding="utf-8"))


class Dom(HTMLParser):
    """Counts the elements the checks need, tracking the enclosing element ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, str]] = []
        self.counts: dict[str, int] = {}
        self.text: list[str] = []
        self.ids: dict[str, list[str]] = {}
        self.body: dict[str, str | None] = {}
        self.current: str | None = None

    def _inside(self, ident: str) -> bool:
        return any(i == ident for _, i, _ in self.stack)

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        ident, cls = a.get("id") or "", a.get("class") or ""
        if tag == "body":
            self.body = a
        if tag == "script":
            self._count("script")
        if tag == "circle":
            for which in ("before", "after"):
                if self._inside(f"map-{which}") and any("accounts" in c for *_, c in self.stack):
                    self._count(f"points-{which}")
        if tag == "rect" and cls in ("bar-before", "bar-after"):
            self._count(cls)
        if tag == "tr" and any(t == "tbody" for t, _, _ in self.stack):
            for table in ("moves", "reps"):
                if self._inside(table):
                    self._count(f"rows-{table}")
        if tag == "img" or (tag in ("b",) and self._inside("reps")):
            self._count(f"injected-{tag}")
        if ident:
            self.ids[ident] = []
            self.current = ident
        if tag not in ("circle", "rect", "line", "path", "meta", "input", "br", "i"):
            self.stack.append((tag, ident, cls))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for _, ident, _ in self.stack:
            if ident in self.ids:
                self.ids[ident].append(data)

    def text_of(self, ident: str) -> str:
        return "".join(self.ids.get(ident, []))

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def parse(html_text: str) -> Dom:
    dom = Dom()
    dom.feed(html_text)
    dom.close()
    return dom


def headline_strings(plan_dir: Path, metrics: dict) -> list[str]:
    """The numbers the headline cards must show, formatted as the page formats them."""
    after, before = metrics["metrics"]["after"], metrics["metrics"]["before"]
    cert = metrics["certificate"]
    return [
        f"{100 * cert['gap']:.2f} %",
        f"{after['moves']:,}",
        f"{after['value_moved']:,.0f}",
        f"{100 * after['value_moved_share']:.1f} %",
        f"{before['workload']['gini']:.3f}",
        f"{after['workload']['gini']:.3f}",
        f"{before['workload']['cv']:.3f}",
        f"{after['workload']['cv']:.3f}",
        f"{after['workload']['max_min_ratio']:.2f}",
        f"{cert['objective']:,.0f}",
        f"{cert['bound']:,.0f}",
    ]


def plan_counts(plan_dir: Path) -> tuple[int, int, int]:
    a = pd.read_csv(plan_dir / "assignments.csv")
    r = pd.read_csv(plan_dir / "reps.csv")
    return len(a), len(r), int(a["changed"].sum())


# ---------------------------------------------------------------- HTML text


def test_hostile_text_is_escaped(page: str) -> None:
    assert HOSTILE_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "onerror=&#34;alert(2)&#34;" in page
    assert "&lt;b onmouseover=alert(3)&gt;Rep&lt;/b&gt;" in page
    assert page.count("<script>") == 1  # only the page's own sorting/filter script
    # the spreadsheet guard is undone: the text reads as the CRM wrote it
    assert "=cmd|&#39; /C calc&#39;!A0" in page
    assert "&#39;=cmd" not in page


def test_page_is_self_contained(page: str) -> None:
    assert not re.search(r"<[^<>]*\s(src|href)\s*=", page, flags=re.IGNORECASE)
    assert "url(" not in page and "@import" not in page
    assert "http://" not in page and "https://" not in page
    assert "default-src &#39;none&#39;" in page  # CSP: the browser may fetch nothing


def test_headline_numbers_and_element_counts(page: str, plan_dir: Path, metrics: dict) -> None:
    n, m, moves = plan_counts(plan_dir)
    for text in headline_strings(plan_dir, metrics):
        assert text in page, text
    dom = parse(page)
    assert dom.counts["bar-after"] == m and dom.counts["bar-before"] == m
    assert dom.counts["points-before"] == n and dom.counts["points-after"] == n
    assert dom.counts["rows-moves"] == moves
    assert dom.counts["rows-reps"] == m
    assert "capacity 100 %" in page
    assert "(leaving)" in page  # the leaving rep is marked on chart and maps


def test_sampling_and_move_cap_are_stated(plan_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n, _, moves = plan_counts(plan_dir)
    monkeypatch.setattr(report_mod, "MAX_MAP_POINTS", 15)
    monkeypatch.setattr(report_mod, "MAX_MOVE_ROWS", 2)
    page = render_report(plan_dir)
    dom = parse(page)
    assert dom.counts["points-before"] == 15 and dom.counts["points-after"] == 15
    assert dom.counts["rows-moves"] == 2
    assert f"A random sample of 15 of {n:,} accounts" in page
    assert f"The 2 highest-value moves of {moves:,}" in page


def test_large_plan_stays_small(tmp_path: Path, plan_dir: Path) -> None:
    """100k accounts: the maps draw a 20k sample and the page stays a few MB."""
    # the cells as written (read raw, our spreadsheet-safe quotes are still on them)
    raw = pd.read_csv(plan_dir / "assignments.csv", dtype=str, keep_default_na=False)
    a = raw.map(restore_formula_text)
    big = a.sample(100_000, replace=True, random_state=0).reset_index(drop=True)
    big["customer_id"] = [f"X{i:06d}" for i in range(len(big))]
    write_csv(big, tmp_path / "assignments.csv")
    shutil.copy(plan_dir / "reps.csv", tmp_path / "reps.csv")
    shutil.copy(plan_dir / "metrics.json", tmp_path / "metrics.json")
    out = write_report(tmp_path, tmp_path / "big.html")
    size = out.stat().st_size
    assert size < 8_000_000, size
    dom = parse(out.read_text(encoding="utf-8"))
    assert dom.counts["points-after"] == report_mod.MAX_MAP_POINTS
    assert dom.counts["rows-moves"] <= report_mod.MAX_MOVE_ROWS


def test_cli_writes_the_report(plan_dir: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(report)
    app.command("noop")(lambda: None)  # two commands: typer keeps the command name
    out = tmp_path / "sub" / "report.html"
    result = CliRunner().invoke(app, ["report", "--plan", str(plan_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(out.parent.glob(".*.tmp"))  # atomic write left no temporary file
    missing = CliRunner().invoke(
        app, ["report", "--plan", str(tmp_path / "nope"), "--out", str(out)]
    )
    assert missing.exit_code == 3
    assert "plan folder not found" in missing.output


# ---------------------------------------------------------------- real browser

CHROMIUM = shutil.which("chromium")
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *BROWSER_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def png_size_and_colours(path: Path, enough: int = 64) -> tuple[int, int, int]:
    """Width, height and number of distinct colours (counting stops at ``enough``)."""
    try:
        from PIL import Image
    except ImportError:
        return _png_stdlib(path, enough)
    with Image.open(path) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 24) or []
        return im.width, im.height, min(len(colours), enough)


def _png_stdlib(path: Path, enough: int) -> tuple[int, int, int]:
    """A minimal 8-bit RGB/RGBA PNG decoder (zlib + the five row filters)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = ctype = depth = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and ctype in (2, 6), (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up, ul = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1:
                row[i] = (row[i] + left) & 255
            elif f == 2:
                row[i] = (row[i] + up) & 255
            elif f == 3:
                row[i] = (row[i] + (left + up) // 2) & 255
            elif f == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else ul
                row[i] = (row[i] + pred) & 255
        colours.update(bytes(row[i : i + 3]) for i in range(0, stride, bpp))
        if len(colours) >= enough:
            return width, height, enough
        prev = row
    return width, height, len(colours)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (scripts/install_browser.sh)")
def test_report_renders_in_headless_chromium(plan_dir: Path, metrics: dict, tmp_path: Path) -> None:
    html_path = write_report(plan_dir, tmp_path / "report.html")
    url = html_path.resolve().as_uri()
    done = _chromium(["--dump-dom", url], tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = parse(done.stdout)
    n, m, moves = plan_counts(plan_dir)
    text = dom.all_text
    for number in headline_strings(plan_dir, metrics):
        assert number in text, number
    assert dom.counts.get("bar-after") == m and dom.counts.get("bar-before") == m
    assert dom.counts.get("points-before") == n and dom.counts.get("points-after") == n
    assert dom.counts.get("rows-moves") == moves and dom.counts.get("rows-reps") == m
    # the page's script ran (its CSP hash matches) and nothing from the data became markup
    assert dom.body.get("data-ready") == "1"
    assert dom.text_of("move-count") == f"{moves} of {moves} moves shown"
    assert dom.counts.get("script") == 1
    assert "injected-img" not in dom.counts and "injected-b" not in dom.counts
    assert HOSTILE_NAME in text and HOSTILE_REASON in text and HOSTILE_REP in text

    shot = tmp_path / "report.png"
    done = _chromium(
        [f"--screenshot={shot}", "--window-size=1400,2000", url], tmp_path / "profile2"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 10_000
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1400, 2000)
    assert colours >= 32, colours  # text, cards, bars and map colours, not a blank page


def test_plan_without_previous_owners(tmp_path: Path) -> None:
    """No current_rep anywhere: no 'before' metrics, grey before-map, page still complete."""
    customers, reps = make_instance(n=30, m=4, seed=5, leaving=False)
    customers["current_rep"] = ""
    solver.solve(customers, reps, SMALL_SCENARIO).write(tmp_path)
    page = render_report(tmp_path)
    dom = parse(page)
    assert dom.counts["points-before"] == 30 and dom.counts["points-after"] == 30
    assert dom.counts["bar-after"] == 4
    assert "rows-moves" not in dom.counts and "All 0 moves." in page
    assert "no rep / unknown" in page


def test_script_hash_in_the_policy_matches_the_inline_script(page: str) -> None:
    """The browser runs the sorting script only if its SHA-256 is the one the policy names."""
    script = re.search(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    policy = re.search(r"script-src &#39;sha256-([A-Za-z0-9+/=]+)&#39;", page)
    assert script and policy
    digest = hashlib.sha256(html.unescape(script.group(1)).encode("utf-8")).digest()
    assert base64.b64encode(digest).decode() == policy.group(1)
    assert "move-filter" in script.group(1)  # the page's own script, not an empty one


def test_every_data_file_of_the_package_is_shipped() -> None:
    """Templates and outlines are read at run time: a non-editable install must carry them,
    so each non-Python file under solver/ matches a package-data pattern (patterns are
    relative to their package's folder)."""
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]
    missing = []
    for path in sorted((root / "solver").rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        shipped = False
        for package, globs in patterns.items():
            folder = root.joinpath(*package.split("."))
            if folder in path.parents:
                inside = path.relative_to(folder).as_posix()
                shipped |= any(fnmatch.fnmatch(inside, g) for g in globs)
        if not shipped:
            missing.append(str(path.relative_to(root)))
    assert not missing, missing
