//! Go templates (`text/template`) as the docker CLI runs them for `--format`: the language subset
//! real format strings use, and docker's template functions.
//!
//! Supported: text and `{{ }}` actions with `{{-`/`-}}` trimming and `{{/* comments */}}`;
//! fields `.A.B`, `$`, variables (`$x := …`, `$x = …`, `range $i, $v := …`), parenthesised
//! pipelines, `|` pipes, string/number/bool/nil literals; `if`/`else if`/`else`, `range` (maps in
//! key order, with `else`), `with`; the builtins `and or not len index print printf println eq ne
//! lt le gt ge` and docker's `json split join title lower upper pad truncate`. Not supported:
//! `define`/`template`/`block`, `break`/`continue`, `call`, `slice`, `html`, `js`, `urlquery`.
//!
//! Why our own and not the gtmpl crate: gtmpl cannot pass arguments to a field (`.Label "k"`),
//! ranges over maps in random order, runs a range's `else` even when it iterated, and prints
//! lists and maps in Rust's debug syntax instead of Go's `[a b]` / `map[k:v]`.
//!
//! Data is a [`Val`]: daemon JSON, JSON read as one of the CLI's Go types (`typed.rs`), or an
//! [`Object`] with methods (the `ls` row).
//! Errors read like Go's: `template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"`.

use std::rc::Rc;

use serde_json::{Number, Value};

use super::gojson;
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
}

/// How a template runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `missingkey=error` (the CLI's inspect fallback): a missing map key is an error.
    pub missing_key_error: bool,
    /// Header mode: docker's `HeaderFunctions` (json, split, join, title, lower, upper and
    /// truncate return their first argument unchanged).
    pub header: bool,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipe),
    If { pipe: Pipe, then: Vec<Node>, els: Vec<Node> },
    Range { pipe: Pipe, body: Vec<Node>, els: Vec<Node> },
    With { pipe: Pipe, body: Vec<Node>, els: Vec<Node> },
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
const MORE_FUNCS: [&str; 1] = ["truncate"];

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
                let p = self.pipeline("parenthesized pipeline", true)?;
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
}

impl Frame {
    fn list(&mut self) -> &mut Vec<Node> {
        match self {
            Frame::If { then, els, .. } => els.as_mut().unwrap_or(then),
            Frame::Range { body, els, .. } | Frame::With { body, els, .. } => els.as_mut().unwrap_or(body),
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
        }
    }
}

