"""Analysis around a plan: what-if cases, sweeps, comparisons, forecasts and figures."""
