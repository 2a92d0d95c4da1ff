//! Tab completion: what could follow the text left of the cursor.
//!
//! Three kinds of completion, tried in this order:
//! - a line in docker CLI syntax (`network l`, `network ls --f`, `network inspect br`): the
//!   subcommands and long flags of `cli::command()`, then live names for the positionals;
//! - inside a string argument of an API call (`docker.network.inspect("br`,
//!   `docker.network.connect("front", "we`, `net:connect("`, `help "docker.net`): live network or
//!   container names asked from the daemon at that moment (or documented names for `help`),
//!   with the closing quote;
//! - a dotted name (`docker.network.cr`, `net:`, `pri`): the keys of the live Lua value it
//!   names, found by walking the global table and following `__index` tables of metatables
//!   (so handle methods complete), never calling any code.
//!
//! Everything here is pure given a Lua state, the clap command and a [`Names`] source, so the
//! tests below need no daemon. The rustyline glue is in `helper.rs`.

use mlua::{Lua, Table, Value};

use crate::print::{is_identifier, KEYWORDS};

/// One completion: what the list shows, and what replaces the text from the start position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// Shown in the list of choices.
    pub display: String,
    /// Inserted in place of the word being completed.
    pub replacement: String,
}

impl Candidate {
    fn same(s: impl Into<String>) -> Candidate {
        let s = s.into();
        Candidate { display: s.clone(), replacement: s }
    }
}

/// Where live names come from: the daemon in the REPL, a fixed list in tests.
pub(crate) trait Names {
    /// Network names.
    fn networks(&self) -> Vec<String>;
    /// Container names (stopped ones too).
    fn containers(&self) -> Vec<String>;
}

/// What completion looks at besides the line.
pub(crate) struct Context<'a> {
    /// The Lua state (for its globals).
    pub lua: &'a Lua,
    /// The CLI-syntax command tree.
    pub cli: &'a clap::Command,
    /// Live names.
    pub names: &'a dyn Names,
    /// Whether this is the first line of a chunk (only a first line can be a CLI line).
    pub first_line: bool,
}

/// The start (byte offset in `line`) of the text to replace, and the candidates for it.
pub(crate) fn complete(ctx: &Context<'_>, line: &str, pos: usize) -> (usize, Vec<Candidate>) {
    let pos = pos.min(line.len());
    let (before, after) = line.split_at(pos);
    if ctx.first_line {
        if let Some(found) = complete_cli(ctx, before) {
            return found;
        }
    }
    match scan(before) {
        Scan::Code => complete_name(ctx, before),
        Scan::InString { start, quote, frames, call } => {
            let typed = &before[start..];
            let close = if after.starts_with(quote) { "" } else { &before[start - 1..start] };
            let found = match wanted(ctx.lua, &frames, call.as_deref()) {
                Some(want) => strings(ctx, want, typed, close),
                None => Vec::new(),
            };
            (start, found)
        }
        Scan::Elsewhere => (pos, Vec::new()),
    }
}

// ----------------------------------------------------------------------------------------------
// CLI-syntax lines

