"""The closing words of `handoff sync` on a terminal: what the run did, in sentences.

Scripts read the `key=value` lines and `--json`; a person at a terminal wants to know whether it
worked, how many MQLs were set, who got them, what was held and why, and, when writes failed,
what to do about it. Everything here comes from the run record and the run's own decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.reports.run_routes import RouteOutcome

STATE_WORDS = {
    "succeeded": "succeeded",
    "partial": "finished with failed writes",
    "failed": "failed",
    "interrupted": "was interrupted",
}


@dataclass(frozen=True)
class RunStory:
    """The run's figures (`app.cli.sync.summary`), its routes and its unfixable write failures."""

    fields: dict[str, Any]
    counts: dict[str, Any]
    routes: list[RouteOutcome]
    permanent_failures: list[str]


def _n(value: Any) -> str:
    return f"{int(value or 0):,}"


def _pulled(counts: dict[str, Any]) -> str:
    pulled = counts.get("pulled") or {}
    deleted = counts.get("deleted") or {}
    parts = []
    for sobject, number in pulled.items():
        gone = deleted.get(sobject)
        parts.append(f"{_n(number)} {sobject}" + (f" ({_n(gone)} deleted)" if gone else ""))
    return ", ".join(parts) or "nothing new"


def _failures(story: RunStory) -> list[str]:
    counts = story.counts
    failed, queued = int(counts.get("failed") or 0), int(counts.get("queued_for_retry") or 0)
    if not failed:
        return []
    lines = [
        f"Failed writes: {_n(failed)}. {_n(queued)} are queued and the next sync retries them; "
        "nothing to do unless they keep failing."
    ]
    if story.permanent_failures:
        lines.append(
            "  Not retried (Salesforce refused them; fix the lead or the org's validation "
            "rules, then run again): " + ", ".join(story.permanent_failures)
        )
    return lines


def render(story: RunStory) -> list[str]:
    """The summary as lines for a person."""
    fields, counts = story.fields, story.counts
    mode = "dry run, nothing written" if fields.get("dry_run") else "live"
    mode += ", full" if fields.get("full") else ""
    took = f" in {fields['seconds']} s" if fields.get("seconds") is not None else ""
    state = STATE_WORDS.get(str(fields.get("state")), str(fields.get("state")))
    lines = [f"Sync run {fields['run_id']} {state}{took} ({mode})."]
    lines.append(f"Pulled: {_pulled(counts)}.")
    verb = "would set" if fields.get("dry_run") else "set"
    lines.append(
        f"MQLs: {_n(counts.get('qualified'))} qualified, {verb} {_n(counts.get('promoted'))}; "
        f"{_n(counts.get('reassigned'))} reassigned, {_n(counts.get('written'))} writes."
    )
    if story.routes:
        lines.append("Owners by route:")
        lines += [
            f"  route {r.route}: " + ", ".join(f"{name} ({n})" for name, n in r.owners)
            for r in story.routes
        ]
    held = counts.get("held_by_field") or {}
    if counts.get("held"):
        reasons = ", ".join(f"missing {field} {_n(n)}" for field, n in sorted(held.items()))
        lines.append(f"Held: {_n(counts.get('held'))} leads ({reasons or 'missing fields'}).")
    if counts.get("waiting_for_owner"):
        lines.append(
            f"Waiting for an available owner: {_n(counts.get('waiting_for_owner'))} leads, "
            "status unchanged (GET /handoff/leads?state=unassigned)."
        )
    if counts.get("skipped_changed"):
        lines.append(
            f"Skipped: {_n(counts['skipped_changed'])} leads changed in Salesforce while this run "
            "read them; the next sync decides them again."
        )
    lines += _failures(story)
    usage = counts.get("api_usage") or {}
    if usage.get("used") is not None and usage.get("max"):
        lines.append(
            f"API: {_n(counts.get('api_calls'))} calls this run; the org has used "
            f"{_n(usage['used'])} of {_n(usage['max'])} in the last 24 hours."
        )
    if fields.get("message"):
        lines.append(f"Note: {fields['message']}")
    return lines
