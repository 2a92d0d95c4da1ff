//! The bounded fuzz suite of the CLI (issue 10): random `--format` templates run against a
//! sample network the way `ls` and `inspect` run them, and random argument vectors (flags, `=`,
//! bytes that are not UTF-8) through the argument check and the `network` and topology
//! command parsers. The property is the same everywhere: no panic, no abort, and a failure is
//! an error that says so (`template: …`, a usage message, a non-zero exit status).
//!
//! Runs are deterministic (ChaCha with a fixed seed, no failure persistence) and small (a few
//! seconds in a debug build); the templates run with small [`Limits`] so a runaway loop ends
//! fast. Every crash these suites ever found is kept in `found_crashes` below as an explicit
//! case. For a longer run, raise the case counts with `DOCKERNET_FUZZ_CASES=N` and pick other
//! cases with `DOCKERNET_FUZZ_SEED=N` (see README).

use std::ffi::OsString;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};

use super::template::{Limits, Options, Template, Val};
use super::{inspect, ls, typed};

/// Limits small enough that a loop or a doubling string ends in milliseconds.
const SMALL: Limits = Limits { max_bytes: 64 << 10, max_steps: 20_000 };

/// A runner with a fixed seed: the same cases on every machine and every run. A longer run sets
/// `DOCKERNET_FUZZ_CASES` (cases per suite) and `DOCKERNET_FUZZ_SEED` (a number: other cases,
/// still reproducible from it).
fn runner(default_cases: u32) -> TestRunner {
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<u64>().ok());
    let cases = env("DOCKERNET_FUZZ_CASES").map_or(default_cases, |n| n.min(u64::from(u32::MAX)) as u32);
    let config = Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    let rng = match env("DOCKERNET_FUZZ_SEED") {
        Some(seed) => {
            TestRng::from_seed(RngAlgorithm::ChaCha, &[seed.to_le_bytes(), [0x5a; 8], [0xa5; 8], [7; 8]].concat())
        }
        None => TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    };
    TestRunner::new_with_rng(config, rng)
}

/// A network as the daemon returns it (inspect shape; `ls` rows use the same keys).
fn network_doc() -> Value {
    json!({
        "Name": "web", "Id": "0123456789abcdef0123456789abcdef", "Created": "2026-11-28T04:37:14.326921054Z",
        "Scope": "local", "Driver": "bridge", "EnableIPv4": true, "EnableIPv6": false,
        "IPAM": {"Driver": "default", "Options": {}, "Config": [{"Subnet": "10.201.250.0/24", "Gateway": "10.201.250.1", "AuxiliaryAddresses": {"r": "10.201.250.5"}}]},
        "Internal": false, "Attachable": true, "Ingress": false, "ConfigFrom": {"Network": ""}, "ConfigOnly": false,
        "Containers": {"c0ffee": {"Name": "box", "EndpointID": "e1", "MacAddress": "02:42:0a:c9:fa:02", "IPv4Address": "10.201.250.2/24", "IPv6Address": ""}},
        "Options": {"com.docker.network.driver.mtu": "1400"}, "Labels": {"com.example.tier": "front", "ß": "straße", "n": "7"}
    })
}

/// Fields, variables and `.`: what templates read (`$x` and `$y` are declared up front).
const READS: &[&str] = &[
    ".",
    "$",
    "$x",
    "$y",
    ".Name",
    ".ID",
    ".Id",
    ".IPAM",
    ".IPAM.Config",
    ".Labels",
    ".Labels.n",
    ".Containers",
    ".Options",
    ".Created",
    ".CreatedAt",
    ".Driver",
    ".Internal",
    ".Nope",
    "$.Name",
    "$x.Name",
    ".Name.Foo",
    ".Label \"n\"",
    ".IPAM.Driver",
];

/// Every function the engine knows, with the fewest and most arguments a call gets here
/// (`printf` takes a format from [`FORMATS`] first).
const FUNCS: &[(&str, usize, usize)] = &[
    ("and", 1, 3),
    ("or", 1, 3),
    ("not", 1, 1),
    ("len", 1, 1),
    ("index", 1, 3),
    ("print", 0, 3),
    ("printf", 0, 3),
    ("println", 0, 3),
    ("eq", 2, 3),
    ("ne", 2, 2),
    ("lt", 2, 2),
    ("le", 2, 2),
    ("gt", 2, 2),
    ("ge", 2, 2),
    ("json", 1, 1),
    ("split", 2, 2),
    ("join", 2, 2),
    ("title", 1, 1),
    ("lower", 1, 1),
    ("upper", 1, 1),
    ("pad", 3, 3),
    ("truncate", 2, 2),
    ("slice", 1, 4),
    ("html", 0, 3),
    ("js", 0, 3),
    ("urlquery", 0, 3),
];

