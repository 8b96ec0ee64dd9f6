"""The batch model: the accounts of one placement on the room the standing plan leaves.

Built from the combined problem (:mod:`solver.placement.layout`) as a plain engine-level
:class:`~solver.problem.Problem`, so the registry's engines solve it unchanged:

- one customer per batch account, with its candidate pairs, costs, loads and rows;
- one aggregate customer per rep holding its standing accounts: a single pair to that rep
  whose coefficient in each row block is what those accounts use of the row and whose
  load is their load. Every row therefore keeps its own limits (ceilings, and floors a
  rule may add) and the batch gets exactly the room left: limit minus standing use. The
  balance term sees the whole book (standing load plus batch load), as in a full solve;
- one extra rep, "unplaced", with a pair from every batch account costing ``penalty``
  (more than any rearrangement of the batch can save), in no row: the model is always
  feasible, and an account goes there only when no rep has room for it.

Objective of the batch (cost points, min): sum of the separable costs of its pairs plus
the balance cost of the combined book, w x sum_active |L_j - s_j x sum_k L_k|, plus
``penalty`` per unplaced account. It equals the combined plan's objective less the fixed
separable costs of the standing accounts. A first plan (the matching plan or the greedy
one) and the balance term's dual give a plan and a bound without an engine, the bound
over whole accounts (:mod:`solver.placement.whole_bound`) a stronger bound; while they
are further apart than the gap tolerance, the LP relaxation (HiGHS) gives a bound and a
start, CP-SAT and the neighbourhood search a plan, HiGHS branch-and-bound a better bound,
each through the engine registry (:func:`solve_batch`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from solver.constraints import RowBlock
from solver.errors import InfeasibleError, NoSolutionError, SolverError
from solver.interrupt import StopRequest
from solver.models.base import EngineResult, ModelInfeasible
from solver.models.engine import Budget, Context
from solver.models.moves import descend
from solver.models.stopping import gap
from solver.objectives.bands import SoftBand
from solver.objectives.bands import costs as soft_costs
from solver.placement.balance_bound import balance_dual, dual_result
from solver.placement.exhaustive import exhaustive, greedy
from solver.placement.layout import Layout
from solver.placement.matching import matched
from solver.placement.whole_bound import whole_account_bound
from solver.problem import Balance, Problem

UNPLACED = "unplaced"
UNPLACED_REP = "(unplaced)"
#: engines the batch runs through the registry: the bound, the plan on the whole batch,
#: the neighbourhood search, and HiGHS branch-and-bound for the proof (the last two only
#: while the plan is further than the gap tolerance from the bound)
BOUND_ENGINE, PLAN_ENGINE, SEARCH_ENGINE, PROOF_ENGINE = "lp", "cpsat", "lns", "milp"


@dataclass(frozen=True)
class BatchModel:
    problem: Problem  # engine-level: batch accounts, then one aggregate customer per rep
    customers: np.ndarray  # combined-problem index of each batch account
    aggregate_rep: np.ndarray  # rep index of each aggregate customer
    penalty: float  # cost of leaving one account unplaced

    @property
    def size(self) -> int:
        return len(self.customers)

    @property
    def unplaced_rep(self) -> int:
        return self.problem.m - 1


@dataclass(frozen=True)
class BatchResult:
    """The batch's plan and its own certificate (cost points, min sense)."""

    rep: np.ndarray  # rep index per batch account; ``unplaced_rep`` when unplaced
    unplaced: np.ndarray  # bool per batch account
    objective: float
    terms: dict[str, float]
    bound: float | None
    bound_source: str
    status: str
    engine: str
    note: str
    wall_s: float
    pairs: int

    @property
    def gap(self) -> float | None:
        return None if self.bound is None else gap(self.objective, self.bound)

    def certificate(self) -> dict:
        return {
            "accounts": len(self.rep),
            "unplaced": int(self.unplaced.sum()),
            "candidate_pairs": self.pairs,
            "status": self.status,
            "engine": self.engine,
            "objective": self.objective,
            "objective_terms": self.terms,
            "bound": self.bound,
            "bound_source": self.bound_source,
            "gap": self.gap,
            "wall_s": round(self.wall_s, 3),
            "note": self.note,
        }


