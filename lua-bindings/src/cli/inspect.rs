//! `network inspect`: the daemon's documents as the docker CLI prints them — a JSON array
//! indented with 4 spaces (the CLI's `json.Indent` of the daemon's bytes), `--format json` on one
//! line, or a Go template per network.
//!
//! Names that fail do not stop the others: what was found is printed first, then one error line
//! per failure, and the exit status is 1 (as the CLI).
//!
//! Templates run as the CLI runs them: first against the document read as the CLI's Go types
//! (`typed.rs`: absent fields are zero values, `.Created` is a `time.Time`, `{{.IPAM}}` prints
//! positionally), and when that fails (a field the types lack, such as `.Id`) against the raw
//! JSON, where a missing key is an error.

use std::io::Write;

use dockernet_core::network::InspectOptions;
use dockernet_core::BlockingClient;
use serde_json::Value;

use super::args::InspectArgs;
use super::gojson;
use super::template::{Limits, Options, Template, Val};
use super::typed;

enum Mode {
    Indented,
    Json,
    Template(Template),
}

/// Runs `network inspect`.
pub fn run(client: &BlockingClient, a: InspectArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mode = match a.format.as_deref() {
        None | Some("") => Mode::Indented,
        Some("json") => Mode::Json,
        Some(t) => match Template::parse(t) {
            Ok(t) => Mode::Template(t),
            // The CLI's words and its status 64 (`cli.StatusError`), without a usage line.
            Err(e) => {
                let _ = writeln!(err, "template parsing error: {e}");
                return super::STATUS_TEMPLATE;
            }
        },
    };
    let opts = InspectOptions { verbose: a.verbose.unwrap_or(false) };
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut errors = Vec::new();
    for name in &a.networks {
        match client.network_inspect(name, &opts) {
            Ok(doc) => match (&mode, doc.to_value()) {
                (Mode::Template(t), doc) => match render(t, doc, Limits::default()) {
                    Ok(s) => {
                        text.push_str(&s);
                        text.push('\n');
                    }
                    // The CLI calls an error while running a template a parsing error too.
                    Err(e) => errors.push(format!("template parsing error: {e}")),
                },
                (_, doc) => docs.push(doc),
            },
            Err(e) => errors.push(super::error_line(&e, &format!("network inspect {name:?}"))),
        }
    }
    let printed = match mode {
        Mode::Template(_) if text.is_empty() => "\n".to_string(),
        Mode::Template(_) => text,
        _ if docs.is_empty() => "[]\n".to_string(),
        Mode::Indented => gojson::indent(&Value::Array(docs), true) + "\n",
        Mode::Json => gojson::compact(&Value::Array(docs), true) + "\n",
    };
    let _ = out.write_all(printed.as_bytes());
    for e in &errors {
        let _ = writeln!(err, "{e}");
    }
    i32::from(!errors.is_empty())
}

/// Runs `t` on one document: typed first, then the raw JSON (whose error is the one reported).
pub(super) fn render(t: &Template, doc: Value, limits: Limits) -> Result<String, String> {
    let typed = Val::Typed(&typed::INSPECT, doc);
    if let Ok(s) = t.render(&typed, Options { limits, ..Options::default() }) {
        return Ok(s);
    }
    let Val::Typed(_, doc) = typed else { unreachable!("built above") };
    t.render(&Val::J(doc), Options { missing_key_error: true, limits, ..Options::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Typed first (zero values for absent fields, Created as time), raw JSON when a field is
    /// not in the types (`.Id`), and the raw pass's error when both fail.
    #[test]
    fn template_typed_then_raw() {
        let doc = json!({
            "Name": "n", "Id": "abc", "Created": "2026-11-28T04:15:55.307505549Z",
            "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "172.17.0.0/16"}]}, "Labels": {"k": "v"}
        });
        let r = |t: &str| render(&Template::parse(t).unwrap(), doc.clone(), Limits::default());
        assert_eq!(r("{{.Name}} {{.ID}} {{.Created}}").unwrap(), "n abc 2026-11-28 04:15:55.307505549 +0000 UTC");
        assert_eq!(r("{{.Name}} {{.Id}} {{.Created}}").unwrap(), "n abc 2026-11-28T04:15:55.307505549Z");
        assert_eq!(r("{{range .IPAM.Config}}{{.Subnet}}|{{.Gateway}}|{{end}}").unwrap(), "172.17.0.0/16||");
        assert_eq!(r("{{.IPAM}}").unwrap(), "{default map[] [{172.17.0.0/16   map[]}]}");
        assert_eq!(
            r("{{json .IPAM}}").unwrap(),
            r#"{"Driver":"default","Options":null,"Config":[{"Subnet":"172.17.0.0/16"}]}"#
        );
        assert_eq!(
            r("{{index .Labels \"k\"}}{{index .Labels \"x\"}}|{{.Labels.x}}|{{len .Labels}}").unwrap(),
            "v|<no value>|1"
        );
        assert_eq!(
            r("{{.Nope}}").unwrap_err(),
            "template: :1:2: executing \"\" at <.Nope>: map has no entry for key \"Nope\""
        );
        assert_eq!(
            r("{{.Id}}{{range .IPAM.Config}}{{.Gateway}}{{end}}").unwrap_err(),
            "template: :1:31: executing \"\" at <.Gateway>: map has no entry for key \"Gateway\""
        );
    }
}
