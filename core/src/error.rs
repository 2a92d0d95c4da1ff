//! The one error type of dockernet, and the one place where the daemon's status codes and
//! messages become kinds.
//!
//! Every failure a script can meet — bad input caught before any request, a daemon answer, an
//! unreachable socket — is an [`Error`] with an [`ErrorKind`], an HTTP status when the daemon gave
//! one, and a message that names the operation, the object and the offending value. The bindings
//! map kinds once each (a Lua error table, a Python exception class); nothing else turns errors
//! into strings.
//!
//! Why map by message as well as status: the daemon's codes are not what a script expects. It
//! answers 403 both for "in use" and for "already connected", 500 for "not connected" and for bad
//! subnets on 20.10, 404 for an exhausted address pool on ≤26 (see section 2.5 of the reference).

use std::fmt;

/// What kind of failure this is; stable across daemon versions, so scripts can branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The network, container, image or exec does not exist.
    NotFound,
    /// The object already exists or is ambiguous: a duplicate name, an address or subnet taken,
    /// a container already connected.
    Conflict,
    /// The daemon refuses the operation on this object: a predefined network, a network still in
    /// use, a config-only network.
    Forbidden,
    /// Bad input: caught by dockernet before any request, or refused by the daemon as invalid.
    Invalid,
    /// No daemon answered at the configured host, what answered is not a Docker daemon (a web
    /// server, a proxy's error page), or the daemon is too old for dockernet.
    Unavailable,
    /// The daemon did not answer in time.
    Timeout,
    /// Any other daemon answer (typically a 500 without a better classification).
    Api,
    /// The caller interrupted the call (Ctrl-C, SIGTERM): dockernet stopped waiting. What the
    /// daemon had already started may still run (an exec's process, a stop in progress).
    Interrupted,
}

impl ErrorKind {
    /// The snake_case name scripts see (`"not_found"`, `"conflict"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Api => "api",
            ErrorKind::Interrupted => "interrupted",
        }
    }

    /// Every kind, in documentation order.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Forbidden,
        ErrorKind::Invalid,
        ErrorKind::Unavailable,
        ErrorKind::Timeout,
        ErrorKind::Api,
        ErrorKind::Interrupted,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dockernet failure: a kind, the daemon's HTTP status when there was one, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    status: Option<u16>,
    message: String,
}

/// `Result` with dockernet's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with no daemon status (raised by dockernet itself).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, status: None, message: message.into() }
    }

    /// Bad input, caught before any request. The message must name the field and the value.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid, message)
    }

    /// A missing object.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }

    /// An object that already exists.
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, message)
    }

    /// The same error with the daemon's HTTP status (when a re-worded error keeps the answer's).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The same error, classified as `kind` (when dockernet knows better than the daemon's
    /// status what the answer means), message and status kept.
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The daemon's HTTP status code, when the daemon answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The full message: operation, object, cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with what was being done (`network create "front"`), keeping kind
    /// and status. Used once per public operation so every message names its object.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// Appends what happened next (`…; everything this apply did was undone`), keeping kind and
    /// status: used when one failure caused further steps, such as a rollback.
    pub fn note(mut self, note: impl fmt::Display) -> Self {
        self.message = format!("{}; {note}", self.message);
        self
    }

    /// Classifies a daemon answer. `status` is the HTTP code, `message` the daemon's `message`.
    ///
    /// The table follows section 2.5 of `docker-network-reference.md`; the quirks are:
    /// - 403 means both "in use"/"pre-defined" (forbidden) and "already exists in network" or
    ///   "Pool overlaps" (conflict);
    /// - 500 carries "is not connected" (conflict: the state is not what the caller assumed),
    ///   20.10's "Invalid subnet" (invalid) and plenty of genuine server errors (api);
    /// - 404 on ≤26 also means "no non-overlapping address pool" (conflict: the pool is used up);
    /// - 400 "ambiguous" (networks) and 500 "Multiple IDs found with provided prefix" (containers)
    ///   are a conflict between several objects answering one lookup;
    /// - 500 "invalid filter: 'type'='foo'" (20.10) is bad input.
    pub fn from_daemon(status: u16, message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        let kind = if m.contains("non-overlapping")
            || m.contains("fully subnetted")
            || m.contains("ambiguous")
            || m.contains("already exists")
            || m.contains("multiple ids found")
            || m.contains("pool overlaps")
            || m.contains("address already in use")
            || m.contains("is not connected")
        {
            ErrorKind::Conflict
        } else if m.contains("invalid subnet")
            || m.contains("invalid filter")
            || m.contains("invalid pool")
            || m.contains("invalid network config")
            || m.contains("invalid endpoint settings")
        {
            ErrorKind::Invalid
        } else if m.contains("no available addresses") {
            ErrorKind::Conflict
        } else {
            match status {
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                403 => ErrorKind::Forbidden,
                400 => ErrorKind::Invalid,
                408 | 504 => ErrorKind::Timeout,
                503 => ErrorKind::Unavailable,
                _ => ErrorKind::Api,
            }
        };
        Error { kind, status: Some(status), message: message.trim_end().to_string() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(code) => write!(f, "{} ({}, daemon status {code})", self.message, self.kind),
            None => write!(f, "{} ({})", self.message, self.kind),
        }
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::new(ErrorKind::Api, format!("unexpected answer from the daemon: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each daemon answer from the reference's status table lands on the documented kind.
    #[test]
    fn daemon_answers_map_to_kinds() {
        let cases = [
            (404, "network x not found", ErrorKind::NotFound),
            (404, "No such container: c", ErrorKind::NotFound),
            (409, "network with name x already exists", ErrorKind::Conflict),
            (403, "bridge is a pre-defined network and cannot be removed", ErrorKind::Forbidden),
            (403, "error while removing network: network x id abc has active endpoints", ErrorKind::Forbidden),
            (403, "endpoint with name c already exists in network n", ErrorKind::Conflict),
            (500, "container abc is not connected to network n", ErrorKind::Conflict),
            (500, "Invalid subnet 10.0.0.1/33 : invalid CIDR address", ErrorKind::Invalid),
            (403, "Pool overlaps with other one on this address space", ErrorKind::Conflict),
            (404, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network", ErrorKind::Conflict),
            (400, "network x is ambiguous (2 matches found based on name)", ErrorKind::Conflict),
            (400, "user specified IP address is supported only when connecting to networks with user configured subnets", ErrorKind::Invalid),
            (403, "Address already in use", ErrorKind::Conflict),
            (500, "something broke", ErrorKind::Api),
            (500, "Multiple IDs found with provided prefix: c", ErrorKind::Conflict),
            (500, "invalid filter: 'type'='foo'", ErrorKind::Invalid),
            (503, "No available addresses on this pool", ErrorKind::Conflict),
        ];
        for (status, msg, kind) in cases {
            let e = Error::from_daemon(status, msg);
            assert_eq!(e.kind(), kind, "{status} {msg}");
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.message(), msg);
        }
    }

    /// Context prefixes the message and keeps the classification.
    #[test]
    fn context_keeps_kind() {
        let e = Error::from_daemon(404, "network x not found").context("network rm \"x\"");
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.message(), "network rm \"x\": network x not found");
        assert_eq!(e.to_string(), "network rm \"x\": network x not found (not_found, daemon status 404)");
    }
}
