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
    """Show the writes that landed in run `run_id` on the mirror; return how many leads.

    A slice of leads at a time, each committed: a first run at a million leads writes about a
    hundred thousand, whose values and facts held at once were most of the run's peak memory.
    A fold cut short leaves the rest to the next pull, which reads those leads back anyway.
    """
    folded = 0
    with inputs.sessions() as reader, inputs.sessions() as session:
        rules = fact_rules(inputs.ruleset, org, sla=sla_policy(session, inputs.ruleset))
        for written in repo_writes.landed_values(reader, run_id):
            repo_mirror.apply_own_writes(session, written, by_user_id=org.integration_user_id)
            fact_refresh.refresh_leads(session, list(written), rules, inputs.now())
            inputs.guard.check_lock()
            session.commit()
            folded += len(written)
    return folded
