//! How values print: what the REPL shows of a chunk's results and of an error, and what
//! `print`/`tostring` show of the list classes in any script (`class.rs` installs `list_text` as
//! their `__tostring`). Here, not under `repl/`, since scripts print lists too.
//!
//! dockernet's own values print the way a docker user reads them: a `NetworkList` as the
//! `docker network ls` table, container lists and `InterfaceList` as tables, an `ExecResult` as
//! the command's output and exit code, handles and errors through their `__tostring`. Any other
//! table — an inspect document above all — prints nested with sorted keys (`docker.null` as
//! `null`); other values print as the stock `lua` REPL prints them. Everything here returns text;
//! writing it (and flushing) is the loop's job.

use std::ffi::c_void;
use std::io::Write as _;

use mlua::{Lua, Table, Value};

/// Colours on or off (on only for a terminal without `NO_COLOR`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Lua's reserved words (not usable as bare keys or completed as fields).
pub(crate) const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
    "not", "or", "repeat", "return", "then", "true", "until", "while",
];

/// Whether `s` can be written as a bare Lua name (`t.s`, `{s = …}`).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// The text for a chunk's results ("" when it returned nothing), ending in a newline.
/// Several plain values share one line, tab-separated, as `print` would show them; anything that
/// prints on several lines gets lines of its own.
pub(crate) fn results(lua: &Lua, values: &[Value], style: Style) -> String {
    if values.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = values.iter().map(|v| value(lua, v, style)).collect();
    let mut out = if parts.iter().any(|p| p.contains('\n')) {
        parts.iter().map(|p| p.trim_end_matches('\n')).collect::<Vec<_>>().join("\n")
    } else {
        parts.join("\t")
    };
    out.push('\n');
    out
}

/// One value as the REPL shows it (tables may span several lines).
pub(crate) fn value(lua: &Lua, v: &Value, style: Style) -> String {
    let Value::Table(t) = v else { return plain(lua, v) };
    let shown = match class_name(t).as_deref() {
        Some("ExecResult") => Some(exec_result(lua, t, style)),
        _ => listed(lua, t),
    };
    match shown {
        Some(text) => text,
        None if has_tostring(t) => tostring(v),
        None => document(lua, v),
    }
}

/// A list class (`NetworkList`, `ContainerList`, `ContainerDocList`, `InterfaceList`) as a table
/// of its items; `None` for anything else.
fn listed(lua: &Lua, t: &Table) -> Option<String> {
    match class_name(t).as_deref() {
        Some("NetworkList") => network_list(lua, t),
        Some("ContainerList") => Some(container_handles(lua, t)),
        Some("ContainerDocList") => Some(container_docs(lua, t)),
        Some("InterfaceList") => Some(interfaces(lua, t)),
        _ => None,
    }
}

/// The `__tostring` of every list class (`class::list_of`): `print(c:interfaces())` shows the
/// items as the REPL does, not `InterfaceList: 0x…`. A list without a table form of its own
/// (`NodeList`) prints as a document.
pub(crate) fn list_text(lua: &Lua, t: &Table) -> String {
    if let Some(text) = listed(lua, t) {
        return text;
    }
    // `document` shows a table with a `__tostring` through it, which is this function: show a
    // copy without the metatable instead.
    let copy = match lua.create_table() {
        Ok(c) => c,
        Err(e) => return format!("<{}>", mlua_error_text(&e)),
    };
    for (k, v) in t.pairs::<Value, Value>().filter_map(Result::ok) {
        let _ = copy.raw_set(k, v);
    }
    document(lua, &Value::Table(copy))
}

/// The error line: `error: <tostring(err)>` (red on a colour terminal), ending in a newline.
pub(crate) fn error_line(message: &str, style: Style) -> String {
    format!("{}\n", style.paint("31", &format!("error: {message}")))
}

