//! `dockernet events [--filter K=V]… [--since T] [--until T] [--format F]`: the daemon's events
//! as `docker events` prints them, one line each, as they happen — until `--until` or Ctrl-C.
//!
//! Default line, as the docker CLI's: `TIME TYPE ACTION ID (k=v, …)` with the time in RFC 3339
//! with nanoseconds (UTC here; the CLI uses the local zone). `--format json` (or `{{json .}}`)
//! prints each event's JSON; any other format is a Go template over the event document
//! (`{{.Type}} {{.Action}} {{.Actor.Attributes.name}}`). Times take what core takes: unix
//! seconds, RFC 3339, a duration ago (`10m`), or from now (`+5s`, for `--until`).

use std::io::Write;

use clap::Parser;
use dockernet_core::events::{EventOptions, TimeArg};
use dockernet_core::BlockingClient;
use serde_json::Value;

use super::args::{filter, to_filters};
use super::template::{Options, Template, Val};

/// `events`: get real-time events from the daemon.
#[derive(Debug, Parser)]
#[command(
    name = "events",
    bin_name = "dockernet events",
    about = "Get real time events from the daemon",
    disable_version_flag = true,
    color = clap::ColorChoice::Never
)]
struct Args {
    /// Filter output based on conditions provided (type=network, event=create, …)
    #[arg(short = 'f', long = "filter", value_parser = filter)]
    filter: Vec<(String, String)>,
    /// Show all events created since timestamp
    #[arg(long)]
    since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long = "until")]
    until: Option<String>,
    /// Format the output using the given Go template, or "json"
    #[arg(long)]
    format: Option<String>,
}

/// Runs `events …` (`args[0]` is `events`).
pub fn run(client: &BlockingClient, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let a = match super::parse::<Args>(args, out, err) {
        Ok(a) => a,
        Err(status) => return status,
    };
    let template = match a.format.as_deref() {
        None | Some("") => None,
        Some("json") => Some(None),
        Some(t) => match Template::parse(t) {
            Ok(t) => Some(Some(t)),
            Err(e) => {
                let _ = writeln!(err, "template parsing error: {e}");
                return super::STATUS_FLAG;
            }
        },
    };
    let opts = EventOptions {
        filters: to_filters(a.filter),
        since: a.since.map(TimeArg::Text),
        until: a.until.map(TimeArg::Text),
    };
    let stream = match client.events(&opts) {
        Ok(s) => s,
        Err(e) => {
            super::report(err, &e, "events");
            return 1;
        }
    };
    for ev in stream {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                super::report(err, &e, "events");
                return 1;
            }
        };
        let line = match &template {
            None => default_line(&ev.to_value()),
            Some(None) => ev.json().to_string(),
            Some(Some(t)) => match t.render(&Val::J(ev.to_value()), Options::default()) {
                Ok(s) => s,
                Err(e) => {
                    let _ = writeln!(err, "template parsing error: {e}");
                    return 1;
                }
            },
        };
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            // The reader went away (a closed pipe): stop quietly, as the CLI does.
            return 0;
        }
    }
    0
}

/// `2026-12-03T18:00:00.123456789Z network create 1a2b… (name=front, type=bridge)`.
fn default_line(ev: &Value) -> String {
    let nanos = ev.get("timeNano").and_then(Value::as_i64).unwrap_or(0);
    let time = rfc3339(nanos);
    let s = |p: &str| ev.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let mut attrs: Vec<String> = ev
        .pointer("/Actor/Attributes")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect())
        .unwrap_or_default();
    attrs.sort();
    let attrs = if attrs.is_empty() { String::new() } else { format!(" ({})", attrs.join(", ")) };
    format!("{time} {} {} {}{attrs}", s("/Type"), s("/Action"), s("/Actor/ID"))
}

/// Unix nanoseconds as RFC 3339 UTC with nanoseconds (Go's `time.RFC3339Nano` without the
/// trailing-zero trimming): days to a civil date by Howard Hinnant's algorithm.
fn rfc3339(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    /// The default line is the docker CLI's: time, type, action, id, sorted attributes.
    #[test]
    fn default_line_reads_like_the_cli() {
        let ev = serde_json::json!({"Type": "network", "Action": "connect", "Actor": {"ID": "abc",
            "Attributes": {"type": "bridge", "name": "front", "container": "c1"}}, "timeNano": 1700000000123456789i64});
        assert_eq!(
            super::default_line(&ev),
            "2023-11-14T22:13:20.123456789Z network connect abc (container=c1, name=front, type=bridge)"
        );
    }
}
