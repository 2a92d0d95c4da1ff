"""The asyncio flavour: ``dockernet.aio.AsyncClient``, for notebooks' top-level ``await``.

Design: the same objects as the blocking API, with every method turned into a coroutine that runs
the blocking call in a worker thread (``asyncio.to_thread``). That is cheap and correct because
every daemon call releases the GIL, so calls from several tasks proceed in parallel::

    from dockernet.aio import AsyncClient
    client = AsyncClient()
    nets = await client.networks.list()
    net = await client.networks.create("lab", subnet="10.77.0.0/24")
    await net.connect("box", aliases=["www"])
    await net.remove()

Plain attributes (``net.name``, ``net.attrs``) are read directly; anything callable is awaited.
Objects passed back in (``await net.connect(container)``) may be async or blocking objects.

Streams are async iterators instead: ``client.events(...)`` and a topology's ``watch(...)``::

    topo = client.topology("lab.yaml")
    async for change in topo.watch(heal=True, until=60):
        print(change)
"""

from __future__ import annotations

import asyncio
import functools

from .client import Client
from .models import Container, ContainerList, Network, NetworkList
from .topology import Change, Topology, Watch, _Shown, _watch_options

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Optional

__all__ = ["AsyncClient", "AsyncEvents", "AsyncProxy", "AsyncTopology", "AsyncWatch"]


def _unwrap(v: Any) -> Any:
    return v._sync if isinstance(v, AsyncProxy) else v


def _wrap(v: Any) -> Any:
    if isinstance(v, Topology):
        return AsyncTopology(v)
    if isinstance(v, (Network, Container)):
        return AsyncProxy(v)
    if isinstance(v, NetworkList):
        return NetworkList(v)  # items stay blocking objects inside a displayable list
    if isinstance(v, ContainerList):
        return ContainerList(v)
    return v


class AsyncProxy:
    """Wraps a blocking dockernet object; its methods become coroutines."""

    def __init__(self, sync: Any) -> None:
        self._sync = sync

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._sync, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        async def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(_unwrap(a) for a in args)
            kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
            return _wrap(await asyncio.to_thread(attr, *args, **kwargs))

        return call

    def __repr__(self) -> str:
        return f"<async {self._sync!r}>"

    def __eq__(self, other: object) -> bool:
        return _unwrap(other) == self._sync

    def __hash__(self) -> int:
        return hash(self._sync)

    def _repr_html_(self) -> Optional[str]:
        html = getattr(self._sync, "_repr_html_", None)
        return html() if html else None


class AsyncClient(AsyncProxy):
    """``Client`` with coroutine methods: ``await client.ping()``, ``client.networks.list()``…"""

    def __init__(self, base_url: Optional[str] = None, timeout: Optional[float] = None, tls: Any = None) -> None:
        super().__init__(Client(base_url, timeout, tls))
        self._collections()

    @classmethod
    def from_context(cls, name: str, timeout: Optional[float] = None) -> "AsyncClient":
        """An async client for the docker context ``name`` (see ``Client.from_context``)."""
        self = cls.__new__(cls)
        AsyncProxy.__init__(self, Client.from_context(name, timeout))
        self._collections()
        return self

    def _collections(self) -> None:
        self.networks = AsyncProxy(self._sync.networks)
        self.containers = AsyncProxy(self._sync.containers)
        self.swarm = AsyncProxy(self._sync.swarm)
        self.nodes = AsyncProxy(self._sync.nodes)

    def topology(self, spec: Any) -> "AsyncTopology":
        """A topology whose methods are coroutines (``await topo.apply()``), and whose
        ``watch()`` is an async iterator."""
        return AsyncTopology(self._sync.topology(spec))

    def events(self, *args: Any, **kwargs: Any) -> "AsyncEvents":
        """The daemon's events as an async iterator (``Client.events``' arguments)::

            async for ev in client.events(decode=True, filters={"type": ["network"]}, until="+5s"):
                print(ev["Action"])
        """
        return AsyncEvents(self._sync, args, kwargs)


