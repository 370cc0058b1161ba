"""Who counts as a real owner of a lead.

A queue, the integration user and the `reassign_from` users (say, a marketing-automation user)
only hold leads until someone is assigned: they are never kept as owners, and an MQL that sits
with one of them needs an owner.
"""

from __future__ import annotations

from rules.ids import is_queue, to18
from rules.ruleset import RuleSet


def is_placeholder_owner(
    ruleset: RuleSet, owner_id: str | None, integration_user_id: str | None
) -> bool:
    """True when `owner_id` is nobody, a queue, the integration user or a `reassign_from` user."""
    if owner_id is None or is_queue(owner_id):
        return True
    owner = to18(owner_id)
    if integration_user_id is not None and owner == to18(integration_user_id):
        return True
    return owner in ruleset.reassign_from
