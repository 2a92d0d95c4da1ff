//! Printing values the way the Go side of Docker prints them: JSON as `encoding/json` writes it
//! (compact or `json.Indent`ed, with Go's escaping), `fmt`'s `%v` of decoded JSON, and
//! `time.Time.String()` of the daemon's RFC 3339 timestamps.
//!
//! JSON goes through serde_json's serializer with a formatter of ours ([`GoEscapes`]): the
//! daemon's encoder escapes `<`, `>`, `&`, U+2028 and U+2029 (`\u003c`…), which serde_json's own
//! formatters do not. Keys come out in the order the document holds them (the daemon's order:
//! serde_json keeps it).
//! Nothing here talks to the daemon or knows about networks.

use std::io;

use serde_json::ser::{CharEscape, Formatter};
use serde_json::Value;

/// Go's `strconv.Quote`: printable text as it is, `\"` and `\\`, the usual short escapes, other
/// control characters as `\x07`/`\u0085`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && (c.is_control()) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Compact JSON (`json.Marshal` / `json.Compact`). `html`: escape `<`, `>`, `&` as Go's default
/// encoder does (the daemon's documents, `ls --format json`); the CLI's `json` template function
/// does not.
pub fn compact(v: &Value, html: bool) -> String {
    write(v, GoEscapes { inner: serde_json::ser::CompactFormatter, html })
}

/// `json.Indent(dst, src, "", "    ")` of a document: objects and arrays one member per line,
/// empty ones as `{}` / `[]`, `"key": value`.
pub fn indent(v: &Value, html: bool) -> String {
    write(v, GoEscapes { inner: serde_json::ser::PrettyFormatter::with_indent(b"    "), html })
}

/// The same value with every object's keys in byte order, as Go prints a decoded map.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn write<F: Formatter>(v: &(impl serde::Serialize + ?Sized), formatter: F) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // A Value or a str always serializes, into memory; its text is UTF-8 and every escape ASCII.
    let _ = serde::Serialize::serialize(v, &mut ser);
    String::from_utf8(out).unwrap_or_default()
}

/// A JSON string with Go's escapes (see [`GoEscapes`]).
pub fn write_string(out: &mut String, s: &str, html: bool) {
    out.push_str(&write(s, GoEscapes { inner: serde_json::ser::CompactFormatter, html }));
}

/// serde_json's layout (`inner`: compact, or pretty with Go's four-space unit) with Go's
/// `encoding/json` escapes: `\b` and `\f` as `\u0008` / `\u000c`, U+2028 and U+2029 always
/// escaped, and `<`, `>`, `&` when `html`. serde_json escapes only `"`, `\\` and control
/// characters itself: the rest is found in the unescaped fragments it hands over.
struct GoEscapes<F> {
    inner: F,
    html: bool,
}

impl<F: Formatter> Formatter for GoEscapes<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(i) = rest.find(|c| matches!(c, '\u{2028}' | '\u{2029}') || (self.html && matches!(c, '<' | '>' | '&'))) {
            w.write_all(rest[..i].as_bytes())?;
            let c = rest[i..].chars().next().unwrap_or_default();
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(&mut self, w: &mut W, escape: CharEscape) -> io::Result<()> {
        match escape {
            CharEscape::Backspace => w.write_all(b"\\u0008"),
            CharEscape::FormFeed => w.write_all(b"\\u000c"),
            other => serde_json::ser::CompactFormatter.write_char_escape(w, other),
        }
    }

    // The layout is the inner formatter's.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.inner.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.inner.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_value(w)
    }
}

/// Go's `fmt.Sprint` of a value decoded from JSON (numbers kept as their literal, as the CLI's
/// `json.Decoder.UseNumber` does): `map[k:v …]` with sorted keys, `[a b]`, `<nil>` for null.
pub fn print(v: &Value) -> String {
    let mut out = String::new();
    print_into(&mut out, v);
    out
}

fn print_into(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print_into(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                print_into(out, &map[k]);
            }
            out.push(']');
        }
    }
}

/// `time.Time.String()` of an RFC 3339 timestamp as the daemon sends it
/// (`2026-11-28T04:15:55.307505549Z` → `2026-11-28 04:15:55.307505549 +0000 UTC`).
///
/// Go names the zone `UTC` for `Z`; for another offset it prints the offset twice
/// (`+0200 +0200`), as for any zone that is not the reader's local one. Text that is not a
/// timestamp comes back unchanged.
pub fn time_string(rfc3339: &str) -> String {
    let Some((date, rest)) = rfc3339.split_once('T') else { return rfc3339.to_string() };
    let (clock, zone) = if let Some(c) = rest.strip_suffix('Z') {
        (c, "+0000 UTC".to_string())
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (c, off) = rest.split_at(i);
        let compact = off.replace(':', "");
        (c, format!("{compact} {compact}"))
    } else {
        return rfc3339.to_string();
    };
    let clock = match clock.split_once('.') {
        Some((hms, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                hms.to_string()
            } else {
                format!("{hms}.{frac}")
            }
        }
        None => clock.to_string(),
    };
    format!("{date} {clock} {zone}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Indentation follows json.Indent: empty containers stay compact, 4 spaces per level.
    #[test]
    fn indent_like_go() {
        let v = json!([{"A": {}, "B": [], "C": [{"D": null}], "E": "x"}]);
        let want = "[\n    {\n        \"A\": {},\n        \"B\": [],\n        \"C\": [\n            {\n                \"D\": null\n            }\n        ],\n        \"E\": \"x\"\n    }\n]";
        assert_eq!(indent(&v, true), want);
        assert_eq!(indent(&json!([]), true), "[]");
        assert_eq!(compact(&v, true), "[{\"A\":{},\"B\":[],\"C\":[{\"D\":null}],\"E\":\"x\"}]");
    }

    /// Go escapes HTML characters and line separators; the template json function does not.
    #[test]
    fn go_escapes() {
        let v = json!("a<b>&\"\\\n\u{1}\u{2028}é");
        assert_eq!(compact(&v, true), r#""a\u003cb\u003e\u0026\"\\\n\u0001\u2028é""#);
        assert_eq!(compact(&v, false), r#""a<b>&\"\\\n\u0001\u2028é""#);
        // \b and \f as the daemon's encoder (Go before 1.22) writes them; keys escaped too.
        assert_eq!(compact(&json!({"k<\u{8}": "\u{c}\t\r\u{2029}"}), true), r#"{"k\u003c\u0008":"\u000c\t\r\u2029"}"#);
    }

    /// `%v` of decoded JSON: sorted maps, space-separated slices, <nil>.
    #[test]
    fn go_print() {
        let v = json!({"b": [1, "x", true], "a": null, "c": {}});
        assert_eq!(print(&v), "map[a:<nil> b:[1 x true] c:map[]]");
    }

    /// time.Time.String of daemon timestamps.
    #[test]
    fn go_time() {
        assert_eq!(time_string("2026-11-28T04:15:55.307505549Z"), "2026-11-28 04:15:55.307505549 +0000 UTC");
        assert_eq!(time_string("2026-11-28T04:15:55.300Z"), "2026-11-28 04:15:55.3 +0000 UTC");
        assert_eq!(time_string("0001-01-01T00:00:00Z"), "0001-01-01 00:00:00 +0000 UTC");
        assert_eq!(time_string("2026-11-28T06:15:55.5+02:00"), "2026-11-28 06:15:55.5 +0200 +0200");
        assert_eq!(time_string("garbage"), "garbage");
    }
}
