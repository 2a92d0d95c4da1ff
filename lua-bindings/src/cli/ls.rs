//! `network ls`: filters, and the docker CLI's list formatting — the default table, `table
//! TEMPLATE`, `json`, a Go template, `-q` and `--no-trunc` — byte for byte as CLI 28 prints it.
//!
//! The formatting follows docker/cli's `formatter.Context`: rows run the template against a
//! row object (`.ID .Name .Driver .Scope .IPv4 .IPv6 .Internal .Labels .Label "k" .CreatedAt`),
//! a table also runs it against the header map, and the lot goes through the CLI's tabwriter
//! settings (minimum width 10 including 3 spaces of padding). Rows are in natural name order.

use std::cmp::Ordering;
use std::io::Write;
use std::rc::Rc;

use dockernet_core::network::ListOptions;
use dockernet_core::BlockingClient;
use serde_json::{Map, Value};

use super::args::{self, LsArgs};
use super::gojson;
use super::template::{self, Object, Options, Template, Val};

/// The CLI's default table format.
pub const DEFAULT_TABLE: &str = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
const RAW: &str = "network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n";

/// Runs `network ls`.
pub fn run(client: &BlockingClient, a: LsArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let quiet = a.quiet.unwrap_or(false);
    let format = match a.format.filter(|f| !f.is_empty()) {
        Some(f) => f,
        None if !quiet => config_networks_format().unwrap_or_else(|| "table".to_string()),
        None => "table".to_string(),
    };
    let list = match ListFormat::new(&format, quiet) {
        Ok(l) => l,
        // The CLI's words; unlike inspect, its ls exits 1 here.
        Err(e) => {
            let _ = writeln!(err, "template parsing error: {e}");
            return super::STATUS_USAGE;
        }
    };
    let opts = ListOptions { filters: args::to_filters(a.filter) };
    let docs: Vec<Value> = match client.network_ls(&opts) {
        Ok(d) => d.iter().map(dockernet_core::Document::to_value).collect(),
        Err(e) => {
            super::report(err, &e, "network ls");
            return 1;
        }
    };
    match list.render(&docs, !a.no_trunc.unwrap_or(false)) {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
            0
        }
        Err(e) => {
            // The CLI calls an error while running a template a parsing error too.
            let _ = writeln!(err, "template parsing error: {e}");
            1
        }
    }
}

/// The default `docker network ls` table of `docs` (daemon list or inspect documents), rows in
/// natural name order; IDs cut to 12 characters unless `no_trunc`.
///
/// ```
/// let docs = vec![serde_json::json!({"Id": "0123456789abcdef", "Name": "front", "Driver": "bridge", "Scope": "local"})];
/// assert_eq!(
///     dockernet_lua::cli::network_table(&docs, false),
///     "NETWORK ID     NAME      DRIVER    SCOPE\n0123456789ab   front     bridge    local\n"
/// );
/// ```
pub fn network_table(docs: &[Value], no_trunc: bool) -> String {
    match ListFormat::new("table", false) {
        Ok(list) => list.render(docs, !no_trunc).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// A parsed `--format` of `network ls`.
pub struct ListFormat {
    table: bool,
    tmpl: Template,
    limits: template::Limits,
}

impl ListFormat {
    /// Resolves `format` as the CLI does (`table`, `raw`, `json`, `table TEMPLATE`, a template;
    /// `-q` turns plain `table` into `{{.ID}}`) and parses the template.
    pub fn new(format: &str, quiet: bool) -> Result<ListFormat, String> {
        let source = match format {
            "table" if quiet => "{{.ID}}",
            "table" => DEFAULT_TABLE,
            "raw" if quiet => "network_id: {{.ID}}",
            "raw" => RAW,
            other => other,
        };
        let table = source.starts_with("table");
        let body = if table {
            &source["table".len()..]
        } else if source == "json" {
            "{{json .}}"
        } else {
            source
        };
        let body = body.trim_matches(' ').replace("\\t", "\t").replace("\\n", "\n");
        Ok(ListFormat { table, tmpl: Template::parse(&body)?, limits: template::Limits::default() })
    }

    /// The same format with other limits on each row's run (the fuzz suite's small ones).
    #[cfg(test)]
    pub(crate) fn with_limits(self, limits: template::Limits) -> ListFormat {
        ListFormat { limits, ..self }
    }

    /// Formats the rows (sorted here); a failing row template is an error and prints nothing.
    pub fn render(&self, docs: &[Value], trunc: bool) -> Result<String, String> {
        let mut sorted: Vec<&Value> = docs.iter().collect();
        sorted.sort_by(|a, b| natural_cmp(str_field(a, "Name"), str_field(b, "Name")));
        let mut body = String::new();
        for doc in sorted {
            let row = Val::Obj(Rc::new(Row { doc: doc.clone(), trunc }));
            self.tmpl.execute(&row, Options { limits: self.limits, ..Options::default() }, &mut body)?;
            body.push('\n');
        }
        if !self.table {
            return Ok(body);
        }
        // The header runs the same template on the header map; like the CLI, a failure there
        // keeps what was written and is otherwise ignored.
        let mut text = String::new();
        let _ = self.tmpl.execute(
            &Val::Obj(Rc::new(Header)),
            Options { header: true, limits: self.limits, ..Options::default() },
            &mut text,
        );
        text.push('\n');
        text.push_str(&body);
        Ok(align(&text))
    }
}

/// The docker CLI's tabwriter: `NewWriter(out, 10, 1, 3, ' ', 0)`. The tabwriter crate pads
/// after taking the minimum (Go takes the minimum of width+padding), hence 10 − 3.
pub fn align(text: &str) -> String {
    let mut tw = tabwriter::TabWriter::new(Vec::new()).minwidth(7).padding(3);
    let _ = tw.write_all(text.as_bytes());
    let _ = tw.flush();
    match tw.into_inner() {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => text.to_string(),
    }
}

fn str_field<'a>(doc: &'a Value, key: &str) -> &'a str {
    doc.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// `sortorder.NaturalLess` as the CLI sorts names: runs of digits compare as numbers
/// (`net2` < `net10`), digits sort before other characters, otherwise bytewise.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (da, db) = (a[i].is_ascii_digit(), b[j].is_ascii_digit());
        if da != db {
            return if da { Ordering::Less } else { Ordering::Greater };
        }
        if !da {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
            continue;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (nz_a, nz_b) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (la, lb) = (i - nz_a, j - nz_b);
        if la != lb {
            return la.cmp(&lb);
        }
        match a[nz_a..i].cmp(&b[nz_b..j]) {
            Ordering::Equal => {}
            o => return o,
        }
        if nz_a != nz_b {
            return nz_a.cmp(&nz_b);
        }
    }
    a.len().cmp(&b.len())
}

