"""The OpenAPI schema documents every operation: a description and an example answer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    paths = app.openapi()["paths"]
    return [(m.upper(), p, op) for p, ops in paths.items() for m, op in ops.items()]


def test_every_operation_has_a_description(app: FastAPI) -> None:
    missing = [(m, p) for m, p, op in _operations(app) if len(op.get("description", "")) < 40]
    assert missing == []


def test_every_operation_shows_an_example_answer(app: FastAPI) -> None:
    missing = []
    for method, path, operation in _operations(app):
        success = next(code for code in operation["responses"] if code.startswith("2"))
        content = operation["responses"][success].get("content", {})
        if not any("example" in media for media in content.values()):
            missing.append((method, path))
    assert missing == []


def test_both_ways_of_sending_a_key_are_documented(app: FastAPI) -> None:
    schemes = app.openapi()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
