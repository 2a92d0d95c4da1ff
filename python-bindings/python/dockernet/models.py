"""The docker-py-shaped objects: ``Network``, ``Container``, their collections and list types.

Names and signatures follow docker-py (``client.networks.create``, ``Network.connect``,
``Container.exec_run``…) so its users feel at home; behaviour follows dockernet's rules: lookups are
exact, options the daemon would ignore are refused, errors are ``dockernet.DockerError`` subclasses.
Every method that talks to the daemon releases the GIL while it waits.
"""

from __future__ import annotations

from . import _native

# `typing` is for type checkers only (mypy and pyright read this idiom as true): importing it at run
# time would cost more than the rest of `import dockernet` together. Annotations stay strings
# (`from __future__ import annotations`); the few run-time uses get a typing-free equivalent below.
# `_display` (and the `html` it needs) loads on the first HTML rendering, in `_repr_html_`.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

    from .client import Client
else:
    # The same class as `typing.Mapping`'s isinstance check and `collections.abc.Mapping`; the
    # interpreter has already imported `_collections_abc` at startup, `collections.abc` it has not.
    try:
        from _collections_abc import Mapping
    except ImportError:  # pragma: no cover - not CPython
        from collections.abc import Mapping

__all__ = [
    "Network",
    "Container",
    "NetworkCollection",
    "ContainerCollection",
    "NetworkList",
    "ContainerList",
    "InterfaceList",
    "ExecResult",
]


def _name(obj: Union[str, "Network", "Container"]) -> str:
    """A network or container given as an object or as a name/id."""
    if isinstance(obj, (Network, Container)):
        return obj.id
    if isinstance(obj, str):
        return obj
    raise TypeError(f"expected a name, an id, a Network or a Container, got {type(obj).__name__}")


class _named:
    """Names the handles of a call by name in its error: the engine is given a handle's full id
    (exact, and still right after a rename), so when the object is gone the daemon's message
    holds the 64-character id (``No such container: 6a99…``); it becomes the name the script
    knows (``No such container: "web"``). The daemon's ``network web id 6a99… has active
    endpoints`` loses the id."""

    def __init__(self, *objs: Any) -> None:
        self.objs = [o for o in objs if isinstance(o, (Network, Container)) and o.id and o.name]

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, e: Any, tb: Any) -> None:
        from .errors import DockerError

        if not isinstance(e, DockerError) or not e.args or not isinstance(e.args[0], str):
            return
        text, explanation = e.args[0], e.explanation
        for o in self.objs:
            for old, new in ((f"{o.name} id {o.id}", o.name), (f'"{o.id}"', f'"{o.name}"'), (o.id, f'"{o.name}"')):
                text, explanation = text.replace(old, new), explanation.replace(old, new)
        e.args = (text, *e.args[1:])
        e.explanation = explanation


def _plain(v: Any) -> Any:
    """Mappings and sequences as plain dicts and lists; anything else as it is, so core's option
    reader can name the key whose value has the wrong type."""
    if isinstance(v, Mapping):
        return dict(v)
    if isinstance(v, (list, tuple, set, frozenset)):
        return list(v)
    return v


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _filters(filters: Optional[Mapping[str, Any]]) -> Dict[str, List[str]]:
    """docker-py's filter dicts: a scalar becomes a one-item list, a bool "true"/"false", a number
    its text. Anything else is passed on as it is, so core's option reader refuses it naming the
    filter (``str()`` of a dict or of a deeply nested list would hide the mistake, or recurse)."""
    out: Dict[str, List[str]] = {}
    for key, value in (filters or {}).items():
        values = value if isinstance(value, (list, tuple, set)) else [value]
        out[key] = [
            ("true" if v else "false") if isinstance(v, bool) else str(v) if isinstance(v, (int, float)) else v
            for v in values
        ]
    return out


# docker-py's names for core's options: the one map.
#
# What a docker-py user writes (keywords, and the keys of the dicts docker-py's ``IPAMConfig``,
# ``IPAMPool`` and ``EndpointConfig`` make) → the option keys core reads (core/src/network.rs
# ``CreateOptions``/``ConnectOptions``, core/src/container.rs ``RunOptions``/``ExecOptions``).
# Every call translates its keywords and dict keys through this table and nothing else: a name
# that is not here is passed to core as it is (core's own names, ``aliases``, ``labels``, need no
# entry, and so work too). Core refuses any key it does not know (``deny_unknown_fields``), naming
# it and the keys it takes, so a misspelt key is an ``InvalidArgument`` through every door and
# this package keeps no list of its own to check against. An unknown key of a dict that core has
# no struct for (``ipam``, a pool, an endpoint's ``IPAMConfig``) goes to core under its place,
# ``ipam.Config[0].Subnett``, so it is named where it was and can never pass for an option of the
# call around it.
_CORE_KEYS: Dict[str, Dict[str, str]] = {
    # networks.create's keywords.
    "network": {"enable_ipv4": "ipv4", "enable_ipv6": "ipv6"},
    # networks.create's ``ipam``: the Engine API's keys (docker-py's IPAMConfig) or that class's
    # keyword names; the pools (``_IPAM_POOLS``) are read one by one.
    "ipam": {"Driver": "ipam_driver", "driver": "ipam_driver", "Options": "ipam_options", "options": "ipam_options"},
    # One pool of ``ipam``'s Config (docker-py's IPAMPool writes the Engine API's keys); each adds
    # to core's lists.
    "ipam_pool": {"Subnet": "subnet", "Gateway": "gateway", "IPRange": "ip_range", "AuxiliaryAddresses": "aux_addresses"},
    # Network.connect's keywords, and an endpoint in containers.run/create's ``networks`` and
    # ``networking_config``: docker-py's keywords or the Engine API's keys (what EndpointConfig
    # holds; the ones inside its ``IPAMConfig`` too).
    "endpoint": {
        "ipv4_address": "ipv4",
        "ipv6_address": "ipv6",
        "driver_opt": "driver_opts",
        "Aliases": "aliases",
        "Links": "links",
        "IPv4Address": "ipv4",
        "IPv6Address": "ipv6",
        "LinkLocalIPs": "link_local_ips",
        "DriverOpts": "driver_opts",
        "MacAddress": "mac_address",
        "GwPriority": "gw_priority",
    },
    # containers.run/create's keywords.
    "container": {"environment": "env", "working_dir": "workdir"},
    # Container.exec_run's keywords.
    "exec": {"environment": "env"},
}

