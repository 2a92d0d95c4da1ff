"""dockernet: script Docker networks — and the containers on them — from Python and notebooks.

A docker-py-shaped API on a Rust engine::

    import dockernet
    client = dockernet.from_env()
    net = client.networks.create("lab", subnet="10.77.0.0/24")
    box = client.containers.run("dockernet-testbox:latest", "sleep 600", name="box")
    net.connect(box, ipv4_address="10.77.0.10", aliases=["www"])
    box.interfaces()          # eth0 on bridge, eth1 on lab
    net.disconnect(box); box.remove(force=True); net.remove()

Lookups are exact, duplicate names and overlapping subnets are refused, options the daemon would
ignore are errors, and every failure is a ``DockerError`` subclass with ``.kind``.
"""

from ._native import __version__
from .client import Client, DockerClient, contexts, from_env
from . import errors
from .errors import (
    APIError,
    Conflict,
    DaemonUnavailable,
    DockerError,
    DockerException,
    Forbidden,
    InvalidArgument,
    InvalidRequest,
    NotFound,
    RequestTimeout,
    ServiceUnavailable,
    Timeout,
)
from .models import (
    Container,
    ContainerCollection,
    ContainerList,
    ExecResult,
    Network,
    NetworkCollection,
    NetworkList,
)
from .swarm import Node, NodeCollection, Swarm
from .tls import TLSConfig

# `dockernet.topology` loads on first use of `Topology`, `Verification` or `dockernet.topology`,
# `dockernet.aio` on first use (PEP 562), which keeps `import dockernet` within a few milliseconds of a bare interpreter. Type
# checkers see the plain import (they read `TYPE_CHECKING` as true; the idiom needs no `typing`).
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from . import aio
    from .topology import Topology, Verification
else:
    _LAZY = ("Topology", "Verification", "topology", "aio")

    def __getattr__(name):
        if name not in _LAZY:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        if name == "aio":
            # `dockernet.aio` without `import dockernet.aio`. Importing a name from the submodule
            # (not `from . import aio`, which asks this function again) binds it as
            # `dockernet.aio`, so later lookups skip this function.
            from .aio import AsyncClient  # noqa: F401

            return globals()["aio"]
        # Imports the submodule directly (no `hasattr(dockernet, "topology")`, which would land
        # here again) and binds it as `dockernet.topology`; later lookups skip this function.
        from .topology import Topology, Verification

        globals().update(Topology=Topology, Verification=Verification)
        return globals()[name]

    def __dir__():
        return sorted({*globals(), *_LAZY})

__all__ = [
    "__version__",
    "Client",
    "DockerClient",
    "from_env",
    "contexts",
    "Topology",
    "Verification",
    "Network",
    "Container",
    "NetworkCollection",
    "ContainerCollection",
    "NetworkList",
    "ContainerList",
    "ExecResult",
    "Swarm",
    "TLSConfig",
    "Node",
    "NodeCollection",
    "DockerError",
    "NotFound",
    "Conflict",
    "Forbidden",
    "InvalidArgument",
    "DaemonUnavailable",
    "Timeout",
    "APIError",
    "DockerException",
    "InvalidRequest",
    "ServiceUnavailable",
    "RequestTimeout",
]
