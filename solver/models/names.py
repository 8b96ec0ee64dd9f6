"""The engine names a scenario may choose (``engine = ...``); the registry implements them."""

#: "auto" runs the portfolio of :mod:`solver.models.auto`; the others one engine each
ENGINE_CHOICES = ("auto", "cpsat", "lns", "flow", "milp")
