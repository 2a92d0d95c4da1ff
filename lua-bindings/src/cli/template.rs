//! Go templates (`text/template`) as the docker CLI runs them for `--format`: the language subset
//! real format strings use, and docker's template functions.
//!
//! Supported: text and `{{ }}` actions with `{{-`/`-}}` trimming and `{{/* comments */}}`;
//! fields `.A.B`, `$`, variables (`$x := …`, `$x = …`, `range $i, $v := …`), parenthesised
//! pipelines, `|` pipes, string/number/bool/nil literals; `if`/`else if`/`else`, `range` (maps in
//! key order, with `else`), `with`, `break`/`continue` in a range, `define`/`template`/`block`;
//! the builtins `and or not len index slice print printf println eq ne lt le gt ge html js
//! urlquery` and docker's `json split join title lower upper pad truncate`; `time.Time` methods
//! on typed times (`.Created.Year`, `.Created.Format "2006-01-02"`, see `gotime.rs`). Not
//! supported: `call` (no value here is a Go func).
//!
//! Why our own and not the `gotmpl` crate (a newer port of Go templates than gtmpl): it needs
//! Rust 1.89 (newer than this workspace's toolchain) and cannot call methods with arguments
//! (`.Label "k"`, `.Created.Format "…"`), which docker's formats use.
//!
//! Why our own and not the gtmpl crate: gtmpl cannot pass arguments to a field (`.Label "k"`),
//! ranges over maps in random order, runs a range's `else` even when it iterated, and prints
//! lists and maps in Rust's debug syntax instead of Go's `[a b]` / `map[k:v]`.
//!
//! Data is a [`Val`]: daemon JSON, JSON read as one of the CLI's Go types (`typed.rs`), or an
//! [`Object`] with methods (the `ls` row).
//! Errors read like Go's: `template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"`.
//!
//! **Limits.** A `--format` string is untrusted input to a long-lived process (the REPL), so no
//! template may crash it, exhaust its memory or hang it. Where Go has a rule we follow it: `printf`
//! widths and precisions above 1e6 are `%!(BADWIDTH)`/`%!(BADPREC)` or swallow the format
//! (`%!(NOVERB)`), `pad` with a negative count and `truncate` with a negative length are errors
//! (Go's `strings.Repeat` and slice panics, which text/template reports as errors); all checked
//! against docker CLI 28.2. Where Go would grow its stack, run out of memory or loop for ever we
//! stop with an error instead: parentheses nest at most [`MAX_PAREN_DEPTH`] deep and blocks at
//! most [`MAX_NESTING`] (our parser and executor recurse on a fixed stack), and one execution
//! may produce at most [`Limits::max_bytes`] (function results and output together) and take at
//! most [`Limits::max_steps`] steps.

use std::rc::Rc;

use serde_json::{Number, Value};

use super::gojson;
use super::gotime::{GoTime, Out as TimeOut};
use super::typed::Ty;

/// A value a template works on.
#[derive(Clone)]
pub enum Val {
    /// A missing map entry (Go's invalid value): prints `<no value>`.
    Missing,
    /// Decoded JSON.
    J(Value),
    /// JSON read as one of the CLI's Go types (see `typed.rs`): absent fields are zero values,
    /// structs print positionally, timestamps as `time.Time`.
    Typed(&'static Ty, Value),
    /// A value with methods (Go's struct with methods).
    Obj(Rc<dyn Object>),
}

impl Val {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Val {
        Val::J(Value::String(s.into()))
    }
}

/// A value with methods, as the docker CLI's formatting contexts are.
pub trait Object {
    /// The Go type name used in error messages (`*network.networkContext`).
    fn type_name(&self) -> &str;
    /// Calls method/field `name`; `None` when there is no such field.
    fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>>;
    /// What the `json` template function prints.
    fn json(&self) -> String;
    /// What `{{.}}` prints.
    fn print(&self) -> String;
    /// The JSON behind the object, for `range`, `index` and `len` (none for method-only objects).
    fn value(&self) -> Option<&Value> {
        None
    }
}

/// An object backed by JSON becomes that JSON (for `range`, `index`, `len`).
fn deobj(v: &Val) -> Val {
    match v {
        Val::Obj(o) => o.value().map(|j| Val::J(j.clone())).unwrap_or_else(|| v.clone()),
        _ => v.clone(),
    }
}

/// Checks a method's argument count the way text/template reports it.
pub fn want_args(name: &str, args: &[Val], want: usize) -> Result<(), String> {
    if args.len() != want {
        return Err(format!("wrong number of args for {name}: want {want} got {}", args.len()));
    }
    Ok(())
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    src: String,
    root: Vec<Node>,
    /// `{{define}}`d (and `{{block}}`) templates by name.
    defs: std::collections::BTreeMap<String, Rc<Vec<Node>>>,
}

/// The deepest chain of `{{template}}` calls one run may make (Go's limit is 100,000 on a
/// growing stack; ours runs on a fixed one, see [`MAX_NESTING`]).
pub const MAX_TEMPLATE_DEPTH: usize = 100;

/// How a template runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `missingkey=error` (the CLI's inspect fallback): a missing map key is an error.
    pub missing_key_error: bool,
    /// Header mode: docker's `HeaderFunctions` (json, split, join, title, lower, upper and
    /// truncate return their first argument unchanged).
    pub header: bool,
    /// What one execution may cost.
    pub limits: Limits,
}

/// The deepest `if`/`range`/`with` nesting a template may have (each `else if`/`else with`
/// counts as one more level, as it nests in Go's tree too). Go has no such limit; ours keeps the
/// recursive executor (and dropping the tree) on a fixed stack: measured in a debug build on a
/// 2 MiB thread (a test thread's stack), blocks overflowed near 1,000 levels and parentheses near
/// 350, so 100 of each together use well under half of it.
pub const MAX_NESTING: usize = 100;

/// The deepest nesting of parenthesised pipelines, `((((.Name))))`, for the reason given at
/// [`MAX_NESTING`]. (Go's goroutine stacks grow: docker CLI 28.2 took 20,000 levels.)
pub const MAX_PAREN_DEPTH: usize = 100;

/// What one execution of a template may cost before it stops with an error. Go has no such
/// limits (a doubling `printf` loop or `{{range 9223372036854775807}}` runs out of memory or
/// time); a `--format` string must not take down the REPL it runs in.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes one execution may produce: its output plus every string (or `split`
    /// list) a function returns, counted as they are made. Default 16 MiB; a template runs once
    /// per network, and a network's whole inspect document is far smaller.
    pub max_bytes: usize,
    /// The most steps one execution may take (a step is one node, one command or one `range`
    /// iteration). Default 10,000,000: about a second, far beyond any real format.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_bytes: 16 << 20, max_steps: 10_000_000 }
    }
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipe),
    If { pipe: Pipe, then: Vec<Node>, els: Vec<Node> },
    Range { pipe: Pipe, body: Vec<Node>, els: Vec<Node> },
    With { pipe: Pipe, body: Vec<Node>, els: Vec<Node> },
    Break,
    Continue,
    /// `{{template "name" pipeline}}` (also the call half of `{{block}}`); `pos` is the name's.
    Call { name: String, pipe: Option<Pipe>, pos: usize, shown: String },
}

/// How a list of nodes ended: normally, or at a `break`/`continue` for the enclosing range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

