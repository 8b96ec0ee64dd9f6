"""Why no plan exists, in business words: the one home of infeasibility explanations.

- :mod:`solver.diagnose.precheck`: evident causes found while a problem is built (an
  account no rep may take, protected work above a rep's capacity, demand above supply);
- :mod:`solver.diagnose.families`: after an engine proved the model infeasible, which
  families of limit rows cannot hold together (the LP re-solved with each one dropped);
- :mod:`solver.diagnose.core`: a near-minimal set of conflicting limits (CP-SAT
  assumptions), with the accounts they trap;
- :mod:`solver.diagnose.explain`: the pipeline's entry points.

Engines only say "infeasible" (:class:`solver.models.base.ModelInfeasible`); what to
relax comes from each hard rule's ``relax`` text. Submodules are imported by name (this
package imports none of them), so building a problem never loads an engine.
"""
