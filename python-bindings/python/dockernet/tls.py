"""``dockernet.TLSConfig``: client-certificate TLS to a ``tcp://`` daemon, shaped like docker-py's
``docker.tls.TLSConfig``.

``Client(base_url="tcp://host:2376", tls=TLSConfig(client_cert=(cert, key), ca_cert=ca))``, or
``tls=True`` for the docker CLI's files (``ca.pem``, ``cert.pem``, ``key.pem`` in
``DOCKER_CERT_PATH``, else ``~/.docker``). The daemon's certificate is always verified: a
``verify=False`` is refused rather than quietly talking to whoever answers.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional, Tuple, Union

__all__ = ["TLSConfig"]


class TLSConfig:
    """TLS material for a daemon: ``client_cert=(cert_path, key_path)`` and ``ca_cert`` (or
    ``verify=ca_path``, as docker-py accepts). ``ssl_version`` and ``assert_hostname`` exist for
    docker-py compatibility; only their defaults are accepted."""

    def __init__(
        self,
        client_cert: Optional[Tuple[str, str]] = None,
        ca_cert: Optional[str] = None,
        verify: Union[bool, str, None] = None,
        ssl_version: Optional[int] = None,
        assert_hostname: Optional[bool] = None,
    ) -> None:
        from .errors import InvalidArgument

        def bad(message: str) -> Exception:
            e = InvalidArgument(message)
            e.kind, e.status_code, e.explanation = "invalid", None, message  # type: ignore[attr-defined]
            return e

        if verify is False:
            raise bad("TLSConfig: verify=False is not supported: dockernet always verifies the daemon's certificate")
        if isinstance(verify, str):
            if ca_cert is not None and ca_cert != verify:
                raise bad(f"TLSConfig: give the CA once (ca_cert={ca_cert!r}, verify={verify!r})")
            ca_cert = verify
        if ssl_version is not None or assert_hostname not in (None, True):
            raise bad("TLSConfig: ssl_version and assert_hostname=False are not supported (rustls picks TLS 1.2+ and checks the name)")
        if client_cert is None or ca_cert is None:
            raise bad("TLSConfig: client_cert=(cert, key) and ca_cert are required (dockernet speaks TLS with a client certificate)")
        if not (isinstance(client_cert, tuple) and len(client_cert) == 2 and all(isinstance(p, str) for p in client_cert)):
            raise bad(f"TLSConfig: client_cert must be a (cert_path, key_path) tuple, got {client_cert!r}")
        self.cert: Tuple[str, str] = client_cert
        self.ca_cert: str = ca_cert
        self.verify = True

    @classmethod
    def from_env(cls) -> "TLSConfig":
        """The docker CLI's files: ``ca.pem``, ``cert.pem``, ``key.pem`` in ``DOCKER_CERT_PATH``,
        else ``~/.docker``."""
        d = os.environ.get("DOCKER_CERT_PATH") or os.path.join(os.path.expanduser("~"), ".docker")
        return cls(client_cert=(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")), ca_cert=os.path.join(d, "ca.pem"))

    def _paths(self) -> Tuple[str, str, str]:
        return (self.ca_cert, self.cert[0], self.cert[1])

    def __repr__(self) -> str:
        return f"TLSConfig(client_cert={self.cert!r}, ca_cert={self.ca_cert!r})"
