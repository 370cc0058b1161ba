"""The handoff step: decide with the rules, store the decisions, write MQL status and owners.

Public face: `HandoffStep(inputs).run()` for the run (it returns a `HandoffReport`),
`simulate(...)` for `POST /rules/simulate`, `explain.explain_lead(...)` for `handoff rules
explain`, and `rules_file.load_rules(path)` for everything that reads the rules file.
"""

from app.handoff.inputs import HandoffInputs
from app.handoff.report import HandoffReport
from app.handoff.run import HandoffStep, WriteCapExceeded
from app.handoff.simulate import SimulationResult, simulate

__all__ = [
    "HandoffInputs",
    "HandoffReport",
    "HandoffStep",
    "SimulationResult",
    "WriteCapExceeded",
    "simulate",
]
