//! The template functions: Go's builtins (`and`, `len`, `index`, `slice`, `print`, `printf`,
//! `html`, `js`, `urlquery`, comparisons) and docker's (`json`, `split`, `join`, `title`, `lower`,
//! `upper`, `pad`, `truncate`), with a small `fmt.Sprintf`.

use super::*;

impl Exec<'_> {
    pub(super) fn call_func(&mut self, name: &str, args: &[Val]) -> Result<Val, String> {
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
pub(super) fn go_sprint(args: &[Val]) -> String {
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
pub(super) fn quote_elements(v: &Val) -> String {
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
pub(super) fn html_escape(s: &str) -> String {
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
pub(super) fn js_escape(s: &str) -> String {
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
pub(super) fn query_escape(s: &str) -> String {
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

/// What a producer says when [`Limits::max_bytes`] would be exceeded.
pub(super) fn too_big(limit: usize) -> String {
    let size = match limit {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    };
    format!("the result would pass dockernet's limit of {size} on what one run of a template produces")
}

/// Go's fmt `tooLarge`: widths and precisions past ±1e6 are refused.
pub(super) const FMT_MAX: i64 = 1_000_000;

/// Go's fmt `parsenum` over `f[i..]`: (number, whether there was one, index after it). A
/// number that grows past [`FMT_MAX`] consumes the rest of the format, as Go's does (the verb
/// then reads `%!(NOVERB)`).
pub(super) fn parsenum(f: &[char], mut i: usize) -> (usize, bool, usize) {
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
pub(super) fn int_arg(args: &[Val], n: usize) -> (i64, bool, usize) {
    let Some(a) = args.get(n) else {
        return (0, false, n);
    };
    match as_int(a) {
        Ok(x) if (-FMT_MAX..=FMT_MAX).contains(&x) => (x, true, n + 1),
        _ => (0, false, n + 1),
    }
}

/// The state of one `Sprintf` run that explicit argument indexes (`%[2]d`) change.
pub(super) struct ArgState {
    pub(super) num: usize,
    /// An explicit index was used: extra arguments are not reported (as Go).
    pub(super) reordered: bool,
    /// The current verb's index is valid.
    pub(super) good: bool,
}

impl ArgState {
    /// Go's fmt `argNumber`: an explicit `[n]` at `f[i..]` — (index after it, whether found).
    pub(super) fn arg_number(&mut self, f: &[char], i: usize, nargs: usize) -> (usize, bool) {
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
pub(super) struct Flags {
    pub(super) minus: bool,
    pub(super) zero: bool,
    pub(super) plus: bool,
    pub(super) space: bool,
}

/// A small `fmt.Sprintf`: verbs `v s d q t x` (others print as `v`), Go's flags, widths and
/// precisions (digits, `*` from an argument, at most 1e6: `%!(BADWIDTH)`, `%!(BADPREC)`,
/// `%!(NOVERB)` as Go prints them) and explicit argument indexes (`%[2]d`). `Err` when the
/// result would pass `room` bytes (checked before any padding is made).
pub(super) fn sprintf(format: &str, args: &[Val], room: usize) -> Result<String, ()> {
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
pub(super) fn format_arg(arg: &Val, verb: char, fl: &Flags, wid: usize, prec: Option<usize>, room: usize) -> Result<String, ()> {
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
