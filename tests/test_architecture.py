"""Layer rules that import-linter and ruff cannot see: `rules/` never opens a file."""

from __future__ import annotations

import ast
from pathlib import Path

import rules

FORBIDDEN_CALLS = {"open", "exec", "eval", "input", "print", "__import__"}


def test_rules_package_calls_no_io_builtins() -> None:
    offenders = []
    for path in Path(rules.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FORBIDDEN_CALLS
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.func.id}()")
    assert offenders == []
