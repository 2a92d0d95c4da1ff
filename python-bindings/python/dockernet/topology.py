"""Topologies from Python: ``Topology.from_dict(d)`` / ``.from_file(path)`` / ``client.topology(d)``.

A topology is data — networks, nodes (containers) and their attachments, routes, expectations —
with the same keys as the YAML files in ``scripts/labs/``. ``plan()`` shows what ``apply()`` would
do; ``apply()`` carries it out as one transaction (undone on failure); ``destroy()`` removes exactly
what the topology owns; ``status()`` and ``verify()`` report, ``graph()`` draws. In Jupyter a
topology renders as its graph (SVG: Graphviz's ``dot`` when installed, else a built-in layout) and
a verification as a matrix with a legend and the list of mismatches.
"""

from __future__ import annotations

from . import _native

# `typing` for type checkers only (mypy and pyright read this idiom as true); `html` (which pulls
# `re`) is imported where HTML is rendered. Both keep `import dockernet` fast.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Mapping, Optional, Union

    from .client import Client

    _ResultBase = Dict[str, Any]
else:
    _ResultBase = dict

__all__ = ["Topology", "Result", "Verification"]


class Result(_ResultBase):
    """A plan, report or status as a dict; ``str()`` gives its printable summary."""

    def __str__(self) -> str:
        return str(self.get("summary", ""))

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(str(self))}</pre>"


class Verification(Result):
    """The measured reachability matrix: ``ok``, ``nodes``, ``cells`` (from, to, expected, observed)."""

    @property
    def ok(self) -> bool:
        """True when every pair behaved as expected."""
        return bool(self.get("ok"))

    def _repr_html_(self) -> str:
        from html import escape

        nodes = self.get("nodes", [])
        # The matrix shows the pings by address; checks by name (pairs across hosts) are listed
        # only when they mismatch.
        cells = {(c["from"], c["to"]): c for c in self.get("cells", []) if c.get("name") is None}
        head = "".join(f"<th>{escape(n)}</th>" for n in nodes)
        rows = []
        for a in nodes:
            tds = []
            for b in nodes:
                c = cells.get((a, b))
                if c is None:
                    tds.append("<td style='color:#999'>·</td>")
                    continue
                seen = c.get("observed")
                mark = "✓" if seen else ("✗" if seen is False else "?")
                style = "" if c.get("ok") else "background:#f8d7da;font-weight:bold"
                tip = escape(f"expected {'reach' if c.get('expected') else 'deny'}: {c.get('why', '')}")
                tds.append(f"<td style='text-align:center;{style}' title='{tip}'>{mark}</td>")
            rows.append(f"<tr><th style='text-align:right'>{escape(a)}</th>{''.join(tds)}</tr>")
        verdict = "all pairs as expected" if self.ok else "MISMATCH (highlighted)"
        legend = (
            "<p style='font-size:smaller'>Rows ping columns. ✓ reachable, ✗ unreachable, ? not measured,"
            " · same node; <span style='background:#f8d7da;font-weight:bold'>highlighted</span>: the"
            " observation contradicts what the topology expects. Hover a cell for why.</p>"
        )
        bad = [f"<li>{escape(self._mismatch(c))}</li>" for c in self.get("cells", []) if not c.get("ok")]
        listed = f"<p>mismatches:</p><ul>{''.join(bad)}</ul>" if bad else ""
        return (
            f"<table><caption style='text-align:left'>{escape(str(self.get('topology', '')))}: {verdict}"
            f" (rows ping columns)</caption><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"{legend}{listed}"
        )

    @staticmethod
    def _mismatch(c: Dict[str, Any]) -> str:
        """One mismatch, worded as the text output (core's verify.rs) words it."""

        def yes_no(b: Any) -> str:
            return "reachable" if b else "unreachable"

        address, network, name = c.get("address"), c.get("network"), c.get("name")
        if name and network:
            target = f" (by name {name} on {network})"
        else:
            target = f" ({address} on {network})" if address and network else (f" (on {network})" if network else "")
        if c.get("observed") is not None:
            observed = yes_no(c["observed"])
        else:
            observed = f"not measured: {c['error']}" if c.get("error") else "not measured"
        return (
            f"{c.get('from')} → {c.get('to')}{target}: expected {yes_no(c.get('expected'))}"
            f" ({c.get('source')}, {c.get('why')}), observed {observed}"
        )


