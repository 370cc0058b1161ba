"""Pure lead decisions: rules YAML text and lead data in, decisions out.

No file, clock, network, database or environment is read here; the app passes everything in:

    ruleset = parse_rules(text, multi_select=multi_select_fields(org))  # or RulesInvalid(issues)
    problems = check_against_org(ruleset, org)          # stop the run if has_errors(problems)
    decision = decide(ruleset, LeadFacts(fields, status, owner_id, ...), DecisionContext(...))
    reason = decision.explain() if decision.mql else None
    assignments, state = assign(ruleset, [(lead_id, fields)], state, roster)
    due = add_working_hours(calendar, mql_at, hours)   # rules.calendars: the business clock
"""

from rules.assign import Assignment, AssignmentState, Roster, assign
from rules.calendars import CalendarError, WorkCalendar, calendar_from_business_hours
from rules.check import CheckResult, check_text, pattern_warnings, summary
from rules.decide import Decision, DecisionContext, LeadFacts, decide, decide_reference
from rules.issues import Issue, RulesInvalid, format_issues, has_errors
from rules.org import LeadField, OrgFacts, check_against_org, multi_select_fields
from rules.parse import parse_rules
from rules.reasons import Ineligible
from rules.ruleset import CompiledRoute, CompiledRule, RuleSet
from rules.schema import json_schema
from rules.verdict import Verdict, judge

__all__ = [
    "Assignment",
    "AssignmentState",
    "CalendarError",
    "CheckResult",
    "CompiledRoute",
    "CompiledRule",
    "Decision",
    "DecisionContext",
    "Ineligible",
    "Issue",
    "LeadFacts",
    "LeadField",
    "OrgFacts",
    "Roster",
    "RuleSet",
    "RulesInvalid",
    "Verdict",
    "WorkCalendar",
    "assign",
    "calendar_from_business_hours",
    "check_against_org",
    "check_text",
    "decide",
    "decide_reference",
    "format_issues",
    "has_errors",
    "json_schema",
    "judge",
    "multi_select_fields",
    "parse_rules",
    "pattern_warnings",
    "summary",
]
