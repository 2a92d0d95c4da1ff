//! The executor: walks the tree on the data, within the [`Limits`]; fields, variables,
//! pipelines, `range` and `{{template}}` calls.

use super::*;

pub(super) struct Exec<'a> {
    pub(super) src: &'a str,
    pub(super) opts: Options,
    pub(super) vars: Vec<(String, Val)>,
    pub(super) out: &'a mut String,
    /// What is left of [`Limits::max_bytes`].
    pub(super) bytes_left: usize,
    /// What is left of [`Limits::max_steps`].
    pub(super) steps_left: u64,
    /// The defined templates `{{template}}` calls.
    pub(super) defs: &'a std::collections::BTreeMap<String, Rc<Vec<Node>>>,
    /// How many `{{template}}` calls enclose the current node.
    pub(super) depth: usize,
}

impl Template {
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

impl Exec<'_> {
    pub(super) fn err_at(&self, op: &Operand, msg: impl std::fmt::Display) -> String {
        let line_start = self.src[..op.pos.min(self.src.len())].rfind('\n').map(|k| k + 1).unwrap_or(0);
        format!(
            "template: :{}:{}: executing \"\" at <{}>: {msg}",
            line_of(self.src, op.pos),
            op.pos - line_start,
            op.display()
        )
    }

    /// Counts one step against [`Limits::max_steps`].
    pub(super) fn step(&mut self) -> Result<(), String> {
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
    pub(super) fn reserve(&mut self, n: usize) -> Result<(), String> {
        if n > self.bytes_left {
            return Err(too_big(self.opts.limits.max_bytes));
        }
        self.bytes_left -= n;
        Ok(())
    }

    /// Writes `s` to the output, within the byte limit.
    pub(super) fn emit(&mut self, s: &str) -> Result<(), String> {
        self.reserve(s.len()).map_err(|e| format!("template: :1: executing \"\": {e}"))?;
        self.out.push_str(s);
        Ok(())
    }

    pub(super) fn walk(&mut self, nodes: &[Node], dot: &Val) -> Result<Flow, String> {
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

    pub(super) fn range(&mut self, pipe: &Pipe, body: &[Node], els: &[Node], dot: &Val) -> Result<(), String> {
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
    pub(super) fn range_int(&mut self, n: i64, pipe: &Pipe, body: &[Node], els: &[Node], dot: &Val) -> Result<(), String> {
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

    pub(super) fn pipe(&mut self, pipe: &Pipe, dot: &Val) -> Result<Val, String> {
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

    pub(super) fn command(&mut self, cmd: &Cmd, dot: &Val, fin: Option<Val>) -> Result<Val, String> {
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
    pub(super) fn operand(&mut self, op: &Operand, dot: &Val) -> Result<Val, String> {
        let mut v = self.term(op, dot)?;
        for f in &op.fields {
            v = self.field(&v, f, &[]).map_err(|e| self.err_at(op, e))?;
        }
        Ok(v)
    }

    /// The term itself, before its fields.
    pub(super) fn term(&mut self, op: &Operand, dot: &Val) -> Result<Val, String> {
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

    pub(super) fn field(&self, recv: &Val, name: &str, args: &[Val]) -> Result<Val, String> {
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
}

/// The count a `range` over an integer runs (Go 1.22 ranges over ints): `None` for anything
/// else. A `uint64` past `i64::MAX` is as good as endless, and the step limit ends it.
pub(super) fn range_int(v: &Val) -> Option<i64> {
    match v {
        Val::J(Value::Number(n)) => n.as_i64().or_else(|| n.as_u64().map(|_| i64::MAX)),
        Val::Typed(Ty::Int, j) => j.as_i64(),
        _ => None,
    }
}