# The keys of ``ipam`` that hold its list of pools (the Engine API's, and IPAMConfig's keywords).
_IPAM_POOLS = ("Config", "config", "pool_configs")


def _inside(kind: str, place: str, d: Mapping[str, Any]) -> List[Tuple[str, Any]]:
    """The entries of a nested dict ``d`` for ``_core_options``: a key the map has for ``kind``
    as it is, any other as ``place.key`` (see ``_CORE_KEYS``)."""
    return [(k if k in _CORE_KEYS[kind] else f"{place}.{k}", v) for k, v in d.items()]


def _core_options(what: str, kind: str, given: Iterable[Tuple[Any, Any]]) -> Dict[str, Any]:
    """``given``'s keys as core's option keys through ``_CORE_KEYS[kind]`` (entries whose value is
    ``None`` left out); any other key passes unchanged, for core to accept or refuse. Two keys
    that are one option (``ipv4_address`` and ``IPv4Address``) raise ``InvalidArgument``."""
    names = _CORE_KEYS[kind]
    out: Dict[str, Any] = {}
    given_as: Dict[str, Any] = {}
    for k, v in given:
        if v is None:
            continue
        key = names.get(k, k)
        if key in out:
            from .errors import InvalidArgument

            raise InvalidArgument(f"{what}: {given_as[key]!r} and {k!r} are the same option ({key}); give one of them")
        out[key], given_as[key] = v, k
    return out