/// One network as the CLI's `networkContext` shows it.
struct Row {
    doc: Value,
    trunc: bool,
}

impl Row {
    fn id(&self) -> String {
        let id = str_field(&self.doc, "Id");
        if !self.trunc {
            return id.to_string();
        }
        dockernet_core::lookup::short_id(id).to_string()
    }

    fn flag(&self, key: &str) -> String {
        self.doc.get(key).and_then(Value::as_bool).unwrap_or(false).to_string()
    }

    fn labels(&self) -> String {
        let Some(Value::Object(m)) = self.doc.get("Labels") else { return String::new() };
        // Go ranges over the map in random order; sorting makes the output stable.
        let mut pairs: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
        pairs.sort();
        pairs.join(",")
    }

    fn created_at(&self) -> String {
        gojson::time_string(self.doc.get("Created").and_then(Value::as_str).unwrap_or("0001-01-01T00:00:00Z"))
    }

    fn fields(&self) -> [(&'static str, String); 9] {
        // In Go's JSON order (sorted keys), as `--format json` prints them.
        [
            ("CreatedAt", self.created_at()),
            ("Driver", str_field(&self.doc, "Driver").to_string()),
            ("ID", self.id()),
            ("IPv4", self.flag("EnableIPv4")),
            ("IPv6", self.flag("EnableIPv6")),
            ("Internal", self.flag("Internal")),
            ("Labels", self.labels()),
            ("Name", str_field(&self.doc, "Name").to_string()),
            ("Scope", str_field(&self.doc, "Scope").to_string()),
        ]
    }
}

impl Object for Row {
    fn type_name(&self) -> &str {
        "*network.networkContext"
    }

    fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>> {
        template::row_call(&self.doc, self.fields(), name, args)
    }

    fn json(&self) -> String {
        // The CLI marshals the row through json.Marshal, which escapes <, > and &.
        let map: Map<String, Value> =
            self.fields().into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect();
        gojson::compact(&Value::Object(map), true)
    }

    fn print(&self) -> String {
        self.json()
    }
}

/// The table header: the CLI's `SubHeaderContext` map.
struct Header;

impl Object for Header {
    fn type_name(&self) -> &str {
        "formatter.SubHeaderContext"
    }

    fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>> {
        if name == "Label" {
            // `.Label "com.example.tier-name"` → `tier name`.
            return Some(template::want_args(name, args, 1).and_then(|_| match &args[0] {
                Val::J(Value::String(k)) => {
                    let last = k.rsplit('.').next().unwrap_or_default();
                    Ok(Val::str(last.replace(['-', '_'], " ")))
                }
                _ => Err("wrong type for value; expected string".to_string()),
            }));
        }
        let header = match name {
            "ID" => "NETWORK ID",
            "Name" => "NAME",
            "Driver" => "DRIVER",
            "Scope" => "SCOPE",
            "IPv4" => "IPV4",
            "IPv6" => "IPV6",
            "Internal" => "INTERNAL",
            "Labels" => "LABELS",
            "CreatedAt" => "CREATED AT",
            _ => return Some(Ok(Val::Missing)),
        };
        Some(if args.is_empty() {
            Ok(Val::str(header))
        } else {
            Err(format!("{name} is not a method but has arguments"))
        })
    }

