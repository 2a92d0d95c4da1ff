"""Topologies from Python: ``Topology.from_dict(d)`` / ``.from_file(path)`` / ``client.topology(d)``.

A topology is data — networks, nodes (containers) and their attachments, routes, expectations —
with the same keys as the YAML files in ``scripts/labs/``. ``plan()`` shows what ``apply()`` would
do; ``apply()`` carries it out as one transaction (undone on failure); ``destroy()`` removes exactly
what the topology owns; ``status()`` and ``verify()`` report, ``graph()`` draws, ``watch()`` reports drift as it happens
(and heals it with ``heal=True``). In Jupyter a topology renders as its graph (SVG: Graphviz's
``dot`` when installed, else a built-in layout), a verification as a matrix with a legend and the
list of mismatches, and ``watch().show()`` as a table updated in place.
"""

from __future__ import annotations

from . import _native

# `typing` for type checkers only (mypy and pyright read this idiom as true); `html` (which pulls
# `re`) is imported where HTML is rendered. Both keep `import dockernet` fast.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

    from .client import Client

    _ResultBase = Dict[str, Any]
else:
    _ResultBase = dict

__all__ = ["Topology", "Result", "Verification", "Watch", "Change"]


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
    """The measured reachability matrix: ``ok``, ``nodes``, ``cells`` (from, to, expected, observed,
    and per pair ``rtt_ms`` {min, avg, max}, ``loss_pct``, ``count``, the declared ``link`` and any
    ``expect_rtt_ms`` / ``expect_loss_pct`` bounds)."""

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
                tip = f"expected {'reach' if c.get('expected') else 'deny'}: {c.get('why', '')}"
                measured = self._measured(c)
                if measured:
                    tip += f"; measured {measured}"
                if c.get("link"):
                    tip += f"; declared {c['link']}"
                # The link as measured, under the mark: average RTT and loss (when several echoes
                # went, or the link is declared or bounded).
                small = ""
                if self._shows_link(c) and c.get("loss_pct") is not None:
                    rtt = c.get("rtt_ms")
                    avg = f"{rtt['avg']:.1f} ms · " if rtt else ""
                    small = f"<br><small>{escape(avg)}{c['loss_pct']:g}%</small>"
                tds.append(f"<td style='text-align:center;{style}' title='{escape(tip)}'>{mark}{small}</td>")
            rows.append(f"<tr><th style='text-align:right'>{escape(a)}</th>{''.join(tds)}</tr>")
        verdict = "all pairs as expected" if self.ok else "MISMATCH (highlighted)"
        legend = (
            "<p style='font-size:smaller'>Rows ping columns. ✓ reachable, ✗ unreachable, ? not measured,"
            " · same node; <span style='background:#f8d7da;font-weight:bold'>highlighted</span>: the"
            " observation contradicts what the topology expects. Under a mark: average RTT · loss of a"
            " measured link. Hover a cell for why and what is declared.</p>"
        )
        bad = [f"<li>{escape(self._mismatch(c))}</li>" for c in self.get("cells", []) if not c.get("ok")]
        listed = f"<p>mismatches:</p><ul>{''.join(bad)}</ul>" if bad else ""
        return (
            f"<table><caption style='text-align:left'>{escape(str(self.get('topology', '')))}: {verdict}"
            f" (rows ping columns)</caption><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"{legend}{listed}"
        )

    @staticmethod
    def _shows_link(c: Dict[str, Any]) -> bool:
        return bool(c.get("link") or c.get("expect_rtt_ms") or c.get("expect_loss_pct") or (c.get("count") or 1) > 1)

    @staticmethod
    def _measured(c: Dict[str, Any]) -> str:
        """What was measured beyond reach, worded as verify.rs words it: ``rtt 0.1/0.2/0.3 ms, loss 5% of 20``."""
        if c.get("loss_pct") is None:
            return ""
        r = c.get("rtt_ms")
        rtt = f"rtt {r['min']:.1f}/{r['avg']:.1f}/{r['max']:.1f} ms, " if r else ""
        return f"{rtt}loss {c['loss_pct']:g}% of {c.get('count')}"

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
        text = (
            f"{c.get('from')} → {c.get('to')}{target}: expected {yes_no(c.get('expected'))}"
            f" ({c.get('source')}, {c.get('why')}), observed {observed}"
        )
        if c.get("observed") == c.get("expected") and (c.get("expect_rtt_ms") or c.get("expect_loss_pct")):
            def bounds(b: Dict[str, Any]) -> str:
                lo, hi = b.get("min"), b.get("max")
                return f"{lo:g}–{hi:g}" if lo is not None and hi is not None else (f"≥ {lo:g}" if lo is not None else f"≤ {hi:g}")

            want = [f"{k} {bounds(b)}" for k, b in (("rtt_ms", c.get("expect_rtt_ms")), ("loss_pct", c.get("expect_loss_pct"))) if b]
            got = Verification._measured(c) or "nothing measured"
            text += f", but expected {', '.join(want)} ({c.get('measure_source')}), measured {got}"
        return text


class Change(Result):
    """One record of a drift watch; ``str()`` gives its line.

    Keys: ``change`` (``drift``, ``restored``, ``up_to_date``, ``heal``, ``healed``,
    ``heal_failed``, ``stream_lost``, ``stream_resumed``), ``message`` (the line: ``node web: disconnected from front by hand — run
    topology.apply() or watch(heal=True)``), ``time`` (unix seconds), ``topology``; for an element,
    ``element`` (``network``, ``node``, ``attachment``, ``route``…), ``path``, ``name``, ``state``,
    ``was`` and ``detail``; for a heal, ``attempt``."""

    @property
    def change(self) -> str:
        """What happened: ``drift``, ``restored``, ``up_to_date``, ``heal``, ``healed``, ``heal_failed``,
        ``stream_lost``, ``stream_resumed``."""
        return str(self.get("change", ""))

    @property
    def message(self) -> str:
        """The printable line."""
        return str(self.get("message", ""))