def batch_model(layout: Layout) -> BatchModel:
    """The batch problem of ``layout`` (see the module docstring)."""
    full = layout.problem
    m = full.m
    batch = layout.batch
    position = np.full(full.n, -1, dtype=np.int64)
    position[batch] = np.arange(len(batch))
    in_batch = layout.in_batch[full.pair_customer]
    real = np.flatnonzero(in_batch)
    standing = np.flatnonzero(~in_batch)
    reps_held = np.flatnonzero(np.bincount(full.pair_rep[standing], minlength=m))
    aggregate_of_rep = np.full(m, -1, dtype=np.int64)
    aggregate_of_rep[reps_held] = len(batch) + np.arange(len(reps_held))
    nb, na = len(batch), len(reps_held)

    cost = full.pair_cost[real]
    load = full.pair_load[real]
    spread = float(np.ptp(cost)) if len(cost) else 0.0
    weight = full.balance.weight if full.balance is not None else 0.0
    top_load = float(np.abs(load).max(initial=0.0))
    # one more account placed changes the batch's other costs by at most this much
    soft_top = sum(
        2.0 * float(t.price.max(initial=0.0)) * float(np.abs(t.load[real]).max(initial=0.0))
        for t in full.soft
    )
    penalty = (nb + 1) * (spread + 4.0 * weight * top_load + soft_top) + max(
        float(np.abs(cost).max(initial=0)), 1.0
    )

    customer = np.concatenate(
        [position[full.pair_customer[real]], len(batch) + np.arange(na), np.arange(nb)]
    )
    rep = np.concatenate([full.pair_rep[real], reps_held, np.full(nb, m)])
    n_unplaced = nb
    terms = {
        name: np.concatenate([values[real], np.zeros(na), np.zeros(n_unplaced)])
        for name, values in full.pair_terms.items()
    }
    terms[UNPLACED] = np.concatenate([np.zeros(len(real) + na), np.full(n_unplaced, penalty)])
    agg_load = np.bincount(full.pair_rep[standing], weights=full.pair_load[standing], minlength=m)
    agg_work = np.bincount(
        full.pair_rep[standing], weights=full.pair_workload[standing], minlength=m
    )
    blocks = tuple(
        _batch_block(b, real, standing, full.pair_rep, reps_held, nb, m) for b in full.blocks
    )
    order = np.lexsort((rep, customer))
    balance = full.balance
    problem = Problem(
        customers=pd.DataFrame(
            {
                "customer_id": [
                    *full.customer_ids[batch],
                    *(f"(book of {r})" for r in full.rep_ids[reps_held]),
                ]
            }
        ),
        reps=pd.DataFrame({"rep_id": [*full.rep_ids, UNPLACED_REP]}),
        scenario=full.scenario,
        pair_customer=customer[order],
        pair_rep=rep[order],
        pair_terms={name: values[order] for name, values in terms.items()},
        pair_workload=np.concatenate([full.pair_workload[real], agg_work[reps_held], np.zeros(nb)])[
            order
        ],
        pair_load=np.concatenate([load, agg_load[reps_held], np.zeros(nb)])[order],
        blocks=tuple(_reordered(b, order) for b in blocks),
        forced=np.full(nb + na, -1, dtype=np.int64),
        forced_reason=np.full(nb + na, "", dtype=object),
        balance=None
        if balance is None
        else Balance(
            balance.weight, np.append(balance.shares, 0.0), np.append(balance.active, False)
        ),
        soft=tuple(
            _batch_soft(t, real, standing, full.pair_rep, reps_held, nb, m, order)
            for t in full.soft
        ),
    )
    return BatchModel(problem, batch, reps_held, penalty)


def _batch_soft(
    term: SoftBand,
    real: np.ndarray,
    standing: np.ndarray,
    pair_rep: np.ndarray,
    reps_held: np.ndarray,
    nb: int,
    m: int,
    order: np.ndarray,
) -> SoftBand:
    """A soft balance band on the batch: each standing book carries its rep's sum, the
    unplaced rep has no term."""
    held = np.bincount(pair_rep[standing], weights=term.load[standing], minlength=m)
    load = np.concatenate([term.load[real], held[reps_held], np.zeros(nb)])[order]
    return dataclasses.replace(
        term,
        load=load,
        target=np.append(term.target, 0.0),
        lower=np.append(term.lower, 0.0),
        upper=np.append(term.upper, 0.0),
        price=np.append(term.price, 0.0),
    )