#[derive(Debug, Clone)]
struct Pipe {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
struct Cmd {
    args: Vec<Operand>,
}

#[derive(Debug, Clone)]
struct Operand {
    pos: usize,
    term: Term,
    /// Fields chained after the term (`$x.A.B`, `(pipe).A`).
    fields: Vec<String>,
}

#[derive(Debug, Clone)]
enum Term {
    Dot,
    Field,
    Var(String),
    Func(String),
    Lit(Value),
    Sub(Box<Pipe>),
}

const FUNCS: [&str; 21] = [
    "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge", "json",
    "split", "join", "title", "lower", "upper", "pad",
];
const MORE_FUNCS: [&str; 5] = ["truncate", "slice", "html", "js", "urlquery"];

fn is_func(name: &str) -> bool {
    FUNCS.contains(&name) || MORE_FUNCS.contains(&name)
}

// ---------------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(String),
    Dot,
    Var(String),
    Ident(String),
    Lit(Value),
    LParen,
    RParen,
    Bar,
    Comma,
    Declare,
    Assign,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    /// Preceded by white space (a field right after a term chains onto it).
    spaced: bool,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn line_of(src: &str, pos: usize) -> usize {
    1 + src[..pos.min(src.len())].matches('\n').count()
}

fn parse_err(src: &str, pos: usize, msg: impl std::fmt::Display) -> String {
    format!("template: :{}: {msg}", line_of(src, pos))
}

/// Lexes one action starting right after `{{` (and any trim marker). Returns the tokens, the
/// index just past `}}`, and whether the action ends with a `-}}` trim marker.
fn lex_action(src: &str, start: usize) -> Result<(Vec<Token>, usize, bool), String> {
    let bytes = src.as_bytes();
    let mut i = start;
    let mut toks = Vec::new();
    loop {
        let before = i;
        while i < src.len() && is_space(src[i..].chars().next().unwrap_or(' ')) {
            i += 1;
        }
        let spaced = i > before;
        if i >= src.len() {
            return Err(parse_err(src, start, "unclosed action"));
        }
        let rest = &src[i..];
        if spaced && rest.starts_with("-}}") {
            return Ok((toks, i + 3, true));
        }
        if rest.starts_with("}}") {
            return Ok((toks, i + 2, false));
        }
        let c = rest.chars().next().unwrap_or(' ');
        let pos = i;
        let push = |tok: Tok, toks: &mut Vec<Token>| toks.push(Token { tok, pos, spaced });
        match c {
            '"' => {
                let mut s = String::new();
                let mut j = i + 1;
                let mut chars = src[j..].char_indices();
                loop {
                    let Some((k, ch)) = chars.next() else {
                        return Err(parse_err(src, pos, "unterminated quoted string"));
                    };
                    match ch {
                        '"' => {
                            j += k + 1;
                            break;
                        }
                        '\n' => return Err(parse_err(src, pos, "unterminated quoted string")),
                        '\\' => {
                            let Some((_, e)) = chars.next() else {
                                return Err(parse_err(src, pos, "unterminated quoted string"));
                            };
                            match e {
                                'n' => s.push('\n'),
                                't' => s.push('\t'),
                                'r' => s.push('\r'),
                                'a' => s.push('\u{7}'),
                                'b' => s.push('\u{8}'),
                                'f' => s.push('\u{c}'),
                                'v' => s.push('\u{b}'),
                                '0' => s.push('\0'),
                                '\\' | '"' | '\'' => s.push(e),
                                'x' | 'u' | 'U' => {
                                    let n = match e {
                                        'x' => 2,
                                        'u' => 4,
                                        _ => 8,
                                    };
                                    let hex: String = (0..n).filter_map(|_| chars.next().map(|(_, h)| h)).collect();
                                    let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                                    match ch {
                                        Some(ch) => s.push(ch),
                                        None => return Err(parse_err(src, pos, "invalid syntax in quoted string")),
                                    }
                                }
                                _ => return Err(parse_err(src, pos, "invalid syntax in quoted string")),
                            }
                        }
                        ch => s.push(ch),
                    }
                }
                push(Tok::Lit(Value::String(s)), &mut toks);
                i = j;
            }
            '`' => {
                let Some(end) = src[i + 1..].find('`') else {
                    return Err(parse_err(src, pos, "unterminated raw quoted string"));
                };
                push(Tok::Lit(Value::String(src[i + 1..i + 1 + end].to_string())), &mut toks);
                i += end + 2;
            }
            '(' => {
                push(Tok::LParen, &mut toks);
                i += 1;
            }
            ')' => {
                push(Tok::RParen, &mut toks);
                i += 1;
            }
            '|' => {
                push(Tok::Bar, &mut toks);
                i += 1;
            }
            ',' => {
                push(Tok::Comma, &mut toks);
                i += 1;
            }
            ':' if rest.starts_with(":=") => {
                push(Tok::Declare, &mut toks);
                i += 2;
            }
            '=' => {
                push(Tok::Assign, &mut toks);
                i += 1;
            }
            '$' => {
                let len: usize = src[i + 1..].chars().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum();
                push(Tok::Var(src[i..i + 1 + len].to_string()), &mut toks);
                i += 1 + len;
            }
            '.' => {
                let len: usize = src[i + 1..].chars().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum();
                if len == 0 {
                    if src[i + 1..].starts_with(|c: char| c.is_ascii_digit()) {
                        return Err(parse_err(src, pos, "bad number syntax"));
                    }
                    push(Tok::Dot, &mut toks);
                } else {
                    push(Tok::Field(src[i + 1..i + 1 + len].to_string()), &mut toks);
                }
                i += 1 + len;
            }
            c if c.is_ascii_digit() || ((c == '-' || c == '+') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) => {
                let len =
                    1 + src[i + 1..].chars().take_while(|&c| c.is_ascii_alphanumeric() || c == '.' || c == '_').count();
                let text = &src[i..i + len];
                let clean = text.replace('_', "");
                let v = if let Ok(n) = clean.parse::<i64>() {
                    Value::Number(n.into())
                } else if let Some(h) = clean.strip_prefix("0x") {
                    match i64::from_str_radix(h, 16) {
                        Ok(n) => Value::Number(n.into()),
                        Err(_) => return Err(parse_err(src, pos, format!("bad number syntax: {text:?}"))),
                    }
                } else if let Some(n) = clean.parse::<f64>().ok().and_then(Number::from_f64) {
                    Value::Number(n)
                } else {
                    return Err(parse_err(src, pos, format!("bad number syntax: {text:?}")));
                };
                push(Tok::Lit(v), &mut toks);
                i += len;
            }
            c if is_ident_char(c) => {
                let len: usize = rest.chars().take_while(|&c| is_ident_char(c)).map(char::len_utf8).sum();
                let word = &rest[..len];
                let tok = match word {
                    "true" => Tok::Lit(Value::Bool(true)),
                    "false" => Tok::Lit(Value::Bool(false)),
                    "nil" => Tok::Lit(Value::Null),
                    w => Tok::Ident(w.to_string()),
                };
                push(tok, &mut toks);
                i += len;
            }
            c => return Err(parse_err(src, pos, format!("unexpected {c:?} in command"))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

struct PipeParser<'a> {
    src: &'a str,
    toks: &'a [Token],
    i: usize,
    end_pos: usize,
    /// How many parenthesised pipelines enclose the current token.
    depth: usize,
}

impl PipeParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn err(&self, msg: impl std::fmt::Display) -> String {
        let pos = self.peek().map(|t| t.pos).unwrap_or(self.end_pos);
        parse_err(self.src, pos, msg)
    }

    /// pipeline := [decl] command ('|' command)*
    fn pipeline(&mut self, ctx: &str, allow_decl: bool) -> Result<Pipe, String> {
        let mut decl = Vec::new();
        let mut assign = false;
        if allow_decl {
            let t = |k: usize| self.toks.get(self.i + k).map(|t| &t.tok);
            match (t(0), t(1), t(2), t(3)) {
                (Some(Tok::Var(a)), Some(Tok::Declare | Tok::Assign), _, _) => {
                    assign = t(1) == Some(&Tok::Assign);
                    decl.push(a.clone());
                    self.i += 2;
                }
                (Some(Tok::Var(a)), Some(Tok::Comma), Some(Tok::Var(b)), Some(Tok::Declare | Tok::Assign))
                    if ctx == "range" =>
                {
                    assign = t(3) == Some(&Tok::Assign);
                    decl.push(a.clone());
                    decl.push(b.clone());
                    self.i += 4;
                }
                _ => {}
            }
        }
        let mut cmds = Vec::new();
        loop {
            let cmd = self.command()?;
            if cmd.args.is_empty() {
                return Err(self.err(format!("missing value for {ctx}")));
            }
            cmds.push(cmd);
            match self.peek().map(|t| &t.tok) {
                Some(Tok::Bar) => self.i += 1,
                _ => break,
            }
        }
        Ok(Pipe { decl, assign, cmds })
    }

    fn command(&mut self) -> Result<Cmd, String> {
        let mut args = Vec::new();
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Bar | Tok::RParen => break,
                _ => args.push(self.operand()?),
            }
        }
        Ok(Cmd { args })
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let t = self.peek().cloned().ok_or_else(|| self.err("unexpected end of action"))?;
        self.i += 1;
        let (term, mut fields) = match t.tok {
            Tok::Dot => (Term::Dot, Vec::new()),
            Tok::Field(f) => (Term::Field, vec![f]),
            Tok::Var(v) => (Term::Var(v), Vec::new()),
            Tok::Lit(v) => (Term::Lit(v), Vec::new()),
            Tok::Ident(name) => {
                if !is_func(&name) {
                    return Err(parse_err(self.src, t.pos, format!("function {name:?} not defined")));
                }
                (Term::Func(name), Vec::new())
            }
            Tok::LParen => {
                if self.depth >= MAX_PAREN_DEPTH {
                    return Err(parse_err(
                        self.src,
                        t.pos,
                        format!("max expression depth exceeded (parentheses nest at most {MAX_PAREN_DEPTH} deep)"),
                    ));
                }
                self.depth += 1;
                let p = self.pipeline("parenthesized pipeline", true);
                self.depth -= 1;
                let p = p?;
                match self.peek().map(|t| &t.tok) {
                    Some(Tok::RParen) => self.i += 1,
                    _ => return Err(self.err("unclosed left paren")),
                }
                (Term::Sub(Box::new(p)), Vec::new())
            }
            Tok::RParen => return Err(parse_err(self.src, t.pos, "unexpected right paren")),
            Tok::Comma => return Err(parse_err(self.src, t.pos, "unexpected \",\" in command")),
            Tok::Declare | Tok::Assign => return Err(parse_err(self.src, t.pos, "unexpected \"=\" in operand")),
            Tok::Bar => return Err(parse_err(self.src, t.pos, "unexpected \"|\" in operand")),
        };
        while let Some(Token { tok: Tok::Field(f), spaced: false, .. }) = self.peek() {
            if matches!(term, Term::Lit(_) | Term::Func(_)) {
                return Err(self.err("unexpected . after term"));
            }
            fields.push(f.clone());
            self.i += 1;
        }
        Ok(Operand { pos: t.pos, term, fields })
    }
}

enum Frame {
    If { pipe: Pipe, then: Vec<Node>, els: Option<Vec<Node>>, chained: bool },
    Range { pipe: Pipe, body: Vec<Node>, els: Option<Vec<Node>> },
    With { pipe: Pipe, body: Vec<Node>, els: Option<Vec<Node>>, chained: bool },
    /// `{{define "name"}}` or `{{block "name" pipeline}}` (`call` holds the block's call node).
    Define { name: String, body: Vec<Node>, call: Option<Node> },
}

impl Frame {
    fn list(&mut self) -> &mut Vec<Node> {
        match self {
            Frame::If { then, els, .. } => els.as_mut().unwrap_or(then),
            Frame::Range { body, els, .. } | Frame::With { body, els, .. } => els.as_mut().unwrap_or(body),
            Frame::Define { body, .. } => body,
        }
    }
    fn chained(&self) -> bool {
        matches!(self, Frame::If { chained: true, .. } | Frame::With { chained: true, .. })
    }
    fn into_node(self) -> Node {
        match self {
            Frame::If { pipe, then, els, .. } => Node::If { pipe, then, els: els.unwrap_or_default() },
            Frame::Range { pipe, body, els } => Node::Range { pipe, body, els: els.unwrap_or_default() },
            Frame::With { pipe, body, els, .. } => Node::With { pipe, body, els: els.unwrap_or_default() },
            Frame::Define { .. } => unreachable!("a define ends into the definitions, not a node"),
        }
    }
}

impl Template {
    /// Parses a template. Errors read like Go's (`template: :1: unclosed action`).
    pub fn parse(src: &str) -> Result<Template, String> {
        let mut root: Vec<Node> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut defs = std::collections::BTreeMap::new();
        let mut i = 0;
        let mut trim_next_text = false;
        loop {
            let open = src[i..].find("{{").map(|k| i + k);
            let mut text = &src[i..open.unwrap_or(src.len())];
            if trim_next_text {
                text = text.trim_start_matches(is_space);
            }
            let Some(open) = open else {
                if !text.is_empty() {
                    current(&mut stack, &mut root).push(Node::Text(text.to_string()));
                }
                break;
            };
            let mut k = open + 2;
            let after = &src[k..];
            if after.starts_with('-') && after[1..].starts_with(is_space) {
                text = text.trim_end_matches(is_space);
                k += 1;
            }
            if !text.is_empty() {
                current(&mut stack, &mut root).push(Node::Text(text.to_string()));
            }
            // Comments: {{/* … */}}
            let lead = src[k..].len() - src[k..].trim_start_matches(is_space).len();
            if src[k + lead..].starts_with("/*") {
                let body = k + lead + 2;
                let Some(close) = src[body..].find("*/") else {
                    return Err(parse_err(src, open, "unclosed comment"));
                };
                let mut j = body + close + 2;
                let ws = src[j..].len() - src[j..].trim_start_matches(is_space).len();
                trim_next_text = false;
                if ws > 0 && src[j + ws..].starts_with("-}}") {
                    trim_next_text = true;
                    j += ws + 3;
                } else if src[j..].starts_with("}}") {
                    j += 2;
                } else {
                    return Err(parse_err(src, open, "comment ends before closing delimiter"));
                }
                i = j;
                continue;
            }
            let (toks, next, trim) = lex_action(src, k)?;
            trim_next_text = trim;
            i = next;
            if toks.is_empty() {
                return Err(parse_err(src, open, "missing value for command"));
            }
            let mut p = PipeParser { src, toks: &toks, i: 0, end_pos: next, depth: 0 };
            let nest = |stack: &[Frame]| {
                if stack.len() >= MAX_NESTING {
                    return Err(parse_err(
                        src,
                        open,
                        format!("blocks nested too deeply (if, range and with nest at most {MAX_NESTING} deep)"),
                    ));
                }
                Ok(())
            };
            let keyword = match &toks[0].tok {
                Tok::Ident(w)
                    if matches!(
                        w.as_str(),
                        "if" | "range" | "with" | "else" | "end" | "define" | "template" | "block" | "break" | "continue"
                    ) =>
                {
                    Some(w.clone())
                }
                _ => None,
            };
            match keyword.as_deref() {
                Some(kw @ ("break" | "continue")) => {
                    if toks.len() > 1 {
                        return Err(parse_err(src, open, format!("unexpected token in {{{{{kw}}}}}")));
                    }
                    // Go: only inside a range, and not across a define.
                    let in_range = stack
                        .iter()
                        .rev()
                        .take_while(|f| !matches!(f, Frame::Define { .. }))
                        .any(|f| matches!(f, Frame::Range { els: None, .. }));
                    if !in_range {
                        return Err(parse_err(src, open, format!("{{{{{kw}}}}} outside {{{{range}}}}")));
                    }
                    current(&mut stack, &mut root).push(if kw == "break" { Node::Break } else { Node::Continue });
                }
                Some(kw @ ("define" | "template" | "block")) => {
                    let (name, name_pos) = match toks.get(1) {
                        Some(Token { tok: Tok::Lit(Value::String(n)), pos, .. }) => (n.clone(), *pos),
                        _ => return Err(parse_err(src, open, format!("unexpected token in {kw} clause"))),
                    };
                    let pipe = if toks.len() > 2 {
                        p.i = 2;
                        let pipe = p.pipeline(kw, false)?;
                        finish(&p)?;
                        Some(pipe)
                    } else {
                        None
                    };
                    let shown = format!("{{{{{}}}}}", src[k..next].trim_end_matches("}}").trim_end_matches('-').trim());
                    let call = Node::Call { name: name.clone(), pipe, pos: name_pos, shown };
                    match kw {
                        "template" => current(&mut stack, &mut root).push(call),
                        _ => {
                            if kw == "define" && toks.len() > 2 {
                                return Err(parse_err(src, open, "unexpected token in define clause"));
                            }
                            if !stack.is_empty() {
                                return Err(parse_err(src, open, format!("unexpected <{kw}> in command")));
                            }
                            stack.push(Frame::Define { name, body: Vec::new(), call: (kw == "block").then_some(call) });
                        }
                    }
                }
                None => {
                    let pipe = p.pipeline("command", true)?;
                    finish(&p)?;
                    current(&mut stack, &mut root).push(Node::Action(pipe));
                }
                Some(kw @ ("if" | "range" | "with")) => {
                    nest(&stack)?;
                    p.i = 1;
                    let pipe = p.pipeline(kw, true)?;
                    finish(&p)?;
                    stack.push(match kw {
                        "if" => Frame::If { pipe, then: Vec::new(), els: None, chained: false },
                        "range" => Frame::Range { pipe, body: Vec::new(), els: None },
                        _ => Frame::With { pipe, body: Vec::new(), els: None, chained: false },
                    });
                }
                Some("else") => {
                    let Some(Frame::If { els, .. } | Frame::Range { els, .. } | Frame::With { els, .. }) =
                        stack.last_mut()
                    else {
                        return Err(parse_err(src, open, "unexpected {{else}}"));
                    };
                    if els.is_some() {
                        return Err(parse_err(src, open, "expected end; found {{else}}"));
                    }
                    *els = Some(Vec::new());
                    match toks.get(1).map(|t| &t.tok) {
                        None => {}
                        Some(Tok::Ident(w)) if w == "if" || w == "with" => {
                            let w = w.clone();
                            nest(&stack)?;
                            p.i = 2;
                            let pipe = p.pipeline(&w, true)?;
                            finish(&p)?;
                            stack.push(if w == "if" {
                                Frame::If { pipe, then: Vec::new(), els: None, chained: true }
                            } else {
                                Frame::With { pipe, body: Vec::new(), els: None, chained: true }
                            });
                        }
                        Some(_) => return Err(parse_err(src, open, "unexpected token in {{else}}")),
                    }
                }
                _ => {
                    // end
                    if toks.len() > 1 {
                        return Err(parse_err(src, open, "unexpected token in {{end}}"));
                    }
                    loop {
                        let Some(frame) = stack.pop() else {
                            return Err(parse_err(src, open, "unexpected {{end}}"));
                        };
                        if let Frame::Define { name, body, call } = frame {
                            if defs.contains_key(&name) {
                                return Err(parse_err(
                                    src,
                                    open,
                                    format!("template: multiple definition of template {name:?}"),
                                ));
                            }
                            defs.insert(name, Rc::new(body));
                            if let Some(call) = call {
                                current(&mut stack, &mut root).push(call);
                            }
                            break;
                        }
                        let chained = frame.chained();
                        let node = frame.into_node();
                        current(&mut stack, &mut root).push(node);
                        if !chained {
                            break;
                        }
                    }
                }
            }
        }
        if !stack.is_empty() {
            return Err(parse_err(src, src.len(), "unexpected EOF"));
        }
        Ok(Template { src: src.to_string(), root, defs })
    }

