//! The global `help` function: the API reference from [`crate::docs::DOCS`], at the prompt and in
//! scripts.
//!
//! `help()` lists every documented name; `help(docker.network.create)` finds the function's
//! name by walking the live `docker` table (and the `Network`/`Container` method tables);
//! `help "docker.network.create"`, `help "network.create"`, `help "create"` or `help "net:connect"`
//! look the name up. Only the text lives here; the entries themselves are in `docs.rs`.

use std::io::Write as _;

use mlua::{Lua, Table, Value};

use crate::docs::{Doc, DOCS};

/// Installs the global `help` function on `lua` (the REPL does this itself; the program calls it
/// for scripts too). Works with or without the `docker` table registered.
///
/// ```
/// let lua = mlua::Lua::new();
/// dockernet_lua::repl::install_help(&lua).unwrap();
/// lua.load(r#"help "docker.network.create""#).exec().unwrap();
/// ```
pub fn install_help(lua: &Lua) -> mlua::Result<()> {
    let help = lua.create_function(|lua, v: Option<Value>| {
        let text = help_text(lua, v.unwrap_or(Value::Nil));
        // Lua's `print` flushes C's stdout after each line, so writing here keeps the order.
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        Ok(())
    })?;
    lua.globals().set("help", help)
}

/// What `help(v)` prints.
pub(crate) fn help_text(lua: &Lua, v: Value) -> String {
    match &v {
        Value::Nil => listing(),
        Value::String(s) => {
            let name = s.to_string_lossy();
            if let Some(text) = topology_keys(&name) {
                return text;
            }
            let found = lookup(&receiver_class(lua, &name).unwrap_or(name.clone()));
            if found.is_empty() {
                match suggestion(&name) {
                    Some(near) => format!(
                        "help: nothing is documented as {name:?}; did you mean {near}? (help() lists every name)\n"
                    ),
                    None => format!("help: nothing is documented as {name:?}; help() lists every name\n"),
                }
            } else {
                found.iter().map(|d| entry(d)).collect::<Vec<_>>().join("\n")
            }
        }
        Value::Function(_) | Value::Table(_) => match name_of(lua, &v) {
            Some(name) => match crate::docs::lookup(&name) {
                Some(d) => entry(d),
                None => format!("{name}: not documented; help() lists every name\n"),
            },
            None if matches!(v, Value::Function(_)) => {
                "help: this function is not part of the dockernet API (help() lists the API)\n".to_string()
            }
            None => "help: this table is not part of the dockernet API (help() lists the API)\n".to_string(),
        },
        other => format!(
            "help: give a name or an API value: help(docker.network.create) or help \"docker.network.create\", not a {}\n",
            other.type_name()
        ),
    }
}

/// Every documented name with the first sentence of its text, aligned.
fn listing() -> String {
    let width = DOCS.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let mut out = String::from(
        "dockernet Lua API: help(docker.network.create) or help \"docker.network.create\" for one entry\n\n",
    );
    for d in DOCS {
        if matches!(d.name, "docker.network" | "docker.container" | "Network" | "Container") {
            out.push('\n');
        }
        out.push_str(&format!("  {:width$}  {}\n", d.name, first_sentence(d.text)));
    }
    out
}

fn first_sentence(text: &str) -> &str {
    let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
    &text[..end]
}