def _batch_block(
    block: RowBlock, real: np.ndarray, standing: np.ndarray, pair_rep: np.ndarray,
    reps_held: np.ndarray, nb: int, m: int,
) -> RowBlock:  # fmt: skip
    """The block on batch pairs, aggregate pairs (their rep's standing use of its row) and
    unplaced pairs (in no row). Each rep's standing pairs must share one row per block
    (true of per-rep rows and of global rows)."""
    rows = block.row[standing]
    reps = pair_rep[standing]
    inside = rows >= 0
    hi = np.full(m, -1)
    hi[reps[inside]] = rows[inside]  # one of each rep's rows (the last written)
    if np.any(rows[inside] != hi[reps[inside]]):
        raise SolverError(
            f"the {block.rule} rule puts one rep's accounts in several rows; placing new "
            "accounts beside a standing plan does not support it yet"
        )
    used = np.bincount(reps[inside], weights=block.coeff[standing][inside], minlength=m)
    agg_row = np.where(hi[reps_held] >= 0, hi[reps_held], -1)
    # a row the standing accounts already overfill (limits changed since the plan) keeps
    # them and gives the batch no room; it is the standing plan's violation, not the batch's
    row_use = np.zeros(len(block.upper))
    inside = agg_row >= 0
    np.add.at(row_use, agg_row[inside], used[reps_held][inside])
    return RowBlock(
        block.rule,
        block.kind,
        np.concatenate([block.row[real], agg_row, np.full(nb, -1)]),
        np.concatenate([block.coeff[real], used[reps_held], np.zeros(nb)]),
        np.maximum(block.upper, row_use),
        block.labels,
        block.lower,
    )


def _floors_out_of_reach(model: BatchModel) -> InfeasibleError:
    """The unplaced option keeps every ceiling, so an infeasible batch is a floor."""
    return InfeasibleError(
        _short_floors(model),
        [
            "let standing accounts move (--allow-moves K), or run a full rebalance",
            "or widen the band (its floor) in the scenario",
        ],
    )


def _short_floors(model: BatchModel) -> list[str]:
    """Floors the standing books leave short, in words: the batch cannot close them all
    (a band's floor grows with the book's total as accounts arrive)."""
    problem = model.problem
    held = np.flatnonzero(problem.pair_customer >= model.size)  # aggregate pairs
    lines = ["the new accounts cannot bring every rep below its floor up to it while the "
             "standing accounts stay put"]  # fmt: skip
    for block in problem.blocks:
        use = block.usage(held)
        for r in np.flatnonzero(use < block.lower - 1e-9):
            lines.append(
                f"{block.labels[r]}: standing accounts carry {use[r]:,.1f} under "
                f"{block.rule}, its floor is {block.lower[r]:,.1f}"
            )
    return lines


def _reordered(block: RowBlock, order: np.ndarray) -> RowBlock:
    return dataclasses.replace(block, row=block.row[order], coeff=block.coeff[order])


def batch_cost(
    problem: Problem, rep: np.ndarray, chosen: np.ndarray | None = None
) -> tuple[float, dict[str, float]]:
    """Exact objective of a batch plan ``rep`` (per customer, aggregates included), by
    term; ``chosen``: its pair per customer, when known."""
    chosen = problem.pair_index(rep) if chosen is None else chosen
    if (chosen < 0).any():
        raise ValueError("batch plan uses a pair outside the candidate set")
    terms = {name: float(values[chosen].sum()) for name, values in problem.pair_terms.items()}
    bal = problem.balance
    if bal is not None:
        load = np.bincount(rep, weights=problem.pair_load[chosen], minlength=problem.m)
        dev = np.abs(load - bal.shares * load.sum())
        terms["balance"] = float(bal.weight * dev[bal.active].sum())
    terms.update(soft_costs(problem.soft, rep, chosen, problem.m))
    return float(sum(terms.values())), terms


