"""What a decision writes: only what the org lacks, and nothing once it holds it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.handoff.mapping import LeadInput
from app.handoff.plan import Intent, Writeback, planned_values
from tests.app.handoff.conftest import QUEUE, REP1, REP2

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
MQL = "Marketing Qualified"
WRITEBACK = Writeback(
    mql_date_field="MQL_Date__c", score_field="Lead_Score__c", reason_field="MQL_Reason__c"
)


def lead(status: str = "Nurturing", owner: str | None = QUEUE, **fields: object) -> LeadInput:
    return LeadInput(
        id="00Q000000000001AAA", status=status, owner_id=owner, created_date=NOW,
        ever_mql=False, taken_out_by_person=False, fields=fields,
    )  # fmt: skip


class TestPlannedValues:
    def test_a_promotion_writes_status_owner_and_writeback(self):
        planned = planned_values(
            lead(), Intent(MQL, REP1, 80, "MQL (rules v7): ..."), WRITEBACK, NOW
        )
        assert planned == {
            "Status": MQL, "OwnerId": REP1, "MQL_Date__c": "2026-11-02",
            "Lead_Score__c": 80, "MQL_Reason__c": "MQL (rules v7): ...",
        }  # fmt: skip

    def test_a_datetime_mql_date_field_gets_salesforce_datetime_text(self):
        writeback = Writeback(mql_date_field="MQL_Date__c", mql_date_type="datetime")
        planned = planned_values(lead(), Intent(MQL, None, 80, "r"), writeback, NOW)
        assert planned == {"Status": MQL, "MQL_Date__c": "2026-11-02T09:30:00.000+0000"}

    def test_a_long_reason_is_clipped_to_the_field(self):
        writeback = Writeback(reason_field="MQL_Reason__c", reason_length=40)
        planned = planned_values(lead(), Intent(MQL, None, 1, "x" * 300), writeback, NOW)
        assert planned is not None
        assert len(planned["MQL_Reason__c"]) == 40

    def test_score_and_reason_never_travel_alone(self):
        held = lead(owner=REP1, Lead_Score__c=10)
        assert planned_values(held, Intent(None, REP1, 80, "r"), WRITEBACK, NOW) is None

    def test_an_owner_change_alone_leaves_status_alone(self):
        planned = planned_values(lead(status=MQL), Intent(None, REP2, 80, "r"), WRITEBACK, NOW)
        assert planned is not None
        assert "Status" not in planned
        assert planned["OwnerId"] == REP2


@given(
    status=st.sampled_from(["Nurturing", "Open - Not Contacted", MQL]),
    owner=st.sampled_from([QUEUE, REP1, REP2, None]),
    promote=st.booleans(),
    new_owner=st.sampled_from([None, REP1, REP2]),
    score=st.integers(-100, 300),
    reason=st.text(max_size=300),
)
def test_once_written_the_same_intent_plans_nothing(
    status, owner, promote, new_owner, score, reason
):
    """A second run with nothing changed sends no write: the plan is idempotent."""
    before = lead(status=status, owner=owner)
    intent = Intent(MQL if promote else None, new_owner, score, reason)
    planned = planned_values(before, intent, WRITEBACK, NOW)
    if planned is None:
        return
    after = before.with_values(planned, MQL)
    assert planned_values(after, intent, WRITEBACK, NOW) is None
