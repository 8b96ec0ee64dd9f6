"""Engines and the portfolio that runs them: one protocol, one registry, one auto plan."""
