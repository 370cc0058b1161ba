"""The package's public face, its shipped JSON Schema, and what `handoff rules check` prints."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from rules import check_text, json_schema
from tests.rules.samples import RULES

ROOT = Path(__file__).parents[2]
REGENERATE = (
    "regenerate it: python -c 'import json, rules; "
    "print(json.dumps(rules.json_schema(), indent=2, sort_keys=True))' > schemas/rules.schema.json"
)


def test_all_lists_exactly_what_the_package_imports_for_callers() -> None:
    tree = ast.parse((ROOT / "rules" / "__init__.py").read_text())
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert set(rules.__all__) == imported
    assert len(rules.__all__) == len(set(rules.__all__))
    for name in rules.__all__:
        assert getattr(rules, name) is not None


def test_the_shipped_schema_is_the_generated_one() -> None:
    shipped = json.loads((ROOT / "schemas" / "rules.schema.json").read_text())
    assert shipped == json_schema(), REGENERATE


def test_the_schema_refuses_unknown_keys_and_lists_the_operators() -> None:
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"version", "statuses", "thresholds", "assignment"}
    assert "between" in schema["$defs"]["Condition"]["properties"]["op"]["enum"]


def test_check_of_a_good_file_is_one_summary_line() -> None:
    result = check_text(RULES, "rules.yaml")
    assert result.ok is True
    assert result.lines == [
        f"rules.yaml: OK: rules v7 ({rules.parse_rules(RULES).content_hash[:12]}), "
        "3 fit, 3 interest, 1 disqualify rules, 2 routes"
    ]


def test_check_of_a_bad_file_is_one_line_per_error() -> None:
    text = RULES.replace("op: gte, value: 100", "op: gte, value: abc").replace(
        "fit: 40,", "fit: x,"
    )
    result = check_text(text, "rules.yaml")
    assert result.ok is False
    assert result.lines == [
        "rules.yaml:8: fit[0].value: 'abc' is not a number (gte compares numbers or dates)",
        "rules.yaml:15: thresholds.fit: 'x' is not a whole number",
    ]


def test_check_never_raises_on_garbage() -> None:
    for text in ["", ":", "- [", "\t", "version: !!binary x", "a: *nope", "? [a]\n: b"]:
        result = check_text(text, "f.yaml")
        assert result.ok is False
        assert all(line.startswith("f.yaml") for line in result.lines)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.sampled_from(["005", "eq"])
)
keys = st.sampled_from(
    ["version", "statuses", "mql", "eligible_from", "fit", "interest", "thresholds", "field",
     "op", "value", "points", "disqualify", "assignment", "routes", "pool", "when", "sla",
     "writeback", "handoff_requires", "reassign_from", "max_open_mqls_per_owner", "x"]
)  # fmt: skip
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=5)
)


@settings(max_examples=150, deadline=None)
@given(document=st.dictionaries(keys, documents, max_size=8))
def test_check_never_raises_on_any_shape(document: dict[str, object]) -> None:
    text = json.dumps(document)  # JSON is YAML
    result = check_text(text, "f.yaml")
    assert result.lines