    /// Runs the template on `data`, appending to `out`. On error `out` keeps what was written
    /// before the failure (as Go's writer does).
    pub fn execute(&self, data: &Val, opts: Options, out: &mut String) -> Result<(), String> {
        let mut ex = Exec {
            src: &self.src,
            opts,
            vars: vec![("$".to_string(), data.clone())],
            out,
            bytes_left: opts.limits.max_bytes,
            steps_left: opts.limits.max_steps,
            defs: &self.defs,
            depth: 0,
        };
        ex.walk(&self.root, data).map(|_| ())
    }

    /// Runs the template and returns its output.
    pub fn render(&self, data: &Val, opts: Options) -> Result<String, String> {
        let mut out = String::new();
        self.execute(data, opts, &mut out)?;
        Ok(out)
    }
}

fn finish(p: &PipeParser) -> Result<(), String> {
    match p.peek() {
        None => Ok(()),
        Some(t) if t.tok == Tok::RParen => Err(parse_err(p.src, t.pos, "unexpected right paren")),
        Some(t) => Err(parse_err(p.src, t.pos, "unexpected token in command")),
    }
}

fn current<'a>(stack: &'a mut [Frame], root: &'a mut Vec<Node>) -> &'a mut Vec<Node> {
    match stack.last_mut() {
        Some(f) => f.list(),
        None => root,
    }
}

// ---------------------------------------------------------------------------------------------
// Execution

struct Exec<'a> {
    src: &'a str,
    opts: Options,
    vars: Vec<(String, Val)>,
    out: &'a mut String,
    /// What is left of [`Limits::max_bytes`].
    bytes_left: usize,
    /// What is left of [`Limits::max_steps`].
    steps_left: u64,
    /// The defined templates `{{template}}` calls.
    defs: &'a std::collections::BTreeMap<String, Rc<Vec<Node>>>,
    /// How many `{{template}}` calls enclose the current node.
    depth: usize,
}