/// An error value as text, as `tostring` (and stock `lua`'s message handler) would give it:
/// dockernet's error tables through their `__tostring`, Rust-side errors without mlua's
/// wrapping and traceback.
pub(crate) fn error_text(lua: &Lua, v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string_lossy(),
        Value::Integer(_) | Value::Number(_) => number_text(lua, v),
        Value::Error(e) => mlua_error_text(e),
        Value::Table(t) if has_tostring(t) => tostring(v),
        other => format!("(error object is a {} value)", other.type_name()),
    }
}

/// The message of an mlua error: the cause of a callback error, no "runtime error: " prefix, no
/// traceback.
pub(crate) fn mlua_error_text(e: &mlua::Error) -> String {
    let text = match e {
        mlua::Error::CallbackError { cause, .. } => return mlua_error_text(cause),
        mlua::Error::WithContext { context, cause } => format!("{context}: {}", mlua_error_text(cause)),
        mlua::Error::RuntimeError(s) => s.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        other => other.to_string(),
    };
    match text.find("\nstack traceback:") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn class_name(t: &Table) -> Option<String> {
    match t.metatable()?.raw_get::<Value>("__name").ok()? {
        Value::String(s) => Some(s.to_string_lossy()),
        _ => None,
    }
}

fn has_tostring(t: &Table) -> bool {
    t.metatable().is_some_and(|mt| !matches!(mt.raw_get::<Value>("__tostring"), Ok(Value::Nil) | Err(_)))
}

/// `tostring(v)` (honours `__tostring`; never fails).
fn tostring(v: &Value) -> String {
    v.to_string().unwrap_or_else(|e| format!("<{}: {}>", v.type_name(), mlua_error_text(&e)))
}

/// A number as Lua itself writes it: the runtime's `lua_tolstring`, what `tostring` and `print`
/// give (`%.14g`, `2.0` for a float that looks like an integer, `inf`, `-nan`). Not mlua's
/// `Value::to_string`, which formats numbers with Rust's `Display` (`2`, `NaN`, `1e100` in full).
fn number_text(lua: &Lua, v: &Value) -> String {
    match lua.coerce_string(v.clone()) {
        Ok(Some(s)) => s.to_string_lossy(),
        _ => tostring(v),
    }
}

/// A non-table value as `print` shows it.
fn plain(lua: &Lua, v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(_) | Value::Number(_) => number_text(lua, v),
        Value::String(s) => s.to_string_lossy(),
        Value::LightUserData(u) if u.0.is_null() => "null".into(),
        Value::Error(e) => mlua_error_text(e),
        other => tostring(other),
    }
}

/// Text columns aligned as the docker CLI aligns them (three spaces between columns).
pub(crate) fn columns(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut tw = tabwriter::TabWriter::new(Vec::new()).padding(3);
    let _ = writeln!(tw, "{}", headers.join("\t"));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace(['\t', '\n'], " ")).collect();
        let _ = writeln!(tw, "{}", cells.join("\t"));
    }
    let _ = tw.flush();
    let text = String::from_utf8(tw.into_inner().unwrap_or_default()).unwrap_or_default();
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// The value at `path` inside nested tables as text ("" when absent or not a scalar).
fn field(lua: &Lua, t: &Table, path: &[&str]) -> String {
    let mut cur = Value::Table(t.clone());
    for key in path {
        cur = match &cur {
            // A numeric key is a list index (`Names[1]`).
            Value::Table(t) => match key.parse::<i64>() {
                Ok(i) => t.raw_get::<Value>(i),
                Err(_) => t.raw_get::<Value>(*key),
            }
            .unwrap_or(Value::Nil),
            _ => return String::new(),
        };
    }
    match cur {
        Value::String(s) => s.to_string_lossy(),
        Value::Integer(_) | Value::Number(_) => number_text(lua, &cur),
        Value::Boolean(b) => b.to_string(),
        _ => String::new(),
    }
}