/// Names the engine refuses (Go's, not supported, or none at all): parse errors.
const UNKNOWN: &[&str] = &["call", "nope"];

/// Literals, with the numbers that sized allocations and loops before (issue 10, item 4).
const LITERALS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "7",
    "64",
    "1000000",
    "1000001",
    "9999999",
    "99999999",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "999999999999",
    "0x10",
    "1.5",
    "1_0",
    "true",
    "false",
    "nil",
    "\"\"",
    "\"a\"",
    "\",\"",
    "\"ß\"",
    "`raw`",
    "\"\\xff\"",
    "\"\\u00e9\"",
];

/// Literals the lexer refuses.
const BAD_LITERALS: &[&str] = &["0x", "-0x10", "1e400", "\"\\q\"", "'a'", ".5.5"];

/// printf formats: widths, precisions and indexes at and past Go's limits.
const FORMATS: &[&str] = &[
    "\"%d\"",
    "\"%s%s\"",
    "\"%v|%v\"",
    "\"%999999999999d\"",
    "\"%9999999d\"",
    "\"%*d\"",
    "\"%-*d\"",
    "\"%.*s\"",
    "\"%[2]d\"",
    "\"%[0]d\"",
    "\"%[9]*d\"",
    "\"%-5s|%05d\"",
    "\"%+.3d\"",
    "\"%!\"",
    "\"%\"",
    "\"%.\"",
    "\"%.999999999999s\"",
    "\"%[1]*.[2]*[3]d\"",
    "\"%q %x %v %t\"",
    "\"%6.2q\"",
    "\"%x\"",
];

/// Loose pieces for the token soup: delimiters, keywords and fragments in any order.
const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{- ",
    " -}}",
    "{{/*",
    "*/}}",
    "(",
    ")",
    "|",
    ":=",
    "=",
    ",",
    " ",
    "\n",
    "$x",
    "$",
    ".",
    ".Name",
    ".Labels",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "break",
    "\"",
    "`",
    "printf",
    "pad",
    "split",
    "9223372036854775807",
    "-1",
    "1",
    "\"%*d\"",
    "é",
    "\u{FFFD}",
    "{{end}}",
    "{{else}}",
    "{{if 1}}",
    "{{range 3}}",
    "{{with .Name}}",
    "-",
    "}",
    "{",
];

/// A call of a known function: `piped` when the previous command's value comes as the last
/// argument (one fewer written here).
fn call(arg: BoxedStrategy<String>, piped: bool) -> impl Strategy<Value = String> {
    select(FUNCS).prop_flat_map(move |(f, lo, hi)| {
        let (lo, hi) = if piped { (lo.saturating_sub(1), hi.saturating_sub(1)) } else { (lo, hi) };
        let format = if f == "printf" && !piped {
            select(FORMATS).prop_map(|s| format!(" {s}")).boxed()
        } else {
            Just(String::new()).boxed()
        };
        (format, prop::collection::vec(arg.clone(), lo..=hi))
            .prop_map(move |(fmt, args)| format!("{f}{fmt} {}", args.join(" ")))
    })
}

/// An argument: a read, a literal, or a parenthesised call (nested up to a few levels).
fn argument() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        30 => select(READS).prop_map(str::to_string),
        30 => select(LITERALS).prop_map(str::to_string),
        8 => select(FORMATS).prop_map(str::to_string),
        1 => select(BAD_LITERALS).prop_map(str::to_string),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            call(inner.clone(), false).prop_map(|c| format!("({c})")),
            (inner.clone(), call(inner, true)).prop_map(|(a, c)| format!("({a} | {c})")),
        ]
    })
    .boxed()
}

/// A command: mostly a function call, else a read or a literal; rarely an unknown name.
fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => call(argument(), false),
        20 => argument(),
        1 => (select(UNKNOWN), argument()).prop_map(|(f, a)| format!("{f} {a}")),
    ]
}

fn pipeline() -> impl Strategy<Value = String> {
    let decl = select(&["", "", "", "", "$x := ", "$y := ", "$x = "][..]);
    let stage = call(argument(), true).prop_map(|c| format!(" | {c}"));
    (decl, command(), prop::collection::vec(stage, 0..3))
        .prop_map(|(d, c, stages)| format!("{d}{c}{}", stages.concat()))
}

