"""The engine names: what a scenario may choose (``engine = ...``), what the registry and
the size limits are keyed by. Spell an engine's name here only; everything else imports it."""

#: the portfolio of :mod:`solver.models.auto`
AUTO = "auto"
#: engines that produce plans
CPSAT, LNS, FLOW, MILP, HIGHS = "cpsat", "lns", "flow", "milp", "highs"
#: engines that produce lower bounds
LP, LAGRANGIAN = "lp", "lagrangian"

#: "auto" runs the portfolio; the others one engine each
ENGINE_CHOICES = (AUTO, CPSAT, LNS, FLOW, MILP)


def spelled_out(names: tuple[str, ...] = ENGINE_CHOICES) -> str:
    """The names as a sentence lists them: "auto, cpsat, lns, flow or milp"."""
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
