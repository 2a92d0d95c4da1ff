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
from .client import Client, from_env
from .errors import (
    APIError,
    Conflict,
    DaemonUnavailable,
    DockerError,
    Forbidden,
    InvalidArgument,
    NotFound,
    Timeout,
)
from .topology import Topology, Verification
from .models import (
    Container,
    ContainerCollection,
    ContainerList,
    ExecResult,
    Network,
    NetworkCollection,
    NetworkList,
)

__all__ = [
    "__version__",
    "Client",
    "from_env",
    "Topology",
    "Verification",
    "Network",
    "Container",
    "NetworkCollection",
    "ContainerCollection",
    "NetworkList",
    "ContainerList",
    "ExecResult",
    "DockerError",
    "NotFound",
    "Conflict",
    "Forbidden",
    "InvalidArgument",
    "DaemonUnavailable",
    "Timeout",
    "APIError",
]
