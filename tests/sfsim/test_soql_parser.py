"""The SOQL parser: what it accepts, and MALFORMED_QUERY for everything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from simple_salesforce.format import format_soql

from sfsim.errors import SfError
from sfsim.soql.ast import And, Compare, In, Like, LitKind, Not, Or
from sfsim.soql.parser import parse


class TestAccepted:
    def test_relationship_fields_and_clauses_are_parsed(self) -> None:
        query = parse(
            "select Id, Owner.Type FROM Lead WHERE Status IN ('A', 'B') "
            "ORDER BY SystemModstamp DESC NULLS LAST, Id LIMIT 10"
        )
        assert [p.parts for p in query.fields] == [("Id",), ("Owner", "Type")]
        assert query.sobject == "Lead"
        assert isinstance(query.where, In)
        assert [v.value for v in query.where.values] == ["A", "B"]
        assert [(k.path.text, k.descending, k.nulls_first) for k in query.order] == [
            ("SystemModstamp", True, False),
            ("Id", False, True),
        ]
        assert query.limit == 10

    def test_count_has_no_fields(self) -> None:
        query = parse("SELECT COUNT() FROM Lead")
        assert query.count
        assert query.fields == ()

    def test_and_or_not_nest_with_parentheses(self) -> None:
        where = parse("SELECT Id FROM Lead WHERE (A = 1 OR B = 2) AND NOT C LIKE 'x%'").where
        assert isinstance(where, And)
        assert isinstance(where.parts[0], Or)
        assert isinstance(where.parts[1], Not)
        assert isinstance(where.parts[1].part, Like)

    @pytest.mark.parametrize(
        ("literal", "kind", "value"),
        [
            ("2026-10-01T00:00:00Z", LitKind.DATETIME, 1790812800),
            ("2026-10-01T02:00:00+02:00", LitKind.DATETIME, 1790812800),
            ("2026-10-01T00:00:00.000+0000", LitKind.DATETIME, 1790812800),
            ("2026-10-01", LitKind.DATE, 20727),
            ("null", LitKind.NULL, None),
            ("TRUE", LitKind.BOOLEAN, True),
            ("-12.5", LitKind.NUMBER, -12.5),
            ("42", LitKind.NUMBER, 42),
            (r"'it\'s \\ \n'", LitKind.STRING, "it's \\ \n"),
        ],
    )
    def test_literals_are_typed_by_spelling(
        self, literal: str, kind: LitKind, value: object
    ) -> None:
        where = parse(f"SELECT Id FROM Lead WHERE X = {literal}").where
        assert isinstance(where, Compare)
        assert (where.value.kind, where.value.value) == (kind, value)

    def test_not_in_and_diamond_operator(self) -> None:
        where = parse("SELECT Id FROM Lead WHERE A NOT IN ('x') AND B <> 'y'").where
        assert isinstance(where, And)
        assert isinstance(where.parts[0], In)
        assert where.parts[0].negated
        assert isinstance(where.parts[1], Compare)
        assert where.parts[1].op == "!="

    @given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
    def test_any_string_quoted_by_format_soql_reads_back(self, text: str) -> None:
        where = parse(format_soql("SELECT Id FROM Lead WHERE Email = {}", text)).where
        assert isinstance(where, Compare)
        assert where.value.value == text


class TestMalformed:
    @pytest.mark.parametrize(
        "soql",
        [
            "",
            "SELECT FROM Lead",
            "SELECT Id Lead",
            "SELECT Id FROM Lead WHERE",
            "SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3",
            "SELECT Id FROM Lead WHERE A =",
            "SELECT Id FROM Lead WHERE A IN ()",
            "SELECT Id FROM Lead WHERE A LIKE 3",
            "SELECT Id FROM Lead WHERE Name = 'unterminated",
            "SELECT Id FROM Lead LIMIT x",
            "SELECT Id FROM Lead ORDER BY",
            "SELECT Id FROM Lead ORDER BY Id NULLS",
            "SELECT Id FROM Lead GROUP BY Id",
            "SELECT Id FROM Lead OFFSET 10",
            "SELECT Id, (SELECT Id FROM Tasks) FROM Lead",
            "SELECT Id FROM Lead WHERE CreatedDate > 2026-13-01",
            "SELECT Id FROM Lead WHERE X = 'a' extra",
            'SELECT Id FROM Lead WHERE X = "double"',
        ],
    )
    def test_is_refused_with_malformed_query(self, soql: str) -> None:
        with pytest.raises(SfError) as caught:
            parse(soql)
        assert caught.value.code == "MALFORMED_QUERY"
        assert caught.value.status == 400

    def test_message_points_at_the_column(self) -> None:
        with pytest.raises(SfError) as caught:
            parse("SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3")
        assert "ERROR at Row:1:Column:43" in caught.value.message
        assert "unexpected token: 'OR'" in caught.value.message