impl Template {
    /// Parses a template. Errors read like Go's (`template: :1: unclosed action`).
    pub fn parse(src: &str) -> Result<Template, String> {
        let mut root: Vec<Node> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
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
            let mut p = PipeParser { src, toks: &toks, i: 0, end_pos: next };
            let keyword = match &toks[0].tok {
                Tok::Ident(w) if matches!(w.as_str(), "if" | "range" | "with" | "else" | "end") => Some(w.clone()),
                Tok::Ident(w) if matches!(w.as_str(), "define" | "template" | "block" | "break" | "continue") => {
                    return Err(parse_err(src, open, format!("{{{{{w}}}}} is not supported in dockernet's templates")));
                }
                _ => None,
            };
            match keyword.as_deref() {
                None => {
                    let pipe = p.pipeline("command", true)?;
                    finish(&p)?;
                    current(&mut stack, &mut root).push(Node::Action(pipe));
                }
                Some(kw @ ("if" | "range" | "with")) => {
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
                    let Some(top) = stack.last_mut() else {
                        return Err(parse_err(src, open, "unexpected {{else}}"));
                    };
                    let has_else = match top {
                        Frame::If { els, .. } | Frame::Range { els, .. } | Frame::With { els, .. } => els.is_some(),
                    };
                    if has_else {
                        return Err(parse_err(src, open, "expected end; found {{else}}"));
                    }
                    match top {
                        Frame::If { els, .. } | Frame::Range { els, .. } | Frame::With { els, .. } => {
                            *els = Some(Vec::new())
                        }
                    }
                    match toks.get(1).map(|t| &t.tok) {
                        None => {}
                        Some(Tok::Ident(w)) if w == "if" || w == "with" => {
                            let w = w.clone();
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
        Ok(Template { src: src.to_string(), root })
    }

    /// Runs the template on `data`, appending to `out`. On error `out` keeps what was written
    /// before the failure (as Go's writer does).
    pub fn execute(&self, data: &Val, opts: Options, out: &mut String) -> Result<(), String> {
        let mut ex = Exec { src: &self.src, opts, vars: vec![("$".to_string(), data.clone())], out };
        ex.walk(&self.root, data)
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
            Term::Lit(v) => v.to_string(),
            Term::Sub(_) => "(…)".to_string(),
        };
        let fields: String = self.fields.iter().map(|f| format!(".{f}")).collect();
        format!("{base}{fields}")
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

    fn walk(&mut self, nodes: &[Node], dot: &Val) -> Result<(), String> {
        for node in nodes {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(pipe) => {
                    let v = self.pipe(pipe, dot)?;
                    if pipe.decl.is_empty() {
                        let s = print_val(&v);
                        self.out.push_str(&s);
                    }
                }
                Node::If { pipe, then, els } => {
                    let mark = self.vars.len();
                    let v = self.pipe(pipe, dot)?;
                    let r = if truth(&v) { self.walk(then, dot) } else { self.walk(els, dot) };
                    self.vars.truncate(mark);
                    r?;
                }
                Node::With { pipe, body, els } => {
                    let mark = self.vars.len();
                    let v = self.pipe(pipe, dot)?;
                    let r = if truth(&v) { self.walk(body, &v) } else { self.walk(els, dot) };
                    self.vars.truncate(mark);
                    r?;
                }
                Node::Range { pipe, body, els } => {
                    let mark = self.vars.len();
                    let r = self.range(pipe, body, els, dot);
                    self.vars.truncate(mark);
                    r?;
                }
            }
        }
        Ok(())
    }

    fn range(&mut self, pipe: &Pipe, body: &[Node], els: &[Node], dot: &Val) -> Result<(), String> {
        // The declared variables are set per element, not to the whole pipeline value.
        let plain = Pipe { decl: Vec::new(), assign: false, cmds: pipe.cmds.clone() };
        let v = deobj(&self.pipe(&plain, dot)?);
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
            Val::J(Value::Number(n)) if n.as_u64().is_some() => {
                (0..n.as_u64().unwrap_or_default()).map(|i| (Val::J(Value::from(i)), Val::J(Value::from(i)))).collect()
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
            return self.walk(els, dot);
        }
        let mark = self.vars.len();
        for (k, x) in items {
            self.vars.truncate(mark);
            match pipe.decl.as_slice() {
                [] => {}
                [v1] => self.vars.push((v1.clone(), x.clone())),
                [v1, v2, ..] => {
                    self.vars.push((v1.clone(), k));
                    self.vars.push((v2.clone(), x.clone()));
                }
            }
            self.walk(body, &x)?;
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
                self.call_func(name, &args).map_err(|e| self.err_at(first, format!("error calling {name}: {e}")))
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
            Val::Missing | Val::J(Value::Null) => Err(format!("nil pointer evaluating interface {{}}.{name}")),
            other => Err(format!("can't evaluate field {name} in type {}", go_type(other))),
        }
    }

    fn call_func(&self, name: &str, args: &[Val]) -> Result<Val, String> {
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
                Ok(Val::str(match &args[0] {
                    Val::Missing => "null".to_string(),
                    // Decoded JSON is Go's map[string]interface{}: json.Marshal sorts its keys.
                    Val::J(v) => gojson::compact(&gojson::sorted(v), false),
                    Val::Typed(ty, v) => ty.json(v),
                    Val::Obj(o) => o.json(),
                }))
            }
            "split" => {
                nargs(2)?;
                let (s, sep) = (as_str(&args[0])?, as_str(&args[1])?);
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
                Ok(Val::str(items.join(&as_str(&args[1])?)))
            }
            "title" => {
                nargs(1)?;
                let mut prev_letter = false;
                let s: String = as_str(&args[0])?
                    .chars()
                    .map(|c| {
                        let out = if !prev_letter { c.to_uppercase().next().unwrap_or(c) } else { c };
                        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
                        out
                    })
                    .collect();
                Ok(Val::str(s))
            }
            "lower" => {
                nargs(1)?;
                Ok(Val::str(as_str(&args[0])?.to_lowercase()))
            }
            "upper" => {
                nargs(1)?;
                Ok(Val::str(as_str(&args[0])?.to_uppercase()))
            }
            "pad" => {
                nargs(3)?;
                let s = as_str(&args[0])?;
                let (pre, post) = (as_int(&args[1])?.max(0) as usize, as_int(&args[2])?.max(0) as usize);
                if s.is_empty() {
                    return Ok(Val::str(s));
                }
                Ok(Val::str(format!("{}{s}{}", " ".repeat(pre), " ".repeat(post))))
            }
            "truncate" => {
                nargs(2)?;
                let s = as_str(&args[0])?;
                let n = as_int(&args[1])?.max(0) as usize;
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
                let mut s = String::new();
                for (i, a) in args.iter().enumerate() {
                    let is_str = |v: &Val| matches!(v, Val::J(Value::String(_)));
                    if i > 0 && !is_str(a) && !is_str(&args[i - 1]) {
                        s.push(' ');
                    }
                    s.push_str(&print_val(a));
                }
                Ok(Val::str(s))
            }
            "println" => {
                let parts: Vec<String> = args.iter().map(print_val).collect();
                Ok(Val::str(format!("{}\n", parts.join(" "))))
            }
            "printf" => {
                if args.is_empty() {
                    return Err("wrong number of args for printf: want at least 1 got 0".to_string());
                }
                Ok(Val::str(sprintf(&as_str(&args[0])?, &args[1..])))
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

/// A small `fmt.Sprintf`: verbs `v s d q t x`, flags `-` and `0`, width and precision.
fn sprintf(format: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next_arg = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut left, mut zero) = (false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next_arg += 1;
        let mut s = match verb {
            'q' => match arg {
                Val::J(Value::String(s)) => gojson::compact(&Value::String(s.clone()), false),
                other => format!("%!q({})", print_val(other)),
            },
            'x' => match arg {
                Val::J(Value::Number(n)) if n.as_i64().is_some() => format!("{:x}", n.as_i64().unwrap_or_default()),
                other => print_val(other).bytes().map(|b| format!("{b:02x}")).collect(),
            },
            _ => print_val(arg),
        };
        if let (Some(p), 's' | 'v' | 'q') = (prec, verb) {
            s = s.chars().take(p).collect();
        }
        let w: usize = width.parse().unwrap_or(0);
        let len = s.chars().count();
        if len < w {
            let pad = w - len;
            if left {
                s.push_str(&" ".repeat(pad));
            } else if zero && matches!(verb, 'd' | 'x') {
                s = format!("{}{s}", "0".repeat(pad));
            } else {
                s = format!("{}{s}", " ".repeat(pad));
            }
        }
        out.push_str(&s);
    }
    if next_arg < args.len() {
        let extra: Vec<String> = args[next_arg..].iter().map(|a| format!("{}={}", go_type(a), print_val(a))).collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
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
            Template::parse("{{.Foo}}")?.render(&Val::J(json!({})), Options { missing_key_error: true, header: false })
        });
        assert_eq!(e.unwrap_err(), "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"");
        assert_eq!(Template::parse("{{.Name").unwrap_err(), "template: :1: unclosed action");
        assert_eq!(Template::parse("{{nope .}}").unwrap_err(), "template: :1: function \"nope\" not defined");
        assert_eq!(Template::parse("{{if .}}x").unwrap_err(), "template: :1: unexpected EOF");
        let header = Template::parse("{{upper .A}}").unwrap();
        assert_eq!(
            header.render(&Val::J(json!({"A": "abc"})), Options { missing_key_error: false, header: true }).unwrap(),
            "abc"
        );
    }
}
