//! The daemon's event stream (`GET /events`): what happens to networks and containers as it
//! happens, one JSON document per event, filtered by the daemon.
//!
//! The stream is a long-lived answer: the daemon writes one JSON object per line for as long as
//! the connection stays open, and ends it only when `until` has passed. So only the start of the
//! request is bounded by the client's timeout; after that, reading waits as long as no event
//! comes. What ends it: `until`, an [`Interrupt`](crate::Interrupt) (the blocking iterator races
//! every wait against the client's interrupt, as every call does), or the caller dropping it.
//! Each line is capped at [`MAX_EVENT_BYTES`] (an event is a few hundred bytes), so a server that
//! never ends a line is an error, not a client that grows without bound.
//!
//! `since` and `until` take what the docker CLI takes — unix seconds (`1700000000`,
//! `1700000000.5`), an RFC 3339 time, or a duration meaning that long ago (`10m`, `1h30m`) —
//! plus a duration from now, `+2s`, for `until` (a script's usual bound: "events for the next
//! two seconds").
//!
//! What does not live here: reacting to events (re-applying an impairment on `start`,
//! `impair.rs`; drift watch, the topology engine).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::BytesMut;
use http::Method;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::Deserialize;

use crate::client::Client;
use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::client::filters_query;
use crate::options::StringList;

/// The longest one event's line may be: 1 MiB (real events are a few hundred bytes; a container
/// with a thousand labels is a few hundred KiB).
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// The filter keys the daemon's `/events` understands.
pub const FILTER_KEYS: [&str; 14] = [
    "config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret",
    "service", "type", "volume",
];

/// Options of [`Client::events`] (as docker-py's `events(filters=, since=, until=)`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventOptions {
    /// Daemon-side filters: `type` (`network`, `container`, …), `event` (`create`, `connect`,
    /// …), `container`, `network`, `label`, and the rest of [`FILTER_KEYS`].
    pub filters: BTreeMap<String, StringList>,
    /// Events from this time on (past events are replayed first). See the file notes for forms.
    pub since: Option<TimeArg>,
    /// Stop at this time: the daemon ends the stream then. Without it the stream never ends.
    /// Given without `since`, the stream starts now (the daemon would otherwise replay the past
    /// events it keeps).
    pub until: Option<TimeArg>,
}

/// A point in time as scripts give it: a number of unix seconds or a text (see the file notes).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum TimeArg {
    /// Unix seconds.
    Seconds(f64),
    /// `"1700000000"`, `"2026-12-03T18:00:00Z"`, `"10m"` (ago), `"+2s"` (from now).
    Text(String),
}

impl TimeArg {
    /// The time as the daemon's query wants it: unix seconds with nanoseconds (`1700000000.500000000`).
    ///
    /// # Errors
    /// `invalid`, naming `option` and the value.
    pub fn to_query(&self, option: &str) -> Result<String> {
        let bad = |v: &dyn std::fmt::Debug| {
            Error::invalid(format!(
                "option {option}: expected unix seconds, an RFC 3339 time (2026-12-03T18:00:00Z), a duration ago \
                 (10m, 1h30m) or from now (+2s), got {v:?}"
            ))
        };
        let secs: f64 = match self {
            TimeArg::Seconds(s) => *s,
            TimeArg::Text(t) => {
                let t = t.trim();
                if let Ok(s) = t.parse::<f64>() {
                    s
                } else if let Some(d) = t.strip_prefix('+').and_then(parse_duration) {
                    now() + d.as_secs_f64()
                } else if let Some(d) = parse_duration(t) {
                    now() - d.as_secs_f64()
                } else if let Ok(at) =
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                {
                    at.unix_timestamp_nanos() as f64 / 1e9
                } else {
                    return Err(bad(&t));
                }
            }
        };
        if !secs.is_finite() || !(0.0..1e11).contains(&secs) {
            return Err(match self {
                TimeArg::Seconds(s) => bad(s),
                TimeArg::Text(t) => bad(t),
            });
        }
        let whole = secs.trunc();
        Ok(format!("{}.{:09}", whole as u64, ((secs - whole) * 1e9).round().min(999_999_999.0) as u64))
    }
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Go-style durations as the docker CLI reads them: `90s`, `10m`, `1h30m`, `1.5h`, `250ms`.
pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest[..n_end].parse().ok()?;
        rest = &rest[n_end..];
        let u_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..u_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += n * scale;
        rest = &rest[u_end..];
    }
    Duration::try_from_secs_f64(total).ok()
}

impl EventOptions {
    /// The query string of `/events` (`?since=…&until=…&filters=…`), validated.
    fn query(&self) -> Result<String> {
        for key in self.filters.keys() {
            if !FILTER_KEYS.contains(&key.as_str()) {
                return Err(Error::invalid(format!(
                    "unknown filter {key:?} (expected one of: {})",
                    FILTER_KEYS.join(", ")
                )));
            }
        }
        let mut parts = Vec::new();
        match (&self.since, &self.until) {
            (Some(s), _) => parts.push(format!("since={}", s.to_query("since")?)),
            // With `until` alone the daemon replays its whole buffer of past events (up to 256,
            // from before this call): "until" means "from now until", so `since` is now.
            (None, Some(_)) => parts.push(format!("since={}", TimeArg::Seconds(now()).to_query("since")?)),
            (None, None) => {}
        }
        if let Some(u) = &self.until {
            parts.push(format!("until={}", u.to_query("until")?));
        }
        let f = filters_query(&self.filters);
        if !f.is_empty() {
            parts.push(f);
        }
        Ok(if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) })
    }
}

