"""Our own writes, folded into the mirror and its facts in the run that made them.

Without this, a promotion would reach the SLA and win/loss figures only when the next pull read
it back from the org. The mirror shows what the org now holds (Status, OwnerId, the writeback
fields), the leads' facts are derived again from that, and the next pull still stores the org's
own version over ours (it is newer), adding the history rows our write made.
"""

from __future__ import annotations

from app.sla_policy import sla_policy
from app.store import repo_mirror, repo_writes
from app.sync import fact_refresh
from app.sync.inputs import PullInputs
from app.sync.org import OrgProfile
from app.sync.pull_all import fact_rules


def fold_own_writes(inputs: PullInputs, org: OrgProfile, run_id: int) -> int:
    """Show the writes that landed in run `run_id` on the mirror; return how many leads."""
    with inputs.sessions() as session:
        written = repo_writes.landed_values(session, run_id)
        if not written:
            return 0
        repo_mirror.apply_own_writes(session, written, by_user_id=org.integration_user_id)
        rules = fact_rules(inputs.ruleset, org, sla=sla_policy(session, inputs.ruleset))
        fact_refresh.refresh_leads(session, list(written), rules, inputs.now())
        inputs.guard.check_lock()
        session.commit()
    return len(written)