class _keys_named:
    """Core's refusal of an unknown key lists the keys core reads (``unknown field `ipv5`,
    expected one of `aliases`, `ipv4`, …``); this puts the names the call takes in that list
    instead, from ``_CORE_KEYS``: ``aliases``, ``ipv4_address``/``IPv4Address``, … for an
    endpoint (``kind``), ``Subnet``, ``Gateway``, … for a key under ``ipam.Config[i].``. The
    key and its place stay as core wrote them."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __enter__(self) -> None:
        return None

    def __exit__(self, cls: Any, e: Any, tb: Any) -> None:
        from .errors import InvalidArgument

        if not isinstance(e, InvalidArgument) or not e.args or not isinstance(e.args[0], str):
            return
        import re

        found = re.search(r"unknown field `([^`]*)`, expected (?:one of )?(`[^\n]*`)", e.args[0])
        if not found:
            return
        key, theirs = found.group(1), re.findall(r"`([^`]*)`", found.group(2))
        if key.startswith("ipam.Config["):
            ours = list(_CORE_KEYS["ipam_pool"])
        elif key.startswith("ipam."):
            ours = [*_CORE_KEYS["ipam"], *_IPAM_POOLS]
        else:
            # Each core name as the call's names for it (core's own when no docker-py keyword
            # renames it: `aliases`, then the Engine API's `Aliases`).
            names = _CORE_KEYS[self.kind]
            ours = []
            for core in theirs:
                spelt = [k for k, v in names.items() if v == core]
                ours.append("/".join(spelt if any(k[0].islower() for k in spelt) else [core, *spelt]))
        listed = ", ".join(f"`{k}`" for k in ours)
        text = e.args[0][: found.start(2)] + listed + e.args[0][found.end(2) :]
        e.args = (text, *e.args[1:])
        e.explanation = e.explanation.replace(found.group(2), listed)


if TYPE_CHECKING:  # pragma: no cover

    class ExecResult(NamedTuple):
        """What ``Container.exec_run`` returns, as in docker-py."""

        exit_code: int
        output: Union[bytes, Tuple[bytes, bytes]]

        @property
        def text(self) -> str:
            """The output decoded as UTF-8 (stdout then stderr when demuxed)."""
            ...

        def _repr_pretty_(self, p: Any, cycle: bool) -> None: ...
        def _repr_html_(self) -> str: ...

else:

    class ExecResult(tuple):
        """What ``Container.exec_run`` returns, as in docker-py."""

        # Written out rather than made with typing.NamedTuple / collections.namedtuple (either
        # import costs more than the rest of `import dockernet`); behaves as the NamedTuple did:
        # fields, indexing, unpacking, repr, equality, _asdict/_replace/_make, pickling, match.
        __slots__ = ()
        _fields = ("exit_code", "output")
        _field_defaults = {}
        __match_args__ = ("exit_code", "output")

        def __new__(_cls, exit_code, output):
            return tuple.__new__(_cls, (exit_code, output))

        @classmethod
        def _make(cls, iterable):
            result = tuple.__new__(cls, iterable)
            if len(result) != 2:
                raise TypeError(f"Expected 2 arguments, got {len(result)}")
            return result

        def _replace(self, /, **kwds):
            result = self._make(map(kwds.pop, self._fields, self))
            if kwds:
                raise ValueError(f"Got unexpected field names: {list(kwds)!r}")
            return result

        def _asdict(self):
            return dict(zip(self._fields, self))

        def __repr__(self):
            return f"{self.__class__.__name__}(exit_code={self[0]!r}, output={self[1]!r})"

        def __getnewargs__(self):
            return tuple(self)

        exit_code = property(lambda self: self[0], doc="Alias for field number 0")
        output = property(lambda self: self[1], doc="Alias for field number 1")

        # Displays (the repr stays the NamedTuple's): IPython's text display and a notebook's
        # HTML show the exit code and the output as text, not as a bytes literal.
        @property
        def text(self):
            """The output decoded as UTF-8 (stdout then stderr when demuxed; undecodable bytes
            become U+FFFD)."""
            from ._display import decoded

            return decoded(self[1])

        def _repr_pretty_(self, p, cycle):
            p.text(f"ExecResult exit_code={self[0]}\n{self.text}")

        def _repr_html_(self):
            from ._display import exec_result_html

            return exec_result_html(self[0], self[1])


class _Model:
    """What networks and containers share: the client, the daemon's document, identity by id.

    ``attrs`` is the daemon's document as a dict, decoded from the daemon's JSON text when it is
    first read: until then the model holds the text (a ``_native.Document``) and answers ``id`` and
    ``name`` from it, so listing 300 networks to read their names builds no dicts. Once read,
    ``attrs`` is a plain attribute, as in docker-py (assign it, mutate it, ``vars()`` shows it)."""

    client: "Client"
    if TYPE_CHECKING:
        attrs: Dict[str, Any]
    else:
        # Decodes `_doc` on the first read and leaves a plain `attrs` dict in the instance
        # (python-bindings/src/document.rs says why it is native, and not `__getattr__`).
        attrs = _native.DecodedAttrs()

    def __init__(self, client: "Client", attrs: Union[Dict[str, Any], _native.Document]) -> None:
        # `_load` inlined: a list makes hundreds of models, and a call is most of one's cost.
        d = self.__dict__
        d["client"] = client
        if type(attrs) is _native.Document:
            d["_doc"] = attrs
        else:
            d["attrs"] = attrs

    def _load(self, doc: _native.Document) -> None:
        """Holds a fresh document from the daemon (``reload``), undecoded until ``attrs`` is read."""
        d = self.__dict__
        d.pop("attrs", None)
        d["_doc"] = doc

    def _field(self, key: str) -> str:
        """A top-level string field of the document (``""`` when absent), without decoding it."""
        d = self.__dict__
        attrs = d.get("attrs")
        if attrs is not None:
            return str(attrs.get(key, ""))
        return str(d["_doc"].str_field(key))

    @property
    def id(self) -> str:
        """The full id."""
        return self._field("Id")

    @property
    def short_id(self) -> str:
        """The first 12 characters of the id."""
        return self.id[:12]

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.id == self.id  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))


class Network(_Model):
    """A Docker network. ``attrs`` is the daemon's inspect document (Docker's own keys)."""

    @property
    def name(self) -> str:
        """The network's name."""
        return self._field("Name")

    @property
    def containers(self) -> "ContainerList":
        """The containers attached to this network, stopped ones included (asks the daemon)."""
        with _named(self):
            docs = self.client._native.network_containers(self.id)
        return ContainerList(self.client.containers._get_present(d["Id"] for d in docs))

    def reload(self) -> None:
        """Re-reads ``attrs`` from the daemon."""
        with _named(self):
            self._load(self.client._native.network_inspect(self.id))

    def connect(
        self,
        container: Union[str, "Container"],
        aliases: Optional[Sequence[str]] = None,
        links: Optional[Union[Mapping[str, Optional[str]], Sequence[Union[str, Tuple[str, Optional[str]]]]]] = None,
        ipv4_address: Optional[str] = None,
        ipv6_address: Optional[str] = None,
        link_local_ips: Optional[Sequence[str]] = None,
        driver_opt: Optional[Mapping[str, str]] = None,
        mac_address: Optional[str] = None,
        gw_priority: Optional[int] = None,
    ) -> None:
        """Connects a container: a new interface appears inside it (before its first start too:
        see ``containers.create``).

        ``links`` as docker-py takes them: ``{"name": "alias"}``, ``[("name", "alias")]`` or
        ``["name:alias"]`` (an alias of ``None`` or ``""`` links by the name alone).
        Raises ``Conflict`` when it is already connected (even stopped), ``InvalidArgument`` for an
        address outside the network's subnets or an option the daemon would silently ignore.
        """
        given = {
            "aliases": list(aliases) if aliases is not None else None,
            "links": _links(links),
            "ipv4_address": ipv4_address,
            "ipv6_address": ipv6_address,
            "link_local_ips": list(link_local_ips) if link_local_ips is not None else None,
            "driver_opt": dict(driver_opt) if driver_opt is not None else None,
            "mac_address": mac_address,
            "gw_priority": gw_priority,
        }
        options = _core_options("Network.connect", "endpoint", given.items())
        with _named(self, container), _keys_named("endpoint"):
            self.client._native.network_connect(self.id, _name(container), options)

    def disconnect(self, container: Union[str, "Container"], force: bool = False) -> None:
        """Disconnects a container (``Conflict`` when it is not connected)."""
        with _named(self, container):
            self.client._native.network_disconnect(self.id, _name(container), {"force": force})

    def remove(self) -> None:
        """Removes the network."""
        with _named(self):
            self.client._native.network_rm(self.id)

    def __repr__(self) -> str:
        return f"<Network: {self.name}>"

    def _repr_html_(self) -> str:
        from . import _display

        a = self.attrs
        return _display.table(
            ["NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNETS", "INTERNAL"],
            [[self.short_id, self.name, a.get("Driver", ""), a.get("Scope", ""), _display.subnets(a), a.get("Internal", False)]],
        )