/// Go's notion of truth.
fn truth(v: &Val) -> bool {
    match v {
        Val::Missing => false,
        Val::J(Value::Null) => false,
        Val::J(Value::Bool(b)) => *b,
        Val::J(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Val::J(Value::String(s)) => !s.is_empty(),
        Val::J(Value::Array(a)) => !a.is_empty(),
        Val::J(Value::Object(m)) => !m.is_empty(),
        Val::Typed(ty, v) => ty.truth(v),
        Val::Obj(_) => true,
    }
}

/// What `{{ pipeline }}` prints.
pub fn print_val(v: &Val) -> String {
    match v {
        Val::Missing => "<no value>".to_string(),
        Val::J(j) => gojson::print(j),
        Val::Typed(ty, v) => ty.print(v),
        Val::Obj(o) => o.print(),
    }
}

fn go_type(v: &Val) -> String {
    match v {
        Val::Missing => "<no value>".into(),
        Val::J(Value::Null) => "<nil>".into(),
        Val::J(Value::Bool(_)) => "bool".into(),
        Val::J(Value::Number(_)) => "json.Number".into(),
        Val::J(Value::String(_)) => "string".into(),
        Val::J(Value::Array(_)) => "[]interface {}".into(),
        Val::J(Value::Object(_)) => "map[string]interface {}".into(),
        Val::Typed(ty, _) => ty.name(),
        Val::Obj(o) => o.type_name().to_string(),
    }
}

fn as_str(v: &Val) -> Result<String, String> {
    if let Val::Typed(Ty::Str, j) = v {
        return Ok(j.as_str().unwrap_or_default().to_string());
    }
    match v {
        Val::J(Value::String(s)) => Ok(s.clone()),
        other => Err(format!("wrong type for value; expected string; got {}", go_type(other))),
    }
}

fn as_int(v: &Val) -> Result<i64, String> {
    if let Val::Typed(Ty::Int, j) = v {
        return Ok(j.as_i64().unwrap_or_default());
    }
    match v {
        Val::J(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or_default()),
        other => Err(format!("wrong type for value; expected int; got {}", go_type(other))),
    }
}

impl Operand {
    fn display(&self) -> String {
        let base = match &self.term {
            Term::Dot => ".".to_string(),
            Term::Field => String::new(),
            Term::Var(v) => v.clone(),
            Term::Func(f) => f.clone(),
            Term::Lit(Value::String(s)) => format!("{s:?}"),
            Term::Lit(Value::Null) => "nil".to_string(),
            Term::Lit(v) => v.to_string(),
            Term::Sub(p) => format!("({})", p.display()),
        };
        let fields: String = self.fields.iter().map(|f| format!(".{f}")).collect();
        format!("{base}{fields}")
    }
}

impl Cmd {
    /// The command as Go's error messages show it (`pad .Name -1 0`).
    fn display(&self) -> String {
        self.args.iter().map(Operand::display).collect::<Vec<_>>().join(" ")
    }
}

impl Pipe {
    fn display(&self) -> String {
        let decl = match (self.decl.as_slice(), self.assign) {
            ([], _) => String::new(),
            (d, false) => format!("{} := ", d.join(", ")),
            (d, true) => format!("{} = ", d.join(", ")),
        };
        format!("{decl}{}", self.cmds.iter().map(Cmd::display).collect::<Vec<_>>().join(" | "))
    }
}

impl Exec<'_> {
    fn err_at(&self, op: &Operand, msg: impl std::fmt::Display) -> String {
        let line_start = self.src[..op.pos.min(self.src.len())].rfind('\n').map(|k| k + 1).unwrap_or(0);
        format!(
            "template: :{}:{}: executing \"\" at <{}>: {msg}",
            line_of(self.src, op.pos),
            op.pos - line_start,
            op.display()
        )
    }

    /// Counts one step against [`Limits::max_steps`].
    fn step(&mut self) -> Result<(), String> {
        if self.steps_left == 0 {
            return Err(format!(
                "template: :1: executing \"\": stopped after {} steps (dockernet's limit on one run of a template)",
                self.opts.limits.max_steps
            ));
        }
        self.steps_left -= 1;
        Ok(())
    }

    /// Takes `n` bytes from [`Limits::max_bytes`] before they are made; the error (wrapped by
    /// the caller) says what the limit is.
    fn reserve(&mut self, n: usize) -> Result<(), String> {
        if n > self.bytes_left {
            return Err(too_big(self.opts.limits.max_bytes));
        }
        self.bytes_left -= n;
        Ok(())
    }

    /// Writes `s` to the output, within the byte limit.
    fn emit(&mut self, s: &str) -> Result<(), String> {
        self.reserve(s.len()).map_err(|e| format!("template: :1: executing \"\": {e}"))?;
        self.out.push_str(s);
        Ok(())
    }

    fn walk(&mut self, nodes: &[Node], dot: &Val) -> Result<Flow, String> {
        for node in nodes {
            self.step()?;
            let flow = match node {
                Node::Text(t) => {
                    self.emit(t)?;
                    Flow::Normal
                }
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
                Node::Call { name, pipe, pos, shown } => {
                    let Some(body) = self.defs.get(name).cloned() else {
                        let col = *pos - self.src[..*pos].rfind('\n').map(|k| k + 1).unwrap_or(0);
                        return Err(format!(
                            "template: :{}:{col}: executing \"\" at <{shown}>: template {name:?} not defined",
                            line_of(self.src, *pos)
                        ));
                    };
                    if self.depth >= MAX_TEMPLATE_DEPTH {
                        return Err(format!(
                            "template: :{}: executing \"{name}\": exceeded maximum template depth ({MAX_TEMPLATE_DEPTH}, \
                             dockernet's limit)",
                            line_of(self.src, *pos)
                        ));
                    }
                    let data = match pipe {
                        Some(p) => {
                            let mark = self.vars.len();
                            let v = self.pipe(p, dot);
                            self.vars.truncate(mark);
                            v?
                        }
                        None => Val::Missing,
                    };
                    // A called template sees its own `$` and none of the caller's variables.
                    let saved = std::mem::replace(&mut self.vars, vec![("$".to_string(), data.clone())]);
                    self.depth += 1;
                    let r = self.walk(&body, &data);
                    self.depth -= 1;
                    self.vars = saved;
                    r?;
                    Flow::Normal
                }
                Node::Action(pipe) => {
                    let v = self.pipe(pipe, dot)?;
                    if pipe.decl.is_empty() {
                        let s = print_val(&v);
                        self.emit(&s)?;
                    }
                    Flow::Normal
                }
                Node::If { pipe, then, els } => {
                    let mark = self.vars.len();
                    let v = self.pipe(pipe, dot)?;
                    let r = if truth(&v) { self.walk(then, dot) } else { self.walk(els, dot) };
                    self.vars.truncate(mark);
                    r?
                }
                Node::With { pipe, body, els } => {
                    let mark = self.vars.len();
                    let v = self.pipe(pipe, dot)?;
                    let r = if truth(&v) { self.walk(body, &v) } else { self.walk(els, dot) };
                    self.vars.truncate(mark);
                    r?
                }
                Node::Range { pipe, body, els } => {
                    let mark = self.vars.len();
                    let r = self.range(pipe, body, els, dot);
                    self.vars.truncate(mark);
                    r?;
                    Flow::Normal
                }
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn range(&mut self, pipe: &Pipe, body: &[Node], els: &[Node], dot: &Val) -> Result<(), String> {
        // The declared variables are set per element, not to the whole pipeline value.
        let plain = Pipe { decl: Vec::new(), assign: false, cmds: pipe.cmds.clone() };
        let v = deobj(&self.pipe(&plain, dot)?);
        if let Some(n) = range_int(&v) {
            return self.range_int(n, pipe, body, els, dot);
        }
        let items: Vec<(Val, Val)> = match &v {
            Val::Typed(ty, j) => match ty.items(j) {
                Some(items) => items.into_iter().map(|(k, t, x)| (Val::J(k), Val::Typed(t, x))).collect(),
                None => {
                    return Err(format!(
                        "template: :{}: range can't iterate over {}",
                        line_of(self.src, 0),
                        print_val(&v)
                    ))
                }
            },
            Val::Missing | Val::J(Value::Null) => Vec::new(),
            Val::J(Value::Array(a)) => {
                a.iter().enumerate().map(|(i, x)| (Val::J(Value::from(i as u64)), Val::J(x.clone()))).collect()
            }
            Val::J(Value::Object(m)) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.into_iter().map(|k| (Val::str(k.clone()), Val::J(m[k].clone()))).collect()
            }
            other => {
                return Err(format!(
                    "template: :{}: range can't iterate over {}",
                    line_of(self.src, 0),
                    print_val(other)
                ))
            }
        };
        if items.is_empty() {
            return self.walk(els, dot).map(|_| ());
        }
        let mark = self.vars.len();
        for (k, x) in items {
            self.step()?;
            self.vars.truncate(mark);
            match pipe.decl.as_slice() {
                [] => {}
                [v1] => self.vars.push((v1.clone(), x.clone())),
                [v1, v2, ..] => {
                    self.vars.push((v1.clone(), k));
                    self.vars.push((v2.clone(), x.clone()));
                }
            }
            if self.walk(body, &x)? == Flow::Break {
                break;
            }
        }
        Ok(())
    }

    /// `range` over an integer (Go 1.22): 0 … n−1, one at a time (never collected: `n` may be
    /// 9223372036854775807), nothing for n ≤ 0, and at most one variable.
    fn range_int(&mut self, n: i64, pipe: &Pipe, body: &[Node], els: &[Node], dot: &Val) -> Result<(), String> {
        if pipe.decl.len() > 1 {
            return Err(format!(
                "template: :{}: can't use {n} to iterate over more than one variable",
                line_of(self.src, 0)
            ));
        }
        if n <= 0 {
            return self.walk(els, dot).map(|_| ());
        }
        let mark = self.vars.len();
        for i in 0..n {
            self.step()?;
            self.vars.truncate(mark);
            let x = Val::J(Value::from(i));
            if let [v1] = pipe.decl.as_slice() {
                self.vars.push((v1.clone(), x.clone()));
            }
            if self.walk(body, &x)? == Flow::Break {
                break;
            }
        }
        Ok(())
    }

    fn pipe(&mut self, pipe: &Pipe, dot: &Val) -> Result<Val, String> {
        let mut last: Option<Val> = None;
        for cmd in &pipe.cmds {
            last = Some(self.command(cmd, dot, last)?);
        }
        let v = last.unwrap_or(Val::Missing);
        for name in &pipe.decl {
            if pipe.assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = v.clone(),
                    None => return Err(format!("template: :1: undefined variable: {name}")),
                }
            } else {
                self.vars.push((name.clone(), v.clone()));
            }
        }
        Ok(v)
    }

    fn command(&mut self, cmd: &Cmd, dot: &Val, fin: Option<Val>) -> Result<Val, String> {
        self.step()?;
        let first = &cmd.args[0];
        let rest = &cmd.args[1..];
        match &first.term {
            Term::Func(name) => {
                let mut args = Vec::with_capacity(rest.len() + 1);
                for a in rest {
                    args.push(self.operand(a, dot)?);
                }
                if let Some(f) = fin {
                    args.push(f);
                }
                // Go names the function for a wrong count, the whole command for a failed call.
                self.call_func(name, &args).map_err(|e| {
                    if e.starts_with("wrong number of args") {
                        self.err_at(first, e)
                    } else {
                        let mut at = first.clone();
                        at.term = Term::Func(cmd.display());
                        self.err_at(&at, format!("error calling {name}: {e}"))
                    }
                })
            }
            Term::Field | Term::Var(_) | Term::Sub(_) | Term::Dot if !first.fields.is_empty() => {
                // The last field of a chain gets the command's other words as arguments.
                let mut args = Vec::with_capacity(rest.len() + 1);
                for a in rest {
                    args.push(self.operand(a, dot)?);
                }
                if let Some(f) = fin {
                    args.push(f);
                }
                let mut recv = self.term(first, dot)?;
                let n = first.fields.len();
                for (i, f) in first.fields.iter().enumerate() {
                    let a: &[Val] = if i + 1 == n { &args } else { &[] };
                    recv = self.field(&recv, f, a).map_err(|e| self.err_at(first, e))?;
                }
                Ok(recv)
            }
            Term::Lit(Value::Null) if first.fields.is_empty() => Err(self.err_at(first, "nil is not a command")),
            _ => {
                if !rest.is_empty() || fin.is_some() {
                    return Err(self.err_at(first, format!("can't give argument to non-function {}", first.display())));
                }
                self.term(first, dot)
            }
        }
    }

    /// The value of an operand used as an argument.
    fn operand(&mut self, op: &Operand, dot: &Val) -> Result<Val, String> {
        let mut v = self.term(op, dot)?;
        for f in &op.fields {
            v = self.field(&v, f, &[]).map_err(|e| self.err_at(op, e))?;
        }
        Ok(v)
    }

    /// The term itself, before its fields.
    fn term(&mut self, op: &Operand, dot: &Val) -> Result<Val, String> {
        match &op.term {
            Term::Dot | Term::Field => Ok(dot.clone()),
            Term::Var(name) => self
                .vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("template: :{}: undefined variable: {name}", line_of(self.src, op.pos))),
            // An integer literal is Go's `int` (`%!(EXTRA int=1)`, `len of type int`).
            Term::Lit(v) if v.is_i64() => Ok(Val::Typed(&INT, v.clone())),
            Term::Lit(v) => Ok(Val::J(v.clone())),
            Term::Func(name) => {
                self.call_func(name, &[]).map_err(|e| self.err_at(op, format!("error calling {name}: {e}")))
            }
            Term::Sub(p) => {
                let mark = self.vars.len();
                let r = self.pipe(p, dot);
                if p.decl.is_empty() {
                    self.vars.truncate(mark);
                }
                r
            }
        }
    }

    fn field(&self, recv: &Val, name: &str, args: &[Val]) -> Result<Val, String> {
        match recv {
            Val::Obj(o) => match o.call(name, args) {
                Some(r) => r,
                None => Err(format!("can't evaluate field {name} in type {}", o.type_name())),
            },
            Val::J(Value::Object(m)) => {
                if !args.is_empty() {
                    return Err(format!("{name} is not a method but has arguments"));
                }
                match m.get(name) {
                    Some(v) => Ok(Val::J(v.clone())),
                    None if self.opts.missing_key_error => Err(format!("map has no entry for key {name:?}")),
                    None => Ok(Val::Missing),
                }
            }
            Val::Typed(ty @ Ty::Struct(_), v) => match ty.field(v, name) {
                Some(_) if !args.is_empty() => Err(format!("{name} is not a method but has arguments")),
                Some((t, x)) => Ok(Val::Typed(t, x)),
                None => Err(format!("can't evaluate field {name} in type {}", ty.name())),
            },
            Val::Typed(Ty::Map(e), v) => match v.get(name) {
                Some(x) => Ok(Val::Typed(e, x.clone())),
                None if self.opts.missing_key_error => Err(format!("map has no entry for key {name:?}")),
                None => Ok(Val::Missing),
            },
            Val::Typed(Ty::Time, v) => {
                let t = v.as_str().and_then(GoTime::parse).or_else(|| GoTime::parse("0001-01-01T00:00:00Z"));
                let texts = args.iter().map(as_str).collect::<Result<Vec<_>, _>>()?;
                match t.and_then(|t| t.call(name, &texts)) {
                    Some(Ok(TimeOut::Int(n))) => Ok(Val::Typed(&INT, Value::from(n))),
                    Some(Ok(TimeOut::Text(s))) => Ok(Val::str(s)),
                    Some(Ok(TimeOut::Bool(b))) => Ok(Val::J(Value::Bool(b))),
                    Some(Ok(TimeOut::Time(t))) => {
                        Ok(Val::Typed(&TIME, Value::String(t.format("2006-01-02T15:04:05.999999999Z07:00"))))
                    }
                    Some(Err(e)) => Err(e),
                    None => Err(format!("can't evaluate field {name} in type time.Time")),
                }
            }
            Val::Missing | Val::J(Value::Null) => Err(format!("nil pointer evaluating interface {{}}.{name}")),
            other => Err(format!("can't evaluate field {name} in type {}", go_type(other))),
        }
    }

    fn call_func(&mut self, name: &str, args: &[Val]) -> Result<Val, String> {
        let nargs = |n: usize| -> Result<(), String> {
            if args.len() != n {
                return Err(format!("wrong number of args for {name}: want {n} got {}", args.len()));
            }
            Ok(())
        };
        if self.opts.header && matches!(name, "json" | "split" | "join" | "title" | "lower" | "upper" | "truncate") {
            nargs(if matches!(name, "json" | "title" | "lower" | "upper") { 1 } else { 2 })?;
            return Ok(Val::str(as_str(&args[0])?));
        }
        match name {
            "json" => {
                nargs(1)?;
                let text = match &args[0] {
                    Val::Missing => "null".to_string(),
                    // Decoded JSON is Go's map[string]interface{}: json.Marshal sorts its keys.
                    Val::J(v) => gojson::compact(&gojson::sorted(v), false),
                    Val::Typed(ty, v) => ty.json(v),
                    Val::Obj(o) => o.json(),
                };
                self.reserve(text.len())?;
                Ok(Val::str(text))
            }
            "split" => {
                nargs(2)?;
                let (s, sep) = (as_str(&args[0])?, as_str(&args[1])?);
                // Counted before the list is made: each part costs a JSON value besides its text.
                let n = if sep.is_empty() { s.chars().count() } else { s.matches(sep.as_str()).count() + 1 };
                self.reserve(n.saturating_mul(std::mem::size_of::<Value>()).saturating_add(s.len()))?;
                let parts: Vec<Value> = if sep.is_empty() {
                    s.chars().map(|c| Value::String(c.to_string())).collect()
                } else {
                    s.split(sep.as_str()).map(|p| Value::String(p.to_string())).collect()
                };
                Ok(Val::J(Value::Array(parts)))
            }
            "join" => {
                nargs(2)?;
                let items = match &args[0] {
                    Val::J(Value::Array(a)) => a
                        .iter()
                        .map(|x| {
                            x.as_str().map(str::to_string).ok_or_else(|| {
                                "wrong type for value; expected []string; got []interface {}".to_string()
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    other => return Err(format!("wrong type for value; expected []string; got {}", go_type(other))),
                };
                let sep = as_str(&args[1])?;
                let len = items.iter().map(String::len).sum::<usize>();
                self.reserve(len.saturating_add(sep.len().saturating_mul(items.len().saturating_sub(1))))?;
                Ok(Val::str(items.join(&sep)))
            }
            "title" => {
                nargs(1)?;
                let mut prev_letter = false;
                let s = as_str(&args[0])?;
                self.reserve(s.len())?;
                let s: String = s
                    .chars()
                    .map(|c| {
                        let out = if !prev_letter { c.to_uppercase().next().unwrap_or(c) } else { c };
                        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
                        out
                    })
                    .collect();
                Ok(Val::str(s))
            }
            "lower" | "upper" => {
                nargs(1)?;
                let s = as_str(&args[0])?;
                // A case change can lengthen a string (ß → SS), at most threefold.
                self.reserve(s.len())?;
                let t = if name == "lower" { s.to_lowercase() } else { s.to_uppercase() };
                self.reserve(t.len().saturating_sub(s.len()))?;
                Ok(Val::str(t))
            }
            "pad" => {
                nargs(3)?;
                let s = as_str(&args[0])?;
                let (pre, post) = (as_int(&args[1])?, as_int(&args[2])?);
                if s.is_empty() {
                    return Ok(Val::str(s));
                }
                // docker's padWithSpace is strings.Repeat(" ", n) on each side: Go panics on a
                // negative count, and text/template reports the panic as this error.
                let (Ok(pre), Ok(post)) = (usize::try_from(pre), usize::try_from(post)) else {
                    return Err("strings: negative Repeat count".to_string());
                };
                let len = pre.checked_add(post).and_then(|n| n.checked_add(s.len()));
                self.reserve(len.unwrap_or(usize::MAX))?;
                Ok(Val::str(format!("{}{s}{}", " ".repeat(pre), " ".repeat(post))))
            }
            "truncate" => {
                nargs(2)?;
                let s = as_str(&args[0])?;
                let n = as_int(&args[1])?;
                // docker's truncateWithLength is source[:length]: a negative length panics in
                // Go, which text/template reports as this error.
                let Ok(n) = usize::try_from(n) else {
                    return Err(format!("runtime error: slice bounds out of range [:{n}]"));
                };
                if s.len() < n {
                    return Ok(Val::str(s));
                }
                let mut cut = n;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                Ok(Val::str(&s[..cut]))
            }
            "and" | "or" => {
                if args.is_empty() {
                    return Err(format!("wrong number of args for {name}: want at least 1 got 0"));
                }
                for a in args {
                    if truth(a) != (name == "and") {
                        return Ok(a.clone());
                    }
                }
                Ok(args[args.len() - 1].clone())
            }
            "not" => {
                nargs(1)?;
                Ok(Val::J(Value::Bool(!truth(&args[0]))))
            }
            "len" => {
                nargs(1)?;
                let n = match &deobj(&args[0]) {
                    Val::Typed(Ty::Str, j) => j.as_str().unwrap_or_default().len(),
                    Val::Typed(ty, j) if ty.items(j).is_some() => ty.items(j).unwrap_or_default().len(),
                    Val::J(Value::String(s)) => s.len(),
                    Val::J(Value::Array(a)) => a.len(),
                    Val::J(Value::Object(m)) => m.len(),
                    other => return Err(format!("len of type {}", go_type(other))),
                };
                Ok(Val::J(Value::from(n as u64)))
            }
            "index" => {
                if args.is_empty() {
                    return Err("wrong number of args for index: want at least 1 got 0".to_string());
                }
                let mut v = deobj(&args[0]);
                for key in &args[1..] {
                    v = match (&v, key) {
                        (Val::Typed(Ty::Map(e), j), k) => {
                            let k = as_str(k)?;
                            // Go's index gives the element type's zero value for a missing key.
                            Val::Typed(e, j.get(&k).cloned().unwrap_or(Value::Null))
                        }
                        (Val::Typed(Ty::Slice(e), j), k) => {
                            let i = as_int(k)?;
                            match usize::try_from(i).ok().and_then(|i| j.as_array().and_then(|a| a.get(i))) {
                                Some(x) => Val::Typed(e, x.clone()),
                                None => return Err(format!("index out of range: {i}")),
                            }
                        }
                        (Val::J(Value::Object(m)), k) => {
                            let k = as_str(k)?;
                            // index ignores missingkey=error: a missing key is the zero value.
                            m.get(&k).map(|x| Val::J(x.clone())).unwrap_or(Val::Missing)
                        }
                        (Val::J(Value::Array(a)), k) => {
                            let i = as_int(k)?;
                            match usize::try_from(i).ok().and_then(|i| a.get(i)) {
                                Some(x) => Val::J(x.clone()),
                                None => return Err(format!("index out of range: {i}")),
                            }
                        }
                        (Val::Missing | Val::J(Value::Null), _) => return Err("index of untyped nil".to_string()),
                        (other, _) => return Err(format!("can't index item of type {}", go_type(other))),
                    };
                }
                Ok(v)
            }
            "print" => {
                let n = args.iter().map(|a| print_val(a).len() + 1).sum::<usize>();
                self.reserve(n)?;
                Ok(Val::str(go_sprint(args)))
            }
            "println" => {
                let mut s = String::new();
                for (i, a) in args.iter().enumerate() {
                    let part = print_val(a);
                    self.reserve(part.len() + usize::from(i > 0))?;
                    if i > 0 {
                        s.push(' ');
                    }
                    s.push_str(&part);
                }
                self.reserve(1)?;
                s.push('\n');
                Ok(Val::str(s))
            }
            "slice" => {
                if args.is_empty() {
                    return Err("wrong number of args for slice: want at least 1 got 0".to_string());
                }
                let idx = args[1..].iter().map(as_int).collect::<Result<Vec<i64>, _>>()?;
                if idx.len() > 3 {
                    return Err(format!("too many slice indexes: {}", idx.len()));
                }
                let item = deobj(&args[0]);
                let (len, cap, is_str) = match &item {
                    Val::J(Value::String(s)) => (s.len(), s.len(), true),
                    Val::Typed(Ty::Str, j) => (j.as_str().unwrap_or_default().len(), 0, true),
                    Val::J(Value::Array(a)) => (a.len(), a.len(), false),
                    Val::Typed(Ty::Slice(_), j) => (j.as_array().map_or(0, Vec::len), 0, false),
                    Val::Missing | Val::J(Value::Null) => return Err("slice of untyped nil".to_string()),
                    other => return Err(format!("can't slice item of type {}", go_type(other))),
                };
                let cap = if cap == 0 { len } else { cap };
                if is_str && idx.len() == 3 {
                    return Err("cannot 3-index slice a string".to_string());
                }
                // Go's indexArg: each index in 0..=cap, then in order.
                let mut ix = [0usize, len, cap];
                for (i, &n) in idx.iter().enumerate() {
                    let Ok(u) = usize::try_from(n) else { return Err(format!("index out of range: {n}")) };
                    if u > cap {
                        return Err(format!("index out of range: {n}"));
                    }
                    ix[i] = u;
                }
                if ix[0] > ix[1] {
                    return Err(format!("invalid slice index: {} > {}", ix[0], ix[1]));
                }
                if idx.len() == 3 && ix[1] > ix[2] {
                    return Err(format!("invalid slice index: {} > {}", ix[1], ix[2]));
                }
                let (lo, hi) = (ix[0], ix[1]);
                Ok(match item {
                    Val::J(Value::String(s)) => Val::str(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned()),
                    Val::Typed(Ty::Str, j) => {
                        Val::str(String::from_utf8_lossy(&j.as_str().unwrap_or_default().as_bytes()[lo..hi]).into_owned())
                    }
                    Val::J(Value::Array(a)) => Val::J(Value::Array(a[lo..hi].to_vec())),
                    Val::Typed(ty, j) => Val::Typed(ty, Value::Array(j.as_array().map(|a| a[lo..hi].to_vec()).unwrap_or_default())),
                    _ => unreachable!("matched above"),
                })
            }
            "html" | "js" | "urlquery" => {
                // Go's evalArgs: one string argument as it is, else fmt.Sprint of them all.
                let text = match args {
                    [a] if as_str(a).is_ok() => as_str(a)?,
                    _ => go_sprint(args),
                };
                self.reserve(text.len().saturating_mul(6))?;
                Ok(Val::str(match name {
                    "html" => html_escape(&text),
                    "js" => js_escape(&text),
                    _ => query_escape(&text),
                }))
            }
            "printf" => {
                if args.is_empty() {
                    return Err("wrong number of args for printf: want at least 1 got 0".to_string());
                }
                let s = sprintf(&as_str(&args[0])?, &args[1..], self.bytes_left)
                    .map_err(|()| too_big(self.opts.limits.max_bytes))?;
                self.reserve(s.len())?;
                Ok(Val::str(s))
            }
            "eq" => {
                if args.len() < 2 {
                    return Err("missing argument for comparison".to_string());
                }
                Ok(Val::J(Value::Bool(args[1..].iter().any(|b| equal(&args[0], b)))))
            }
            "ne" => {
                nargs(2)?;
                Ok(Val::J(Value::Bool(!equal(&args[0], &args[1]))))
            }
            "lt" | "le" | "gt" | "ge" => {
                nargs(2)?;
                let ord = compare(&args[0], &args[1])?;
                use std::cmp::Ordering::*;
                let r = match name {
                    "lt" => ord == Less,
                    "le" => ord != Greater,
                    "gt" => ord == Greater,
                    _ => ord != Less,
                };
                Ok(Val::J(Value::Bool(r)))
            }
            other => Err(format!("function {other:?} not defined")),
        }
    }
}

/// Go's `fmt.Sprint`: operands printed one after another, with a space between two operands
/// when neither is a string.
fn go_sprint(args: &[Val]) -> String {
    let is_str = |v: &Val| matches!(v, Val::J(Value::String(_)) | Val::Typed(Ty::Str, _));
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !is_str(a) && !is_str(&args[i - 1]) {
            s.push(' ');
        }
        s.push_str(&print_val(a));
    }
    s
}

/// `%q` of a map or list: Go's fmt quotes each string key and element (`map["k":"v"]`,
/// `["a" "b"]`); anything else prints as `%v`.
fn quote_elements(v: &Val) -> String {
    fn q(v: &Value) -> String {
        match v {
            Value::String(s) => gojson::go_quote(s),
            Value::Array(a) => format!("[{}]", a.iter().map(q).collect::<Vec<_>>().join(" ")),
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let parts: Vec<String> = keys.into_iter().map(|k| format!("{}:{}", gojson::go_quote(k), q(&m[k]))).collect();
                format!("map[{}]", parts.join(" "))
            }
            other => gojson::print(other),
        }
    }
    match v {
        Val::J(j @ (Value::Array(_) | Value::Object(_))) => q(j),
        Val::Typed(Ty::Map(Ty::Str) | Ty::Slice(Ty::Str), j) => match j {
            Value::Null => print_val(v),
            j => q(j),
        },
        other => print_val(other),
    }
}

/// Go's `template.HTMLEscapeString`.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 || (!c.is_ascii() && (c.is_control() || c.is_whitespace())) => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn scalar(v: &Val) -> Option<Value> {
    match v {
        Val::J(j) => Some(j.clone()),
        Val::Typed(ty, v) => ty.scalar(v),
        _ => None,
    }
}