    fn json(&self) -> String {
        String::new()
    }

    fn print(&self) -> String {
        "map[CreatedAt:CREATED AT Driver:DRIVER ID:NETWORK ID IPv4:IPV4 IPv6:IPV6 Internal:INTERNAL Labels:LABELS Name:NAME Scope:SCOPE]".to_string()
    }
}

/// `networksFormat` from the docker CLI's config file (`$DOCKER_CONFIG/config.json` or
/// `~/.docker/config.json`), which the CLI uses when `--format` is not given.
fn config_networks_format() -> Option<String> {
    let v = super::cli_config()?;
    v.get("networksFormat").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs() -> Vec<Value> {
        vec![
            json!({"Name": "none", "Id": "dcb8f4228927aaaa", "Driver": "null", "Scope": "local", "Created": "2026-11-28T04:15:55.288142352Z"}),
            json!({"Name": "bridge", "Id": "7617686ebf669e40243214ba", "Driver": "bridge", "Scope": "local", "Created": "2026-11-28T04:15:55.307505549Z"}),
            json!({"Name": "host", "Id": "b33a964cad286f7e", "Driver": "host", "Scope": "local", "Labels": {}, "Created": "2026-11-28T04:15:55.295913508Z"}),
            json!({"Name": "a-very-long-network-name", "Id": "sha256:0123456789abcdef", "Driver": "bridge", "Scope": "local",
                   "Internal": true, "Labels": {"z": "1", "com.x": "<b>"}, "Created": "2026-11-28T04:15:55.3Z"}),
        ]
    }

    /// The default table is byte-identical to `docker network ls` (captured from CLI 28.2).
    #[test]
    fn default_table_matches_docker() {
        let want = "NETWORK ID     NAME      DRIVER    SCOPE\n\
                    7617686ebf66   bridge    bridge    local\n\
                    b33a964cad28   host      host      local\n\
                    dcb8f4228927   none      null      local\n";
        assert_eq!(network_table(&docs()[..3], false), want);
        let wide = network_table(&docs(), false);
        assert!(wide.starts_with("NETWORK ID     NAME                       DRIVER    SCOPE\n0123456789ab   a-very-long-network-name   bridge    local\n"), "{wide}");
        assert!(network_table(&docs()[1..2], true).contains("7617686ebf669e40243214ba   bridge"));
        assert_eq!(network_table(&[], false), "NETWORK ID   NAME      DRIVER    SCOPE\n");
    }

    /// json, quiet, custom templates and table templates with label headers.
    #[test]
    fn formats() {
        let d = docs();
        let json_line = ListFormat::new("json", false).unwrap().render(&d[1..2], true).unwrap();
        assert_eq!(
            json_line,
            "{\"CreatedAt\":\"2026-11-28 04:15:55.307505549 +0000 UTC\",\"Driver\":\"bridge\",\"ID\":\"7617686ebf66\",\"IPv4\":\"false\",\"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"\",\"Name\":\"bridge\",\"Scope\":\"local\"}\n"
        );
        let q = ListFormat::new("table", true).unwrap().render(&d, true).unwrap();
        assert_eq!(q, "0123456789ab\n7617686ebf66\nb33a964cad28\ndcb8f4228927\n");
        let t = ListFormat::new("{{.Name}} {{.Labels}} {{.Label \"com.x\"}} {{.Internal}}", false)
            .unwrap()
            .render(&d[3..], true)
            .unwrap();
        assert_eq!(t, "a-very-long-network-name com.x=<b>,z=1 <b> true\n");
        let j = ListFormat::new("json", false).unwrap().render(&d[3..], true).unwrap();
        assert!(j.contains("\"Labels\":\"com.x=\\u003cb\\u003e,z=1\""), "{j}");
        let t = ListFormat::new("table {{.Name}}\\t{{.Label \"com.foo_bar-baz\"}}\\t{{.Internal}}", false).unwrap();
        assert_eq!(
            t.render(&d[1..2], true).unwrap(),
            "NAME      foo bar baz   INTERNAL\nbridge                  false\n"
        );
        let t = ListFormat::new("table {{.Name}}", true).unwrap().render(&d[1..3], true).unwrap();
        assert_eq!(t, "NAME\nbridge\nhost\n");
        let e = ListFormat::new("{{.Foo}}", false).unwrap().render(&d, true).unwrap_err();
        assert!(e.contains("can't evaluate field Foo in type *network.networkContext"), "{e}");
        assert!(ListFormat::new("{{.Name", false).is_err());
    }

    /// Natural order: numbers by value, digits before letters.
    #[test]
    fn natural_order() {
        let mut v = vec!["net10", "net2", "net02", "a", "1x", "net", "Net"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["1x", "Net", "a", "net", "net2", "net02", "net10"]);
    }
}
