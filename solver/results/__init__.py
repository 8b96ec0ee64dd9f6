"""Typed results of a solve: the certificate (:mod:`.certificate`) and the record base both
it and :mod:`solver.metrics` build on (:mod:`.record`)."""
