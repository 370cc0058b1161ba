"""The org's own rules that refuse an API update: validation rules, duplicate rules, flows, locks.

A real org runs these after the field checks, on the record as it would be saved, and fails
the row with the admin's message (Collections report it per record). A rule here applies to a
Lead update whose new values match `when` (all of them), and, when `ids` is given, only to those
records; a validation rule passes when `require` names a field the saved record has filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sfsim.errors import SfError

KINDS = ("validation", "duplicate", "flow", "approval_lock", "no_access")


class DuplicateDetected(SfError):
    """DUPLICATES_DETECTED with the `duplicateResult` Salesforce adds to the error."""

    def __init__(self, rule: str, record_id: str, matched: list[str]) -> None:
        super().__init__(400, "DUPLICATES_DETECTED", "Use one of these records?")
        self.result = {
            "allowSave": False,
            "duplicateRule": rule,
            "duplicateRuleEntityType": "Lead",
            "errorMessage": "Use one of these records?",
            "matchResults": [
                {
                    "entityType": "Lead",
                    "errors": [],
                    "matchEngine": "FuzzyMatchEngine",
                    "matchRecords": [
                        {
                            "additionalInformation": [],
                            "fieldDiffs": [],
                            "matchConfidence": 100.0,
                            "record": {"attributes": {"type": "Lead"}, "Id": match},
                        }
                        for match in matched
                        if match != record_id
                    ],
                    "rule": "Standard_Lead_Match_Rule_v1_0",
                    "size": len(matched),
                    "success": True,
                }
            ],
        }

    def as_collection(self) -> dict[str, object]:
        return super().as_collection() | {"duplicateResult": self.result}

    def as_rest(self) -> dict[str, object]:
        return super().as_rest() | {"duplicateResult": self.result}


@dataclass(frozen=True)
class WriteRule:
    """One rule of the org: its kind, when it applies, and what it says."""

    kind: str
    name: str = "Handoff_Test_Rule"
    when: Mapping[str, Any] = field(default_factory=dict)
    ids: frozenset[str] = frozenset()
    require: str | None = None  # validation: passes when this field is filled
    error_field: str | None = None  # validation: the field the error is shown on
    message: str = ""
    action: str = "alert"  # duplicate: alert (allowSave lets it through) or block
    matches: tuple[str, ...] = ()  # duplicate: the records the matching rule finds

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> WriteRule:
        """A rule from the control surface's JSON (KeyError/ValueError on a bad one)."""
        kind = str(body["kind"])
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        action = str(body.get("action", "alert"))
        if action not in ("alert", "block"):
            raise ValueError("action is alert or block")
        return cls(
            kind=kind,
            name=str(body.get("name", "Handoff_Test_Rule")),
            when=dict(body.get("when") or {}),
            ids=frozenset(body.get("ids") or ()),
            require=body.get("require"),
            error_field=body.get("error_field"),
            message=str(body.get("message", "")),
            action=action,
            matches=tuple(body.get("matches") or ()),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "when": dict(self.when),
            "ids": sorted(self.ids), "require": self.require, "error_field": self.error_field,
            "message": self.message, "action": self.action, "matches": list(self.matches),
        }  # fmt: skip

    def applies(self, record_id: str, saved: Mapping[str, Any]) -> bool:
        if self.ids and record_id not in self.ids:
            return False
        return all(saved.get(name) == value for name, value in self.when.items())

    def refusal(self, record_id: str, saved: Mapping[str, Any], allow_save: bool) -> SfError | None:
        """The error this rule answers for the saved record, or None when it lets it pass."""
        if not self.applies(record_id, saved):
            return None
        if self.kind == "validation":
            if self.require is not None and saved.get(self.require) not in (None, ""):
                return None
            fields = [self.error_field] if self.error_field else []
            message = self.message or f"{self.name} failed"
            return SfError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", message, fields)
        if self.kind == "duplicate":
            if self.action == "alert" and allow_save:
                return None
            return DuplicateDetected(self.name, record_id, list(self.matches) or [record_id])
        if self.kind == "flow":
            detail = self.message or "An unhandled fault has occurred in this flow"
            return SfError(
                400,
                "CANNOT_EXECUTE_FLOW_TRIGGER",
                f"We can't save this record because the \u201c{self.name}\u201d process failed. "
                f"Give your Salesforce admin these details. {detail}",
            )
        if self.kind == "approval_lock":
            return SfError(
                400,
                "ENTITY_IS_LOCKED",
                "This record is locked. If you need to edit it, contact your admin.",
            )
        return SfError(400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on "
                       "object id")  # fmt: skip


def allows_duplicate_save(header: str | None) -> bool:
    """True for `Sforce-Duplicate-Rule-Header: allowSave=true` (any spacing or case)."""
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "allowsave" and value.strip().lower() == "true":
            return True
    return False


def first_refusal(
    rules: list[WriteRule], record_id: str, saved: Mapping[str, Any], allow_save: bool
) -> SfError | None:
    """The first rule (in the order they were added) that refuses the save, if any."""
    for rule in rules:
        error = rule.refusal(record_id, saved, allow_save)
        if error is not None:
            return error
    return None
