"""The pull step: the org's Leads, history, Opportunities and activities into the mirror, with
the facts derived from them. `PullStep(inputs, org).run(run_start)` returns a `PullReport`."""

from app.sync.inputs import PullInputs
from app.sync.pull_all import PullStep
from app.sync.report import PullReport

__all__ = ["PullInputs", "PullReport", "PullStep"]