class Watch:
    """A running drift watch (``Topology.watch()``): iterate it for ``Change`` records as they
    happen, or ``show()`` them. It ends at ``until``; Ctrl-C raises ``KeyboardInterrupt`` and ends
    it (a heal in flight is rolled back first); ``close()`` (or leaving a ``with`` block) ends it
    at once."""

    #: How many of the latest changes ``show()`` keeps in its table.
    SHOWN = 50

    def __init__(self, native: "_native.Watch", name: str) -> None:
        self._native = native
        self.name = name

    def __iter__(self) -> "Iterator[Change]":
        return self

    def __next__(self) -> Change:
        return Change(next(self._native))

    def close(self) -> None:
        """Ends the watch now (closes its event streams)."""
        self._native.close()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def show(self) -> None:
        """Runs the watch to its end, showing it as it goes: in Jupyter, a table updated in place
        (the latest changes first, under a caption with the lab's state); elsewhere, one line per
        change on stdout. Ctrl-C (the notebook's stop button) ends it with ``KeyboardInterrupt``,
        the table saying so."""
        with _Shown(self.name, self.SHOWN) as shown:
            for change in self:
                shown.add(change)

    def __repr__(self) -> str:
        return f"<Watch: {self.name}>"


class _Shown:
    """What ``Watch.show()`` (and the async one) draws: in Jupyter one HTML table updated in
    place, the latest ``keep`` changes first under a caption with the lab's state; elsewhere one
    line per change on stdout."""

    def __init__(self, name: str, keep: int) -> None:
        self.name = name
        self.keep = keep
        self.rows: "List[Change]" = []
        self.state = "watching"
        self.handle: Any = None
        if _in_notebook():
            from IPython.display import HTML, display

            self.handle = display(HTML(self._table()), display_id=True)

    def add(self, change: Change) -> None:
        if self.handle is None:
            print(change, flush=True)
            return
        from IPython.display import HTML

        self.rows.insert(0, change)
        del self.rows[self.keep :]
        if change.change == "up_to_date":
            self.state = "up to date"
        elif change.change in ("drift", "heal_failed"):
            self.state = "differs from the declaration"
        elif change.change == "heal":
            self.state = "healing"
        self.handle.update(HTML(self._table()))

    def __enter__(self) -> "_Shown":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        """The watch ended: the caption says ``ended``, or ``stopped`` by an exception (Ctrl-C,
        a cancelled task), which goes on."""
        if self.handle is None:
            return
        from IPython.display import HTML

        self.state = f"{'ended' if exc_type is None else 'stopped'} ({self.state})"
        self.handle.update(HTML(self._table()))

    def _table(self) -> str:
        import time

        from ._display import table

        def when(c: Change) -> str:
            return time.strftime("%H:%M:%S", time.localtime(float(c.get("time", 0))))

        body = [[when(c), c.change, c.message] for c in self.rows]
        return table(["TIME", "CHANGE", "LINE"], body, f"watch {self.name}: {self.state} (latest first)")


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with a kernel), where a display handle updates."""
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


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

        ``concurrency`` (default 8) bounds the steps in flight on each daemon, not in all: a lab
        across three hosts may have three times as many steps in flight at once.

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

    def watch(
        self,
        heal: bool = False,
        until: "Optional[Union[float, str]]" = None,
        retries: Optional[int] = None,
        reconnect: Optional[int] = None,
    ) -> Watch:
        """Reports, as they happen, the changes that make the daemon differ from the declaration —
        a node removed or stopped, disconnected by hand, an impairment lost, a network removed —
        as ``Change`` records, one per element, each saying what to do; the first ones are the
        lab's state when the watch starts. ``heal=True`` re-applies the declaration each time
        (``retries`` attempts, default 3, with backoff; each step is a record). ``until``: seconds
        from now (``30``), a duration (``"5m"``) or a time (``"2026-12-04T18:00:00Z"``); without
        it the watch runs until Ctrl-C or ``close()``.

        When the daemon ends its event stream (a restart), a ``stream_lost`` record follows, then
        at most ``reconnect`` attempts (default 10, about 40 s with backoff) to reopen it from the
        last event's time, and a ``stream_resumed`` record (the status is read again); after the
        last attempt, ``dockernet.DockerError`` (kind ``unavailable``) saying so.

        ``for change in topo.watch(until=60): print(change)``; in Jupyter,
        ``topo.watch(heal=True).show()`` draws a table updated in place. ``dockernet.aio`` has the
        same as an async iterator: ``async for change in atopo.watch(until=60)``."""
        return Watch(self._native.watch(self.client._native, _watch_options(heal, until, retries, reconnect)), self.name)

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


def _watch_options(heal: bool, until: Any, retries: Optional[int], reconnect: Optional[int]) -> Dict[str, Any]:
    """The options of ``Topology.watch`` (and the async one) as core reads them."""
    options: Dict[str, Any] = {"heal": heal}
    for key, value in (("until", until), ("retries", retries), ("reconnect", reconnect)):
        if value is not None:
            options[key] = value
    return options


def topology(client: "Client", spec: Union[Mapping[str, Any], str]) -> Topology:
    """``client.topology(d)``: a dict, or a path to a YAML file."""
    if isinstance(spec, str):
        return Topology.from_file(spec, client)
    return Topology.from_dict(spec, client)
