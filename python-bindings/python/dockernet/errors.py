"""dockernet's exceptions: one base, one subclass per kind, raised by the native module.

Every exception has ``.kind`` (``"not_found"``, ``"conflict"``, ``"forbidden"``, ``"invalid"``,
``"unavailable"``, ``"timeout"``, ``"api"``), ``.status_code`` (the daemon's HTTP status, or
``None`` when dockernet refused the input itself) and ``.explanation`` (the whole message, naming
the operation, the object and the offending value).
"""

from ._native import (
    APIError,
    Conflict,
    DaemonUnavailable,
    DockerError,
    Forbidden,
    InvalidArgument,
    NotFound,
    Timeout,
)

__all__ = [
    "DockerError",
    "NotFound",
    "Conflict",
    "Forbidden",
    "InvalidArgument",
    "DaemonUnavailable",
    "Timeout",
    "APIError",
]
