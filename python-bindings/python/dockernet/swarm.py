"""``client.swarm`` and ``client.nodes``: swarm membership, docker-py style.

Overlay networks (``client.networks.create(name, driver="overlay", attachable=True)``) need the
daemon to be a swarm manager; this is how a script gets it there. Names and signatures follow
docker-py (``Swarm.init/join/leave/reload/attrs``, ``client.nodes.list``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

    from .client import Client

__all__ = ["Swarm", "Node", "NodeCollection"]


def _list(v: Union[str, Iterable[str], None]) -> Optional[List[str]]:
    if v is None:
        return None
    if isinstance(v, str):
        return [v]
    return list(v)


class Swarm:
    """The swarm this client's daemon belongs to (docker-py's ``client.swarm``).

    ``attrs`` is the swarm's document (``ID``, ``Spec``, ``JoinTokens``…), read from the daemon on
    first use and by ``reload()``; it is ``{}`` when the daemon is not a swarm manager.
    """

    def __init__(self, client: "Client") -> None:
        self.client = client
        self._attrs: Optional[Dict[str, Any]] = None

    @property
    def attrs(self) -> Dict[str, Any]:
        """The swarm's document (``{}`` when this daemon is not a manager of a swarm)."""
        if self._attrs is None:
            self.reload()
        return self._attrs or {}

    @property
    def id(self) -> Optional[str]:
        """The swarm's id, or ``None`` outside a swarm."""
        return self.attrs.get("ID")

    @property
    def version(self) -> Optional[int]:
        """The swarm object's version index (``Version.Index``)."""
        return (self.attrs.get("Version") or {}).get("Index")

    def reload(self) -> None:
        """Reads the swarm's document again (``{}`` when not a manager of a swarm)."""
        from .errors import DockerError

        try:
            self._attrs = self.client._native.swarm_inspect()
        except DockerError as e:
            if e.kind in ("conflict", "forbidden"):
                self._attrs = {}
            else:
                raise

    def init(
        self,
        advertise_addr: Optional[str] = None,
        listen_addr: str = "0.0.0.0:2377",
        force_new_cluster: bool = False,
        default_addr_pool: Optional[Iterable[str]] = None,
        subnet_size: Optional[int] = None,
        data_path_addr: Optional[str] = None,
    ) -> str:
        """Makes the daemon the first manager of a new swarm; returns its node id. ``Conflict``
        when it is in a swarm already."""
        opts: Dict[str, Any] = {"listen_addr": listen_addr, "force_new_cluster": force_new_cluster}
        for key, value in (
            ("advertise_addr", advertise_addr),
            ("default_addr_pool", _list(default_addr_pool)),
            ("subnet_size", subnet_size),
            ("data_path_addr", data_path_addr),
        ):
            if value is not None:
                opts[key] = value
        node_id = self.client._native.swarm_init(opts)
        self._attrs = None
        return node_id

    def join(
        self,
        remote_addrs: Union[str, Iterable[str]],
        join_token: str,
        listen_addr: str = "0.0.0.0:2377",
        advertise_addr: Optional[str] = None,
        data_path_addr: Optional[str] = None,
    ) -> bool:
        """Joins the swarm of the managers at ``remote_addrs`` with a token from a manager's
        ``client.swarm.attrs["JoinTokens"]``."""
        opts: Dict[str, Any] = {"remote_addrs": _list(remote_addrs), "join_token": join_token, "listen_addr": listen_addr}
        if advertise_addr is not None:
            opts["advertise_addr"] = advertise_addr
        if data_path_addr is not None:
            opts["data_path_addr"] = data_path_addr
        self.client._native.swarm_join(opts)
        self._attrs = None
        return True

    def leave(self, force: bool = False) -> bool:
        """Leaves the swarm (``force=True`` for the last manager). ``Conflict`` when not in one."""
        self.client._native.swarm_leave({"force": force})
        self._attrs = None
        return True

    def state(self) -> Dict[str, Any]:
        """Where the daemon stands (any daemon answers): ``local_node_state`` (``inactive``,
        ``active``…), ``node_id``, ``control_available`` (a manager), ``cluster_id``, ``node_addr``."""
        return self.client._native.swarm_state()

    def __repr__(self) -> str:
        return f"<Swarm: {self.id}>" if self._attrs else "<Swarm>"


class Node:
    """A swarm node (docker-py's ``Node``): ``id``, ``short_id``, ``attrs``, ``version``."""

    def __init__(self, client: "Client", attrs: Dict[str, Any]) -> None:
        self.client = client
        self.attrs = attrs

    @property
    def id(self) -> str:
        """The node id."""
        return str(self.attrs.get("ID", ""))

    @property
    def short_id(self) -> str:
        """The first 12 characters of the id."""
        return self.id[:12]

    @property
    def version(self) -> Optional[int]:
        """The node object's version index."""
        return (self.attrs.get("Version") or {}).get("Index")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("Node", self.id))

    def __repr__(self) -> str:
        host = (self.attrs.get("Description") or {}).get("Hostname", "")
        return f"<Node: {self.short_id} {host}>"


_NODE_FILTERS = ("id", "label", "membership", "name", "role")


def _error(cls: Any, message: str, kind: str) -> Any:
    """A dockernet exception raised from Python, with the fields the native ones carry."""
    e = cls(message)
    e.kind, e.status_code, e.explanation = kind, None, message
    return e


def _node_matches(doc: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    spec = doc.get("Spec") or {}
    for key, wanted in filters.items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if key == "id":
            ok = any(str(doc.get("ID", "")).startswith(v) for v in values)
        elif key == "name":
            ok = (doc.get("Description") or {}).get("Hostname") in values
        elif key == "role":
            ok = spec.get("Role") in values
        elif key == "membership":
            ok = spec.get("Membership") in values
        else:  # label: "k" or "k=v"
            labels = spec.get("Labels") or {}
            ok = all((v.split("=", 1)[0] in labels) if "=" not in v else labels.get(v.split("=", 1)[0]) == v.split("=", 1)[1] for v in values)
        if not ok:
            return False
    return True


class NodeCollection:
    """``client.nodes``: the swarm's nodes (a manager answers)."""

    def __init__(self, client: "Client") -> None:
        self.client = client

    def list(self, filters: Optional[Mapping[str, Any]] = None) -> List[Node]:
        """The nodes; ``filters`` as ``docker node ls``: ``id`` (prefix), ``name``, ``role``,
        ``membership``, ``label``. An unknown filter key is ``InvalidArgument``."""
        from .errors import InvalidArgument

        filters = dict(filters or {})
        for key in filters:
            if key not in _NODE_FILTERS:
                raise _error(InvalidArgument, f"nodes.list: unknown filter {key!r} (expected one of: {', '.join(_NODE_FILTERS)})", "invalid")
        return [Node(self.client, d) for d in self.client._native.swarm_nodes() if _node_matches(d, filters)]

    def get(self, node_id: str) -> Node:
        """A node by full id, id prefix or hostname (``NotFound`` otherwise)."""
        from .errors import NotFound

        for n in self.list():
            if n.id == node_id or (len(node_id) >= 12 and n.id.startswith(node_id)) or (n.attrs.get("Description") or {}).get("Hostname") == node_id:
                return n
        raise _error(NotFound, f"node {node_id!r} not found", "not_found")
