//! The parser: actions into a tree of [`Node`]s (pipelines, commands, operands), blocks and
//! their `else`s, `break`/`continue`, and `define`/`template`/`block`.

use super::*;

#[derive(Debug, Clone)]
pub(super) enum Node {
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
pub(super) enum Flow {
    Normal,
    Break,
    Continue,
}

#[derive(Debug, Clone)]
pub(super) struct Pipe {
    pub(super) decl: Vec<String>,
    pub(super) assign: bool,
    pub(super) cmds: Vec<Cmd>,
}

#[derive(Debug, Clone)]
pub(super) struct Cmd {
    pub(super) args: Vec<Operand>,
}

#[derive(Debug, Clone)]
pub(super) struct Operand {
    pub(super) pos: usize,
    pub(super) term: Term,
    /// Fields chained after the term (`$x.A.B`, `(pipe).A`).
    pub(super) fields: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) enum Term {
    Dot,
    Field,
    Var(String),
    Func(String),
    Lit(Value),
    Sub(Box<Pipe>),
}

pub(super) const FUNCS: [&str; 21] = [
    "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge", "json",
    "split", "join", "title", "lower", "upper", "pad",
];

pub(super) const MORE_FUNCS: [&str; 5] = ["truncate", "slice", "html", "js", "urlquery"];

pub(super) fn is_func(name: &str) -> bool {
    FUNCS.contains(&name) || MORE_FUNCS.contains(&name)
}

pub(super) struct PipeParser<'a> {
    pub(super) src: &'a str,
    pub(super) toks: &'a [Token],
    pub(super) i: usize,
    pub(super) end_pos: usize,
    /// How many parenthesised pipelines enclose the current token.
    pub(super) depth: usize,
}

impl PipeParser<'_> {
    pub(super) fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    pub(super) fn err(&self, msg: impl std::fmt::Display) -> String {
        let pos = self.peek().map(|t| t.pos).unwrap_or(self.end_pos);
        parse_err(self.src, pos, msg)
    }

    /// pipeline := [decl] command ('|' command)*
    pub(super) fn pipeline(&mut self, ctx: &str, allow_decl: bool) -> Result<Pipe, String> {
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

    pub(super) fn command(&mut self) -> Result<Cmd, String> {
        let mut args = Vec::new();
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Bar | Tok::RParen => break,
                _ => args.push(self.operand()?),
            }
        }
        Ok(Cmd { args })
    }

    pub(super) fn operand(&mut self) -> Result<Operand, String> {
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

pub(super) enum Frame {
    If { pipe: Pipe, then: Vec<Node>, els: Option<Vec<Node>>, chained: bool },
    Range { pipe: Pipe, body: Vec<Node>, els: Option<Vec<Node>> },
    With { pipe: Pipe, body: Vec<Node>, els: Option<Vec<Node>>, chained: bool },
    /// `{{define "name"}}` or `{{block "name" pipeline}}` (`call` holds the block's call node).
    Define { name: String, body: Vec<Node>, call: Option<Node> },
}

impl Frame {
    pub(super) fn list(&mut self) -> &mut Vec<Node> {
        match self {
            Frame::If { then, els, .. } => els.as_mut().unwrap_or(then),
            Frame::Range { body, els, .. } | Frame::With { body, els, .. } => els.as_mut().unwrap_or(body),
            Frame::Define { body, .. } => body,
        }
    }
    pub(super) fn chained(&self) -> bool {
        matches!(self, Frame::If { chained: true, .. } | Frame::With { chained: true, .. })
    }
    pub(super) fn into_node(self) -> Node {
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
}

pub(super) fn finish(p: &PipeParser) -> Result<(), String> {
    match p.peek() {
        None => Ok(()),
        Some(t) if t.tok == Tok::RParen => Err(parse_err(p.src, t.pos, "unexpected right paren")),
        Some(t) => Err(parse_err(p.src, t.pos, "unexpected token in command")),
    }
}

pub(super) fn current<'a>(stack: &'a mut [Frame], root: &'a mut Vec<Node>) -> &'a mut Vec<Node> {
    match stack.last_mut() {
        Some(f) => f.list(),
        None => root,
    }
}

impl Operand {
    pub(super) fn display(&self) -> String {
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
    pub(super) fn display(&self) -> String {
        self.args.iter().map(Operand::display).collect::<Vec<_>>().join(" ")
    }
}

impl Pipe {
    pub(super) fn display(&self) -> String {
        let decl = match (self.decl.as_slice(), self.assign) {
            ([], _) => String::new(),
            (d, false) => format!("{} := ", d.join(", ")),
            (d, true) => format!("{} = ", d.join(", ")),
        };
        format!("{decl}{}", self.cmds.iter().map(Cmd::display).collect::<Vec<_>>().join(" | "))
    }
}
