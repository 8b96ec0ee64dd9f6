"""Lagrangian lower bound for instances too large for the LP: projected subgradient ascent.

Every limit row k (rep hours, rep accounts, move budget) gets a multiplier mu_k >= 0 on
its ceiling b_k and one nu_k >= 0 on its floor l_k (balance bands, rep floors), and the
balance term is written as its dual, w |L_j - s_j W| = max over |lambda_j| <= w of
lambda_j (L_j - s_j W). For any such multipliers

    g(mu, nu, lambda) = sum_i min_{p of i} d_p - sum_k mu_k b_k + sum_k nu_k l_k,
    d_p = c_p + sum_k (mu_k - nu_k) a_kp + load_p (lambda_rep(p) - sum_j s_j lambda_j)

plus, per soft balance band (solver.objectives.bands) and rep, alpha_j (a_j x - upper_j)
+ beta_j (lower_j - a_j x) with 0 <= alpha_j, beta_j <= price_j (at most price_j x the
band's excess, since the two brackets are never both positive; their steps are taken on
alpha_j / price_j in 0..1, whose subgradient price_j x (a_j x - upper_j) is in cost
points whatever the measure's unit, so a value band in dollars and an hours row step
alike),
is a lower bound on the cost of every plan (weak duality: each customer takes exactly one
pair, and each relaxed term is at most its true value). Its maximum equals the LP bound;
the ascent gets close to it in seconds per million pairs, with one pass over the pairs per
step. Steps follow Polyak's rule t = theta (U - g) / |subgradient|^2 with U the cost of the
best plan known (1 % above the bound until there is one). On a model with floors they
are taken on each limit row scaled to its limit and on the balance loads scaled to the
mean target: unscaled, a value band's dollars swamped every hours row and the ascent
stalled 2.9 % below the LP bound on 10,000 x 100 with value and workload bands. Theta is
halved when the bound
stalls. Every ``REPAIR_EVERY`` steps the cheapest choice under the current multipliers is
repaired into a plan (models.warmstart); the best such plan is the search's start. The
ascent ends once a plan is known and the bound has nearly stopped rising
(``CONVERGED_GAIN``), at the time limit, or after ``max_steps``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solver.interrupt import StopRequest
from solver.models.base import EngineResult
from solver.models.engine import Context, Relaxation
from solver.models.names import LAGRANGIAN
from solver.models.warmstart import repair
from solver.problem import Problem

#: halve the step factor after this many steps without a better bound
STALL_STEPS = 15
MIN_THETA = 1e-4
#: the ascent stops once CONVERGED_STEPS steps raised the bound by less than this share
CONVERGED_GAIN = 2e-5
CONVERGED_STEPS = 100
#: steps between two attempts to turn the current cheapest choice into a plan
REPAIR_EVERY = 40
#: Polyak target above the bound while no plan is known
TARGET_MARGIN = 0.01
#: on_plan(plan, cost, reduced costs, bound) -> (plan, cost): see :func:`subgradient_bound`
PlanHook = Callable[[np.ndarray | None, float, np.ndarray, float], tuple[np.ndarray | None, float]]


@dataclass(frozen=True)
class DualBound:
    bound: float  # best g found (min sense), valid for every plan
    rep: np.ndarray  # each customer's cheapest rep under the best multipliers
    excess: np.ndarray  # per pair: d_p minus its customer's least d, at the best multipliers
    steps: int
    wall_s: float
    plan: np.ndarray | None  # best plan repaired from the cheapest choices, if any
    plan_cost: float


class _Rows:
    """The relaxed rows in one place: per block its rows, plus the balance duals."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.blocks = [b for b in problem.blocks if len(b.upper)]
        self.mu = [np.zeros(len(b.upper)) for b in self.blocks]
        # floors: nu_r >= 0 prices lower_r - sum a x <= 0 (zero on rows without a floor)
        self.nu = [np.zeros(len(b.upper)) for b in self.blocks]
        self.floored = [b.lower > 0 for b in self.blocks]
        # per block: each pair's row, pairs in no row pointing at an extra zero multiplier
        self.rows = [np.where(b.row >= 0, b.row, len(b.upper)) for b in self.blocks]
        self.cost = problem.pair_cost
        bal = problem.balance
        self.weight = bal.weight if bal is not None and bal.weight > 0 else 0.0
        self.active = bal.active if self.weight else np.zeros(problem.m, dtype=bool)
        self.shares = np.where(self.active, bal.shares, 0.0) if self.weight else None
        self.lam = np.zeros(problem.m)
        self.soft = problem.soft
        self.alpha = [np.zeros(problem.m) for _ in self.soft]
        self.beta = [np.zeros(problem.m) for _ in self.soft]
        self.starts = problem.customer_starts()[:-1]
        # steps are taken on multipliers of rows scaled to their limits (and on the balance
        # duals of loads scaled to the mean target), so an hours row and a value row in
        # dollars step alike: y_r = mu_r x scale_r, subgradient (a_r x - b_r) / scale_r
        # only on models with floors: without them the unscaled steps measured slightly
        # better (10,000 x 100, hours and move budget: bound 0.02 % higher at 10 s)
        scaled = any(b.has_floors() for b in self.blocks)
        self.scales = [b.scale() if scaled else np.ones(len(b.upper)) for b in self.blocks]
        load = float(problem.pair_load.mean()) * problem.n if len(problem.pair_load) else 0.0
        self.bal_scale = max(load / max(1, int(self.active.sum())), 1e-9) if scaled else 1.0

    def reduced(self) -> np.ndarray:
        p = self.problem
        d = self.cost.copy()
        for b, rows, mu, nu in zip(self.blocks, self.rows, self.mu, self.nu, strict=True):
            d += np.append(mu - nu, 0.0)[rows] * b.coeff
        if self.weight:
            d += p.pair_load * (self.lam - self.shares @ self.lam)[p.pair_rep]
        for t, alpha, beta in zip(self.soft, self.alpha, self.beta, strict=True):
            d += t.load * (alpha - beta)[p.pair_rep]
        return d

    def evaluate(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(g, chosen pair per customer, reduced costs) at the current multipliers."""
        d = self.reduced()
        cust = self.problem.pair_customer
        least = np.minimum.reduceat(d, self.starts)
        ties = np.flatnonzero(d <= least[cust])  # pairs are sorted by customer
        first = np.ones(len(ties), dtype=bool)
        first[1:] = cust[ties[1:]] != cust[ties[:-1]]
        penalty = sum(
            float(mu @ b.upper) - float(nu @ b.lower)
            for b, mu, nu in zip(self.blocks, self.mu, self.nu, strict=True)
        )
        penalty += sum(
            float(alpha @ t.upper) - float(beta @ t.lower)
            for t, alpha, beta in zip(self.soft, self.alpha, self.beta, strict=True)
        )
        return float(least.sum()) - penalty, ties[first], d

    def subgradient(self, chosen: np.ndarray) -> list[np.ndarray]:
        p = self.problem
        parts = []
        for b, floored, scale in zip(self.blocks, self.floored, self.scales, strict=True):
            usage = b.usage(chosen)
            parts.append((usage - b.upper) / scale)
            parts.append(np.where(floored, b.lower - usage, 0.0) / scale)
        if self.weight:
            load = np.bincount(p.pair_rep[chosen], weights=p.pair_load[chosen], minlength=p.m)
            gap = np.where(self.active, load - self.shares * load.sum(), 0.0)
            parts.append(gap / self.bal_scale)
        for t in self.soft:  # in cost points (price x excess): the measure's unit drops out
            sums = t.rep_sums(p.pair_rep[chosen], chosen, p.m)
            parts += [t.price * (sums - t.upper), t.price * (t.lower - sums)]
        return parts

    def step(self, parts: list[np.ndarray], t: float) -> None:
        for k, (mu, nu, scale) in enumerate(zip(self.mu, self.nu, self.scales, strict=True)):
            np.maximum(mu + t * parts[2 * k] / scale, 0.0, out=mu)
            np.maximum(nu + t * parts[2 * k + 1] / scale, 0.0, out=nu)
        k = 2 * len(self.mu)
        if self.weight:
            lam = self.lam + t * parts[k] / self.bal_scale
            self.lam = np.clip(lam, -self.weight, self.weight)
            self.lam[~self.active] = 0.0
            k += 1
        for j, term in enumerate(self.soft):  # scaled by the price: alpha / price in 0..1
            up, down = parts[k + 2 * j], parts[k + 2 * j + 1]
            self.alpha[j] = np.clip(self.alpha[j] + t * term.price * up, 0.0, term.price)
            self.beta[j] = np.clip(self.beta[j] + t * term.price * down, 0.0, term.price)


def subgradient_bound(
    problem: Problem,
    time_limit_s: float,
    objective: Callable[[np.ndarray], float],
    stop: StopRequest | None = None,
    max_steps: int | None = None,
    on_plan: PlanHook | None = None,
) -> DualBound:
    """Best Lagrangian bound found within ``time_limit_s`` seconds (or until ``stop``), and
    the best plan repaired on the way; ``objective(rep)`` is a plan's exact cost. With
    ``max_steps`` (deterministic runs) the step count ends the ascent, not the clock.
    ``on_plan(plan, cost, reduced, bound)`` hears each cheaper repaired plan (and, while
    there is none, each failed repair as None at cost inf) with the reduced costs of that
    step and the best bound so far, and returns a plan and its cost to keep instead (or
    None, inf), e.g. one improved by local moves or built another way
    (``models/first_plan.py``); the ascent's step target is then that plan's cost. The
    time the hook takes does not count against ``time_limit_s``: the caller gives it its
    own budget."""
    start = time.perf_counter()
    held = 0.0  # seconds spent in ``on_plan``
    rows = _Rows(problem)
    best_g, best_chosen, best_d = -np.inf, None, None
    plan, plan_cost = None, np.inf
    theta, stall, steps = 1.0, 0, 0
    checkpoint = -np.inf
    while True:
        g, chosen, d = rows.evaluate()
        steps += 1
        parts = rows.subgradient(chosen)
        if steps % REPAIR_EVERY == 0:
            deadline = start + held + time_limit_s if np.isfinite(time_limit_s) else None
            candidate = repair(problem, problem.pair_rep[chosen], deadline)
            cost = objective(candidate) if candidate is not None else np.inf
            if on_plan is not None and (cost < plan_cost or plan is None):
                began = time.perf_counter()
                candidate, cost = on_plan(candidate, cost, d, max(g, best_g))
                held += time.perf_counter() - began
            if cost < plan_cost:
                plan, plan_cost = candidate, cost
        if g > best_g + 1e-12 * max(1.0, abs(g)):
            best_g, best_chosen, best_d, stall = g, chosen, d, 0
        else:
            stall += 1
            if stall >= STALL_STEPS:
                theta, stall = theta / 2, 0
        if theta < MIN_THETA or time.perf_counter() - start - held > time_limit_s:
            break
        if max_steps is not None and steps >= max_steps:
            break
        if steps % CONVERGED_STEPS == 0 and max_steps is None:
            if plan is not None and best_g - checkpoint < CONVERGED_GAIN * abs(best_g):
                break
            checkpoint = best_g
        if stop is not None and stop.is_set():
            break
        norm = sum(float(s @ s) for s in parts)
        if norm <= 1e-18:
            break  # the cheapest choice meets every relaxed row exactly: g is optimal
        upper = plan_cost if plan is not None else best_g + TARGET_MARGIN * abs(best_g)
        target = max(upper, best_g + 1e-6 * max(1.0, abs(best_g)))
        rows.step(parts, theta * (target - g) / norm)
    assert best_chosen is not None and best_d is not None
    least = np.minimum.reduceat(best_d, rows.starts)
    return DualBound(
        bound=best_g,
        rep=problem.pair_rep[best_chosen],
        excess=best_d - least[problem.pair_customer],
        steps=steps,
        wall_s=time.perf_counter() - start,
        plan=plan,
        plan_cost=plan_cost,
    )


class LagrangianBound:
    """The Lagrangian dual as an engine: its bound, its best repaired plan as the start,
    and its reduced costs. A deterministic run counts ``deterministic_steps`` ascent
    steps instead of the clock."""

    name = LAGRANGIAN

    def __init__(self, deterministic_steps: int = 300, on_plan: PlanHook | None = None) -> None:
        self.deterministic_steps = deterministic_steps
        self.on_plan = on_plan

    def supports(self, problem: Problem) -> list[str]:
        return [] if problem.facts is not None else ["a plain matrix problem (use the LP)"]

    def run(self, problem: Problem, start: np.ndarray | None, ctx: Context) -> EngineResult:
        deterministic = ctx.budget.deterministic
        assert ctx.objective is not None
        dual = subgradient_bound(
            problem,
            np.inf if deterministic else ctx.budget.seconds,
            ctx.objective,
            stop=ctx.stop,
            max_steps=self.deterministic_steps if deterministic else None,
            on_plan=self.on_plan,
        )
        x = None
        if dual.plan is not None:
            x = np.zeros(len(problem.pair_rep))
            x[problem.pair_index(dual.plan)] = 1.0
        total = float(problem.pair_load @ x) if x is not None else None
        return EngineResult(
            dual.plan,
            "feasible",
            self.name,
            dual.wall_s,
            engine_bound=dual.bound,
            bound_source="Lagrangian relaxation of the limit and balance rows (projected "
            f"subgradient, {dual.steps} steps); its maximum is the LP bound",
            relaxation=Relaxation(dual.bound, x, dual.excess, dual.bound, total),
        )
