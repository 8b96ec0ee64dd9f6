"""Fairness of a book per balance measure and the value-seniority fit (see metrics)."""