/// `network …` or `docker network …` (with a space after the first word: `docker.` is Lua).
fn complete_cli(ctx: &Context<'_>, before: &str) -> Option<(usize, Vec<Candidate>)> {
    let trimmed = before.trim_start();
    let mut words: Vec<&str> = trimmed.split_whitespace().collect();
    let partial = if trimmed.is_empty() || trimmed.ends_with(char::is_whitespace) { "" } else { words.pop()? };
    let start = before.len() - partial.len();
    let rest: &[&str] = match words.as_slice() {
        ["network", rest @ ..] => rest,
        ["docker"] => return Some((start, prefixed(["network".to_string()], partial))),
        ["docker", "network", rest @ ..] => rest,
        _ => return None,
    };
    let root = ctx.cli.find_subcommand("network").cloned().unwrap_or_else(|| ctx.cli.clone());
    let mut cur = &root;
    let mut positionals = 0;
    let mut wants_value = false;
    for w in rest {
        if std::mem::take(&mut wants_value) {
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            wants_value =
                !long.contains('=') && cur.get_arguments().any(|a| a.get_long() == Some(long) && takes_value(a));
        } else if let Some(short) = w.strip_prefix('-').filter(|s| s.chars().count() == 1) {
            let c = short.chars().next();
            wants_value = cur.get_arguments().any(|a| a.get_short() == c && takes_value(a));
        } else if w.starts_with('-') && w.len() > 1 {
            // -qf and the like: flags grouped, no value to skip.
        } else if let Some(sub) = cur.find_subcommand(w) {
            cur = sub;
            positionals = 0;
        } else {
            positionals += 1;
        }
    }
    if wants_value {
        return Some((start, Vec::new()));
    }
    let found = if partial.starts_with('-') {
        let mut flags: Vec<String> = cur
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        if !flags.iter().any(|f| f == "--help") {
            flags.push("--help".to_string());
        }
        prefixed(flags, partial)
    } else if cur.has_subcommands() {
        let subs = cur
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .flat_map(|s| std::iter::once(s.get_name().to_string()).chain(s.get_visible_aliases().map(str::to_string)));
        prefixed(subs, partial)
    } else {
        let names = match (cur.get_name(), positionals) {
            ("inspect" | "rm" | "remove", _) | ("connect" | "disconnect", 0) => ctx.names.networks(),
            ("connect" | "disconnect", 1) => ctx.names.containers(),
            _ => Vec::new(),
        };
        prefixed(names, partial)
    };
    Some((start, found))
}

fn takes_value(a: &clap::Arg) -> bool {
    a.get_long().is_some() && a.get_action().takes_values()
}

/// The sorted, de-duplicated words starting with `partial`.
fn prefixed(words: impl IntoIterator<Item = String>, partial: &str) -> Vec<Candidate> {
    let mut words: Vec<String> = words.into_iter().filter(|w| w.starts_with(partial)).collect();
    words.sort();
    words.dedup();
    words.into_iter().map(Candidate::same).collect()
}

// ----------------------------------------------------------------------------------------------
// Where the cursor is: code, inside a string (in which call), or somewhere not to complete.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Paren,
    Brace,
    Bracket,
}

/// An open `(`, `{` or `[` left of the cursor.
#[derive(Debug, Clone)]
struct Frame {
    open: Open,
    /// The dotted name just before it (`docker.network.inspect` for `docker.network.inspect(`).
    callee: Option<String>,
    /// How many `,` were seen in it: the argument's index.
    argc: usize,
    /// In a table constructor, the key being assigned (`network` in `{network = "`).
    key: Option<String>,
}

