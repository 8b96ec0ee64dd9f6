"""The report's templates: jinja2 with autoescaping, so every value a template prints is
HTML-escaped unless it is already markup (:class:`markupsafe.Markup`).

Templates live in the ``templates/`` folder of a package, shipped as package data. A
section from another room (the routes section) renders its own templates with
``render(name, package=...)`` and can import the report's macros (``macros.html.j2``).
Filters: ``num`` (thousands-separated, ``num(1)`` one decimal), ``pct`` (a share as
"25.0 %"), ``ratio`` (three decimals), ``px`` (an SVG coordinate, one decimal).
"""

from __future__ import annotations

from functools import cache

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from solver.report.formats import fmt_num, fmt_pct, fmt_ratio

REPORT = "solver.report"


def px(v: float) -> str:
    """An SVG coordinate in pixels, one decimal."""
    return f"{v:.1f}"


@cache
def environment(package: str = REPORT) -> Environment:
    """The template environment of ``package``: its templates, then the report's."""
    loaders = [PackageLoader(package, "templates")]
    if package != REPORT:
        loaders.append(PackageLoader(REPORT, "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=fmt_num, pct=fmt_pct, ratio=fmt_ratio, px=px)
    return env


def render(template: str, package: str = REPORT, **values: object) -> Markup:
    """``template`` of ``package`` rendered with ``values`` (escaped), as markup."""
    return Markup(environment(package).get_template(template).render(**values))


def asset(name: str) -> str:
    """The raw text of a file in the report's templates folder (style sheet, script)."""
    env = environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]
