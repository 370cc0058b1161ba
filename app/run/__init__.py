"""One sync run: the lock and the run record around the pull step and the handoff step.

`run_sync` builds each step's inputs, runs the pull then the handoff, and merges their reports
into the run record; `SyncRunner` starts runs in background threads for the API and the
scheduler. The steps (`app.sync`, `app.handoff`) never import this package or each other.
"""

from app.run.sync_run import SalesforceFactory, run_sync

__all__ = ["SalesforceFactory", "run_sync"]
