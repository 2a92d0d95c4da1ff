"""dockernet's exceptions, laid out so docker-py's ``except`` clauses keep working.

The classes::

    DockerError (alias DockerException, docker-py's root)
    ├── APIError               the daemon answered with an error
    │   ├── NotFound            the network, container, image or exec does not exist
    │   ├── Conflict            already exists / already connected / not connected / address taken
    │   ├── Forbidden           a predefined network, a network still in use
    │   ├── InvalidRequest      also an InvalidArgument: input the daemon refused as invalid
    │   ├── ServiceUnavailable  also a DaemonUnavailable: the daemon answered 503
    │   └── RequestTimeout      also a Timeout: the daemon answered 408 or 504
    ├── InvalidArgument        bad input dockernet refused before any request
    ├── DaemonUnavailable      no daemon answers at the host (or it is too old)
    └── Timeout                no answer in time

Two rules make that hold together:

- ``except APIError`` catches every error the daemon answered (not found, conflict, forbidden,
  invalid, a 500…), as ``except docker.errors.APIError`` does in docker-py. ``NotFound``,
  ``Conflict`` and ``Forbidden`` are always ``APIError``s, also when dockernet decided them from
  what the daemon listed (an exact lookup that found no such name, a duplicate name refused on
  Docker 20.10): ``status_code`` is then ``None``.
- Bad input that dockernet refuses itself, before any request, is an ``InvalidArgument`` and not
  an ``APIError`` (docker-py's ``docker.errors.InvalidArgument`` is not one either). The same
  mistake refused by the daemon is an ``InvalidRequest``: both an ``InvalidArgument`` and an
  ``APIError``, so either ``except`` catches it. ``DaemonUnavailable`` and ``Timeout`` split
  the same way (``ServiceUnavailable``, ``RequestTimeout`` when the daemon itself answered so).

Every exception has ``.kind`` (``"not_found"``, ``"conflict"``, ``"forbidden"``, ``"invalid"``,
``"unavailable"``, ``"timeout"``, ``"api"``), ``.status_code`` (the daemon's HTTP status, or
``None`` when dockernet refused the input itself), ``.explanation`` (the whole message, naming the
operation, the object and the offending value), ``is_client_error()`` / ``is_server_error()`` /
``is_error()`` as in docker-py, and ``.response``, always ``None`` (dockernet keeps no HTTP
response object). A Ctrl-C during a call is Python's own ``KeyboardInterrupt``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Optional

__all__ = [
    "DockerError",
    "DockerException",
    "APIError",
    "NotFound",
    "Conflict",
    "Forbidden",
    "InvalidArgument",
    "InvalidRequest",
    "DaemonUnavailable",
    "ServiceUnavailable",
    "Timeout",
    "RequestTimeout",
]


class DockerError(Exception):
    """Base of every dockernet error: ``.kind``, ``.status_code``, ``.explanation``.

    Constructed as docker-py's exceptions are (``NotFound("no such network")``, with optional
    ``response=`` and ``explanation=``), so code that raises them itself (test doubles) ports too.
    """

    #: The error kind, stable across daemon versions (``"not_found"``…).
    kind: str = "api"

    def __init__(
        self,
        message: Any = "",
        response: Any = None,
        explanation: Optional[str] = None,
        *,
        kind: Optional[str] = None,
        status_code: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.explanation: str = explanation if explanation is not None else str(message)
        if kind is not None:
            self.kind = kind
        if status_code is None and response is not None:
            status_code = getattr(response, "status_code", None)
        self.status_code: Optional[int] = status_code

    def is_error(self) -> bool:
        """True when the daemon answered with an error status (4xx or 5xx)."""
        return self.is_client_error() or self.is_server_error()

    def is_client_error(self) -> bool:
        """True for a 4xx answer (not found, conflict, forbidden, bad request)."""
        return self.status_code is not None and 400 <= self.status_code < 500

    def is_server_error(self) -> bool:
        """True for a 5xx answer."""
        return self.status_code is not None and 500 <= self.status_code < 600


#: docker-py's name for the root class.
DockerException = DockerError


class APIError(DockerError):
    """The daemon answered with an error (any status); see the module docs for the subclasses."""


class NotFound(APIError):
    """The network, container, image or exec does not exist."""

    kind = "not_found"


class Conflict(APIError):
    """Already exists, already connected, not connected, address or subnet taken, ambiguous."""

    kind = "conflict"


class Forbidden(APIError):
    """The daemon refuses: a predefined network, a network still in use."""

    kind = "forbidden"


class InvalidArgument(DockerError):
    """Bad input, refused by dockernet before any request (``status_code`` is ``None``)."""

    kind = "invalid"


class InvalidRequest(InvalidArgument, APIError):
    """Input the daemon refused as invalid (400, or 20.10's 500 for a bad subnet): both an
    ``InvalidArgument`` and an ``APIError``."""


class DaemonUnavailable(DockerError):
    """No daemon answers at the configured host, what answers is not a daemon, or it is too old."""

    kind = "unavailable"


class ServiceUnavailable(DaemonUnavailable, APIError):
    """The daemon answered 503: both a ``DaemonUnavailable`` and an ``APIError``."""


class Timeout(DockerError):
    """The daemon did not answer in time (or an ``exec_run(timeout=)`` ran out)."""

    kind = "timeout"


class RequestTimeout(Timeout, APIError):
    """The daemon answered 408 or 504: both a ``Timeout`` and an ``APIError``."""
