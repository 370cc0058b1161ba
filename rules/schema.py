"""The JSON Schema of the rules file, generated from the model.

Editors with a YAML language server use it for completion and checking; the repository ships it
as `schemas/rules.schema.json`, and a test keeps that file equal to what this returns.
"""

from __future__ import annotations

from typing import Any

from rules.model import RulesFile


def json_schema() -> dict[str, Any]:
    """The rules file's JSON Schema (draft 2020-12), as a plain dict."""
    schema = RulesFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
