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
//! Layout: `lexer.rs` (one action's tokens), `parser.rs` (the tree), `value.rs` (values and
//! what Go does with them), `exec.rs` (walking the tree on data), `functions.rs` (the builtins and
//! docker's functions, `printf`); this file holds the [`Template`] type, its options and limits.
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

mod exec;
mod functions;
mod lexer;
mod parser;
mod value;

use exec::*;
use functions::*;
use lexer::*;
use parser::*;
pub use value::{print_val, row_call, want_args, Object, Val};
use value::*;

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
