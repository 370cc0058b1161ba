"""Layer rules that import-linter and ruff cannot see: `rules/` never opens a file."""

from __future__ import annotations

import ast
from pathlib import Path

import rules

FORBIDDEN_CALLS = {"open", "exec", "eval", "input", "print", "__import__"}
# The one allowed use: rules/scorer.py turns compiled rules into one Python function. Its source
# is written from fixed templates; field names go in as repr() literals and every rule value as a
# name bound in the function's namespace, so no text from a rules file or a lead is ever code.
ALLOWED_CALLS = {("scorer.py", "exec")}


def test_rules_package_calls_no_io_builtins() -> None:
    offenders = []
    for path in Path(rules.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FORBIDDEN_CALLS
                and (path.name, node.func.id) not in ALLOWED_CALLS
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.func.id}()")
    assert offenders == []
