"""The typed shape of a rules file; also the source of the shipped JSON Schema.

Unknown keys are refused everywhere (`extra="forbid"`): a typo such as `tresholds` must fail, not
pass silently with the default. The model is strict about types (no "40" for 40). Operators and
their values are typed loosely here on purpose: `operator_checks` owns those messages, which name
the operator and say what it needs; the schema still lists the operators for editors.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from rules.operators import OPERATORS

_SCALAR_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]
}
_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [*_SCALAR_SCHEMA["anyOf"], {"type": "array", "items": _SCALAR_SCHEMA}],
    "description": "What the operator compares with; a list for in, not_in, between and "
    "(any of) contains, starts_with, ends_with. Dates are written 2026-01-31.",
}

FieldName = Annotated[str, Field(min_length=1, description="A Lead field's API name")]
SalesforceId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{15}([A-Za-z0-5]{3})?$")]
Operator = Annotated[str, WithJsonSchema({"enum": list(OPERATORS)})]
Value = Annotated[Any, WithJsonSchema(_VALUE_SCHEMA)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Condition(_Strict):
    """A test on one Lead field."""

    field: FieldName
    op: Operator
    value: Value = None
    label: str | None = Field(
        default=None, description="Short name used in explanations instead of the condition"
    )


RuleName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="Shown in explanations and reports instead of the place (like fit[2]); "
        "unique among fit, interest, disqualify and routes",
    ),
]


class NamedCondition(Condition):
    """A fit, interest or disqualify entry: a condition that may carry a name."""

    name: RuleName | None = None


class ScoredRule(NamedCondition):
    """A condition that adds (or, when negative, takes away) points when it matches."""

    points: int


class Statuses(_Strict):
    """Lead.Status values: the one the service sets, and those that frame it."""

    mql: str = Field(min_length=1)
    eligible_from: list[str] = Field(min_length=1)
    accepted: list[str] = []
    rejected: list[str] = []


class Thresholds(_Strict):
    """An MQL needs a fit score and an interest score of at least these."""

    fit: int
    interest: int


class AccountFieldTest(_Strict):
    """A test on one field of the lead's matched Account."""

    field: FieldName
    op: Operator
    value: Value = None


class AccountCondition(_Strict):
    """`{account: matched}`: the lead matched an Account; or a test on that Account's field."""

    account: Literal["matched"] | AccountFieldTest


class PoolMember(_Strict):
    """A pool member with a weight: weight 2 gets twice the share of a weight-1 member."""

    user: SalesforceId
    weight: int = Field(default=1, ge=1, description="Relative share of the pool's leads")


class Route(_Strict):
    """Leads matching every `when` condition (all leads without one) go to this pool.

    `owner: account_owner` hands the lead to its matched Account's owner when that owner is
    available; else the lead goes to the pool (when given) or to the next route.
    """

    name: RuleName | None = None
    when: list[Condition | AccountCondition] = []
    owner: Literal["account_owner"] | None = None
    pool: list[SalesforceId | PoolMember] = []


class Availability(_Strict):
    """Who is available to take leads: working hours, out of office, catch-up, holds."""

    calendar: str | None = Field(
        default=None, description="Default working calendar of pool members: org or a name"
    )
    user_calendars: dict[SalesforceId, str] = Field(
        default={},
        description="Per-user calendar; else the user's TimeZoneSidKey with the "
        "default calendar's hours",
    )
    out_of_office: Literal["salesforce", "api"] = Field(
        default="salesforce",
        description="salesforce: OutOfOffice records and POST /availability; api: only the API",
    )
    catch_up: bool = Field(
        default=True, description="An absent member keeps their place in the rotation"
    )
    when_none_available: Literal["hold", "next_route"] = "hold"


class MatchAccounts(_Strict):
    """Lead-to-Account matching, tried in the order of `by`."""

    by: list[Literal["email_domain", "website", "company"]] = Field(
        default=["email_domain", "website", "company"], min_length=1
    )
    ignore_domains: list[str] = Field(
        default=[], description="Domains never matched, added to the built-in free-mail list"
    )


class Assignment(_Strict):
    """Who gets an MQL."""

    keep_owner_if_user: bool = True
    reassign_from: list[SalesforceId] = []
    max_open_mqls_per_owner: int | None = Field(default=None, ge=1)
    availability: Availability | None = None
    match_accounts: MatchAccounts | None = None
    routes: list[Route] = Field(min_length=1)


class CalendarSpec(_Strict):
    """Named working hours: a time zone, weekly hours, and holidays."""

    time_zone: str = Field(description="IANA time zone, like America/New_York")
    hours: dict[str, str] = Field(
        description='Days to hours: {mon-fri: "09:00-17:30"} or {mon: "09:00-12:00,13:00-17:00"}'
    )
    holidays: list[date] = Field(default=[], description="Local dates with no working time")
    holidays_country: str | None = Field(
        default=None, description="Add a country's public holidays: US, GB, or GB-ENG, US-CA"
    )


class SlaTarget(_Strict):
    """A first-touch target for the leads matching every `when` condition."""

    name: str | None = Field(default=None, description="Shown in reports; else targets[N]")
    when: list[Condition] = []
    first_touch_hours: float = Field(gt=0)


class Notify(_Strict):
    """Where a breach notification goes: the URL is read from this environment variable."""

    webhook_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class BreachStep(_Strict):
    """One action, `after_hours` past a breach on the SLA's clock: notify or reassign."""

    after_hours: float = Field(default=0, ge=0)
    notify: Notify | None = None
    reassign: bool = False
    routes: list[int] | None = Field(
        default=None, description="Only for leads of these routes (0 is the first); else all"
    )


class Sla(_Strict):
    """The handoff's service level: targets, the clock they run on, and what a breach does."""

    first_touch_hours: float = Field(default=24, gt=0)
    clock: Literal["calendar", "business"] = "calendar"
    calendar: str = Field(default="org", description="owner, org, or a name from calendars")
    targets: list[SlaTarget] = []
    stale_days: int = Field(default=14, ge=1)
    ignore_activity_by: list[SalesforceId] = []
    on_breach: list[BreachStep] = []


class Writeback(_Strict):
    """Optional Lead fields the service fills in beside Status and OwnerId."""

    mql_date_field: FieldName | None = None
    score_field: FieldName | None = None
    reason_field: FieldName | None = None


class RulesFile(_Strict):
    """A whole rules file."""

    model_config = ConfigDict(title="Handoff rules file")

    version: int | str
    statuses: Statuses
    fit: list[ScoredRule] = []
    interest: list[ScoredRule] = []
    thresholds: Thresholds
    disqualify: list[NamedCondition] = []
    handoff_requires: list[FieldName] = []
    assignment: Assignment
    sla: Sla = Sla()
    writeback: Writeback = Writeback()
    calendars: dict[str, CalendarSpec | Literal["salesforce"]] = {}