def solve_batch(
    model: BatchModel,
    time_limit_s: float,
    seed: int,
    workers: int,
    tolerance: float = 0.0,
) -> BatchResult:
    """The batch's bound and plan within ``time_limit_s``: a first plan without an engine
    (the matching plan, :mod:`solver.placement.matching`, or the greedy one) for a fifth
    of the time, the balance dual and, for ``WHOLE_SHARE`` of the time, the bound over
    whole accounts, then every engine through the registry while the best plan is further
    than ``tolerance`` from the bound and time is left: the LP relaxation (bound, rounded
    start) on what is left, CP-SAT on the whole batch for a quarter of the time (solves
    small batches), the neighbourhood search from the best plan when CP-SAT did not
    finish, then HiGHS branch-and-bound for a better bound (or a plan) with the rest; an
    engine that builds its model first starts only with ``ENGINE_S`` left, and what is
    left at the end goes to exact moves on the best plan. The bound is the best any of
    them proved."""
    started = time.perf_counter()
    problem = model.problem
    if model.size == 0:
        return BatchResult(np.zeros(0, np.int64), np.zeros(0, bool), 0.0, {}, 0.0, "", "optimal",
                           "none", "no accounts to place", 0.0, 0)  # fmt: skip
    objective = lambda rep: batch_cost(problem, rep)[0]  # noqa: E731
    listed = exhaustive(problem, lambda rep, chosen: batch_cost(problem, rep, chosen)[0])
    if listed is not None:  # a tiny batch: every plan priced
        if listed.rep is None:
            raise _floors_out_of_reach(model)
        return _result(model, [listed], listed, (listed.engine_bound, listed.bound_source),
                       started)  # fmt: skip
    from solver.models.registry import engine  # OR-Tools and HiGHS: only for these engines

    ctx = Context(Budget(time_limit_s), seed=seed, workers=workers, objective=objective)
    # a plan whatever the engines manage in time, improved by exact moves: the matching
    # plan when only the reps' own ceilings bind, else the greedy one
    seconds = FALLBACK_SHARE * time_limit_s
    fallback = matched(problem, model.size, objective, seconds) or greedy(problem, objective,
                                                                          seconds)  # fmt: skip
    runs: list[EngineResult | None] = [fallback]
    if fallback is not None:  # a bound in a fraction of a second, often as good as the LP's
        upper, ascent = objective(fallback.rep), time.perf_counter()
        dual = balance_dual(problem, upper, tolerance)
        runs.append(dual_result(dual, time.perf_counter() - ascent))
        if dual is not None and gap(upper, dual.bound) > tolerance:  # whole accounts per rep
            deadline = min(time.perf_counter() + WHOLE_SHARE * time_limit_s,
                           started + time_limit_s)  # fmt: skip
            runs.append(whole_account_bound(problem, model.size, upper, dual, deadline,
                                            tolerance))  # fmt: skip
    best, bound = _best(runs, objective)
    left = _left(time_limit_s, started, 0.0)
    small = best is not None and model.size <= PROOF_SIZE and left > MIN_STAGE_S
    if small and not _within(objective(best.rep), bound, PROVED):  # a small batch's proof,
        try:  # whatever the tolerance, in what is left of the limit (HiGHS overruns a bit)
            proof = ctx.with_budget(left - MIN_STAGE_S / 2)
            runs.append(engine(PROOF_ENGINE).run(problem, best.rep, proof))
        except ModelInfeasible:  # the exact model: a floor is out of reach
            raise _floors_out_of_reach(model) from None
        best, bound = _best(runs, objective)
    left = _left(time_limit_s, started, 0.0)
    if best is None or (not _within(objective(best.rep), bound, tolerance) and left >= ENGINE_S):
        try:
            lp_budget = ctx.with_budget(_left(time_limit_s, started, MIN_STAGE_S))
            runs.insert(0, engine(BOUND_ENGINE).run(problem, None, lp_budget))
        except ModelInfeasible:  # the unplaced option keeps every ceiling: a floor is out
            raise _floors_out_of_reach(model) from None  # of reach
        ctx = dataclasses.replace(ctx, relaxation=runs[0].relaxation)
        best, bound = _best(runs, objective)
    left = _left(time_limit_s, started, 0.0)
    if best is None or (not _within(objective(best.rep), bound, tolerance) and left >= ENGINE_S):
        try:
            share = ctx.with_budget(min(max(CPSAT_SHARE * time_limit_s, 0.5), max(left, 0.5)))
            runs.append(engine(PLAN_ENGINE).run(problem, None if best is None else best.rep,
                                                share))  # fmt: skip
        except ModelInfeasible:  # its rows in whole minutes can be tighter than the exact ones
            # ceilings never make the batch infeasible (an account can stay unplaced), so
            # when every floor is exact in whole numbers, CP-SAT proved a floor out of reach
            if all(b.floors_exact() for b in problem.blocks if b.has_floors()):
                raise _floors_out_of_reach(model) from None
            runs.append(None)
        best, bound = _best(runs, objective)
    complete = runs[-1] is not None and runs[-1].search_complete  # CP-SAT solved its model
    if best is not None and not complete and not _within(objective(best.rep), bound, tolerance):
        left = _left(time_limit_s, started, 0.0) * (1.0 - PROOF_SHARE)
        if left > MIN_STAGE_S:
            stop = StopRequest()
            target = bound

            def heard(cost: float, _engine_bound: float) -> None:
                if _within(cost, target, tolerance):
                    stop.set()

            search = dataclasses.replace(ctx, stop=stop, progress=heard).with_budget(left)
            runs.append(engine(SEARCH_ENGINE).run(problem, best.rep, search))
            best, bound = _best(runs, objective)
    left = _left(time_limit_s, started, 0.0)
    if (
        best is None
        or best.engine == BOUND_ENGINE
        or (not _within(objective(best.rep), bound, tolerance) and left >= ENGINE_S)
    ):
        start = best.rep if best is not None else None
        runs.append(engine(PROOF_ENGINE).run(problem, start, ctx.with_budget(max(left, 1.0))))
        best, bound = _best(runs, objective)
    left = _left(time_limit_s, started, 0.0)
    if (
        best is not None
        and not _within(objective(best.rep), bound, tolerance)
        and left > MIN_STAGE_S
    ):
        runs.append(_descended(problem, best, objective, started + time_limit_s))
        best, bound = _best(runs, objective)
    if best is None:
        short = _short_floors(model)[1:]
        raise NoSolutionError(
            f"no plan for the batch within {time_limit_s:g} s; try a longer limit"
            + (
                "; these floors may be out of reach without moving standing accounts "
                "(--allow-moves K): " + "; ".join(short)
                if short
                else ""
            )
        )
    return _result(model, runs, best, bound, started)


