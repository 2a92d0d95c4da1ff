"""``dockernet.Client`` and ``dockernet.from_env()``: one daemon connection, docker-py style."""

from __future__ import annotations

from . import _native
from .models import ContainerCollection, NetworkCollection
from .swarm import NodeCollection, Swarm

# `typing` is for type checkers only (mypy and pyright read this idiom as true): importing it at run
# time would cost more than the rest of `import dockernet` together.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, List, Mapping, Optional, Union

    from .tls import TLSConfig
    from .topology import Topology

__all__ = ["Client", "DockerClient", "from_env", "contexts"]


class Client:
    """A connection to one Docker daemon.

    ``base_url`` is a docker host URL (``unix:///var/run/docker.sock``, ``tcp://host:2376``,
    ``ssh://user@host`` through the system ``ssh``, as the docker CLI does); when
    ``None`` the docker CLI's rules apply: ``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY`` /
    ``DOCKER_CERT_PATH``), then the current docker context, then the local socket. ``timeout`` is
    per request, in seconds; when ``None``, ``DOCKERNET_TIMEOUT`` from the environment, else 60.
    (A stop waits its grace period on top; ``exec_run`` output is bounded by its own ``timeout``.)
    A password in ``base_url`` (``tcp://user:pass@host:2375``) is never shown: ``base_url`` and
    ``repr`` read ``tcp://user:***@host:2375``. ``tls``: ``True`` (the docker CLI's files in
    ``DOCKER_CERT_PATH``) or a ``dockernet.TLSConfig`` for a ``tcp://`` ``base_url``. Nothing is
    sent until the first call. Safe to share between threads.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        tls: Union[bool, "TLSConfig", None] = None,
    ) -> None:
        paths = None
        if tls is not None and tls is not False:
            from .tls import TLSConfig

            config = TLSConfig.from_env() if tls is True else tls
            if not isinstance(config, TLSConfig):
                from .errors import InvalidArgument

                message = f"tls must be True or a dockernet.TLSConfig, got {type(tls).__name__}"
                raise InvalidArgument(message)
            paths = config._paths()
        self._attach(_native.Client(base_url, timeout, paths))

    @classmethod
    def from_context(cls, name: str, timeout: Optional[float] = None) -> "Client":
        """A client for the docker context ``name`` (as ``docker --context NAME``; ``"default"``
        is ``DOCKER_HOST`` or the local socket), with the context's TLS material."""
        self = cls.__new__(cls)
        self._attach(_native.Client.from_context(name, timeout))
        return self

    def _attach(self, native: _native.Client) -> None:
        self._native = native
        self.networks = NetworkCollection(self)
        self.containers = ContainerCollection(self)
        self.swarm = Swarm(self)
        self.nodes = NodeCollection(self)

    @property
    def base_url(self) -> str:
        """The daemon address in use."""
        return self._native.base_url

    def version(self) -> Dict[str, Any]:
        """The daemon's ``/version`` document (``Version``, ``ApiVersion``, ``Os``, …)."""
        return self._native.version()

    def ping(self) -> bool:
        """``True`` when the daemon answers; raises ``DaemonUnavailable`` naming the host otherwise."""
        return self._native.ping()

    def api_version(self) -> str:
        """The Engine API version agreed with the daemon (``"1.41"``)."""
        return self._native.api_version()

    def events(
        self,
        since: Any = None,
        until: Any = None,
        filters: Optional[Mapping[str, Any]] = None,
        decode: Optional[bool] = None,
    ) -> "_native.Events":
        """The daemon's events as they happen, as docker-py's ``client.events``: an iterator of
        dicts with ``decode=True`` (``Type``, ``Action``, ``Actor``, ``time``, ``timeNano``), of
        each event's JSON as bytes otherwise. ``filters`` as ``docker events --filter``
        (``{"type": ["network", "container"], "event": "create"}``; unknown keys raise
        ``InvalidArgument``). ``since``/``until``: a ``datetime``, unix seconds, an RFC 3339
        text, ``"10m"`` (ago) or, for ``until``, ``"+5s"`` (from now). The iterator ends at
        ``until`` (without it, never); Ctrl-C raises ``KeyboardInterrupt``; ``close()`` ends it.
        ``dockernet.aio`` has the same as an async iterator."""
        from .models import _filters

        options: Dict[str, Any] = {"filters": _filters(filters)}
        for key, t in (("since", since), ("until", until)):
            if t is not None:
                options[key] = t.timestamp() if hasattr(t, "timestamp") else t
        return self._native.events(options, bool(decode))

    def topology(self, spec: Union[Mapping[str, Any], str]) -> "Topology":
        """A topology bound to this client, from a dict (YAML keys) or a YAML file path."""
        from .topology import topology

        return topology(self, spec)

    def close(self) -> None:
        """Kept for docker-py compatibility: connections are pooled and closed with the client."""

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<dockernet.Client {self.base_url}>"


#: docker-py's name for the client (``docker.DockerClient(base_url=...)``), so code ports by
#: changing the import.
DockerClient = Client


def from_env(timeout: Optional[float] = None) -> Client:
    """A client configured like the docker CLI: ``DOCKER_HOST``, TLS variables, docker contexts;
    ``timeout`` (seconds per request) defaults to ``DOCKERNET_TIMEOUT``, else 60."""
    return Client(None, timeout)


def contexts() -> List[Dict[str, Any]]:
    """The docker CLI's contexts as ``docker context ls`` lists them: ``name``, ``description``,
    ``host`` (passwords redacted) and ``current``, ``default`` first."""
    return _native.contexts()
