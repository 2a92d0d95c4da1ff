"""Rich display in Jupyter and REPLs: HTML tables for networks, containers, lists of them and
interfaces; interface tables as text; exec output decoded."""

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


# The columns of an interface table: header, then how to read the cell from one interface dict.
_IFACE_HEADERS = ["IFNAME", "NETWORK", "IPV4", "IPV6", "MAC", "GATEWAY", "DEFAULT ROUTE"]


def _iface_row(i: dict) -> List[str]:
    route = i.get("default_route")
    gateways = [g for g in (i.get("gateway"), i.get("ipv6_gateway")) if g]
    return [
        i.get("ifname") or "?",
        i.get("network") or "",
        i.get("ipv4") or "",
        i.get("ipv6") or "",
        i.get("mac") or "",
        ", ".join(gateways),
        "yes" if route else ("no" if route is False else "?"),
    ]


def interfaces_table(ifaces: Iterable[dict]) -> str:
    """An HTML table of ``Container.interfaces()``, one row per interface in the given order."""
    rows = [_iface_row(i) for i in ifaces]
    return table(_IFACE_HEADERS, rows, f"{len(rows)} interface{'' if len(rows) == 1 else 's'}")


def interfaces_text(ifaces: Iterable[dict]) -> str:
    """The same table as aligned text, for a REPL (``?``: the image could not tell)."""
    rows = [_IFACE_HEADERS] + [_iface_row(i) for i in ifaces]
    if len(rows) == 1:
        return "(no interfaces)"
    widths = [max(len(r[c]) for r in rows) for c in range(len(_IFACE_HEADERS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def interfaces_from_attrs(attrs: dict) -> List[dict]:
    """Interfaces as far as a container's inspect document tells (no names inside the
    container): for a display when the daemon cannot be asked."""
    nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    out = []
    for name, ep in sorted(nets.items()):
        v4 = f"{ep['IPAddress']}/{ep.get('IPPrefixLen', '')}" if ep.get("IPAddress") else None
        v6 = f"{ep['GlobalIPv6Address']}/{ep.get('GlobalIPv6PrefixLen', '')}" if ep.get("GlobalIPv6Address") else None
        out.append(
            {
                "network": name,
                "ipv4": v4,
                "ipv6": v6,
                "mac": ep.get("MacAddress") or None,
                "gateway": ep.get("Gateway") or None,
                "ipv6_gateway": ep.get("IPv6Gateway") or None,
                "ifname": None,
                "default_route": None,
            }
        )
    return out


def decoded(output: Any) -> str:
    """Exec output as text: bytes decoded as UTF-8 (undecodable bytes shown as U+FFFD), a
    demuxed ``(stdout, stderr)`` pair joined."""
    if isinstance(output, tuple):
        return "".join(decoded(part) for part in output if part)
    if isinstance(output, (bytes, bytearray)):
        return bytes(output).decode("utf-8", "replace")
    return "" if output is None else str(output)


def exec_result_html(exit_code: int, output: Any) -> str:
    """An ``ExecResult`` as HTML: the exit code, then the decoded output."""
    from html import escape

    color = "" if exit_code == 0 else " style='color:#b00'"
    return f"<div><b{color}>exit code {escape(str(exit_code))}</b><pre>{escape(decoded(output))}</pre></div>"
