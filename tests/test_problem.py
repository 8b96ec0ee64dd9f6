"""The problem's pair lookups, which every engine, the checker and the plan's terms use."""

import numpy as np

import solver


def _sparse_problem() -> solver.Problem:
    """3 customers x 3 reps; customer 0 may go to rep 1 only, customer 1 to reps 0 and 2,
    customer 2 to any rep."""
    cost = np.arange(9.0).reshape(3, 3)
    full = solver.Problem.from_matrices(cost, np.ones((3, 3)), np.full(3, 3.0))
    allowed = {(0, 1), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2)}
    pairs = zip(full.pair_customer.tolist(), full.pair_rep.tolist(), strict=True)
    keep = np.array([pair in allowed for pair in pairs])
    return full.restricted(keep)


def test_pair_index_finds_each_customers_own_pair():
    problem = _sparse_problem()
    chosen = problem.pair_index(np.array([1, 2, 0]))
    assert problem.pair_customer[chosen].tolist() == [0, 1, 2]
    assert problem.pair_rep[chosen].tolist() == [1, 2, 0]
    assert problem.customer_starts().tolist() == [0, 1, 3, 6]


def test_pair_index_is_minus_one_for_no_rep_or_a_rep_without_a_pair():
    problem = _sparse_problem()
    # rep -1 for customer 2 must not read as customer 1's pair with the last rep
    assert problem.pair_index(np.array([0, 1, -1])).tolist() == [-1, -1, -1]
    assert problem.pair_index(np.array([-1, 3, 3])).tolist() == [-1, -1, -1]