def _result(
    model: BatchModel, runs: list, best: EngineResult, bound: tuple[float, str] | None,
    started: float,
) -> BatchResult:  # fmt: skip
    """The batch result of plan ``best`` with the best ``bound`` the ``runs`` proved."""
    problem = model.problem
    total, terms = batch_cost(problem, best.rep)
    rep = best.rep[: model.size]
    unplaced = rep == model.unplaced_rep
    value = None if bound is None else bound[0]
    proved = value is not None and total - value <= PROVED * max(1.0, abs(total))
    return BatchResult(
        rep=rep,
        unplaced=unplaced,
        objective=total,
        terms=terms,
        bound=value,
        bound_source=""
        if bound is None
        else f"{bound[1]}, on the batch with the standing plan fixed",
        status="optimal" if proved else "feasible",
        engine="+".join(r.engine for r in runs if r is not None),
        note=f"plan by {best.engine}" + (f"; {best.note}" if best.note else ""),
        wall_s=time.perf_counter() - started,
        pairs=len(problem.pair_rep),
    )


#: batches of at most this many accounts get HiGHS branch-and-bound right after the first
#: plan and the bounds, whatever the gap tolerance: it proves them optimal in a fraction
#: of a second to a few seconds (100,000 x 1,000 book: 5 accounts 0.1 s, 10 in 3.5 s)
PROOF_SIZE = 12
#: gap below which a plan counts as proved optimal (as ``_result`` marks it)
PROVED = 1e-6
#: seconds a search stage needs at least to be worth starting
MIN_STAGE_S = 0.2
#: seconds an engine that builds its model first (LP, CP-SAT, branch-and-bound) needs at
#: least on a large batch; with less left the plan's exact moves use the time instead
ENGINE_S = 1.0
#: share of the time limit CP-SAT gets on the whole batch; share kept for the proof
CPSAT_SHARE, PROOF_SHARE = 0.25, 0.2
#: share of the time limit the greedy fallback plan is improved for
FALLBACK_SHARE = 0.2
#: share of the time limit the bound over whole accounts is refined for
WHOLE_SHARE = 0.3


def _descended(problem: Problem, best: EngineResult, objective, deadline: float) -> EngineResult:
    """The best plan improved by exact shifts and swaps until ``deadline``."""
    started = time.perf_counter()
    rep, moves = descend(problem, best.rep, deadline=deadline)
    note = f"{moves} improving moves from the {best.engine} plan, {objective(rep):,.1f}"
    return EngineResult(rep, "feasible", "moves", time.perf_counter() - started, note=note)


def _within(cost: float, bound: tuple[float, str] | None, tolerance: float) -> bool:
    """Whether ``cost`` is within ``tolerance`` of the bound, or proved (``PROVED``)."""
    return bound is not None and gap(cost, bound[0]) <= max(tolerance, PROVED)


def _left(limit: float, started: float, floor: float) -> float:
    return max(limit - (time.perf_counter() - started), floor)


def _best(
    runs: list[EngineResult | None], objective
) -> tuple[EngineResult | None, tuple[float, str] | None]:
    """The run with the cheapest plan (None: no run has one), and the highest bound any
    run proved, with its source."""
    done = [r for r in runs if r is not None]
    with_plan = [r for r in done if r.rep is not None]
    best = min(with_plan, key=lambda r: objective(r.rep), default=None)
    bounds = [(r.engine_bound, r.bound_source) for r in done if r.engine_bound is not None]
    return best, max(bounds, default=None, key=lambda b: b[0])