#[derive(Debug)]
enum Scan {
    /// In code.
    Code,
    /// Inside an unterminated string literal starting at byte `start` (after the quote).
    InString {
        start: usize,
        quote: char,
        frames: Vec<Frame>,
        /// A call without parentheses: `help "…`.
        call: Option<String>,
    },
    /// In a comment or long string: nothing to complete.
    Elsewhere,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The level of a long bracket opening at `i` (`[[` is 0, `[==[` is 2), if one opens there.
fn long_bracket(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let level = b[i + 1..].iter().take_while(|&&c| c == b'=').count();
    (b.get(i + 1 + level) == Some(&b'[')).then_some(level)
}

/// The end (exclusive) of a long bracket body starting at `from` closed at `level`.
fn long_close(text: &str, from: usize, level: usize) -> Option<usize> {
    let close = format!("]{}]", "=".repeat(level));
    text[from..].find(&close).map(|i| from + i + close.len())
}

/// A light Lua lexer over the text left of the cursor: enough to know whether the cursor is in a
/// string and, if so, which call's which argument (or which table key) that string is.
fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    let mut name: Option<String> = None; // the name path just before, if nothing else came since
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            c if c.is_ascii_whitespace() => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                if let Some(level) = long_bracket(b, i + 2) {
                    match long_close(text, i + 4 + level, level) {
                        Some(end) => i = end,
                        None => return Scan::Elsewhere,
                    }
                } else {
                    match text[i..].find('\n') {
                        Some(n) => i += n + 1,
                        None => return Scan::Elsewhere,
                    }
                }
            }
            b'"' | b'\'' => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => {
                            return Scan::InString { start: i + 1, quote: c as char, frames, call: name };
                        }
                        Some(b'\\') => j += 2,
                        Some(&q) if q == c || q == b'\n' => break,
                        Some(_) => j += 1,
                    }
                }
                i = j + 1;
                name = None;
            }
            b'[' if long_bracket(b, i).is_some() => {
                let level = long_bracket(b, i).unwrap_or(0);
                match long_close(text, i + 2 + level, level) {
                    Some(end) => i = end,
                    None => return Scan::Elsewhere,
                }
                name = None;
            }
            b'(' | b'{' | b'[' => {
                let open = match c {
                    b'(' => Open::Paren,
                    b'{' => Open::Brace,
                    _ => Open::Bracket,
                };
                let callee = if open == Open::Bracket { None } else { name.take() };
                frames.push(Frame { open, callee, argc: 0, key: None });
                name = None;
                i += 1;
            }
            b')' | b'}' | b']' => {
                frames.pop();
                name = None;
                i += 1;
            }
            b',' | b';' => {
                if let Some(top) = frames.last_mut() {
                    top.argc += 1;
                    top.key = None;
                }
                name = None;
                i += 1;
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                name = None;
                i += 2;
            }
            b'=' => {
                if let Some(top) = frames.last_mut().filter(|f| f.open == Open::Brace) {
                    top.key = name.take().filter(|n| is_identifier(n));
                }
                name = None;
                i += 1;
            }
            c if is_name_start(c) => {
                let start = i;
                while i < b.len() && is_name_byte(b[i]) {
                    i += 1;
                }
                while i + 1 < b.len() && (b[i] == b'.' || b[i] == b':') && is_name_start(b[i + 1]) {
                    i += 1;
                    while i < b.len() && is_name_byte(b[i]) {
                        i += 1;
                    }
                }
                let path = &text[start..i];
                name = (!KEYWORDS.contains(&path)).then(|| path.to_string());
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (is_name_byte(b[i]) || b[i] == b'.') {
                    i += 1;
                }
                name = None;
            }
            _ => {
                name = None;
                i += 1;
            }
        }
    }
    Scan::Code
}

// ----------------------------------------------------------------------------------------------
// Strings: which names does this argument take?

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Networks,
    Containers,
    Both,
    Docs,
}

/// What the string being typed names, from the call (or table key) it belongs to.
fn wanted(lua: &Lua, frames: &[Frame], call: Option<&str>) -> Option<Want> {
    if let Some(callee) = call {
        return callee_wants(lua, callee, 0);
    }
    let top = frames.last()?;
    match top.open {
        Open::Paren => callee_wants(lua, top.callee.as_deref()?, top.argc),
        Open::Bracket => None,
        Open::Brace => {
            let parent = frames.len().checked_sub(2).map(|i| &frames[i]);
            match (top.key.as_deref(), parent.and_then(|p| p.key.as_deref())) {
                // docker.container.run{network = "…"}
                (Some("network"), _) if outer_callee(Some(top)) == Some("container.run") => Some(Want::Networks),
                // docker.container.run{networks = {"…", …}}
                (None, Some("networks")) if outer_callee(parent) == Some("container.run") => Some(Want::Networks),
                // docker.network.ls{filters = {name = "…"}}, docker.container.ls{filters = {name = "…"}}
                (Some("name"), Some("filters")) => match outer_callee(parent) {
                    Some("network.ls" | "network.prune") => Some(Want::Networks),
                    Some("container.ls") => Some(Want::Containers),
                    _ => None,
                },
                _ => None,
            }
        }
    }
}

