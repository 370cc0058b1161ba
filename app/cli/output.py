"""How commands show results: rich on a terminal, `key=value` lines otherwise, JSON on request.

Scripts and log collectors read the plain form, so it stays one fact per line and stable; people
at a terminal get tables.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table


def _plain(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return json.dumps(text) if any(c in text for c in ' "\n\t=') else text


class Output:
    """Writes a command's results in the form that suits where they go."""

    def __init__(self, *, as_json: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.as_json = as_json
        self.terminal = self.stream.isatty() and not as_json
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def record(self, title: str, fields: Mapping[str, Any]) -> None:
        """One object: a two-column table, `key=value` lines, or a JSON object."""
        if self.as_json:
            self.stream.write(json.dumps(dict(fields), default=str, indent=2) + "\n")
        elif self.terminal:
            table = Table(title=title, show_header=False, title_justify="left")
            for key, value in fields.items():
                table.add_row(key, "" if value is None else str(value))
            self.console.print(table)
        else:
            for key, value in fields.items():
                self.stream.write(f"{key}={_plain(value)}\n")

    def rows(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many objects: a table, one line of `key=value` pairs per row, or a JSON list."""
        if self.as_json:
            items = [dict(zip(columns, row, strict=True)) for row in rows]
            self.stream.write(json.dumps(items, default=str, indent=2) + "\n")
        elif self.terminal:
            table = Table(*columns, title=title, title_justify="left")
            for row in rows:
                table.add_row(*("" if v is None else str(v) for v in row))
            self.console.print(table)
        else:
            for row in rows:
                pairs = (f"{c}={_plain(v)}" for c, v in zip(columns, row, strict=True))
                self.stream.write(" ".join(pairs) + "\n")

    def line(self, text: str) -> None:
        """A sentence for a person (plain in every mode except JSON, where it goes to stderr)."""
        target = sys.stderr if self.as_json else self.stream
        target.write(text + "\n")


def error(message: str) -> None:
    """Print an error for a person on stderr, one line per problem."""
    sys.stderr.write(f"error: {message}\n")