/// Templates shaped like real ones: text, actions and nested if/range/with/else blocks.
fn template() -> impl Strategy<Value = String> {
    let text = select(&["x", " ", "\n", "\t", "}", "%", "ß", "{{/* c */}}"][..]).prop_map(str::to_string);
    let action = (select(&["{{", "{{- "][..]), pipeline(), select(&["}}", " -}}"][..]))
        .prop_map(|(open, p, close)| format!("{open}{p}{close}"));
    let leaf = prop_oneof![text, action];
    let body = leaf.prop_recursive(5, 48, 6, |inner| {
        let list = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
        let keyword = select(&["if", "range", "with", "range $i, $v :=", "range $v :="][..]);
        let els = select(&["", "else", "else if", "else with"][..]);
        (keyword, pipeline(), list.clone(), els, pipeline(), list).prop_map(|(kw, p, a, els, q, b)| {
            // A range that declares its variables takes a pipeline without another decl.
            let p = if kw.ends_with(":=") {
                p.split_once(":= ").or(p.split_once("= ")).map_or(p.clone(), |(_, r)| r.to_string())
            } else {
                p
            };
            match els {
                "" => format!("{{{{{kw} {p}}}}}{a}{{{{end}}}}"),
                "else" => format!("{{{{{kw} {p}}}}}{a}{{{{else}}}}{b}{{{{end}}}}"),
                chain => format!("{{{{{kw} {p}}}}}{a}{{{{{chain} {q}}}}}{b}{{{{end}}}}"),
            }
        })
    });
    let prelude = select(&["{{$x := .}}{{$y := .Name}}", "{{$x := \"ab\"}}{{$y := 3}}", ""][..]);
    (prelude, prop::collection::vec(body, 1..4)).prop_map(|(p, v)| format!("{p}{}", v.concat()))
}

/// A string-valued expression, built from the functions whose sizes depend on their arguments.
fn string_expr() -> BoxedStrategy<String> {
    let leaf = select(&["\"ab\"", "\"\"", "\"ß\"", ".Name", ".Driver", "$s", "(index .Labels \"n\")", "`a,b,c`"][..])
        .prop_map(str::to_string);
    leaf.prop_recursive(4, 16, 3, |s| {
        let i = int_expr(s.clone());
        prop_oneof![
            (select(FORMATS), s.clone(), i.clone()).prop_map(|(f, a, n)| format!("(printf {f} {a} {n})")),
            (select(FORMATS), i.clone(), i.clone(), s.clone())
                .prop_map(|(f, a, b, c)| format!("(printf {f} {a} {b} {c})")),
            (s.clone(), i.clone(), i.clone()).prop_map(|(a, n, m)| format!("(pad {a} {n} {m})")),
            (s.clone(), i.clone()).prop_map(|(a, n)| format!("(truncate {a} {n})")),
            (select(&["upper", "lower", "title", "json"][..]), s.clone()).prop_map(|(f, a)| format!("({f} {a})")),
            (s.clone(), s.clone(), s.clone()).prop_map(|(a, b, c)| format!("(join (split {a} {b}) {c})")),
            (s.clone(), s.clone()).prop_map(|(a, b)| format!("(print {a} {b})")),
            (s.clone(), s).prop_map(|(a, b)| format!("({a} | printf \"%s%s\" {b})")),
        ]
    })
    .boxed()
}

/// An integer-valued expression: literals at Go's limits and past them, or a length.
fn int_expr(s: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(&["0", "1", "-1", "3", "64", "1000000", "1000001", "99999999", "9223372036854775807", "-9223372036854775808", "$n"][..]).prop_map(str::to_string),
        1 => s.prop_map(|a| format!("(len {a})")),
    ]
    .boxed()
}

/// Well-typed templates aimed at what sized allocations and loops: they mostly run, so the
/// limits (not type errors) are what stops them.
fn typed_template() -> impl Strategy<Value = String> {
    let s = string_expr();
    let i = int_expr(s.clone());
    let action = prop_oneof![
        4 => s.clone().prop_map(|a| format!("{{{{{a}}}}}")),
        2 => s.clone().prop_map(|a| format!("{{{{$s = {a}}}}}")),
        1 => Just("{{$s = printf \"%s%s\" $s $s}}".to_string()),
        1 => (i.clone(), s.clone()).prop_map(|(n, a)| format!("{{{{range $k := {n}}}}}{{{{$s = printf \"%s%v\" $s {a}}}}}{{{{end}}}}")),
        1 => (i.clone(), i).prop_map(|(n, m)| format!("{{{{range {n}}}}}{{{{range {m}}}}}.{{{{end}}}}{{{{else}}}}none{{{{end}}}}")),
        1 => (s.clone(), s).prop_map(|(a, b)| format!("{{{{with {a}}}}}{{{{.}}}}{{{{else}}}}{{{{{b}}}}}{{{{end}}}}")),
    ];
    prop::collection::vec(action, 1..6).prop_map(|v| format!("{{{{$s := \"ab\"}}}}{{{{$n := 3}}}}{}", v.concat()))
}