/// One entry: the signature, then the text wrapped and indented.
fn entry(d: &Doc) -> String {
    let mut out = format!("{}\n\n", d.signature);
    for line in wrap(d.text, 78) {
        out.push_str("  ");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `net:connect` where the global `net` is a handle: `Network:connect`, the method of its class.
fn receiver_class(lua: &Lua, name: &str) -> Option<String> {
    let (receiver, method) = name.trim().split_once(':')?;
    let v = lua.globals().raw_get::<Value>(receiver).ok()?;
    Some(format!("{}:{method}", class_of(&v)?))
}

/// The entries a string names: exactly, or with `docker.` left off, or a method through any
/// variable (`net:connect`), or a last segment (`create`, `connect`).
fn lookup(name: &str) -> Vec<&'static Doc> {
    let name = name.trim().trim_end_matches("()").trim();
    if let Some(d) = crate::docs::lookup(name) {
        return vec![d];
    }
    // `network.create` means `docker.network.create`; a bare word (`connect`) may name several
    // things (docker.connect, docker.network.connect, the handles' :connect): list them all.
    if name.contains('.') {
        if let Some(d) = crate::docs::lookup(&format!("docker.{name}")) {
            return vec![d];
        }
    }
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    let method = name.contains(':');
    // `Network.connect` names a method too; `foo.connect` narrows to names under `foo`.
    let qualifier = if method { None } else { name.rsplit_once('.').map(|(q, _)| q) };
    let found: Vec<&'static Doc> = DOCS
        .iter()
        .filter(|d| {
            let (head, tail) = d.name.rsplit_once([':', '.']).unwrap_or(("", d.name));
            tail == last && (!method || d.name.contains(':')) && qualifier.is_none_or(|q| head.ends_with(q))
        })
        .collect();
    if !found.is_empty() {
        return found;
    }
    let lower = name.to_ascii_lowercase();
    DOCS.iter().filter(|d| d.name.to_ascii_lowercase() == lower).collect()
}

/// The topology key reference (docs/topology-reference.md), built in so `help` works anywhere.
const TOPOLOGY_REFERENCE: &str = include_str!("../../../docs/topology-reference.md");

/// `help "topology.nodes"`, `help "topology.nodes.<name>.networks"`, `help "topology.pool"`:
/// the reference's rows for that key and the keys under it (`<name>` and `[]` may be left out:
/// `topology.nodes.routes.via`). `None` when `name` is not `topology.…` or matches no key.
fn topology_keys(name: &str) -> Option<String> {
    let wanted = name.trim().strip_prefix("topology.")?;
    let plain = |p: &str| p.replace(".<name>", "").replace("[]", "");
    let wanted = plain(wanted);
    let rows: Vec<String> = TOPOLOGY_REFERENCE
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("| `")?;
            let (path, _) = rest.split_once('`')?;
            let p = plain(path);
            (p == wanted || p.starts_with(&format!("{wanted}."))).then(|| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                let mut out = format!("{path}  ({}; default {})\n", cells.get(1).unwrap_or(&""), cells.get(2).unwrap_or(&""));
                for line in wrap(cells.get(3).unwrap_or(&""), 76) {
                    out.push_str(&format!("    {line}\n"));
                }
                out
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(format!("{}(every key: docs/topology-reference.md)\n", rows.join("")))
}

/// The documented name nearest to a misspelt one: `docker.network.conect` ->
/// `docker.network.connect`. Only the last segment may be misspelt, among the names under the same
/// qualifier (`docker.` optional), so a long path never pulls in an unrelated name.
fn suggestion(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_end_matches("()").trim();
    let (qualifier, last) = match name.rfind(['.', ':']) {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    };
    let under = |d: &&Doc| {
        let i = d.name.rfind(['.', ':']).map_or(0, |i| i + 1);
        let q = &d.name[..i];
        qualifier.is_empty() || q == qualifier || q.strip_prefix("docker.") == Some(qualifier)
    };
    let candidates: Vec<&'static Doc> = DOCS.iter().filter(under).collect();
    let tail = |d: &'static Doc| d.name.rfind(['.', ':']).map_or(d.name, |i| &d.name[i + 1..]);
    let near = crate::docs::nearest(last, candidates.iter().map(|d| tail(d)))?;
    candidates.into_iter().find(|d| tail(d) == near).map(|d| d.name)
}

/// The documented name of an API value: found by walking the `docker` table and the handle
/// classes, comparing identities (no code runs).
fn name_of(lua: &Lua, v: &Value) -> Option<String> {
    let target = v.to_pointer();
    let docker: Table = match lua.globals().raw_get::<Value>("docker").ok()? {
        Value::Table(t) => t,
        _ => return class_of(v),
    };
    if docker.to_pointer() == target {
        return Some("docker".into());
    }
    if let Some(found) = walk(&docker, "docker", target, 0) {
        return Some(found);
    }
    for class in ["Network", "Container"] {
        if let Ok(mt) = crate::class::class(lua, class) {
            if mt.to_pointer() == target {
                return Some(class.into());
            }
            for (k, val) in mt.pairs::<String, Value>().filter_map(Result::ok) {
                if !k.starts_with("__") && val.to_pointer() == target {
                    return Some(format!("{class}:{k}"));
                }
            }
        }
    }
    class_of(v)
}

/// A handle's class (`Network`, `Container`) from its metatable.
fn class_of(v: &Value) -> Option<String> {
    let Value::Table(t) = v else { return None };
    match t.metatable()?.raw_get::<Value>("__name").ok()? {
        Value::String(s) => Some(s.to_string_lossy()).filter(|n| crate::docs::lookup(n).is_some()),
        _ => None,
    }
}

fn walk(t: &Table, path: &str, target: *const std::ffi::c_void, depth: usize) -> Option<String> {
    if depth > 4 {
        return None;
    }
    let mut entries: Vec<(String, Value)> = t.pairs::<String, Value>().filter_map(Result::ok).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, val) in &entries {
        let name = format!("{path}.{k}");
        if matches!(val, Value::Function(_) | Value::Table(_)) && val.to_pointer() == target {
            return Some(name);
        }
    }
    for (k, val) in entries {
        if let Value::Table(sub) = val {
            // API tables carry an anonymous metatable (its `__index` raises on typos); handles,
            // lists and other classes have a `__name` and are not part of the API tree.
            let api_table = sub.metatable().is_none_or(|mt| mt.raw_get::<Value>("__name").is_ok_and(|n| n.is_nil()));
            if api_table {
                if let Some(found) = walk(&sub, &format!("{path}.{k}"), target, depth + 1) {
                    return Some(found);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lua() -> Lua {
        let lua = Lua::new();
        lua.load(
            r#"
            local function f() end
            docker = {network = {create = function() end, connect = function() end}, version = function() end}
            "#,
        )
        .exec()
        .unwrap();
        let net = crate::class::class(&lua, "Network").unwrap();
        lua.load("local M = ...; function M:connect() end; function M:rm() end").call::<()>(net).unwrap();
        lua
    }

    fn help(lua: &Lua, code: &str) -> String {
        let v: Value = lua.load(code).eval().unwrap();
        help_text(lua, v)
    }

    #[test]
    fn listing_names_everything() {
        let lua = lua();
        let text = help(&lua, "return nil");
        for d in DOCS {
            assert!(text.contains(d.name), "{} missing", d.name);
        }
    }

    #[test]
    fn a_function_value_finds_its_entry() {
        let lua = lua();
        let text = help(&lua, "return docker.network.create");
        assert!(text.starts_with("docker.network.create(name,"), "{text}");
        assert!(text.contains("Creates a network."), "{text}");
        assert!(help(&lua, "return docker.version").starts_with("docker.version()"));
        assert!(help(&lua, "return docker.network").starts_with("docker.network\n"));
        assert!(help(&lua, "return docker").starts_with("docker\n"));
    }

    #[test]
    fn methods_and_handles() {
        let lua = lua();
        let net = crate::class::class(&lua, "Network").unwrap();
        lua.globals().set("N", net).unwrap();
        assert!(help(&lua, "return N.connect").starts_with("net:connect(container, opts)"));
        assert!(help(&lua, "return setmetatable({}, N)").starts_with("Network {id"));
        assert!(help(&lua, "return print").contains("not part of the dockernet API"));
    }

    /// On the real runtime, whose API tables have metatables (typos raise).
    #[test]
    fn a_function_value_of_the_real_runtime() {
        let lua = crate::new_lua().unwrap();
        let client = dockernet_core::BlockingClient::new(Some("unix:///nonexistent/dockernet-test.sock")).unwrap();
        crate::register(&lua, client).unwrap();
        assert!(help(&lua, "return docker.network.create").starts_with("docker.network.create(name,"));
        assert!(help(&lua, "return docker.swarm.init").starts_with("docker.swarm.init"));
        assert!(help(&lua, "return docker.container").starts_with("docker.container\n"));
    }

    #[test]
    fn misspelt_names_get_the_nearest() {
        let lua = lua();
        let text = help(&lua, "return 'docker.network.conect'");
        assert!(text.contains("did you mean docker.network.connect?"), "{text}");
        assert!(help(&lua, "return 'network.inpsect'").contains("did you mean docker.network.inspect?"));
        assert!(help(&lua, "return 'Network:rmm'").contains("did you mean Network:rm?"));
        assert!(help(&lua, "return 'topolgy'").contains("did you mean docker.topology?"));
        let far = help(&lua, "return 'docker.network.frobnicate'");
        assert!(far.contains("nothing is documented") && !far.contains("did you mean"), "{far}");
    }

    #[test]
    fn topology_points_to_the_key_reference() {
        let lua = lua();
        assert!(help(&lua, "return 'topology'").contains("docs/topology-reference.md"));
        let pool = help(&lua, "return 'topology.pool'");
        assert!(pool.starts_with("pool  (string (IPv4 CIDR); default `10.210.0.0/16`)\n"), "{pool}");
        let routes = help(&lua, "return 'topology.nodes.routes'");
        assert!(routes.contains("nodes.<name>.routes[].via") && routes.contains("nodes.<name>.routes[].to"), "{routes}");
        assert!(!routes.contains("nodes.<name>.image"), "{routes}");
        assert!(help(&lua, "return 'topology.nodes.<name>.networks.<name>.ipv4'").contains("Static IPv4 address"));
        assert!(help(&lua, "return 'topology.bogus'").contains("nothing is documented"));
    }

    #[test]
    fn names_as_strings() {
        let lua = lua();
        assert!(help(&lua, "return 'docker.network.create'").starts_with("docker.network.create("));
        assert!(help(&lua, "return 'network.create'").starts_with("docker.network.create("));
        assert!(help(&lua, "return 'docker.network.create()'").starts_with("docker.network.create("));
        let text = help(&lua, "return 'net:connect'");
        assert!(text.contains("net:connect(") && text.contains("c:connect("), "{text}");
        assert!(!text.contains("docker.network.connect(network, container"), "{text}");
        let text = help(&lua, "return 'connect'");
        assert!(text.contains("docker.network.connect(") && text.contains("net:connect("), "{text}");
        assert!(help(&lua, "return 'nope'").contains("nothing is documented"));
        // A method through a global handle: only its class's entry.
        let net = crate::class::class(&lua, "Network").unwrap();
        let handle = lua.create_table().unwrap();
        handle.set_metatable(Some(net)).unwrap();
        lua.globals().set("mynet", handle).unwrap();
        let text = help(&lua, "return 'mynet:connect'");
        assert!(text.starts_with("net:connect(") && !text.contains("c:connect("), "{text}");
        assert!(help(&lua, "return 42").starts_with("help: give a name"));
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(first_sentence("One. Two."), "One.");
    }
}
