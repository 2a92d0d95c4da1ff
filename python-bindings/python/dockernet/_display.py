"""Rich display in Jupyter: HTML tables for networks, containers and lists of them."""

from __future__ import annotations

# Imports are kept off the `import dockernet` path: `typing` only for type checkers (the
# `TYPE_CHECKING = False` idiom, which mypy and pyright read as true), `html` (which pulls `re`)
# only when a table is actually rendered.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Iterable, List, Sequence


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """An HTML table; every cell is escaped."""
    from html import escape

    head = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'><code>{escape(str(c))}</code></td>" for c in row) + "</tr>"
        for row in rows
    )
    cap = f"<caption style='text-align:left'>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def subnets(attrs: dict) -> str:
    """The subnets of a network's inspect document, comma-separated."""
    config: List[dict] = ((attrs.get("IPAM") or {}).get("Config")) or []
    return ", ".join(c.get("Subnet", "") for c in config if c.get("Subnet"))
