"""`assign`: owners for leads, routes in order, each pool served in turn by who is available.

The turn of each pool (a round-robin position, or smooth weighted round-robin credits for
weighted pools and whenever `assignment.availability` is set) and the open-MQL count of each
owner come in and go out as data (`AssignmentState`), which the app stores, so turns stay fair
across runs and restarts. The state after a batch is exactly the state after the same leads one
by one: nothing else is kept. Pools are keyed by their members, so reordering routes (and, for
weighted pools, their members) keeps each pool's place in its turn.

Who can take a lead is the roster's business: active users, queues that take Leads, and with
`assignment.availability` the people's calendars and absences at the roster's moment
(`rules.availability`). A lead whose routes have nobody available is held (`no available
owner`), never handed to someone unavailable and never silently dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rules.accounts import AccountIndex, AccountMatch
from rules.availability import AvailabilityCheck, People, Skip, Unavailable, describe
from rules.availability import resolve_calendar as _resolve
from rules.ids import is_queue, to18
from rules.owners import is_placeholder_owner
from rules.rotation import take_turn
from rules.ruleset import CompiledRoute, RuleSet

KEPT = "kept its owner, an active user"
NO_ROUTE = "no route matches"
ALL_FULL = "every member of every matching pool is full or inactive"
NO_AVAILABLE_OWNER = "no available owner"
LIMIT = 255
_METHOD_WORDS = {"email_domain": "email domain", "website": "website", "company": "company name"}


@dataclass(frozen=True, slots=True)
class AssignmentState:
    """Next round-robin index per pool key, open MQLs per owner (18-character Ids), and the
    smooth weighted round-robin credits of weighted pools (pool key -> member -> credit)."""

    positions: Mapping[str, int] = field(default_factory=dict)
    open_mqls: Mapping[str, int] = field(default_factory=dict)
    credits: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Roster:
    """Who can take leads now: users with their active flag, queues that take Leads; with
    `people`, their calendars, absences and the moment; with `accounts`, the org's Accounts."""

    users: Mapping[str, bool]
    lead_queues: Collection[str] = ()
    integration_user_id: str | None = None
    people: People | None = None
    accounts: AccountIndex | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The owner for one lead; `owner_id` None means unassigned, and `reason` says why.

    `held` marks a lead kept back because nobody on its routes is available (it is assigned by
    a later run); `skipped` names who was passed over and why; `match` is the lead's Account;
    `detail` is the whole explanation when `reason` had to be cut to 255 characters.
    """

    lead_id: str
    owner_id: str | None
    route: int | None
    reason: str
    held: bool = False
    skipped: tuple[Unavailable, ...] = ()
    match: AccountMatch | None = None
    weight: int | None = None
    detail: str = ""


@dataclass(slots=True)
class _Turns:
    """The working copy of the state and the roster for one call, Ids normalised once."""

    positions: dict[str, int]
    counts: dict[str, int]
    credits: dict[str, dict[str, int]]
    active: frozenset[str]
    queues: frozenset[str]
    cap: int | None
    check: AvailabilityCheck | None
    catch_up: bool

    def take(self, route: CompiledRoute, skipped: list[Unavailable]) -> str | None:
        """The next member of the route's pool who can take a lead, advancing its turn; who
        was passed over is added to `skipped`."""
        if route.weighted:
            credits = self.credits.setdefault(route.pool_key, {})

            def available(member: str) -> bool:
                why = self.unavailable(member)
                if why is not None:
                    skipped.append(why)
                return why is None

            return take_turn(route.members, credits, available, self.catch_up)
        pool = route.pool
        start = self.positions.get(route.pool_key, 0) % len(pool)
        for step in range(len(pool)):
            index = (start + step) % len(pool)
            member = pool[index]
            why = self.unavailable(member)
            if why is None:
                self.positions[route.pool_key] = (index + 1) % len(pool)
                return member
            skipped.append(why)
        return None

    def unavailable(self, member: str) -> Unavailable | None:
        """Why `member` cannot take a lead now, or None when they can."""
        if is_queue(member):
            return None if member in self.queues else Unavailable(member, Skip.QUEUE_CLOSED)
        if member not in self.active:
            return Unavailable(member, Skip.INACTIVE)
        if self.check is not None:
            why = self.check.away(member) or self.check.off_shift(member)
            if why is not None:
                return why
        if self.cap is not None and self.counts.get(member, 0) >= self.cap:
            return Unavailable(member, Skip.AT_CAP)
        return None

    def count(self, owner: str) -> None:
        if not is_queue(owner):
            self.counts[owner] = self.counts.get(owner, 0) + 1


def availability_check(ruleset: RuleSet, people: People | None) -> AvailabilityCheck | None:
    """The availability rules of `ruleset` over `people`; None when the file has none."""
    settings = ruleset.model.assignment.availability
    if settings is None or people is None:
        return None
    org = people.org_calendar

    def calendar(name: str | None) -> Any:
        return _resolve(name, ruleset.calendars, ruleset.org_calendars, org)

    overrides = {user: calendar(name) for user, name in settings.user_calendars.items()}
    return AvailabilityCheck(people, calendar(settings.calendar), overrides)


def new_turns(ruleset: RuleSet, state: AssignmentState, roster: Roster) -> _Turns:
    """The working copy `assign` and the breach reassignment take turns on."""
    settings = ruleset.model.assignment.availability
    return _Turns(
        positions=dict(state.positions),
        counts={to18(owner): n for owner, n in state.open_mqls.items()},
        credits={key: dict(credits) for key, credits in state.credits.items()},
        active=frozenset(to18(user) for user, active in roster.users.items() if active),
        queues=frozenset(to18(queue) for queue in roster.lead_queues),
        cap=ruleset.model.assignment.max_open_mqls_per_owner,
        check=availability_check(ruleset, roster.people),
        catch_up=settings.catch_up if settings is not None else True,
    )


def state_of(turns: _Turns) -> AssignmentState:
    return AssignmentState(positions=turns.positions, open_mqls=turns.counts,
                           credits=turns.credits)  # fmt: skip


def assign(
    ruleset: RuleSet,
    leads: Sequence[tuple[str, Mapping[str, Any]]],
    state: AssignmentState,
    roster: Roster,
) -> tuple[list[Assignment], AssignmentState]:
    """Owners for `leads` (lead Id, fields including OwnerId) in order, and the state after them.

    A lead owned by an active user keeps that owner and takes no turn when `keep_owner_if_user`
    is on, unless the owner is a queue, the integration user or a `reassign_from` user. Otherwise
    the first route whose conditions all match serves it: its matched Account's owner for
    `owner: account_owner` (when available), else its pool in turn. When nobody on the route can
    take it, the lead is held (`availability.when_none_available: hold`, the default with
    availability) or the next matching route is tried; without `availability` a lead no pool can
    take stays unassigned rather than break the cap. Queues are never capped. Every user given a
    lead, kept or routed, has one more open MQL in the returned state.
    """
    turns = new_turns(ruleset, state, roster)
    results = [_assign_one(ruleset, lead_id, fields, turns, roster) for lead_id, fields in leads]
    return results, state_of(turns)


def _assign_one(
    ruleset: RuleSet, lead_id: str, fields: Mapping[str, Any], turns: _Turns, roster: Roster
) -> Assignment:
    owner = fields.get("OwnerId")
    settings = ruleset.model.assignment
    if (
        settings.keep_owner_if_user
        and isinstance(owner, str)
        and to18(owner) in turns.active
        and not is_placeholder_owner(ruleset, owner, roster.integration_user_id)
    ):
        turns.count(to18(owner))
        return Assignment(lead_id, to18(owner), None, KEPT)
    match = None
    if roster.accounts is not None and settings.match_accounts is not None:
        match = roster.accounts.match(fields, settings.match_accounts.by)
    account = _account_view(match)
    hold = settings.availability is not None
    next_route = hold and settings.availability.when_none_available == "next_route"  # type: ignore[union-attr]
    skipped: list[Unavailable] = []
    last_route: int | None = None
    for route in ruleset.routes:
        if not route.matches(fields, account):
            continue
        last_route = route.index
        if route.to_account_owner and match is not None and match.account.owner_id:
            account_owner = to18(match.account.owner_id)
            why = turns.unavailable(account_owner)
            if why is None:
                turns.count(account_owner)
                return _chosen(lead_id, account_owner, route, None, skipped, match, roster)
            skipped.append(why)
        if route.pool:
            member = turns.take(route, skipped)
            if member is not None:
                turns.count(member)
                weight = route.weight_of(member) if route.weighted else None
                return _chosen(
                    lead_id, member, route, weight, skipped, match, roster, via_pool=True
                )
        if hold and not next_route:
            break
    if last_route is None:
        return Assignment(lead_id, None, None, NO_ROUTE, match=match)
    if not hold:
        return Assignment(lead_id, None, None, ALL_FULL, skipped=tuple(skipped), match=match)
    return _held(lead_id, last_route, skipped, match, roster)


def _account_view(match: AccountMatch | None) -> Mapping[str, Any] | None:
    if match is None:
        return None
    record = match.account
    return {"Id": record.id, "Name": record.name, "Website": record.website,
            "OwnerId": record.owner_id, **record.fields}  # fmt: skip


def _unique(skipped: list[Unavailable]) -> list[Unavailable]:
    seen: dict[str, Unavailable] = {}
    for entry in skipped:
        seen.setdefault(entry.member, entry)
    return list(seen.values())


def _chosen(
    lead_id: str,
    owner: str,
    route: CompiledRoute,
    weight: int | None,
    skipped: list[Unavailable],
    match: AccountMatch | None,
    roster: Roster,
    via_pool: bool = False,
) -> Assignment:
    people = roster.people
    name = people.name(owner) if people is not None else owner
    parts = [f"route {route.name}" if route.name else f"route {route.index}"]
    if weight is not None:
        parts.append(f"weight {weight}")
    if match is not None and not via_pool:
        parts.append(f"account owner of {_account_words(match)}")
    elif match is not None:
        parts.append(f"account {_account_words(match)}")
    passed = _unique(skipped)
    full = f"owner {name} ({', '.join(parts)}"
    full += f"; {describe(passed, people)})" if passed else ")"
    return Assignment(lead_id, owner, route.index, _fit(full, passed, people, f"owner {name} ("
                      + ", ".join(parts)), skipped=tuple(passed), match=match, weight=weight,
                      detail=full)  # fmt: skip


def _held(
    lead_id: str,
    route: int,
    skipped: list[Unavailable],
    match: AccountMatch | None,
    roster: Roster,
) -> Assignment:
    passed = _unique(skipped)
    head = f"{NO_AVAILABLE_OWNER} (route {route}"
    full = f"{head}; {describe(passed, roster.people)})" if passed else f"{head})"
    reason = _fit(full, passed, roster.people, head)
    return Assignment(lead_id, None, route, reason, held=True, skipped=tuple(passed),
                      match=match, detail=full)  # fmt: skip


def _account_words(match: AccountMatch) -> str:
    name = match.account.name or match.account.id
    return f"{name} by {_METHOD_WORDS.get(match.method, match.method)} {match.key}"


def _fit(full: str, passed: list[Unavailable], people: People | None, head: str) -> str:
    """`full` when it fits 255 characters, else as many of the skipped as fit and a count."""
    if len(full) <= LIMIT:
        return full
    for keep in range(len(passed) - 1, -1, -1):
        shown = describe(passed[:keep], people)
        rest = len(passed) - keep
        text = (
            f"{head}; {shown}; and {rest} more skipped)"
            if keep
            else (f"{head}; {rest} skipped, see the audit)")
        )
        if len(text) <= LIMIT:
            return text
    return full[: LIMIT - 1] + "…"