class AsyncEvents:
    """``async for`` over the daemon's events (see ``AsyncClient.events``).

    Each wait runs in a worker thread and polls in steps of ``POLL`` seconds, so a cancelled task
    (``asyncio.timeout``, ``task.cancel()``) lets go of its thread within one step and the stream
    is closed. ``aclose()`` (or ``async with``) ends it at once."""

    #: Seconds one worker-thread wait lasts before it looks again whether it was cancelled.
    POLL = 0.25

    def __init__(self, client: Client, args: Any, kwargs: Any) -> None:
        self._open = functools.partial(client.events, *args, **kwargs)
        self._it: Any = None
        self._closed = False

    def __aiter__(self) -> "AsyncEvents":
        return self

    async def __anext__(self) -> Any:
        if self._closed:
            raise StopAsyncIteration
        if self._it is None:
            self._it = await asyncio.to_thread(self._open)
        end = object()

        def step() -> Any:
            try:
                ev = self._it.poll(self.POLL)
            except StopIteration:
                return end
            return ev

        try:
            while True:
                ev = await asyncio.to_thread(step)
                if ev is end:
                    self._closed = True
                    raise StopAsyncIteration
                if ev is not None:
                    return ev
        except asyncio.CancelledError:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Ends the stream (closes its connection)."""
        self._closed = True
        if self._it is not None:
            self._it.close()

    async def __aenter__(self) -> "AsyncEvents":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


class AsyncTopology(AsyncProxy):
    """``Topology`` with coroutine methods (``await topo.apply()``, ``await topo.status()``);
    ``watch()`` is an async iterator (see ``AsyncWatch``)."""

    def watch(
        self,
        heal: bool = False,
        until: Any = None,
        retries: Optional[int] = None,
        reconnect: Optional[int] = None,
    ) -> "AsyncWatch":
        """The drift watch of ``Topology.watch`` (same arguments, same ``Change`` records) as an
        async iterator::

            async for change in topo.watch(heal=True, until=60):
                print(change)

        The watch starts at the first ``__anext__`` (a bad option raises there). It ends at
        ``until``; ``aclose()`` (or leaving ``async with``) ends it at once, and so does
        cancelling the task that waits (``asyncio.timeout``, ``task.cancel()``): a heal in flight
        is rolled back first, as on Ctrl-C."""
        options = _watch_options(heal, until, retries, reconnect)
        sync: Topology = self._sync
        return AsyncWatch(lambda: sync._native.watch(sync.client._native, options), sync.name)


class AsyncWatch:
    """``async for`` over a drift watch (see ``AsyncTopology.watch``).

    Each wait runs in a worker thread. A cancelled task closes the watch, which ends the wait in
    progress at once (the blocking watch's ``close()`` interrupts it), so no thread is left
    waiting for a change that may never come."""

    #: How many of the latest changes ``show()`` keeps in its table.
    SHOWN = Watch.SHOWN

    def __init__(self, open: Any, name: str) -> None:
        self._open = open
        self.name = name
        self._native: Any = None
        self._closed = False

    def __aiter__(self) -> "AsyncWatch":
        return self

    async def __anext__(self) -> Change:
        if self._closed:
            raise StopAsyncIteration
        end = object()

        def step() -> Any:
            if self._native is None:
                native = self._open()
                # Closed while it opened (a cancelled first wait): not kept.
                if self._closed:
                    native.close()
                    return end
                self._native = native
            try:
                return Change(next(self._native))
            except StopIteration:
                return end

        try:
            change = await asyncio.to_thread(step)
        except asyncio.CancelledError:
            await self.aclose()
            raise
        except BaseException:
            self._closed = True  # an error ends the watch, as in the blocking one
            raise
        if change is end:
            self._closed = True
            raise StopAsyncIteration
        return change

    async def aclose(self) -> None:
        """Ends the watch now; a wait in progress in another task ends with it."""
        self.close()

    def close(self) -> None:
        """Ends the watch now (also from outside the event loop)."""
        self._closed = True
        if self._native is not None:
            self._native.close()

    async def __aenter__(self) -> "AsyncWatch":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def show(self) -> None:
        """Runs the watch to its end, showing it as ``Watch.show()`` does (a table updated in
        place in Jupyter, else one line per change)."""
        with _Shown(self.name, self.SHOWN) as shown:
            async for change in self:
                shown.add(change)

    def __repr__(self) -> str:
        return f"<AsyncWatch: {self.name}>"