/// An open event stream: [`EventStream::next`] gives one event at a time.
pub struct EventStream {
    body: Option<Incoming>,
    buf: BytesMut,
    host: String,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("host", &self.host).field("open", &self.body.is_some()).finish()
    }
}

impl EventStream {
    /// The next event (a daemon document: `Type`, `Action`, `Actor {ID, Attributes}`, `time`,
    /// `timeNano`, …), or `None` once the daemon ended the stream (`until` passed). Waits as long
    /// as no event comes; cancel-safe (dropping the future loses nothing already read).
    ///
    /// # Errors
    /// `unavailable` when the connection breaks, `api` for a line that is not JSON or longer than
    /// [`MAX_EVENT_BYTES`].
    pub async fn next(&mut self) -> Result<Option<Document>> {
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let line = self.buf.split_to(end + 1);
                let line = &line[..end];
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Document::from_slice(line).map(Some).map_err(|e| {
                    Error::new(ErrorKind::Api, format!("the daemon at {} sent an event that is not JSON: {e}", self.host))
                });
            }
            let Some(body) = self.body.as_mut() else {
                // The last event may come without its newline.
                if self.buf.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                let rest = self.buf.split();
                return Document::from_slice(&rest).map(Some);
            };
            match body.frame().await {
                None => self.body = None,
                Some(Err(e)) => {
                    self.body = None;
                    return Err(Error::new(
                        ErrorKind::Unavailable,
                        format!("the event stream from the daemon at {} broke: {e}", self.host),
                    ));
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                    if self.buf.len() > MAX_EVENT_BYTES && !self.buf.contains(&b'\n') {
                        self.body = None;
                        return Err(Error::new(
                            ErrorKind::Api,
                            format!(
                                "the daemon at {} sent an event longer than {} bytes; dockernet stopped reading",
                                self.host, MAX_EVENT_BYTES
                            ),
                        ));
                    }
                }
            }
        }
    }
}

impl Client {
    /// Opens the daemon's event stream with `opts`' filters and bounds. The request's start is
    /// bounded by the client's timeout; the stream then lasts until `until` (or forever).
    ///
    /// # Errors
    /// `invalid` for an unknown filter or a bad time (before any request), and the daemon's
    /// refusals.
    ///
    /// ```no_run
    /// # async fn f(c: &dockernet_core::Client) -> dockernet_core::Result<()> {
    /// use dockernet_core::events::{EventOptions, TimeArg};
    /// let mut opts = EventOptions::default();
    /// opts.filters.insert("type".into(), vec!["network".to_string()].into());
    /// opts.until = Some(TimeArg::Text("+2s".into()));
    /// let mut events = c.events(&opts).await?;
    /// while let Some(ev) = events.next().await? {
    ///     println!("{}", ev.json());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn events(&self, opts: &EventOptions) -> Result<EventStream> {
        async {
            let query = opts.query()?;
            let path = self.versioned(&format!("/events{query}")).await?;
            let resp = tokio::time::timeout(self.timeout(), self.send(&Method::GET, &path, None, &[]))
                .await
                .map_err(|_| {
                    Error::new(
                        ErrorKind::Timeout,
                        format!("the Docker daemon at {} did not start the event stream within {:?}", self.host().url, self.timeout()),
                    )
                })??;
            if !resp.status().is_success() {
                let answer = self.read_answer(&Method::GET, &path, resp).await?;
                return Err(self.answer_error(&Method::GET, &path, &answer));
            }
            Ok(EventStream { body: Some(resp.into_body()), buf: BytesMut::new(), host: self.host().url.clone() })
        }
        .await
        .map_err(|e: Error| e.context("events"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times read as the docker CLI reads them, plus `+` durations from now.
    #[test]
    fn times_read_like_the_cli() {
        let q = |t: TimeArg| t.to_query("since");
        assert_eq!(q(TimeArg::Seconds(1700000000.5)).unwrap(), "1700000000.500000000");
        assert_eq!(q(TimeArg::Text("1700000000".into())).unwrap(), "1700000000.000000000");
        assert_eq!(q(TimeArg::Text("2023-11-14T22:13:20Z".into())).unwrap(), "1700000000.000000000");
        let ago: f64 = q(TimeArg::Text("10m".into())).unwrap().parse().unwrap();
        assert!((now() - 600.0 - ago).abs() < 5.0);
        let ahead: f64 = q(TimeArg::Text("+1h30m".into())).unwrap().parse().unwrap();
        assert!((now() + 5400.0 - ahead).abs() < 5.0);
        for bad in ["soon", "-5", "10x", ""] {
            let e = q(TimeArg::Text(bad.into())).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Invalid);
            assert!(e.message().contains("option since") && e.message().contains(&format!("{bad:?}")), "{e}");
        }
        assert!(q(TimeArg::Seconds(f64::NAN)).is_err());
    }

    /// Unknown filters are refused before any request; known ones are encoded as the daemon wants.
    #[test]
    fn filters_are_checked_and_encoded() {
        let mut o = EventOptions::default();
        o.filters.insert("tpye".into(), vec!["network".to_string()].into());
        let e = o.query().unwrap_err();
        assert!(e.message().contains("\"tpye\"") && e.message().contains("type"), "{e}");
        let mut o = EventOptions::default();
        o.filters.insert("type".into(), vec!["network".to_string()].into());
        o.since = Some(TimeArg::Seconds(5.0));
        assert_eq!(o.query().unwrap(), "?since=5.000000000&filters=%7B%22type%22%3A%5B%22network%22%5D%7D");
    }
}
