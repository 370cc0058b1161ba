"""The handoff step: decide with the rules, store the decisions, write MQL status and owners.

Public face: `decide_and_write(ctx)` for the run, `simulate(...)` for `POST /rules/simulate`,
`explain.explain_lead(...)` for `handoff rules explain`, and `rules_file.load_rules(path)` for
everything that reads the rules file.
"""

from app.handoff.run import WriteCapExceeded, decide_and_write
from app.handoff.simulate import SimulationResult, simulate

__all__ = ["SimulationResult", "WriteCapExceeded", "decide_and_write", "simulate"]
