"""Errors a user can act on: each names where the problem is and which rule it breaks.

Exit codes used by the command line (stable, scripts depend on them):
0 success, 2 usage error, 3 invalid input, 4 infeasible scenario,
5 plan breaks hard rules (``territory check``), 6 no plan found within the time limit,
7 instance beyond the size limits or out of memory, 8 an output cannot be written (disk
full, read-only, no permission, or another run holds its lock; what was there is left
whole), 9 a file or database written by a newer version of the solver (upgrade it),
130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM. A stopped solve that had
a plan writes it, marked as interrupted, and still exits 130/143.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_INFEASIBLE = 4
EXIT_VIOLATIONS = 5
EXIT_NO_SOLUTION = 6
EXIT_TOO_LARGE = 7
EXIT_WRITE = 8
EXIT_NEWER_VERSION = 9
EXIT_UNPLACED = 10  # assign: some new accounts could not be placed (the rest were)
EXIT_STOPPED = {"SIGINT": 130, "SIGTERM": 143}


@dataclass(frozen=True)
class InputIssue:
    """One problem in one input: file, row(s), column and the rule it breaks."""

    source: str
    column: str
    rule: str
    rows: tuple[int, ...] = ()
    detail: str = ""
    #: what ``column`` names: a table's "column", or a scenario's "key"
    label: str = "column"
    #: rows are positions counted from 0 (a DataFrame or Parquet file), not lines
    from_zero: bool = False

    def __str__(self) -> str:
        where = self.source
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
            label = "row" if len(self.rows) == 1 else "rows"
            where += f", {label} {shown}{more}" + (" (counting from 0)" if self.from_zero else "")
        if self.column:
            where += f", {self.label} '{self.column}'"
        text = f"{where}: {self.rule}"
        return f"{text} ({self.detail})" if self.detail else text


class SolverError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class InputError(SolverError):
    """The inputs break the input contract; all issues found are listed at once."""

    exit_code = EXIT_INVALID_INPUT

    def __init__(self, issues: list[InputIssue]):
        self.issues = list(issues)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{len(self.issues)} problem(s) in the input:"]
        lines += [f"  - {issue}" for issue in self.issues]
        return "\n".join(lines)


class ScenarioError(InputError):
    """The scenario (TOML file, dict or keyword) has unknown keys or bad values."""


class InfeasibleError(SolverError):
    """No plan satisfies every hard rule; ``reasons`` say which rules conflict and where."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, reasons: list[str], suggestions: list[str] | None = None):
        self.reasons = list(reasons)
        self.suggestions = list(suggestions or [])
        super().__init__(self.render())

    def render(self) -> str:
        lines = ["No plan satisfies every hard rule:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        if self.suggestions:
            lines.append("What could be relaxed:")
            lines += [f"  - {s}" for s in self.suggestions]
        return "\n".join(lines)


class NoSolutionError(SolverError):
    """The engine found no plan within its time limit (feasibility not decided)."""

    exit_code = EXIT_NO_SOLUTION


class EngineCapabilityError(SolverError):
    """The chosen engine cannot handle a term or rule the scenario asks for."""

    exit_code = EXIT_INVALID_INPUT


class TooLargeError(SolverError):
    """The instance is beyond the stated size limits, or the machine ran out of memory."""

    exit_code = EXIT_TOO_LARGE


class StoppedError(SolverError):
    """A signal stopped the solve before any plan existed; nothing was written."""

    def __init__(self, signal_name: str):
        self.signal_name = signal_name
        self.exit_code = EXIT_STOPPED.get(signal_name, 130)
        super().__init__(f"stopped by {signal_name} before any plan was found; nothing written")


class NewerVersionError(SolverError):
    """A file or database was written by a newer version of this package: its layout is
    beyond what this version reads, so nothing is read or changed."""

    exit_code = EXIT_NEWER_VERSION

    def __init__(self, what: str, path: str, found: object, known: object):
        self.path, self.found, self.known = path, found, known
        super().__init__(
            f"{what} {path} has schema version {found}, newer than this version of "
            f"territory-solver reads ({known}); upgrade territory-solver "
            "(python -m pip install -U territory-solver) to read it"
        )