/// Loose pieces in any order: mostly parse errors, which must be errors and not panics.
fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(select(PIECES), 0..40).prop_map(|v| v.concat())
}

/// Runs `src` every way the CLI runs a template: `ls` rows (plain and `table`, with the
/// header pass), `inspect` (typed then raw), and the raw document with `missingkey=error`.
/// Returns a description of the first broken promise, if any.
fn exercise(src: &str) -> Result<(), String> {
    let doc = network_doc();
    let template = match Template::parse(src) {
        Ok(t) => t,
        Err(e) if e.starts_with("template: ") => return Ok(()),
        Err(e) => return Err(format!("a parse error that is not a template error: {e}")),
    };
    let check = |what: &str, r: Result<String, String>, most: usize| match r {
        Ok(s) if s.len() > most => Err(format!("{what}: {} bytes of output past the limit", s.len())),
        Err(e) if !e.starts_with("template: ") => Err(format!("{what}: an error without the template prefix: {e}")),
        _ => Ok(()),
    };
    check("inspect", inspect::render(&template, doc.clone(), SMALL), SMALL.max_bytes)?;
    for mke in [false, true] {
        let opts = Options { missing_key_error: mke, limits: SMALL, ..Options::default() };
        check("raw", template.render(&Val::J(doc.clone()), opts), SMALL.max_bytes)?;
    }
    let header = Options { header: true, limits: SMALL, ..Options::default() };
    check("typed header", template.render(&Val::Typed(&typed::INSPECT, doc.clone()), header), SMALL.max_bytes)?;
    let rows = [doc.clone(), json!({"Name": "", "Labels": null})];
    for format in [src.to_string(), format!("table {src}")] {
        if let Ok(list) = ls::ListFormat::new(&format, false) {
            // Rows: each within the limit, plus a newline; the header the same again.
            check("ls", list.with_limits(SMALL).render(&rows, true), 4 * (SMALL.max_bytes + 1))?;
        }
    }
    Ok(())
}