/// The last two segments of a dotted name: `network.inspect` for `docker.network.inspect`.
fn tail(path: &str) -> &str {
    let mut dots = path.rmatch_indices(['.', ':']);
    dots.next();
    match dots.next() {
        Some((i, _)) => &path[i + 1..],
        None => path,
    }
}

/// The tail of the callee of a frame, if it has one.
fn outer_callee(f: Option<&Frame>) -> Option<&str> {
    f.and_then(|f| f.callee.as_deref()).map(tail)
}

fn callee_wants(lua: &Lua, callee: &str, argc: usize) -> Option<Want> {
    if callee == "help" {
        return (argc == 0).then_some(Want::Docs);
    }
    if let Some((receiver, method)) = callee.rsplit_once(':') {
        let class = resolve(lua, receiver).and_then(|v| match v {
            Value::Table(t) => class_name(&t),
            _ => None,
        });
        return match (class.as_deref(), method, argc) {
            (Some("Network"), "connect" | "disconnect", 0) => Some(Want::Containers),
            (Some("Container"), "connect" | "disconnect", 0) => Some(Want::Networks),
            (None, "connect" | "disconnect", 0) => Some(Want::Both),
            _ => None,
        };
    }
    match (tail(callee), argc) {
        ("network.inspect" | "network.get" | "network.rm" | "network.containers", _) => Some(Want::Networks),
        ("network.connect" | "network.disconnect", 0) => Some(Want::Networks),
        ("network.connect" | "network.disconnect", 1) => Some(Want::Containers),
        (
            "container.get"
            | "container.inspect"
            | "container.stop"
            | "container.rm"
            | "container.exec"
            | "container.interfaces",
            0,
        ) => Some(Want::Containers),
        _ => None,
    }
}

fn strings(ctx: &Context<'_>, want: Want, typed: &str, close: &str) -> Vec<Candidate> {
    let names: Vec<String> = match want {
        Want::Networks => ctx.names.networks(),
        Want::Containers => ctx.names.containers(),
        Want::Both => {
            let mut all = ctx.names.networks();
            all.extend(ctx.names.containers());
            all
        }
        Want::Docs => crate::docs::DOCS.iter().map(|d| d.name.to_string()).collect(),
    };
    prefixed(names, typed)
        .into_iter()
        .map(|c| Candidate { replacement: format!("{}{close}", c.replacement), display: c.display })
        .collect()
}

// ----------------------------------------------------------------------------------------------
// Names: the keys of live Lua values.

fn class_name(t: &Table) -> Option<String> {
    match t.metatable()?.raw_get::<Value>("__name").ok()? {
        Value::String(s) => Some(s.to_string_lossy()),
        _ => None,
    }
}

/// `t[key]` without running code: raw lookups, then `__index` tables of metatables.
fn index(v: &Value, key: &str) -> Option<Value> {
    let mut cur = match v {
        Value::Table(t) => t.clone(),
        _ => return None,
    };
    for _ in 0..16 {
        match cur.raw_get::<Value>(key).ok()? {
            Value::Nil => {}
            found => return Some(found),
        }
        let mt = cur.metatable()?;
        match mt.raw_get::<Value>("__index").ok()? {
            Value::Table(next) => cur = next,
            // dockernet's handle classes index through a function (it raises on typos) and keep
            // their methods in the metatable itself.
            Value::Function(_) if mt.to_pointer() != cur.to_pointer() => cur = mt,
            _ => return None,
        }
    }
    None
}

/// The value a dotted path names, from the globals (`docker.network`, `net`).
fn resolve(lua: &Lua, path: &str) -> Option<Value> {
    let mut cur = Value::Table(lua.globals());
    for seg in path.split(['.', ':']) {
        cur = index(&cur, seg)?;
    }
    Some(cur)
}

