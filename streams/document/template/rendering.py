"""Filling a template's {{placeholders}} from a business object's data (pure, no I/O).

`{{supplier.name}}` is a value by its dotted path in the object's JSON (as the API shows the object);
`{{#terms.lines}} ... {{/terms.lines}}` repeats its text once per element of a list, where the element's own
fields come first (`{{description}}`) and the object's are still reachable. Sections do not nest: a
template is a short text, not a program. HTML templates have every value escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
TAG = re.compile(r"\{\{\s*([#/]?)\s*(" + NAME + r")?\s*\}\}")
SECTION = re.compile(r"\{\{\s*#\s*(" + NAME + r")\s*\}\}(.*?)\{\{\s*/\s*\1\s*\}\}", re.DOTALL)
VALUE = re.compile(r"\{\{\s*(" + NAME + r")\s*\}\}")


class MissingValue(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"the object has no value for {{{{{name}}}}}")
        self.name = name


def syntax_problem(body: str) -> str | None:
    """Why the body is not a template (an unnamed or unbalanced tag, a nested section), or None."""
    depth, opened = 0, ""
    for tag in TAG.finditer(body):
        kind, name = tag.group(1), tag.group(2)
        if not name:
            return f"a placeholder needs a name: {tag.group(0)}"
        if kind == "#":
            if depth:
                return f"sections do not nest: {{{{#{name}}}}} inside {{{{#{opened}}}}}"
            depth, opened = 1, name
        elif kind == "/":
            if not depth or name != opened:
                return f"{{{{/{name}}}}} closes no open section"
            depth = 0
    if depth:
        return f"{{{{#{opened}}}}} is never closed"
    if "{{" in TAG.sub("", body):
        return "a placeholder is {{name}}, a section {{#list}}...{{/list}}"
    return None


def placeholders(body: str) -> list[str]:
    """The names a template uses, in order (sections as `#name`)."""
    return [
        ("#" if tag.group(1) == "#" else "") + (tag.group(2) or "") for tag in TAG.finditer(body) if tag.group(1) != "/"
    ]


def _lookup(data: Mapping[str, Any], name: str) -> Any:
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise MissingValue(name)
        value = value[part]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal | int):
        return str(value)
    if isinstance(value, str):
        return value
    raise MissingValue("(a list or an object where a value was expected)")


def render(body: str, data: Mapping[str, Any], html_escape: bool) -> str:
    """The body with every placeholder filled from `data`; MissingValue names the first that has no value."""
    escape: Callable[[str], str] = html.escape if html_escape else (lambda text: text)

    def fill(text: str, scope: Mapping[str, Any]) -> str:
        return VALUE.sub(lambda m: escape(_text(_lookup(scope, m.group(1)))), text)

    def section(match: re.Match[str]) -> str:
        items = _lookup(data, match.group(1))
        if not isinstance(items, list):
            raise MissingValue(match.group(1))
        return "".join(fill(match.group(2), {**data, **(item if isinstance(item, Mapping) else {})}) for item in items)

    return fill(SECTION.sub(section, body), data)