fn items(t: &Table) -> Vec<Table> {
    t.sequence_values::<Value>()
        .filter_map(|v| match v {
            Ok(Value::Table(t)) => Some(t),
            _ => None,
        })
        .collect()
}

fn short_id(id: &str) -> String {
    dockernet_core::lookup::short_id(id).to_string()
}

fn network_list(lua: &Lua, t: &Table) -> Option<String> {
    let docs = t
        .sequence_values::<Value>()
        .map(|v| v.and_then(|v| mlua::LuaSerdeExt::from_value::<serde_json::Value>(lua, v)))
        .collect::<mlua::Result<Vec<_>>>()
        .ok()?;
    Some(crate::cli::network_table(&docs, false).trim_end_matches('\n').to_string())
}

fn container_handles(lua: &Lua, t: &Table) -> String {
    let rows: Vec<Vec<String>> = items(t)
        .iter()
        .map(|c| vec![short_id(&field(lua, c, &["id"])), field(lua, c, &["name"]), field(lua, c, &["image"])])
        .collect();
    columns(&["CONTAINER ID", "NAME", "IMAGE"], &rows)
}

fn container_docs(lua: &Lua, t: &Table) -> String {
    let rows: Vec<Vec<String>> = items(t)
        .iter()
        .map(|c| {
            let mut nets: Vec<String> = match c.raw_get::<Value>("NetworkSettings") {
                Ok(Value::Table(s)) => match s.raw_get::<Value>("Networks") {
                    Ok(Value::Table(n)) => {
                        n.pairs::<String, Value>().filter_map(|kv| kv.ok().map(|(k, _)| k)).collect()
                    }
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            nets.sort();
            vec![
                short_id(&field(lua, c, &["Id"])),
                field(lua, c, &["Image"]),
                field(lua, c, &["Status"]),
                nets.join(","),
                field(lua, c, &["Names", "1"]).trim_start_matches('/').to_string(),
            ]
        })
        .collect();
    columns(&["CONTAINER ID", "IMAGE", "STATUS", "NETWORKS", "NAMES"], &rows)
}

fn interfaces(lua: &Lua, t: &Table) -> String {
    let rows: Vec<Vec<String>> = items(t)
        .iter()
        .map(|i| {
            let default = match i.raw_get::<Value>("default_route") {
                Ok(Value::Boolean(true)) => "yes",
                Ok(Value::Boolean(false)) => "no",
                _ => "",
            };
            vec![
                field(lua, i, &["network"]),
                field(lua, i, &["ifname"]),
                field(lua, i, &["ipv4"]),
                field(lua, i, &["ipv6"]),
                field(lua, i, &["mac"]),
                field(lua, i, &["gateway"]),
                default.to_string(),
            ]
        })
        .collect();
    columns(&["NETWORK", "IFNAME", "IPV4", "IPV6", "MAC", "GATEWAY", "DEFAULT"], &rows)
}

fn exec_result(lua: &Lua, t: &Table, style: Style) -> String {
    let mut out = String::new();
    for (key, code) in [("stdout", ""), ("stderr", "33")] {
        let text = field(lua, t, &[key]);
        if text.is_empty() {
            continue;
        }
        let text = text.strip_suffix('\n').unwrap_or(&text);
        out.push_str(&if code.is_empty() { text.to_string() } else { style.paint(code, text) });
        out.push('\n');
    }
    let code = field(lua, t, &["exit_code"]);
    let line = format!("exit code {code}");
    out.push_str(&if code == "0" { style.paint("2", &line) } else { style.paint("31", &line) });
    out
}

/// A table as nested, indented text with sorted keys: what an inspect document looks like.
pub(crate) fn document(lua: &Lua, v: &Value) -> String {
    let mut out = String::new();
    write_doc(lua, v, 0, &mut Vec::new(), &mut out);
    out
}

/// Short lists of plain values print on one line up to this width.
const INLINE_WIDTH: usize = 72;

fn write_doc(lua: &Lua, v: &Value, depth: usize, seen: &mut Vec<*const c_void>, out: &mut String) {
    let t = match v {
        Value::Table(t) if !has_tostring(t) => t,
        Value::String(s) => return out.push_str(&quoted(&s.as_bytes())),
        other => return out.push_str(&plain(lua, other)),
    };
    let p = t.to_pointer();
    if seen.contains(&p) {
        out.push_str("<cycle>");
        return;
    }
    let entries = sorted_entries(t);
    if entries.is_empty() {
        out.push_str("{}");
        return;
    }
    let is_seq = entries.iter().enumerate().all(|(i, (k, _))| matches!(k, Value::Integer(n) if *n == i as i64 + 1));
    if is_seq && entries.iter().all(|(_, v)| !matches!(v, Value::Table(_))) {
        let parts: Vec<String> = entries
            .iter()
            .map(|(_, v)| match v {
                Value::String(s) => quoted(&s.as_bytes()),
                other => plain(lua, other),
            })
            .collect();
        let inline = format!("{{{}}}", parts.join(", "));
        if inline.len() + depth * 2 <= INLINE_WIDTH {
            out.push_str(&inline);
            return;
        }
    }
    seen.push(p);
    out.push_str("{\n");
    for (k, val) in &entries {
        out.push_str(&"  ".repeat(depth + 1));
        if !is_seq {
            out.push_str(&key_text(lua, k));
            out.push_str(" = ");
        }
        write_doc(lua, val, depth + 1, seen, out);
        out.push_str(",\n");
    }
    out.push_str(&"  ".repeat(depth));
    out.push('}');
    seen.pop();
}

/// A table's entries: integer keys in order, then string keys sorted, then any others.
fn sorted_entries(t: &Table) -> Vec<(Value, Value)> {
    let mut entries: Vec<(Value, Value)> = t.pairs::<Value, Value>().filter_map(Result::ok).collect();
    let rank = |k: &Value| match k {
        Value::Integer(_) => 0,
        Value::Number(_) => 1,
        Value::String(_) => 2,
        _ => 3,
    };
    entries.sort_by(|(a, _), (b, _)| {
        rank(a).cmp(&rank(b)).then_with(|| match (a, b) {
            (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
            (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
            (Value::String(x), Value::String(y)) => x.as_bytes().cmp(&y.as_bytes()),
            _ => tostring(a).cmp(&tostring(b)),
        })
    });
    entries
}

fn key_text(lua: &Lua, k: &Value) -> String {
    match k {
        Value::String(s) => match s.to_str() {
            Ok(name) if is_identifier(&name) => name.to_string(),
            _ => format!("[{}]", quoted(&s.as_bytes())),
        },
        Value::Table(_) | Value::Function(_) | Value::UserData(_) | Value::Thread(_) => format!("[{}]", tostring(k)),
        other => format!("[{}]", plain(lua, other)),
    }
}

/// A string as a Lua literal: double quotes, escapes for quotes, backslashes and control bytes.
pub(crate) fn quoted(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\{}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(lua: &Lua, code: &str) -> Vec<Value> {
        lua.load(code).eval::<mlua::MultiValue>().unwrap().into_iter().collect()
    }

    /// A Lua state with the list classes' metatables, as runtime.rs makes them.
    fn lua() -> Lua {
        let lua = Lua::new();
        lua.load(
            r#"
            null = ...
            function class(name, t)
              return setmetatable(t, {__name = name})
            end
            "#,
        )
        .call::<()>(Value::NULL)
        .unwrap();
        lua
    }

    fn show(lua: &Lua, code: &str) -> String {
        results(lua, &eval(lua, code), Style::default())
    }

    #[test]
    fn plain_values_print_like_stock_lua() {
        let lua = lua();
        assert_eq!(show(&lua, "return 1+1"), "2\n");
        assert_eq!(show(&lua, "return 1/2"), "0.5\n");
        assert_eq!(show(&lua, "return 2.0"), "2.0\n");
        assert_eq!(show(&lua, "return 10/3"), "3.3333333333333\n");
        assert_eq!(show(&lua, "return 1e100"), "1e+100\n");
        assert_eq!(show(&lua, "return 2^53"), "9.007199254741e+15\n");
        assert_eq!(show(&lua, "return 1e-5"), "1e-05\n");
        assert_eq!(show(&lua, "return math.huge, -math.huge"), "inf\t-inf\n");
        assert_eq!(show(&lua, "return 'hi', nil, true"), "hi\tnil\ttrue\n");
        assert_eq!(show(&lua, "return"), "");
        assert_eq!(show(&lua, "return null"), "null\n");
        assert!(show(&lua, "return print").starts_with("function: "));
    }

    #[test]
    fn numbers_print_as_stock_lua_prints_them() {
        // What stock `lua5.4` prints for each (C's `%.14g`, `.0` on a float that looks like an
        // integer); mlua's `Value::to_string` would give `NaN`, `2`, `1e15` in full.
        let lua = Lua::new();
        let cases: &[(f64, &str)] = &[
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (3.0, "3.0"),
            (100.0, "100.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.33333333333333"),
            (10.0 / 3.0, "3.3333333333333"),
            (123456.789, "123456.789"),
            (1e14, "1e+14"),
            (1e15, "1e+15"),
            (123456789012345.0, "1.2345678901234e+14"),
            (9007199254740992.0, "9.007199254741e+15"),
            (1e100, "1e+100"),
            (1.5e-7, "1.5e-07"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
        ];
        for &(n, expected) in cases {
            assert_eq!(number_text(&lua, &Value::Number(n)), expected, "{n}");
        }
        assert_eq!(number_text(&lua, &Value::Integer(-42)), "-42");
        assert_eq!(number_text(&lua, &Value::Integer(i64::MIN)), i64::MIN.to_string());
    }

    #[test]
    fn documents_print_nested_with_sorted_keys() {
        let lua = lua();
        let text = show(
            &lua,
            r#"return {Name = "bridge", IPAM = {Config = {{Subnet = "172.17.0.0/16"}}, Options = null},
                      Labels = {}, ["com.docker.x"] = "a\"b", Internal = false, List = {"a", "b"}}"#,
        );
        let expected = r#"{
  IPAM = {
    Config = {
      {
        Subnet = "172.17.0.0/16",
      },
    },
    Options = null,
  },
  Internal = false,
  Labels = {},
  List = {"a", "b"},
  Name = "bridge",
  ["com.docker.x"] = "a\"b",
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn cycles_and_mixed_keys() {
        let lua = lua();
        let text = show(&lua, "local t = {1, 2, x = 3}; t.self = t; return t");
        assert_eq!(text, "{\n  [1] = 1,\n  [2] = 2,\n  self = <cycle>,\n  x = 3,\n}\n");
    }

    #[test]
    fn tables_and_values_share_lines_sensibly() {
        let lua = lua();
        assert_eq!(show(&lua, "return 1, {a = 1}"), "1\n{\n  a = 1,\n}\n");
    }

    #[test]
    fn handles_and_errors_use_tostring() {
        let lua = lua();
        let text = show(
            &lua,
            r#"return setmetatable({}, {__name = "Network", __tostring = function() return "Network(name=\"x\")" end})"#,
        );
        assert_eq!(text, "Network(name=\"x\")\n");
        let err = eval(
            &lua,
            r#"return setmetatable({kind = "not_found"}, {__tostring = function(e) return "no such network (not_found)" end})"#,
        );
        assert_eq!(error_text(&lua, &err[0]), "no such network (not_found)");
        assert_eq!(error_text(&lua, &Value::Nil), "(error object is a nil value)");
        assert_eq!(error_line("boom", Style { color: false }), "error: boom\n");
        assert_eq!(error_line("boom", Style { color: true }), "\x1b[31merror: boom\x1b[0m\n");
    }

    #[test]
    #[allow(clippy::arc_with_non_send_sync)] // mlua's own error type holds the Arc
    fn mlua_errors_lose_their_wrapping() {
        let e = mlua::Error::CallbackError {
            traceback: "stack traceback:\n\t[C]: in ?".into(),
            cause: std::sync::Arc::new(mlua::Error::RuntimeError("bad thing\nstack traceback:\n\tx".into())),
        };
        assert_eq!(mlua_error_text(&e), "bad thing");
    }

    #[test]
    fn a_network_list_prints_as_docker_network_ls() {
        let lua = lua();
        let text = show(
            &lua,
            r#"return class("NetworkList", {
                 {Id = "0123456789abcdef0123", Name = "bridge", Driver = "bridge", Scope = "local", Labels = {}},
                 {Id = "fedcba9876543210fedc", Name = "host", Driver = "host", Scope = "local", IPAM = {Options = null}},
               })"#,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("NETWORK ID"), "{text}");
        assert!(lines[0].contains("NAME") && lines[0].contains("DRIVER") && lines[0].contains("SCOPE"), "{text}");
        assert!(lines[1].starts_with("0123456789ab ") && lines[1].contains("bridge"), "{text}");
        assert!(!lines[1].contains("0123456789abc"), "{text}");
        assert!(lines[2].contains("host"), "{text}");
    }

    #[test]
    fn container_lists_print_as_tables() {
        let lua = lua();
        let text =
            show(&lua, r#"return class("ContainerList", {{id = "aaaaaaaaaaaaaaaa", name = "web", image = "nginx"}})"#);
        assert_eq!(text, "CONTAINER ID   NAME   IMAGE\naaaaaaaaaaaa   web    nginx\n");
        let text = show(
            &lua,
            r#"return class("ContainerDocList", {{Id = "bbbbbbbbbbbbbbbbbb", Names = {"/db"}, Image = "pg",
                 Status = "Up 2 minutes", NetworkSettings = {Networks = {front = {}, back = {}}}}})"#,
        );
        assert_eq!(
            text,
            "CONTAINER ID   IMAGE   STATUS         NETWORKS     NAMES\nbbbbbbbbbbbb   pg      Up 2 minutes   back,front   db\n"
        );
    }

    #[test]
    fn interfaces_print_as_a_table() {
        let lua = lua();
        let text = show(
            &lua,
            r#"return class("InterfaceList", {
                 {network = "front", ifname = "eth0", ipv4 = "10.1.0.2/24", mac = "02:42:0a:01:00:02",
                  gateway = "10.1.0.1", default_route = true, aliases = {}},
                 {network = "back", ipv4 = "10.2.0.2/24"},
               })"#,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "NETWORK   IFNAME   IPV4          IPV6   MAC                 GATEWAY    DEFAULT");
        assert_eq!(lines[1], "front     eth0     10.1.0.2/24          02:42:0a:01:00:02   10.1.0.1   yes");
        assert_eq!(lines[2], "back               10.2.0.2/24");
    }

    #[test]
    fn exec_results_show_output_and_exit_code() {
        let lua = lua();
        let text = show(&lua, r#"return class("ExecResult", {exit_code = 0, stdout = "eth0\n", stderr = ""})"#);
        assert_eq!(text, "eth0\nexit code 0\n");
        let text = show(&lua, r#"return class("ExecResult", {exit_code = 2, stdout = "", stderr = "no such file\n"})"#);
        assert_eq!(text, "no such file\nexit code 2\n");
    }

    #[test]
    fn identifiers_and_quoting() {
        assert!(is_identifier("Name"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("end"));
        assert!(!is_identifier("com.docker"));
        assert!(!is_identifier("1a"));
        assert_eq!(quoted(b"a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\1\"");
    }
}