/// The identifier keys of a table and of its `__index` tables, with whether each is a function.
fn keys(v: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let Value::Table(t) = v else { return out };
    let mut cur = Some(t.clone());
    for _ in 0..16 {
        let Some(t) = cur.take() else { break };
        for (k, val) in t.pairs::<Value, Value>().filter_map(Result::ok) {
            if let Value::String(s) = k {
                if let Ok(s) = s.to_str() {
                    if is_identifier(&s) && !s.starts_with("__") {
                        out.push((s.to_string(), matches!(val, Value::Function(_))));
                    }
                }
            }
        }
        cur = match t.metatable().map(|mt| (mt.raw_get::<Value>("__index"), mt)) {
            Some((Ok(Value::Table(next)), _)) => Some(next),
            // As in `index`: a function `__index` means methods kept in the metatable.
            Some((Ok(Value::Function(_)), mt)) if mt.to_pointer() != t.to_pointer() => Some(mt),
            _ => None,
        };
    }
    out
}

fn complete_name(ctx: &Context<'_>, before: &str) -> (usize, Vec<Candidate>) {
    let b = before.as_bytes();
    let mut start = b.len();
    while start > 0 && (is_name_byte(b[start - 1]) || b[start - 1] == b'.' || b[start - 1] == b':') {
        start -= 1;
    }
    let word = &before[start..];
    if word.is_empty() || !is_name_start(word.as_bytes()[0]) {
        return (before.len(), Vec::new());
    }
    let (path, sep, partial) = match word.rfind(['.', ':']) {
        Some(i) => (&word[..i], Some(word.as_bytes()[i]), &word[i + 1..]),
        None => ("", None, word),
    };
    let at = before.len() - partial.len();
    if path.contains(':') || (!path.is_empty() && path.split('.').any(str::is_empty)) {
        return (at, Vec::new());
    }
    let found: Vec<String> = if path.is_empty() {
        let mut words: Vec<String> = keys(&Value::Table(ctx.lua.globals())).into_iter().map(|(k, _)| k).collect();
        words.extend(KEYWORDS.iter().map(|k| k.to_string()));
        // `netw<TAB>` at the start of a line may be the CLI syntax's `network`.
        if ctx.first_line && before[..start].trim().is_empty() {
            words.push("network".to_string());
        }
        words
    } else {
        let Some(v) = resolve(ctx.lua, path) else { return (at, Vec::new()) };
        keys(&v).into_iter().filter(|(_, is_fn)| sep != Some(b':') || *is_fn).map(|(k, _)| k).collect()
    };
    (at, prefixed(found, partial))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;

    impl Names for Fixed {
        fn networks(&self) -> Vec<String> {
            vec!["bridge".into(), "host".into(), "none".into(), "back".into(), "front".into()]
        }
        fn containers(&self) -> Vec<String> {
            vec!["web".into(), "db".into()]
        }
    }

    /// A Lua state with a `docker` table shaped like the real one (tables, functions, handle
    /// classes with `__index` metatables) and two handles in globals.
    fn lua() -> Lua {
        let lua = Lua::new();
        lua.load(
            r#"
            local function f() end
            docker = {
              network = {ls = f, create = f, inspect = f, get = f, connect = f, disconnect = f, rm = f,
                         prune = f, containers = f},
              container = {run = f, get = f, inspect = f, ls = f, stop = f, rm = f, exec = f, interfaces = f},
              version = f, ping = f, clock = f, host = "unix:///var/run/docker.sock",
            }
            local N = {__name = "Network"}; N.__index = N
            function N:inspect() end; function N:connect() end; function N:disconnect() end
            function N:rm() end; function N:containers() end
            N.__tostring = f
            local C = {__name = "Container"}; C.__index = C
            function C:connect() end; function C:exec() end
            net = setmetatable({id = "abc", name = "front", short_id = "abc", driver = "bridge"}, N)
            ctr = setmetatable({id = "def", name = "web"}, C)
            function help() end
            "#,
        )
        .exec()
        .unwrap();
        lua
    }

    fn run(lua: &Lua, line: &str) -> (usize, Vec<String>) {
        let cli = super::super::cli_api::command();
        let ctx = Context { lua, cli: &cli, names: &Fixed, first_line: true };
        let (start, found) = complete(&ctx, line, line.len());
        (start, found.into_iter().map(|c| c.replacement).collect())
    }

    fn words(found: &[&str]) -> Vec<String> {
        found.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn api_tree_after_docker() {
        let lua = lua();
        assert_eq!(run(&lua, "docker.network.cr"), (15, words(&["create"])));
        assert_eq!(run(&lua, "x = docker.net"), (11, words(&["network"])));
        assert_eq!(run(&lua, "docker.container.i"), (17, words(&["inspect", "interfaces"])));
        assert_eq!(run(&lua, "print(docker.v"), (13, words(&["version"])));
        let (_, all) = run(&lua, "docker.");
        assert_eq!(all, words(&["clock", "container", "host", "network", "ping", "version"]));
        assert_eq!(run(&lua, "docker.nope.x").1, Vec::<String>::new());
    }

    #[test]
    fn methods_after_a_handle() {
        let lua = lua();
        assert_eq!(run(&lua, "net:co"), (4, words(&["connect", "containers"])));
        // After `.`, fields and methods; metamethods never.
        let (_, all) = run(&lua, "net.");
        assert!(all.contains(&"name".to_string()) && all.contains(&"inspect".to_string()), "{all:?}");
        assert!(!all.iter().any(|k| k.starts_with("__")), "{all:?}");
        // After `:`, only functions.
        assert!(!run(&lua, "net:").1.contains(&"name".to_string()));
    }

    /// The real runtime: API tables and handle classes index through functions (typos raise), and
    /// completion still finds their names and methods.
    #[test]
    fn real_api_tables_and_handles() {
        let lua = crate::new_lua().unwrap();
        let client = dockernet_core::BlockingClient::new(Some("unix:///nonexistent/dockernet-test.sock")).unwrap();
        crate::register(&lua, client).unwrap();
        let class = crate::class::class(&lua, "Network").unwrap();
        lua.load("local N = ...; net = setmetatable({id = 'abc', name = 'front', short_id = 'abc', driver = 'bridge', daemon = docker.host}, N)")
            .call::<()>(class)
            .unwrap();
        assert_eq!(run(&lua, "docker.network.cr"), (15, words(&["create"])));
        assert_eq!(run(&lua, "net:co"), (4, words(&["connect", "containers"])));
        assert!(run(&lua, "net.").1.contains(&"inspect".to_string()));
    }

    #[test]
    fn globals_and_keywords() {
        let lua = lua();
        assert_eq!(run(&lua, "pri"), (0, words(&["print"])));
        assert_eq!(run(&lua, "for i=1,2 do pri"), (13, words(&["print"])));
        assert!(run(&lua, "whi").1.contains(&"while".to_string()));
        assert!(run(&lua, "netw").1.contains(&"network".to_string()));
        assert_eq!(run(&lua, "x = 12").1, Vec::<String>::new());
        assert_eq!(run(&lua, "").1, Vec::<String>::new());
    }

    #[test]
    fn live_names_inside_string_arguments() {
        let lua = lua();
        assert_eq!(run(&lua, "docker.network.inspect(\"br"), (24, words(&["bridge\""])));
        assert_eq!(run(&lua, "docker.network.inspect('b"), (24, words(&["back'", "bridge'"])));
        assert_eq!(run(&lua, "docker.network.connect(\"front\", \"w"), (33, words(&["web\""])));
        assert_eq!(run(&lua, "docker.container.exec(\"d"), (23, words(&["db\""])));
        assert_eq!(run(&lua, "net:connect(\"w"), (13, words(&["web\""])));
        assert_eq!(run(&lua, "ctr:connect(\"fr"), (13, words(&["front\""])));
        assert_eq!(run(&lua, "docker.network.rm(\"a\", \"ho"), (24, words(&["host\""])));
        assert_eq!(run(&lua, "docker.container.run{image=\"x\", network=\"fr"), (41, words(&["front\""])));
        assert_eq!(run(&lua, "docker.container.run{networks={\"back\", \"fr"), (40, words(&["front\""])));
        assert_eq!(run(&lua, "docker.network.ls{filters={name=\"ho"), (33, words(&["host\""])));
        // Not a name argument: nothing.
        assert_eq!(run(&lua, "print(\"br").1, Vec::<String>::new());
        assert_eq!(run(&lua, "docker.network.create(\"br").1, Vec::<String>::new());
        // Already closed string after the cursor: no second quote.
        let cli = super::super::cli_api::command();
        let ctx = Context { lua: &lua, cli: &cli, names: &Fixed, first_line: true };
        let line = "docker.network.inspect(\"br\")";
        let (_, found) = complete(&ctx, line, 26);
        assert_eq!(found[0].replacement, "bridge");
    }

    #[test]
    fn help_completes_documented_names() {
        let lua = lua();
        let (start, found) = run(&lua, "help \"docker.network.cr");
        assert_eq!(start, 6);
        assert_eq!(found, words(&["docker.network.create\""]));
        assert!(run(&lua, "help(\"Network:").1.contains(&"Network:connect\"".to_string()));
    }

    #[test]
    fn no_completion_in_comments_and_long_strings() {
        let lua = lua();
        assert_eq!(run(&lua, "-- docker.network.cr").1, Vec::<String>::new());
        assert_eq!(run(&lua, "x = [[docker.network.inspect(\"br").1, Vec::<String>::new());
        assert_eq!(run(&lua, "x = [[a]] .. docker.network.cr").1, words(&["create"]));
        assert_eq!(run(&lua, "x = \"a\\\"b\" .. docker.network.cr").1, words(&["create"]));
    }

    #[test]
    fn cli_subcommands_flags_and_names() {
        let lua = lua();
        assert_eq!(run(&lua, "network l"), (8, words(&["list", "ls"])));
        assert_eq!(run(&lua, "network ls --f"), (11, words(&["--filter", "--format"])));
        assert_eq!(run(&lua, "docker network ins"), (15, words(&["inspect"])));
        assert_eq!(run(&lua, "docker net"), (7, words(&["network"])));
        assert_eq!(run(&lua, "network inspect br"), (16, words(&["bridge"])));
        assert_eq!(run(&lua, "network connect front w"), (22, words(&["web"])));
        assert_eq!(run(&lua, "network connect f"), (16, words(&["front"])));
        assert_eq!(run(&lua, "network ls --filter "), (20, Vec::new()));
        assert!(run(&lua, "network ").1.contains(&"create".to_string()));
        // `docker.` is Lua, not CLI syntax.
        assert_eq!(run(&lua, "docker.network.cr").1, words(&["create"]));
    }

    #[test]
    fn cli_syntax_only_on_the_first_line() {
        let lua = lua();
        let cli = super::super::cli_api::command();
        let ctx = Context { lua: &lua, cli: &cli, names: &Fixed, first_line: false };
        let found = complete(&ctx, "network l", 9).1;
        assert!(!found.iter().any(|c| c.replacement == "ls"), "{found:?}");
    }

    #[test]
    fn tail_of_a_path() {
        assert_eq!(tail("docker.network.inspect"), "network.inspect");
        assert_eq!(tail("network.inspect"), "network.inspect");
        assert_eq!(tail("inspect"), "inspect");
    }
}