class Topology:
    """A declared lab bound to a client (``None``: ``dockernet.from_env()`` on first use)."""

    def __init__(self, native: "_native.Topology", client: Optional["Client"] = None) -> None:
        self._native = native
        self._client = client

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], client: Optional["Client"] = None) -> "Topology":
        """From a dict with the YAML keys; errors name the path (``nodes.web.networks.front.ipv4``)."""
        return cls(_native.Topology.from_dict(dict(spec)), client)

    @classmethod
    def from_file(cls, path: str, client: Optional["Client"] = None) -> "Topology":
        """From a YAML file."""
        return cls(_native.Topology.from_file(str(path)), client)

    @classmethod
    def from_yaml(cls, text: str, client: Optional["Client"] = None) -> "Topology":
        """From YAML text."""
        return cls(_native.Topology.from_yaml(text), client)

    @property
    def name(self) -> str:
        """The topology's name (its label value on every object it owns)."""
        return self._native.name

    @property
    def client(self) -> "Client":
        """The client this topology talks through."""
        if self._client is None:
            from .client import from_env

            self._client = from_env()
        return self._client

    def plan(self) -> Result:
        """The ordered actions apply would take (empty when the daemon already matches)."""
        return Result(self._native.plan(self.client._native))

    def apply(
        self,
        concurrency: Optional[int] = None,
        progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
        wait: Optional[bool] = None,
        lock_timeout: Optional[float] = None,
        break_lock: Optional[bool] = None,
    ) -> Result:
        """Converges the daemon to the declaration; on failure undoes this run and raises.

        Another apply of the same topology (any process, any machine on this daemon) is waited
        for (``progress`` hears a ``waiting`` event naming it), at most ``lock_timeout`` seconds
        (default 600), then ``dockernet.Timeout``; ``wait=False`` raises ``dockernet.Conflict`` at
        once instead. ``break_lock=True`` removes the topology's lock first, for a holder that is
        gone on another machine.

        Ctrl-C (KeyboardInterrupt) does not leave half a lab: no new step starts, the steps in
        flight finish, what this apply did is undone, and then ``KeyboardInterrupt`` is raised
        saying so (``interrupted (Ctrl-C) after 3 of 8 steps; rolled back 3 changes; nothing of
        this apply is left``). A second Ctrl-C stops the rollback at once; the message lists what
        is left, all of it labelled, so ``destroy()`` removes it."""
        return Result(self._native.apply(self.client._native, concurrency, progress, wait, lock_timeout, break_lock))

    def destroy(self) -> Result:
        """Removes what the topology owns (containers, then networks); nothing else."""
        return Result(self._native.destroy(self.client._native))

    def status(self) -> Result:
        """Each declared element: present, missing, drifted or extra."""
        return Result(self._native.status(self.client._native))

    def verify(self, count: Optional[int] = None, timeout: Optional[int] = None, concurrency: Optional[int] = None) -> Verification:
        """Pings between the topology's nodes and compares with what the model expects."""
        options = {k: v for k, v in {"count": count, "timeout": timeout, "concurrency": concurrency}.items() if v is not None}
        return Verification(self._native.verify(self.client._native, options))

    def graph(self, format: str = "dot", live: bool = True) -> str:
        """DOT, Mermaid or SVG text; ``live`` draws the daemon's subnets and addresses in."""
        return self._native.graph(format, self.client._native if live else None)

    def _repr_svg_(self) -> Optional[str]:
        try:
            return self.graph("svg")
        except Exception:  # no Graphviz, or no daemon: Jupyter falls back to the text repr
            try:
                return self.graph("svg", live=False)
            except Exception:
                return None

    def __repr__(self) -> str:
        return f"<Topology: {self.name}>"


def topology(client: "Client", spec: Union[Mapping[str, Any], str]) -> Topology:
    """``client.topology(d)``: a dict, or a path to a YAML file."""
    if isinstance(spec, str):
        return Topology.from_file(spec, client)
    return Topology.from_dict(spec, client)