/// Random templates shaped like real ones never panic, abort or pass the limits.
#[test]
fn templates_shaped_like_real_ones() {
    let mut r = runner(300);
    let result = r.run(&template(), |src| exercise(&src).map_err(|e| TestCaseError::fail(format!("{src:?}: {e}"))));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Well-typed templates aimed at sizes and loops stay within the limits.
#[test]
fn templates_aimed_at_the_limits() {
    let mut r = runner(400);
    let result =
        r.run(&typed_template(), |src| exercise(&src).map_err(|e| TestCaseError::fail(format!("{src:?}: {e}"))));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Random token soup (mostly invalid templates) never panics.
#[test]
fn template_token_soup() {
    let mut r = runner(1500);
    let result = r.run(&soup(), |src| exercise(&src).map_err(|e| TestCaseError::fail(format!("{src:?}: {e}"))));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Every crash the suites (and issue 10) found, kept as explicit cases with the answer Go gives
/// or the error we give instead.
#[test]
fn found_crashes() {
    let doc = network_doc();
    let run = |src: &str| -> Result<String, String> {
        Template::parse(src)?.render(&Val::J(doc.clone()), Options { limits: SMALL, ..Options::default() })
    };
    // printf widths and precisions past 1e6 (aborted allocating 1 TB).
    assert_eq!(run("{{printf \"%999999999999d\" 1}}").unwrap(), "%!(NOVERB)%!(EXTRA int=1)");
    assert_eq!(run("{{printf \"%.999999999999s|\" \"a\"}}").unwrap(), "%!(NOVERB)%!(EXTRA string=a)");
    assert_eq!(run("{{printf \"%*d\" 9223372036854775807 5}}").unwrap(), "%!(BADWIDTH)5");
    assert_eq!(run("{{printf \"%.*d\" -1 5}}").unwrap(), "%!(BADPREC)5");
    // pad with a huge or negative count (aborted, or silently padded nothing).
    let e = run("{{pad .Name 9223372036854775807 0}}").unwrap_err();
    assert!(e.contains("error calling pad") && e.contains("limit"), "{e}");
    let e = run("{{pad .Name -1 0}}").unwrap_err();
    assert!(e.ends_with("error calling pad: strings: negative Repeat count"), "{e}");
    // range over a huge integer (aborted collecting 2^63 items).
    let e = run("{{range 9223372036854775807}}{{end}}").unwrap_err();
    assert!(e.contains("stopped after 20000 steps"), "{e}");
    // Doubling a string in a loop (would exhaust memory).
    let e = run("{{$x := \"ab\"}}{{range 64}}{{$x = printf \"%s%s\" $x $x}}{{end}}").unwrap_err();
    assert!(e.contains("error calling printf: the result would pass dockernet's limit of 64 KiB"), "{e}");
    // 10,000 nested parentheses and blocks (stack overflow).
    let deep = format!("{{{{{}1{}}}}}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(run(&deep).unwrap_err().contains("max expression depth exceeded"));
    let deep = format!("{}{}", "{{if 1}}".repeat(100_000), "{{end}}".repeat(100_000));
    assert!(run(&deep).unwrap_err().contains("nested too deeply"));
    let chain = format!("{{{{if 0}}}}{}{{{{end}}}}", "{{else if 0}}".repeat(100_000));
    assert!(run(&chain).unwrap_err().contains("nested too deeply"));
}

/// Words for the argument fuzz: the CLI's commands and flags, values that are hard to parse.
const WORDS: &[&str] = &[
    "network",
    "docker",
    "ls",
    "list",
    "create",
    "rm",
    "remove",
    "inspect",
    "connect",
    "disconnect",
    "prune",
    "plan",
    "status",
    "graph",
    "down",
    "verify",
    "--help",
    "-h",
    "-q",
    "--quiet",
    "--quiet=false",
    "--quiet=maybe",
    "-f",
    "--filter",
    "name=x",
    "foo",
    "--format",
    "json",
    "table",
    "table {{.Name}}",
    "{{.Name}}",
    "{{printf \"%999999999999d\" 1}}",
    "{{(((1)))}}",
    "--no-trunc",
    "--no-trunc=true",
    "--subnet",
    "10.0.0.0/24",
    "a,b",
    "\"x",
    "--label",
    "k=v",
    "=v",
    "=",
    "-o",
    "--opt",
    "--ipv6",
    "--ipv6=false",
    "--gw-priority",
    "-5",
    "99999999999999999999",
    "--ip",
    "--alias",
    "-d",
    "--driver",
    "-v",
    "--verbose",
    "--force",
    "--",
    "-",
    "",
    "x",
    "web",
    "-zz",
    "--bogus",
    "--config-from",
    "--aux-address",
    "a=1.2.3.4",
    "--json",
    "--concurrency",
    "0",
    "--format=dot",
    "-ff",
];

/// One command-line word: a known word, random text, or random bytes (often not UTF-8).
fn word() -> impl Strategy<Value = OsString> {
    prop_oneof![
        6 => select(WORDS).prop_map(OsString::from),
        2 => "\\PC{0,8}".prop_map(OsString::from),
        2 => prop::collection::vec(any::<u8>(), 0..6).prop_map(os_from_bytes),
    ]
}

#[cfg(unix)]
fn os_from_bytes(b: Vec<u8>) -> OsString {
    std::os::unix::ffi::OsStringExt::from_vec(b)
}

#[cfg(not(unix))]
fn os_from_bytes(b: Vec<u8>) -> OsString {
    String::from_utf8_lossy(&b).into_owned().into()
}

/// Random argument vectors through the UTF-8 check and the `network` and topology parsers,
/// against a daemon address that does not exist (nothing here may reach a real daemon): no
/// panic, a status the docker CLI (0, 1, 64, 125) or the topology commands (2 for usage) would
/// give, and a refused word named in the message.
#[test]
fn argument_vectors() {
    let client = dockernet_core::BlockingClient::new(Some("unix:///nonexistent/dockernet-fuzz.sock")).unwrap();
    let mut r = runner(1000);
    let words = (select(&["network", "container", "docker", "plan", "down", "graph"][..]), prop::collection::vec(word(), 0..7));
    let result = r.run(&words, |(first, rest)| {
        let mut argv = vec![OsString::from(first)];
        argv.extend(rest);
        let words = match super::text_args(&argv) {
            Ok(w) => w,
            Err(e) => {
                prop_assert!(e.contains("not valid UTF-8"), "{e}");
                prop_assert!(argv.iter().any(|w| w.to_str().is_none()));
                return Ok(());
            }
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = if super::topology::VERBS.contains(&first) {
            super::topology::run(&client, &words, &mut out, &mut err)
        } else {
            super::run_with_input(&client, &words, &mut "".as_bytes(), &mut out, &mut err)
        };
        prop_assert!(matches!(status, 0..=2 | 64 | 125), "status {status} for {words:?}");
        if status != 0 {
            prop_assert!(!err.is_empty(), "status {status} with nothing on stderr for {words:?}");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