class Container(_Model):
    """A container. ``attrs`` is the daemon's inspect document."""

    @property
    def name(self) -> str:
        """The container's name (without the daemon's leading slash)."""
        return self._field("Name").lstrip("/")

    @property
    def status(self) -> str:
        """``running``, ``exited``, … as of the last reload."""
        return str((self.attrs.get("State") or {}).get("Status", ""))

    @property
    def labels(self) -> Dict[str, str]:
        """The container's labels."""
        return dict((self.attrs.get("Config") or {}).get("Labels") or {})

    @property
    def image_name(self) -> str:
        """The image the container was created from, as given."""
        return str((self.attrs.get("Config") or {}).get("Image", ""))

    def reload(self) -> None:
        """Re-reads ``attrs`` from the daemon."""
        with _named(self):
            self._load(self.client._native.container_inspect(self.id))

    def exec_run(
        self,
        cmd: Union[str, Sequence[str]],
        user: Optional[str] = None,
        environment: Optional[Union[Mapping[str, str], Sequence[str]]] = None,
        workdir: Optional[str] = None,
        privileged: bool = False,
        demux: bool = False,
        timeout: Optional[float] = None,
    ) -> ExecResult:
        """Runs ``cmd`` in the running container: ``(exit_code, output)``.

        ``output`` is stdout followed by stderr as bytes, or ``(stdout, stderr)`` with ``demux=True``.
        ``timeout`` (seconds; a dockernet addition, docker-py has none) raises ``Timeout`` when the
        command runs longer; the process may then still be running in the container. Without it the
        call waits as long as the command runs (the client's timeout does not cut the output).
        """
        env = dict(environment) if isinstance(environment, Mapping) else list(environment or [])
        given = {"user": user, "environment": env or None, "workdir": workdir, "privileged": privileged, "timeout": timeout}
        options = _core_options("Container.exec_run", "exec", given.items())
        with _named(self):
            out = self.client._native.container_exec(self.id, cmd if isinstance(cmd, str) else list(cmd), options)
        stdout, stderr = bytes(out["stdout"]), bytes(out["stderr"])
        return ExecResult(out["exit_code"], (stdout, stderr) if demux else stdout + stderr)

    def interfaces(self) -> "InterfaceList":
        """Each network attachment as the container sees it: network, ipv4, ipv6, mac, gateway,
        aliases, ifname (eth0…) and whether it carries the default route; ordered eth0, eth1, ….

        A list of dicts that shows itself as a table (``repr`` in a REPL, HTML in a notebook).
        Each also has ``impairment``: what dockernet's qdisc sets on it (``{"delay": "40ms"}``),
        or ``None`` (none, or not readable from here)."""
        with _named(self):
            ifaces = self.client._native.container_interfaces(self.id)
            try:
                impaired = self.client._native.impair_list(self.id)
            except Exception:  # a remote daemon, a stopped container: shown as unknown
                impaired = {}
            for i in ifaces:
                i.setdefault("impairment", impaired.get(i.get("network") or ""))
            return InterfaceList(ifaces)

    def impair(self, network: Union[str, "Network"], *clear: None, **impairment: Any) -> None:
        """Impairs this container's link on ``network``: ``c.impair("wan", delay="100ms",
        loss="1%", rate="10mbit")`` (keys ``delay``, ``jitter``, ``loss``, ``rate``, ``corrupt``,
        ``duplicate``, ``reorder``, in tc's units; percentages may be numbers). ``c.impair("wan",
        None)`` (or no keys) clears it. Replaces what dockernet set on that link before, and is
        recorded so ``reapply_impairment()`` restores it after a restart.

        tc runs in the container's network namespace from the daemon's host (root, the daemon on
        this machine) or, with ``DOCKERNET_TC_IMAGE`` naming an image with tc and ip, from a
        helper container. Only dockernet's own qdisc (handle ``d0c:``) is ever changed. Raises
        ``InvalidArgument`` naming the key and value before anything is touched, ``NotFound``
        when the container is not on that network, ``Conflict`` when it is not running or the
        interface has someone else's root qdisc, ``DaemonUnavailable`` when the namespace cannot
        be reached or the kernel lacks netem (loss and rate alone work without it)."""
        if clear and (len(clear) > 1 or clear[0] is not None or impairment):
            from .errors import InvalidArgument

            raise InvalidArgument(f"Container({self.name!r}).impair: pass keys (delay=\"40ms\") or None to clear")
        with _named(self):
            self.client._native.impair_apply(self.id, _name(network), impairment or None)

    def impairment(self, network: Union[str, "Network"]) -> Optional[Dict[str, str]]:
        """What dockernet's qdisc on the link to ``network`` sets now (``{"rate": "10mbit"}``),
        read back from the kernel, or ``None``."""
        with _named(self):
            return self.client._native.impair_read(self.id, _name(network))

    def reapply_impairment(self) -> List[Any]:
        """Puts back the impairment asked for this container (recorded live changes, else its
        ``dockernet.impair`` label) where the kernel lacks it, as after a restart; returns
        ``[(network, impairment)]`` of what it set. ``dockernet impair --follow`` does this for
        every container that starts."""
        with _named(self):
            return [tuple(x) for x in self.client._native.impair_reapply(self.id)]

    def start(self) -> None:
        """Starts the container (one from ``containers.create``, or a stopped one); a running
        container is left as it is."""
        with _named(self):
            self.client._native.container_start(self.id)

    def stop(self, timeout: Optional[int] = None) -> None:
        """Stops the container."""
        with _named(self):
            self.client._native.container_stop(self.id, _drop_none({"timeout": timeout}))

    def remove(self, force: bool = False) -> None:
        """Removes the container (``force``: kill it first)."""
        with _named(self):
            self.client._native.container_rm(self.id, {"force": force})

    def __repr__(self) -> str:
        return f"<Container: {self.name}>"

    def _repr_html_(self) -> str:
        """The container's fields once, then one row per interface, eth0 first (asks the daemon
        for the interface names when the container runs; the inspect document otherwise)."""
        from . import _display

        head = _display.table(
            ["CONTAINER ID", "NAME", "IMAGE", "STATUS"], [[self.short_id, self.name, self.image_name, self.status]]
        )
        try:
            ifaces: List[Dict[str, Any]] = self.interfaces()
        except Exception:  # noqa: BLE001 - a display never raises; fall back to the document
            ifaces = _display.interfaces_from_attrs(self.attrs)
        return head + _display.interfaces_table(ifaces)