fn equal(a: &Val, b: &Val) -> bool {
    match (scalar(a), scalar(b)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn compare(a: &Val, b: &Val) -> Result<std::cmp::Ordering, String> {
    match (scalar(a), scalar(b)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(&y.as_f64().unwrap_or_default())
            .ok_or_else(|| "incomparable numbers".to_string()),
        (Some(Value::String(x)), Some(Value::String(y))) => Ok(x.cmp(&y)),
        _ => Err("incompatible types for comparison".to_string()),
    }
}

/// The type of integer literals.
static INT: Ty = Ty::Int;
/// The type of a time a time method returns (`.Created.UTC`).
static TIME: Ty = Ty::Time;

/// What a producer says when [`Limits::max_bytes`] would be exceeded.
fn too_big(limit: usize) -> String {
    let size = match limit {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    };
    format!("the result would pass dockernet's limit of {size} on what one run of a template produces")
}

/// The count a `range` over an integer runs (Go 1.22 ranges over ints): `None` for anything
/// else. A `uint64` past `i64::MAX` is as good as endless, and the step limit ends it.
fn range_int(v: &Val) -> Option<i64> {
    match v {
        Val::J(Value::Number(n)) => n.as_i64().or_else(|| n.as_u64().map(|_| i64::MAX)),
        Val::Typed(Ty::Int, j) => j.as_i64(),
        _ => None,
    }
}

/// Go's fmt `tooLarge`: widths and precisions past ±1e6 are refused.
const FMT_MAX: i64 = 1_000_000;

/// Go's fmt `parsenum` over `f[i..]`: (number, whether there was one, index after it). A
/// number that grows past [`FMT_MAX`] consumes the rest of the format, as Go's does (the verb
/// then reads `%!(NOVERB)`).
fn parsenum(f: &[char], mut i: usize) -> (usize, bool, usize) {
    let (mut num, mut isnum) = (0i64, false);
    while let Some(d) = f.get(i).and_then(|c| c.to_digit(10)) {
        if num > FMT_MAX {
            return (0, false, f.len());
        }
        num = num * 10 + i64::from(d);
        isnum = true;
        i += 1;
    }
    (num as usize, isnum, i)
}

/// Go's fmt `intFromArg`: a `*` width or precision from argument `n` — (value, whether it is a
/// usable int, next argument).
fn int_arg(args: &[Val], n: usize) -> (i64, bool, usize) {
    let Some(a) = args.get(n) else {
        return (0, false, n);
    };
    match as_int(a) {
        Ok(x) if (-FMT_MAX..=FMT_MAX).contains(&x) => (x, true, n + 1),
        _ => (0, false, n + 1),
    }
}

/// The state of one `Sprintf` run that explicit argument indexes (`%[2]d`) change.
struct ArgState {
    num: usize,
    /// An explicit index was used: extra arguments are not reported (as Go).
    reordered: bool,
    /// The current verb's index is valid.
    good: bool,
}

impl ArgState {
    /// Go's fmt `argNumber`: an explicit `[n]` at `f[i..]` — (index after it, whether found).
    fn arg_number(&mut self, f: &[char], i: usize, nargs: usize) -> (usize, bool) {
        if f.get(i) != Some(&'[') {
            return (i, false);
        }
        self.reordered = true;
        // Go's parseArgNumber: at least "[n]", up to the first ']'.
        let rest = &f[i..];
        let (index, width, ok) = match rest.iter().skip(1).position(|&c| c == ']') {
            Some(p) if rest.len() >= 3 => {
                let close = p + 1;
                match parsenum(&rest[..close], 1) {
                    (n, true, next) if next == close => (n as i64 - 1, close + 1, true),
                    _ => (0, close + 1, false),
                }
            }
            _ => (0, 1, false),
        };
        if ok && (0..nargs as i64).contains(&index) {
            self.num = index as usize;
            return (i + width, true);
        }
        self.good = false;
        (i + width, ok)
    }
}

/// The flags of one verb.
#[derive(Default)]
struct Flags {
    minus: bool,
    zero: bool,
    plus: bool,
    space: bool,
}

/// A small `fmt.Sprintf`: verbs `v s d q t x` (others print as `v`), Go's flags, widths and
/// precisions (digits, `*` from an argument, at most 1e6: `%!(BADWIDTH)`, `%!(BADPREC)`,
/// `%!(NOVERB)` as Go prints them) and explicit argument indexes (`%[2]d`). `Err` when the
/// result would pass `room` bytes (checked before any padding is made).
fn sprintf(format: &str, args: &[Val], room: usize) -> Result<String, ()> {
    let f: Vec<char> = format.chars().collect();
    let end = f.len();
    let mut out = String::new();
    let push = |out: &mut String, s: &str| -> Result<(), ()> {
        if out.len().saturating_add(s.len()) > room {
            return Err(());
        }
        out.push_str(s);
        Ok(())
    };
    let mut st = ArgState { num: 0, reordered: false, good: true };
    let mut i = 0;
    while i < end {
        st.good = true;
        let last = i;
        while i < end && f[i] != '%' {
            i += 1;
        }
        if i > last {
            push(&mut out, &f[last..i].iter().collect::<String>())?;
        }
        if i >= end {
            break;
        }
        i += 1;
        let mut fl = Flags::default();
        while let Some(&c) = f.get(i) {
            match c {
                '#' => {}
                '0' => fl.zero = !fl.minus,
                '+' => fl.plus = true,
                '-' => (fl.minus, fl.zero) = (true, false),
                ' ' => fl.space = true,
                _ => break,
            }
            i += 1;
        }
        let (next, mut after_index) = st.arg_number(&f, i, args.len());
        i = next;
        let wid;
        if f.get(i) == Some(&'*') {
            i += 1;
            let (w, ok, n) = int_arg(args, st.num);
            st.num = n;
            if !ok {
                push(&mut out, "%!(BADWIDTH)")?;
            }
            if w < 0 {
                (fl.minus, fl.zero) = (true, false);
            }
            wid = w.unsigned_abs() as usize;
            after_index = false;
        } else {
            let (w, present, next) = parsenum(&f, i);
            i = next;
            wid = w;
            if after_index && present {
                st.good = false;
            }
        }
        let mut prec = None;
        if i + 1 < end && f[i] == '.' {
            i += 1;
            if after_index {
                st.good = false;
            }
            (i, after_index) = st.arg_number(&f, i, args.len());
            if f.get(i) == Some(&'*') {
                i += 1;
                let (p, ok, n) = int_arg(args, st.num);
                st.num = n;
                if ok && p >= 0 {
                    prec = Some(p as usize);
                } else {
                    push(&mut out, "%!(BADPREC)")?;
                }
                after_index = false;
            } else {
                let (p, _, next) = parsenum(&f, i);
                i = next;
                prec = Some(p);
            }
        }
        if !after_index {
            (i, _) = st.arg_number(&f, i, args.len());
        }
        let Some(&verb) = f.get(i) else {
            push(&mut out, "%!(NOVERB)")?;
            break;
        };
        i += 1;
        if verb == '%' {
            push(&mut out, "%")?;
            continue;
        }
        if !st.good {
            push(&mut out, &format!("%!{verb}(BADINDEX)"))?;
            continue;
        }
        let Some(arg) = args.get(st.num) else {
            push(&mut out, &format!("%!{verb}(MISSING)"))?;
            continue;
        };
        st.num += 1;
        let s = format_arg(arg, verb, &fl, wid, prec, room - out.len())?;
        push(&mut out, &s)?;
    }
    if !st.reordered && st.num < args.len() {
        let extra: Vec<String> = args[st.num..].iter().map(|a| format!("{}={}", go_type(a), print_val(a))).collect();
        push(&mut out, &format!("%!(EXTRA {})", extra.join(", ")))?;
    }
    Ok(out)
}

/// One verb of [`sprintf`] with its flags, width and precision; `Err` past `room` bytes.
fn format_arg(arg: &Val, verb: char, fl: &Flags, wid: usize, prec: Option<usize>, room: usize) -> Result<String, ()> {
    let int = match verb {
        'd' | 'x' | 'X' | 'o' | 'b' => as_int(arg).ok(),
        _ => None,
    };
    let char_of = |n: i64| u32::try_from(n).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
    let mut s = if let Some(n) = int {
        // Integers: the precision is the least number of digits; the sign goes first.
        let digits = match verb {
            'x' => format!("{:x}", n.unsigned_abs()),
            'X' => format!("{:X}", n.unsigned_abs()),
            'o' => format!("{:o}", n.unsigned_abs()),
            'b' => format!("{:b}", n.unsigned_abs()),
            _ => n.unsigned_abs().to_string(),
        };
        let mut min = prec.unwrap_or(0);
        let sign = if n < 0 {
            "-"
        } else if fl.plus {
            "+"
        } else if fl.space {
            " "
        } else {
            ""
        };
        if prec.is_none() && fl.zero && !fl.minus {
            min = wid.saturating_sub(sign.len());
        }
        if min.max(digits.len()) + sign.len() > room {
            return Err(());
        }
        format!("{sign}{}{digits}", "0".repeat(min.saturating_sub(digits.len())))
    } else {
        match verb {
            'q' => match (as_str(arg), as_int(arg)) {
                (Ok(s), _) => {
                    let s: String = match prec {
                        Some(p) => s.chars().take(p).collect(),
                        None => s,
                    };
                    gojson::go_quote(&s)
                }
                // An integer is a quoted character: 'A'.
                (_, Ok(n)) => match char_of(n) {
                    '\'' => "'\\''".to_string(),
                    c => format!("'{}'", gojson::go_quote(&c.to_string()).trim_matches('"')),
                },
                // Maps and lists quote their strings element by element, as Go's fmt does.
                _ => quote_elements(arg),
            },
            'c' => match as_int(arg) {
                Ok(n) => char_of(n).to_string(),
                Err(_) => format!("%!c({})", print_val(arg)),
            },
            'U' => match as_int(arg) {
                Ok(n) => format!("U+{n:04X}"),
                Err(_) => format!("%!U({})", print_val(arg)),
            },
            'x' => print_val(arg).bytes().map(|b| format!("{b:02x}")).collect(),
            'X' => print_val(arg).bytes().map(|b| format!("{b:02X}")).collect(),
            's' | 'v' => match prec {
                Some(p) => print_val(arg).chars().take(p).collect(),
                None => print_val(arg),
            },
            _ => print_val(arg),
        }
    };
    let len = s.chars().count();
    if len < wid {
        let pad = wid - len;
        if s.len() + pad > room {
            return Err(());
        }
        if fl.minus {
            s.push_str(&" ".repeat(pad));
        } else {
            s.insert_str(0, &" ".repeat(pad));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(t: &str, data: Value) -> Result<String, String> {
        Template::parse(t)?.render(&Val::J(data), Options::default())
    }

    struct Row;
    impl Object for Row {
        fn type_name(&self) -> &str {
            "*test.row"
        }
        fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>> {
            match name {
                "Name" => Some(want_args(name, args, 0).map(|_| Val::str("web"))),
                "Label" => {
                    Some(want_args(name, args, 1).and_then(|_| as_str(&args[0])).map(|k| Val::str(format!("L[{k}]"))))
                }
                _ => None,
            }
        }
        fn json(&self) -> String {
            "{\"Name\":\"web\"}".into()
        }
        fn print(&self) -> String {
            "&{web}".into()
        }
    }

    /// Fields, nested fields, json, and Go's printing of maps and lists.
    #[test]
    fn fields_and_printing() {
        let d = json!({"Name": "n", "IPAM": {"Config": [{"Subnet": "10.0.0.0/24"}], "Options": null}, "Labels": {"b": "2", "a": "1"}});
        assert_eq!(run("{{.Name}}", d.clone()).unwrap(), "n");
        assert_eq!(run("{{.IPAM.Config}}", d.clone()).unwrap(), "[map[Subnet:10.0.0.0/24]]");
        assert_eq!(run("{{.Labels}}", d.clone()).unwrap(), "map[a:1 b:2]");
        assert_eq!(run("{{json .Labels}}", d.clone()).unwrap(), r#"{"a":"1","b":"2"}"#);
        assert_eq!(run("{{.IPAM.Options}}|{{.Nope}}", d.clone()).unwrap(), "<nil>|<no value>");
        assert_eq!(run("{{(index .IPAM.Config 0).Subnet}}", d.clone()).unwrap(), "10.0.0.0/24");
    }

    /// range over lists and maps (sorted), with variables, else and trim markers.
    #[test]
    fn control_flow() {
        let d = json!({"L": {"b": "2", "a": "1"}, "E": [], "C": [{"S": "x"}, {"S": "y"}]});
        assert_eq!(run("{{range $k, $v := .L}}{{$k}}={{$v}};{{end}}", d.clone()).unwrap(), "a=1;b=2;");
        assert_eq!(run("{{range .E}}x{{else}}empty{{end}}", d.clone()).unwrap(), "empty");
        assert_eq!(run("{{range .C}}{{.S}}{{else}}empty{{end}}", d.clone()).unwrap(), "xy");
        assert_eq!(run("{{range $i, $c := .C}}{{$i}}:{{$c.S}} {{end}}", d.clone()).unwrap(), "0:x 1:y ");
        assert_eq!(run("a  {{- .L.a -}}  b", d.clone()).unwrap(), "a1b");
        assert_eq!(run("{{if .E}}t{{else if .L}}l{{else}}f{{end}}", d.clone()).unwrap(), "l");
        assert_eq!(run("{{with .L}}{{.a}}{{end}}{{with .E}}no{{else}}none{{end}}", d.clone()).unwrap(), "1none");
        assert!(run("{{$x := .L.a}}{{$x}}{{/* c */}}{{$}}", json!({})).unwrap_err().contains("nil pointer"));
        assert_eq!(run("{{$x := .L.a}}{{/* c */}}{{$x}} {{- /* c */ -}} !", d.clone()).unwrap(), "1!");
        assert_eq!(run("{{$x := 1}}{{$x = 2}}{{$x}}", json!({})).unwrap(), "2");
    }

    /// docker's functions, pipes and builtins.
    #[test]
    fn functions() {
        let d = json!({"N": "Hello world", "L": ["a", "b"]});
        assert_eq!(
            run("{{upper .N}} {{lower .N}} {{.N | title}}", d.clone()).unwrap(),
            "HELLO WORLD hello world Hello World"
        );
        assert_eq!(
            run("{{join .L \",\"}} {{split \"a:b\" \":\"}} {{truncate .N 5}}|{{pad .N 1 2}}|", d.clone()).unwrap(),
            "a,b [a b] Hello| Hello world  |"
        );
        assert_eq!(
            run("{{len .L}} {{index .L 1}} {{eq .N \"x\" \"Hello world\"}} {{not true}} {{or \"\" \"y\"}}", d.clone())
                .unwrap(),
            "2 b true false y"
        );
        assert_eq!(run("{{printf \"%-6s|%3d|%q\" \"ab\" 7 \"c\"}}", d.clone()).unwrap(), "ab    |  7|\"c\"");
        assert_eq!(run("{{println \"a\" 1}}", d).unwrap(), "a 1\n");
    }

    /// Methods with arguments on objects, header mode, and Go-like errors.
    #[test]
    fn objects_and_errors() {
        let row = Val::Obj(Rc::new(Row));
        let t = Template::parse("{{.Name}}\t{{.Label \"com.x\"}}\t{{json .}}").unwrap();
        assert_eq!(t.render(&row, Options::default()).unwrap(), "web\tL[com.x]\t{\"Name\":\"web\"}");
        let e = Template::parse("{{.Foo}}").unwrap().render(&row, Options::default()).unwrap_err();
        assert_eq!(e, "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *test.row");
        let e = Template::parse("{{.Label}}").unwrap().render(&row, Options::default()).unwrap_err();
        assert_eq!(e, "template: :1:2: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 0");
        let e = run("{{.Foo}}", json!({})).map(|_| ()).and_then(|_| {
            Template::parse("{{.Foo}}")?
                .render(&Val::J(json!({})), Options { missing_key_error: true, ..Options::default() })
        });
        assert_eq!(e.unwrap_err(), "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"");
        assert_eq!(Template::parse("{{.Name").unwrap_err(), "template: :1: unclosed action");
        assert_eq!(Template::parse("{{nope .}}").unwrap_err(), "template: :1: function \"nope\" not defined");
        assert_eq!(Template::parse("{{if .}}x").unwrap_err(), "template: :1: unexpected EOF");
        let header = Template::parse("{{upper .A}}").unwrap();
        assert_eq!(
            header.render(&Val::J(json!({"A": "abc"})), Options { header: true, ..Options::default() }).unwrap(),
            "abc"
        );
    }

    /// printf follows Go's fmt where widths, precisions and argument indexes go wrong.
    #[test]
    fn printf_like_go() {
        let r = |t: &str| run(t, json!({})).unwrap();
        // Past 1e6 the number swallows the rest of the format (Go's parsenum), or a `*` argument
        // is a bad width/precision.
        assert_eq!(r(r#"{{printf "%999999999999d|" 1}}"#), "%!(NOVERB)%!(EXTRA int=1)");
        assert_eq!(r(r#"{{printf "%.999999999999s|" "a"}}"#), "%!(NOVERB)%!(EXTRA string=a)");
        assert_eq!(r(r#"{{printf "%*d" 9223372036854775807 5}}"#), "%!(BADWIDTH)5");
        assert_eq!(r(r#"{{printf "%*d" 1000001 5}}"#), "%!(BADWIDTH)5");
        assert_eq!(r(r#"{{printf "%*d" "x" 5}}"#), "%!(BADWIDTH)5");
        assert_eq!(r(r#"{{printf "%.*s" -1 "abc"}}"#), "%!(BADPREC)abc");
        assert_eq!(r(r#"{{printf "%.*s|%*s|%-*d|" 2 "abc" 4 "x" -3 7}}"#), "ab|   x|7  |");
        // Go's parsenum accepts up to 7 digits (it checks before the last multiply).
        assert_eq!(r(r#"{{printf "%1000001d" 1}}"#).len(), 1_000_001);
        assert_eq!(r(r#"{{printf "%[2]d %[1]d" 1 2}}"#), "2 1");
        assert_eq!(r(r#"{{printf "%[3]d %[0]d %[x]d" 1 2}}"#), "%!d(BADINDEX) %!d(BADINDEX) %!d(BADINDEX)");
        assert_eq!(r(r#"{{printf "%05d|%+.3d|%x|%-4d|" -42 7 -255 3}}"#), "-0042|+007|-ff|3   |");
        assert_eq!(r(r#"{{printf "%d %s" 1}}"#), "1 %!s(MISSING)");
        assert_eq!(r(r#"{{printf "%" 1}}"#), "%!(NOVERB)%!(EXTRA int=1)");
        assert_eq!(r(r#"{{printf "%6.2q|" "abc"}}"#), r#"  "ab"|"#);
    }

    /// Go's `nil`, `slice`, `html`, `js`, `urlquery`, `break`, `continue`, `define`, `template`
    /// and `block`, `printf` verbs and time methods, as the docker CLI 28 printed them.
    #[test]
    fn go_template_fidelity() {
        let d = json!({"N": "bridge", "L": ["a", "b", "c"]});
        let ok = |t: &str| run(t, d.clone()).unwrap_or_else(|e| panic!("{t}: {e}"));
        let bad = |t: &str| run(t, d.clone()).unwrap_err();
        assert_eq!(bad("{{nil}}"), "template: :1:2: executing \"\" at <nil>: nil is not a command");
        assert_eq!(ok("{{print nil 1}}"), "<nil> 1");
        assert_eq!(ok(r#"{{printf "%q %q %x %X %c %U" .N 65 "hi" 255 65 65}}"#), r#""bridge" 'A' 6869 FF A U+0041"#);
        assert_eq!(ok(r#"{{print 1 2 "a" 3 .N 4}}"#), "1 2a3bridge4");
        assert_eq!(ok("{{slice .N 1 3}} {{slice .N 2}} {{slice .N}} {{slice .L 1}}"), "ri idge bridge [b c]");
        assert_eq!(
            bad("{{slice .N 3 1}}"),
            "template: :1:2: executing \"\" at <slice .N 3 1>: error calling slice: invalid slice index: 3 > 1"
        );
        assert!(bad("{{slice .N 1 2 3}}").ends_with("cannot 3-index slice a string"));
        assert!(bad("{{slice .N 1 99}}").ends_with("index out of range: 99"));
        assert_eq!(
            ok(r#"{{html "<a href='x'>&\"</a>"}} {{js "a'b\"c<d>\\e&f=g\n"}} {{urlquery "a b&c=d/é"}}"#),
            r#"&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt; a\'b\"c\u003Cd\u003E\\e\u0026f\u003Dg\u000A a+b%26c%3Dd%2F%C3%A9"#
        );
        assert_eq!(ok(r#"{{html .N 1}} {{urlquery 1 "x"}} {{js 1 2}}"#), "bridge1 1x 1 2");
        assert_eq!(
            ok(r#"{{range .L}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}|{{range 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}"#),
            "ac|012"
        );
        assert_eq!(Template::parse("{{if 1}}{{break}}{{end}}").err().unwrap(), "template: :1: {{break}} outside {{range}}");
        assert_eq!(ok(r#"{{define "x"}}[{{.}}]{{end}}{{template "x" .N}}{{template "x"}}"#), "[bridge][<no value>]");
        assert_eq!(ok(r#"{{block "b" .N}}<{{.}}>{{end}}"#), "<bridge>");
        assert_eq!(
            bad(r#"{{template "nope"}}"#),
            "template: :1:11: executing \"\" at <{{template \"nope\"}}>: template \"nope\" not defined"
        );
        assert_eq!(
            Template::parse(r#"{{define "x"}}a{{end}}{{define "x"}}b{{end}}"#).err().unwrap(),
            "template: :1: template: multiple definition of template \"x\""
        );
        assert!(bad(r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#).contains("exceeded maximum template depth"));
        // Variables do not cross into a called template.
        assert!(bad(r#"{{$v := 1}}{{define "y"}}{{$v}}{{end}}{{template "y"}}"#).contains("undefined variable: $v"));
    }

    /// Typed times answer Go's time methods.
    #[test]
    fn time_methods() {
        let t = Val::Typed(&TIME, json!("2026-12-03T17:53:48.61079303Z"));
        let run = |src: &str| Template::parse(src).unwrap().render(&t, Options::default());
        assert_eq!(run("{{.Year}} {{.Month}} {{.Day}} {{.Weekday}} {{.Unix}}").unwrap(), "2026 December 3 Thursday 1796320428");
        assert_eq!(run(r#"{{.Format "2006-01-02"}} {{.UTC.Year}} {{if gt .Year 2000}}new{{end}}"#).unwrap(), "2026-12-03 2026 new");
        assert!(run("{{.Nope}}").unwrap_err().ends_with("can't evaluate field Nope in type time.Time"));
    }

    /// pad, truncate, len and range over integers behave as docker's Go functions do.
    #[test]
    fn functions_at_their_edges() {
        let d = json!({"N": "web"});
        let e = run("{{pad .N -1 0}}", d.clone()).unwrap_err();
        // Go shows the whole command of a failed call (docker CLI 28: `at <pad .Name -1 0>`).
        assert_eq!(e, "template: :1:2: executing \"\" at <pad .N -1 0>: error calling pad: strings: negative Repeat count");
        let e = run("{{truncate .N -1}}", d.clone()).unwrap_err();
        assert!(e.ends_with("error calling truncate: runtime error: slice bounds out of range [:-1]"), "{e}");
        assert_eq!(run("{{pad .N 2 1}}|{{pad \"\" 9223372036854775807 1}}|", d.clone()).unwrap(), "  web ||");
        assert!(run("{{len 1}}", d.clone()).unwrap_err().ends_with("error calling len: len of type int"));
        assert_eq!(run("{{range 3}}{{.}}{{end}}{{range $i := 2}}{{$i}}{{end}}", d.clone()).unwrap(), "01201");
        assert_eq!(run("{{range -1}}x{{else}}none{{end}}", d.clone()).unwrap(), "none");
        let e = run("{{range $i, $v := 3}}{{end}}", d).unwrap_err();
        assert!(e.contains("can't use 3 to iterate over more than one variable"), "{e}");
    }

    /// One run stops at its byte and step limits with an error that names them; the defaults
    /// are what the docs say.
    #[test]
    fn limits_stop_a_run() {
        let limits = Limits { max_bytes: 1000, max_steps: 500 };
        let opts = Options { limits, ..Options::default() };
        let run = |t: &str| Template::parse(t).unwrap().render(&Val::J(json!({"N": "web"})), opts);
        let e = run("{{pad .N 9223372036854775807 9223372036854775807}}").unwrap_err();
        assert_eq!(
            e,
            "template: :1:2: executing \"\" at <pad .N 9223372036854775807 9223372036854775807>: error calling pad: \
             the result would pass dockernet's limit of 1000 bytes on what one run of a template produces"
        );
        let e = run("{{range 100}}0123456789abcdef{{end}}").unwrap_err();
        assert!(e.contains("executing \"\": the result would pass dockernet's limit of 1000 bytes"), "{e}");
        let e = run("{{$x := \"ab\"}}{{range 64}}{{$x = printf \"%s%s\" $x $x}}{{end}}").unwrap_err();
        assert!(e.contains("error calling printf: the result would pass"), "{e}");
        for t in ["{{range 9223372036854775807}}{{end}}", "{{range 30}}{{range 30}}{{end}}{{end}}"] {
            let e = run(t).unwrap_err();
            assert_eq!(
                e,
                "template: :1: executing \"\": stopped after 500 steps (dockernet's limit on one run of a template)"
            );
        }
        let e = run("{{split (printf \"%900d\" 1) \"\"}}").unwrap_err();
        assert!(e.contains("error calling split: the result would pass"), "{e}");
        let d = Limits::default();
        assert_eq!((d.max_bytes, d.max_steps), (16 << 20, 10_000_000));
    }

    /// Nesting: the deepest template allowed parses and runs on a 2 MiB stack (a test thread's;
    /// the main thread has 8), one level more is a parse error, and 10,000 levels never reach
    /// the stack.
    #[test]
    fn nesting_limits() {
        let deepest = format!(
            "{}{{{{{}.{}}}}}{}",
            "{{with .}}".repeat(MAX_NESTING),
            "(".repeat(MAX_PAREN_DEPTH),
            ")".repeat(MAX_PAREN_DEPTH),
            "{{end}}".repeat(MAX_NESTING)
        );
        let out = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || run(&deepest, json!("ok")))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(out.unwrap(), "ok");
        let parens = |n: usize| format!("{{{{{}1{}}}}}", "(".repeat(n), ")".repeat(n));
        assert_eq!(
            Template::parse(&parens(MAX_PAREN_DEPTH + 1)).unwrap_err(),
            "template: :1: max expression depth exceeded (parentheses nest at most 100 deep)"
        );
        assert!(Template::parse(&parens(10_000)).unwrap_err().contains("max expression depth exceeded"));
        let blocks = |n: usize| format!("{}{}", "{{range .}}".repeat(n), "{{end}}".repeat(n));
        assert!(Template::parse(&blocks(MAX_NESTING)).is_ok());
        assert_eq!(
            Template::parse(&blocks(MAX_NESTING + 1)).unwrap_err(),
            "template: :1: blocks nested too deeply (if, range and with nest at most 100 deep)"
        );
        let chain = |n: usize| format!("{{{{if 0}}}}{}{{{{end}}}}", "{{else if 0}}".repeat(n));
        assert!(Template::parse(&chain(MAX_NESTING - 1)).is_ok());
        assert!(Template::parse(&chain(100_000)).unwrap_err().contains("nested too deeply"));
    }
}