if TYPE_CHECKING:  # pragma: no cover
    _NetworkListBase = List[Network]
    _ContainerListBase = List[Container]
    _InterfaceListBase = List[Dict[str, Any]]
else:  # plain lists at run time: subclassing typing.List would need typing (and add Generic)
    _NetworkListBase = _ContainerListBase = _InterfaceListBase = list


class NetworkList(_NetworkListBase):
    """A list of networks that renders as a ``docker network ls``-style table in Jupyter."""

    def _repr_html_(self) -> str:
        from . import _display

        rows = [
            [n.short_id, n.name, n.attrs.get("Driver", ""), n.attrs.get("Scope", ""), _display.subnets(n.attrs)]
            for n in self
        ]
        return _display.table(["NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNETS"], rows, f"{len(self)} networks")


class ContainerList(_ContainerListBase):
    """A list of containers that renders as a table in Jupyter."""

    def _repr_html_(self) -> str:
        from . import _display

        rows = [[c.short_id, c.name, c.image_name, c.status] for c in self]
        return _display.table(["CONTAINER ID", "NAME", "IMAGE", "STATUS"], rows, f"{len(self)} containers")


class InterfaceList(_InterfaceListBase):
    """What ``Container.interfaces()`` returns: a list of dicts that shows itself as a table,
    one row per interface (ifname, network, IPv4, IPv6, MAC, gateway, default route), as text
    in a REPL and as HTML in a notebook."""

    def __repr__(self) -> str:
        from . import _display

        return _display.interfaces_text(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        from . import _display

        return _display.interfaces_table(self)


class NetworkCollection:
    """``client.networks``: create, get, list, prune."""

    def __init__(self, client: "Client") -> None:
        self.client = client

    def create(
        self,
        name: str,
        driver: Optional[str] = None,
        options: Optional[Mapping[str, str]] = None,
        ipam: Optional[Mapping[str, Any]] = None,
        internal: bool = False,
        labels: Optional[Mapping[str, str]] = None,
        enable_ipv6: Optional[bool] = None,
        attachable: bool = False,
        scope: Optional[str] = None,
        ingress: bool = False,
        subnet: Optional[Union[str, Sequence[str]]] = None,
        gateway: Optional[Union[str, Sequence[str]]] = None,
        ip_range: Optional[Union[str, Sequence[str]]] = None,
        aux_addresses: Optional[Mapping[str, str]] = None,
        enable_ipv4: Optional[bool] = None,
        config_only: bool = False,
        config_from: Optional[str] = None,
    ) -> Network:
        """Creates a network and returns it.

        ``subnet``/``gateway``/``ip_range``/``aux_addresses`` are shortcuts; ``ipam`` also takes the
        Engine API's shape (``{"Driver": …, "Config": [{"Subnet": …, "Gateway": …, "IPRange": …,
        "AuxiliaryAddresses": {…}}], "Options": {…}}``, which is also what docker-py's ``IPAMConfig``
        is; an unknown key in it is ``InvalidArgument`` naming it and the keys taken). Raises
        ``Conflict`` for an existing name or an overlapping subnet (even on Docker 20.10),
        ``Forbidden`` for a predefined name, ``InvalidArgument`` for bad addressing.
        """
        given = {
            "driver": driver,
            "subnet": [subnet] if isinstance(subnet, str) else list(subnet or []),
            "gateway": [gateway] if isinstance(gateway, str) else list(gateway or []),
            "ip_range": [ip_range] if isinstance(ip_range, str) else list(ip_range or []),
            "aux_addresses": dict(aux_addresses) if isinstance(aux_addresses, Mapping) else aux_addresses,
            "enable_ipv4": enable_ipv4,
            "enable_ipv6": enable_ipv6,
            "internal": internal,
            "attachable": attachable,
            "ingress": ingress,
            "labels": _plain(labels),
            "options": _plain(options),
            "scope": scope,
            "config_only": config_only,
            "config_from": config_from,
        }
        opts = _core_options("networks.create", "network", given.items())
        if ipam is not None:
            _add_ipam("networks.create", opts, ipam)
        with _keys_named("network"):
            ref = self.client._native.network_create(name, opts)
        return self.get(ref["id"])

    def get(self, network_id: str, verbose: bool = False, scope: Optional[str] = None) -> Network:
        """A network by exact name, full id or ≥12-character id prefix (``NotFound`` otherwise).

        ``verbose``: swarm networks also list their services. ``scope`` (``"local"``, ``"swarm"``
        or ``"global"``): ``NotFound`` unless the network has that scope, as the daemon answers
        docker-py's ``scope=``; another value is ``InvalidArgument``."""
        if scope is not None and scope not in _SCOPES:
            from .errors import InvalidArgument

            raise InvalidArgument(f"networks.get({network_id!r}): scope must be one of {', '.join(_SCOPES)}, got {scope!r}")
        doc = self.client._native.network_inspect(network_id, {"verbose": verbose})
        if scope is not None and doc.str_field("Scope") != scope:
            from .errors import NotFound

            name = doc.str_field("Name") or network_id
            raise NotFound(f"networks.get({network_id!r}, scope={scope!r}): network {name!r} has scope {doc.str_field('Scope') or None!r}")
        return Network(self.client, doc)

    def list(
        self,
        names: Optional[Iterable[str]] = None,
        ids: Optional[Iterable[str]] = None,
        filters: Optional[Mapping[str, Any]] = None,
        greedy: bool = False,
    ) -> NetworkList:
        """Networks sorted by name. ``names`` and ``ids`` match *exactly* (docker-py matches them as
        regular expressions, so ``foo`` also found ``foobar``); ``filters`` as ``docker network ls``.
        The returned objects carry the list documents (``Containers`` is empty there) unless
        ``greedy``, which inspects each network as docker-py does (networks removed meanwhile are
        left out)."""
        docs = self.client._native.network_ls({"filters": _filters(filters)})
        wanted_names = set(names) if names is not None else None
        wanted_ids = set(ids) if ids is not None else None
        out = NetworkList()
        for d in docs:
            if wanted_names is not None and d.str_field("Name") not in wanted_names:
                continue
            if wanted_ids is not None:
                id = d.str_field("Id")
                if not any(id == i or (len(i) >= 12 and id.startswith(i)) for i in wanted_ids):
                    continue
            if greedy:
                from .errors import NotFound

                try:
                    d = self.client._native.network_inspect(d.str_field("Id"))
                except NotFound:  # removed since it was listed: a list is a snapshot
                    continue
            out.append(Network(self.client, d))
        return out

    def prune(self, filters: Optional[Mapping[str, Any]] = None) -> Dict[str, List[str]]:
        """Removes networks no container uses: ``{"NetworksDeleted": [names]}``."""
        return {"NetworksDeleted": self.client._native.network_prune({"filters": _filters(filters)})}


class ContainerCollection:
    """``client.containers``: run, get, list."""

    def __init__(self, client: "Client") -> None:
        self.client = client

    def run(
        self,
        image: str,
        command: Optional[Union[str, Sequence[str]]] = None,
        name: Optional[str] = None,
        network: Optional[str] = None,
        networks: Optional[Union[Sequence[str], Mapping[str, Mapping[str, Any]]]] = None,
        networking_config: Optional[Mapping[str, Optional[Mapping[str, Any]]]] = None,
        environment: Optional[Union[Mapping[str, str], Sequence[str]]] = None,
        labels: Optional[Union[Mapping[str, str], Sequence[str]]] = None,
        hostname: Optional[str] = None,
        cap_add: Optional[Sequence[str]] = None,
        cap_drop: Optional[Sequence[str]] = None,
        sysctls: Optional[Mapping[str, str]] = None,
        ports: Optional[Mapping[str, Any]] = None,
        entrypoint: Optional[Union[str, Sequence[str]]] = None,
        privileged: bool = False,
        user: Optional[str] = None,
        working_dir: Optional[str] = None,
        auto_remove: bool = False,
        detach: bool = True,
    ) -> Container:
        """Creates and starts a container from a local image (never pulled) and returns it.

        ``networks`` is a list of names or ``{name: {"aliases": […], "ipv4_address": …}}``;
        ``networking_config`` is docker-py's way to say the same, ``{name: EndpointConfig}``, where
        an endpoint is a dict of docker-py's keywords (``aliases``, ``links``, ``ipv4_address``,
        ``ipv6_address``, ``link_local_ips``, ``driver_opt``, ``mac_address``) or of the Engine
        API's keys (``Aliases``, ``Links``, ``IPAMConfig: {IPv4Address, IPv6Address,
        LinkLocalIPs}``, ``DriverOpts``, ``MacAddress``), as ``docker.types.EndpointConfig``
        makes it (an unknown key is ``InvalidArgument`` naming it and the keys taken; both
        spellings of one option at once too). The container is created on ``network`` (its
        ``NetworkMode``), the others are
        attached in name order, all before the container starts (docker-py ignores the entries of
        ``networking_config`` when ``network`` is not among them: dockernet attaches them; the
        daemon, not the attach order, decides which is eth0 when several attach before start). If
        anything fails after create the container is removed again. ``labels`` is a dict or a
        list of names (empty values), as in docker-py. Always detached (``detach=False`` is
        refused).
        """
        if not detach:
            raise ValueError("containers.run: dockernet always runs detached; use exec_run for output")
        opts = _run_options(
            "containers.run", image, command, name, network, networks, networking_config, environment, labels,
            hostname, cap_add, cap_drop, sysctls, ports, entrypoint, privileged, user, working_dir, auto_remove,
        )
        with _keys_named("endpoint"):
            ref = self.client._native.container_run(opts)
        return self.get(ref["id"])

    def create(
        self,
        image: str,
        command: Optional[Union[str, Sequence[str]]] = None,
        name: Optional[str] = None,
        network: Optional[str] = None,
        networks: Optional[Union[Sequence[str], Mapping[str, Mapping[str, Any]]]] = None,
        networking_config: Optional[Mapping[str, Optional[Mapping[str, Any]]]] = None,
        environment: Optional[Union[Mapping[str, str], Sequence[str]]] = None,
        labels: Optional[Union[Mapping[str, str], Sequence[str]]] = None,
        hostname: Optional[str] = None,
        cap_add: Optional[Sequence[str]] = None,
        cap_drop: Optional[Sequence[str]] = None,
        sysctls: Optional[Mapping[str, str]] = None,
        ports: Optional[Mapping[str, Any]] = None,
        entrypoint: Optional[Union[str, Sequence[str]]] = None,
        privileged: bool = False,
        user: Optional[str] = None,
        working_dir: Optional[str] = None,
        auto_remove: bool = False,
        detach: bool = True,
    ) -> Container:
        """Creates a container without starting it (``docker create``) and returns it; the same
        arguments as ``run``. Its networks are attached already; connect more with
        ``network.connect(container)`` and call ``container.start()``: it boots with every
        interface (as the seed walkthrough does with ``docker create`` + ``network connect``)."""
        if not detach:
            raise ValueError("containers.create: dockernet always runs detached; use exec_run for output")
        opts = _run_options(
            "containers.create", image, command, name, network, networks, networking_config, environment, labels,
            hostname, cap_add, cap_drop, sysctls, ports, entrypoint, privileged, user, working_dir, auto_remove,
        )
        with _keys_named("endpoint"):
            ref = self.client._native.container_create(opts)
        return self.get(ref["id"])

    def get(self, container_id: str) -> Container:
        """A container by exact name, full id or ≥12-character id prefix."""
        return Container(self.client, self.client._native.container_inspect(container_id))

    def list(self, all: bool = False, filters: Optional[Mapping[str, Any]] = None) -> ContainerList:
        """Containers sorted by name (running only unless ``all``)."""
        docs = self.client._native.container_ls({"all": all, "filters": _filters(filters)})
        return ContainerList(self._get_present(d.str_field("Id") for d in docs))

    def _get_present(self, ids: Iterable[str]) -> List[Container]:
        """Inspects each id, skipping containers removed since they were listed (a list is a
        snapshot; docker-py needs ``ignore_removed=True`` for the same race)."""
        from .errors import NotFound

        out: List[Container] = []
        for i in ids:
            try:
                out.append(self.get(i))
            except NotFound:
                continue
        return out


_SCOPES = ("local", "swarm", "global")


def _add_ipam(what: str, opts: Dict[str, Any], ipam: Mapping[str, Any]) -> None:
    """Adds docker-py's ``ipam`` (an ``IPAMConfig``: ``Driver``, ``Options``, ``Config``, a list of
    pools) to core's create options ``opts``: the driver and options through ``_CORE_KEYS``, each
    pool's Subnet, Gateway, IPRange after the keywords' own, its AuxiliaryAddresses merged; an
    unknown key goes to core under its place (``ipam.Config[0].Subnett``) for core to refuse."""
    if not isinstance(ipam, Mapping):
        raise TypeError(f"{what}: ipam must be a dict (docker-py's IPAMConfig), got {type(ipam).__name__}")
    pools = [(k, v) for k, v in ipam.items() if k in _IPAM_POOLS and v is not None]
    if len(pools) > 1:
        from .errors import InvalidArgument

        raise InvalidArgument(f"{what}: ipam {pools[0][0]!r} and {pools[1][0]!r} are the same option; give one of them")
    rest = [(k, v) for k, v in ipam.items() if k not in _IPAM_POOLS]
    opts.update(_core_options(what, "ipam", _inside("ipam", "ipam", {k: _plain(v) for k, v in rest})))
    for i, pool in enumerate(pools[0][1] if pools else []):
        if not isinstance(pool, Mapping):
            raise TypeError(f"{what}: ipam Config[{i}] must be a dict (docker-py's IPAMPool), got {type(pool).__name__}")
        for key, value in _core_options(what, "ipam_pool", _inside("ipam_pool", f"ipam.Config[{i}]", pool)).items():
            if key == "aux_addresses":
                old = opts.get(key, {})
                # Merged when both are dicts; otherwise the one that is not, for core to refuse.
                both = isinstance(old, Mapping) and isinstance(value, Mapping)
                opts[key] = {**old, **value} if both else value if isinstance(old, Mapping) else old
            elif key in ("subnet", "gateway", "ip_range"):
                if value:
                    opts[key] = [*opts.get(key, []), value]
            else:
                opts[key] = value  # an unknown key, under its place


def _run_options(
    what: str,
    image: str,
    command: Any,
    name: Optional[str],
    network: Any,
    networks: Any,
    networking_config: Optional[Mapping[str, Any]],
    environment: Any,
    labels: Any,
    hostname: Optional[str],
    cap_add: Any,
    cap_drop: Any,
    sysctls: Any,
    ports: Any,
    entrypoint: Any,
    privileged: bool,
    user: Optional[str],
    working_dir: Optional[str],
    auto_remove: bool,
) -> Dict[str, Any]:
    """The options of ``run`` and ``create`` as core reads them."""
    nets: Any = networks
    if networking_config is not None:
        if networks is not None:
            raise TypeError(f"{what}: give networks= or networking_config=, not both")
        if not isinstance(networking_config, Mapping):
            raise TypeError(f"{what}: networking_config must be a dict {{network: endpoint config}}, got {type(networking_config).__name__}")
        # A list keeps `network` first (the network the container is created on, its
        # NetworkMode, as in docker-py), then the other entries in name order.
        # Keyed by name (a Network object gives its name), so `network=` and a key for the same
        # network match whichever way each was written.
        def key(n: Any) -> str:
            return n.name if isinstance(n, Network) else _name(n)

        first = key(network) if network is not None else None
        configs = {key(n): c for n, c in networking_config.items()}
        order = ([first] if first is not None else []) + sorted(n for n in configs if n != first)
        nets = []
        for n in order:
            endpoint = _endpoint(what, n, configs.get(n) or {})
            # `name` is what core reads as the network of a list entry: an endpoint key `name`
            # (not an endpoint option) goes to core under its place, for core to refuse.
            if "name" in endpoint:
                endpoint["networking_config.name"] = endpoint.pop("name")
            nets.append({"name": n, **endpoint})
        network = None
    elif isinstance(networks, Mapping):
        nets = {_name(n): _endpoint(what, _name(n), opts or {}) for n, opts in networks.items()}
    elif isinstance(networks, (list, tuple)):
        nets = [_name(n) for n in networks]
    port_map: Any = None
    if ports is not None:
        port_map = {str(k): (v if not isinstance(v, tuple) else f"{v[0]}:{v[1]}") for k, v in ports.items()}
    if isinstance(labels, (list, tuple)):
        # docker-py: a list of label names, each with an empty value.
        labels = {label: "" for label in labels}
    given = {
        "image": image,
        "command": command if command is None or isinstance(command, str) else list(command),
        "name": name,
        "network": _name(network) if network is not None else None,
        "networks": nets,
        "environment": _plain(environment),
        "labels": _plain(labels),
        "hostname": hostname,
        "cap_add": _plain(cap_add),
        "cap_drop": _plain(cap_drop),
        "sysctls": _plain(sysctls),
        "ports": port_map,
        "entrypoint": entrypoint if entrypoint is None or isinstance(entrypoint, str) else list(entrypoint),
        "privileged": privileged,
        "user": user,
        "working_dir": working_dir,
        "auto_remove": auto_remove,
    }
    return _core_options(what, "container", given.items())


def _links(links: Any) -> Optional[List[str]]:
    """docker-py's link forms as ``"name:alias"`` strings: a dict ``{name: alias}``, pairs
    ``(name, alias)`` or strings (``"name"``, ``"name:alias"``); an empty alias links by name."""
    if links is None:
        return None
    items = links.items() if isinstance(links, Mapping) else links
    if isinstance(items, str):
        items = [items]
    out: List[str] = []
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            target, alias = item
            out.append(f"{_name(target)}:{alias}" if alias else _name(target))
        else:
            out.append(item)  # a string, or something core's reader refuses naming `links`
    return out


def _endpoint(what: str, network: str, opts: Mapping[str, Any]) -> Dict[str, Any]:
    """An endpoint config as core's connect options: docker-py's keywords (``ipv4_address``…)
    or the Engine API's keys (``Aliases``, ``IPAMConfig: {IPv4Address…}``), as
    ``docker.types.EndpointConfig`` writes them, through ``_CORE_KEYS``; core refuses an unknown
    key naming it and the network."""
    if not isinstance(opts, Mapping):
        raise TypeError(f"{what}: networks[{network!r}]: expected a dict of endpoint options, got {type(opts).__name__}")
    given: List[Tuple[Any, Any]] = []
    for k, v in opts.items():
        if k == "IPAMConfig" and isinstance(v, Mapping):
            given += _inside("endpoint", "IPAMConfig", v)  # IPv4Address, IPv6Address, LinkLocalIPs
        else:
            given.append((k, v))
    out = _core_options(f"{what}: networks[{network!r}]", "endpoint", given)
    if "links" in out:
        out["links"] = _links(out["links"])
    return out
