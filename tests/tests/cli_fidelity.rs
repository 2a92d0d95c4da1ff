//! Fidelity of the docker-CLI-syntax commands with the docker CLI as the oracle (issue 11):
//! the same exit statuses for usage errors (the docker CLI's own test inputs among them), the
//! first problem `network create` reports for the CLI's create test inputs, Go template
//! features printed byte for byte as the CLI prints them, the config file's `pruneFilters`, and
//! the program's help and typo suggestions.
//!
//! Every command runs the built `target/debug/dockernet` and the installed `docker` on the same
//! daemon. Nothing here pulls an image; every network is this test's (a guard's label and name)
//! and every prune is restricted to the guard's label on the command line.

use std::path::Path;
use std::process::Command;

use dockernet_tests::{run_cmd as run, run_docker as docker, run_dockernet as dockernet, Ran as Out, dockernet_bin, Guard};
use serde_json::json;


/// Usage errors exit as the docker CLI's do: 125 for a flag that does not parse, 1 for a wrong
/// argument count, an unknown subcommand or a bad argument, 64 for an inspect template that
/// does not parse. None of these lines reaches a request that changes anything.
#[test]
fn exit_statuses_match_docker() {
    let _g = Guard::new("fidelity");
    let cases: &[&[&str]] = &[
        &["network", "ls", "--bogus"],
        &["network", "ls", "extra"],
        &["network", "ls", "-f", "foo"],
        &["network", "ls", "--no-trunc=maybe"],
        &["network", "ls", "--format", "{{.Name"],
        &["network", "create"],
        &["network", "create", "a", "b"],
        &["network", "create", "--ipv6=maybe", "dnt-fidelity-never"],
        &["network", "create", "--label", "=x", "dnt-fidelity-never"],
        &["network", "create", "--driver-opt", "x", "dnt-fidelity-never"],
        &["network", "create", "--subnet=a,\"b", "dnt-fidelity-never"],
        &["network", "inspect"],
        &["network", "inspect", "-f"],
        &["network", "inspect", "-f", "{{.Name", "bridge"],
        &["network", "inspect", "-f", "{{nil}}", "bridge"],
        &["network", "inspect", "-f", "{{.Nope}}", "bridge"],
        &["network", "connect", "a"],
        &["network", "connect", "--driver-opt", "nokey", "n", "c"],
        &["network", "disconnect", "a"],
        &["network", "rm"],
        &["network", "rm", "-f"],
        &["network", "prune", "x"],
        &["network", "prune", "--bogus"],
        &["network", "bogus"],
        &["netwrok"],
        &["container", "ls", "--bogus"],
        &["container", "ls", "-f", "foo"],
        &["container", "ls", "--format", "{{.Name"],
        &["container", "exec"],
        &["container", "exec", "--bogus", "c", "ls"],
        &["container", "inspect"],
        &["container", "inspect", "-f", "{{.Name", "x"],
        &["container", "stop"],
        &["container", "stop", "-t", "x", "c"],
        &["container", "rm"],
        &["container", "run"],
        &["ps", "extra"],
    ];
    let mut wrong = Vec::new();
    for args in cases {
        let (ours, theirs) = (dockernet(args), docker(args));
        if ours.status != theirs.status || ours.status == 0 {
            wrong.push(format!("{args:?}: dockernet {} ({}), docker {} ({})", ours.status, ours.stderr.trim(), theirs.status, theirs.stderr.trim()));
        }
    }
    assert!(wrong.is_empty(), "statuses differ from the docker CLI's:\n{}", wrong.join("\n"));
    assert_eq!(docker(&["network", "ls", "--filter", "name=dnt-fidelity-never", "-q"]).stdout, "", "a case created a network");
}

/// The docker CLI's own `network create` test inputs (`TestNetworkCreateErrors`): dockernet
/// reports the same first problem, in the CLI's words, with the same status.
#[test]
fn create_reports_the_problem_docker_reports() {
    let g = Guard::new("fidelity");
    let name = g.name("never");
    g.track_network(&name);
    let cases: &[&[&str]] = &[
        &["--ip-range=255.255.0.0/24", "--gateway=255.0.255.0", "--subnet=10.1.2.0.30.50"],
        &["--gateway=255.0.0.0"],
        &["--ip-range=255.0.0.0/24"],
        &["--ip-range=255.0.0.0/24", "--gateway=255.0.0.0"],
        &["--ip-range=255.255.0.0/24", "--gateway=255.0.255.0", "--subnet=10.1.2.0/23,10.1.3.248/30"],
        &["--ip-range=192.168.1.0/25,192.168.1.128/25", "--gateway=192.168.1.1,192.168.1.4", "--subnet=192.168.2.0/24,192.168.1.250/24"],
        &["--ip-range=255.255.200.0/24,255.255.120.0/24", "--gateway=255.0.255.0", "--subnet=255.255.255.0/24,255.255.0.255/24"],
        &["--ip-range=192.168.1.0/24", "--gateway=192.168.1.1,192.168.1.4", "--subnet=192.168.2.0/24,192.168.1.250/24"],
        &["--ip-range=192.168.1.0/24", "--gateway=192.168.4.1,192.168.5.4", "--subnet=192.168.2.0/24,192.168.1.250/24"],
        &["--gateway=255.255.0.0", "--subnet=255.255.0.0/24", "--aux-address=router=255.255.1.30"],
        &["--subnet=10.1.2.0/23", "--subnet=10.1.3.248/30"],
    ];
    for flags in cases {
        let mut args = vec!["network", "create"];
        args.extend(*flags);
        args.push(&name);
        let (ours, theirs) = (dockernet(&args), docker(&args));
        assert_eq!(theirs.status, 1, "docker accepted {flags:?}: {theirs:#?}");
        assert_eq!(ours.status, 1, "{flags:?}: {ours:#?}");
        assert_eq!(ours.stderr, format!("Error: {}", theirs.stderr), "{flags:?}");
    }
}

/// Go template features print what the docker CLI prints for the same network: errors
/// (`{{nil}}`, a missing template) with the same text and status, and every value byte for byte.
#[test]
fn templates_match_docker() {
    let g = Guard::new("fidelity");
    let (net, _) = g.network_with_subnet("tmpl", |s| json!({ "subnet": s.cidr(), "labels": {"tier": "db<&>"} }));
    let templates = [
        "{{nil}}",
        "{{print nil 1}} {{print 1 2 \"a\" 3 .Name .Internal .EnableIPv6 4}} {{print .Name .Name}}",
        "{{printf \"%q %q %v %x %X %c %U %q\" .Name 65 .Internal \"hi\" 255 65 65 .Labels}}",
        "{{.Created.Year}} {{.Created.Month}} {{.Created.Day}} {{.Created.Weekday}} {{.Created.YearDay}} {{.Created.Unix}}",
        "{{.Created.Format \"2006-01-02\"}} {{.Created.Format \"Jan 2, 2006 at 3:04pm (MST) .000 Z07:00\"}}",
        "{{.Created.UTC}} {{.Created.UTC.Hour}} {{.Created.IsZero}} {{.Created.String}} {{.Created.Nanosecond}}",
        "{{slice .Name 1 3}} {{slice .Name 2}} {{slice .Name}} {{slice .IPAM.Config 0 1}} {{len (slice (split \"a,b,c\" \",\") 1)}}",
        "{{slice .Name 3 1}}",
        "{{slice .Name 1 2 3}}",
        "{{html \"<a href='x'>&\\\"</a>\"}} {{js \"a'b\\\"c<d>\\\\e&f=g\\n\"}} {{urlquery \"a b&c=d/é\"}}",
        "{{html .Name 1}} {{urlquery 1 \"x\"}} {{js 1 2}} {{html (index .Labels \"tier\")}}",
        "{{range .IPAM.Config}}{{.Subnet}}{{break}}{{end}}|{{range $i, $e := split \"a,b,c\" \",\"}}{{if eq $e \"b\"}}{{continue}}{{end}}{{$e}}{{end}}",
        "{{range 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}",
        "{{define \"x\"}}[{{.Name}}]{{end}}{{template \"x\" .}}{{template \"x\" .}}",
        "{{block \"b\" .}}<{{.Driver}}>{{end}} {{define \"t\"}}{{.}}{{end}}{{template \"t\"}}|{{template \"t\" 5}}",
        "{{template \"nope\"}}",
        "{{break}}",
        "{{define \"x\"}}a{{end}}{{define \"x\"}}b{{end}}{{template \"x\"}}",
        "{{pad .Name -1 0}}",
    ];
    for t in templates {
        let args = ["network", "inspect", "-f", t, net.name.as_str()];
        let (ours, theirs) = (dockernet(&args), docker(&args));
        assert_eq!(
            (ours.status, &ours.stdout, &ours.stderr),
            (theirs.status, &theirs.stdout, &theirs.stderr),
            "inspect -f {t}"
        );
    }
    let filter = format!("label={}", g.label_filter());
    // `.Labels` of an ls row is joined from a Go map, in random order in the docker CLI: the label
    // is read with `.Label`, whose answer is one value.
    for t in ["{{printf \"%q\" .Name}} {{slice .ID 0 4}} {{html (.Label \"tier\")}}", "{{nil}}"] {
        let args = ["network", "ls", "--filter", filter.as_str(), "--format", t];
        let (ours, theirs) = (dockernet(&args), docker(&args));
        assert_eq!((ours.status, &ours.stdout, &ours.stderr), (theirs.status, &theirs.stdout, &theirs.stderr), "ls {t}");
    }
}

/// The config file's `pruneFilters` narrow `network prune` as documented: a `label` entry is
/// added to the command line's filters (so only the networks with both labels go); a `label!`
/// entry that contradicts a command-line `label` is left out (the command line wins), as the
/// docker CLI does. The command line always carries this test's label, so nothing else can go.
#[test]
fn prune_merges_the_config_files_filters() {
    let g = Guard::new("fidelity");
    let role = |r: &str| format!("dnt.role={}-{r}", g.tag());
    let (a, _) = g.network_with_subnet("pa", |s| json!({ "subnet": s.cidr(), "labels": {"dnt.role": format!("{}-a", g.tag())} }));
    let (b, _) = g.network_with_subnet("pb", |s| json!({ "subnet": s.cidr(), "labels": {"dnt.role": format!("{}-b", g.tag())} }));
    let mine = format!("label={}", g.label_filter());
    let config = tempdir(&g, "cfg");
    let prune = |config_json: serde_json::Value, extra: &[&str], oracle: bool| -> Out {
        std::fs::write(config.join("config.json"), config_json.to_string()).expect("write config.json");
        let mut args = vec!["network", "prune", "-f", "--filter", mine.as_str()];
        args.extend(extra);
        let mut cmd = Command::new(if oracle { "docker".into() } else { dockernet_bin() });
        cmd.args(&args).env("DOCKER_CONFIG", &config).env_remove("DOCKER_CONTEXT");
        run(cmd)
    };
    let names = || {
        let out = docker(&["network", "ls", "--filter", &mine, "--format", "{{.Name}}"]);
        let mut v: Vec<String> = out.stdout.lines().map(str::to_string).collect();
        v.sort();
        v
    };

    // label= from the config: only A matches both labels.
    let out = prune(json!({ "pruneFilters": [format!("label={}", role("a")), "nonsense"] }), &[], false);
    assert_eq!((out.status, out.stdout.as_str()), (0, format!("Deleted Networks:\n{}\n\n", a.name).as_str()), "{out:#?}");
    assert_eq!(names(), vec![b.name.clone()]);

    // label!= from the config contradicting the command line's label=: left out, B goes — and
    // the docker CLI does the same.
    let cfg = json!({ "pruneFilters": [format!("label!={}", role("b"))] });
    let label_b = format!("label={}", role("b"));
    let out = prune(cfg.clone(), &["--filter", &label_b], false);
    assert_eq!((out.status, out.stdout.as_str()), (0, format!("Deleted Networks:\n{}\n\n", b.name).as_str()), "{out:#?}");
    assert!(names().is_empty());
    let (c, _) = g.network_with_subnet("pc", |s| json!({ "subnet": s.cidr(), "labels": {"dnt.role": format!("{}-b", g.tag())} }));
    let theirs = prune(cfg, &["--filter", &label_b], true);
    assert_eq!(theirs.stdout, format!("Deleted Networks:\n{}\n\n", c.name), "the docker CLI disagrees: {theirs:#?}");
}

/// A fresh directory under the target dir for this test (removed first if left by a crash).
fn tempdir(g: &Guard, what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{}-{what}", g.tag()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// `dockernet --help` lists every command; `dockernet help CMD` is `CMD --help`; a typo gets
/// the nearest command; a script whose name is a command word still runs when the file exists.
#[test]
fn help_and_suggestions() {
    let g = Guard::new("fidelity");
    let help = dockernet(&["--help"]);
    assert_eq!(help.status, 0, "{help:#?}");
    for word in ["network", "container", "run", "exec", "ps", "stop", "rm", "up", "plan", "status", "verify", "graph", "down", "help"] {
        assert!(help.stdout.contains(&format!("  {word} ")) || help.stdout.contains(&format!(" {word},")) || help.stdout.contains(&format!(" {word} ")), "{word} missing:\n{}", help.stdout);
    }
    assert_eq!(dockernet(&["help"]).stdout, help.stdout);
    for (a, b) in [(&["help", "network", "ls"][..], &["network", "ls", "--help"][..]), (&["help", "container"], &["container", "--help"]), (&["help", "up"], &["up", "--help"])] {
        let (x, y) = (dockernet(a), dockernet(b));
        assert_eq!((x.status, &x.stdout), (0, &y.stdout), "{a:?}");
    }
    for (typo, want) in [("netwrok", "did you mean network?"), ("contianer", "did you mean container?"), ("stauts", "did you mean status?")] {
        let out = dockernet(&[typo, "ls"]);
        assert_eq!(out.status, 1, "{out:#?}");
        assert!(out.stderr.contains(want) && !out.stderr.contains("cannot open"), "{typo}: {out:#?}");
    }
    let out = dockernet(&["missing-script.lua"]);
    assert!(out.stderr.contains("cannot open missing-script.lua"), "{out:#?}");

    // A script called `run` (a docker shortcut word) runs when the file is there.
    let dir = tempdir(&g, "scripts");
    std::fs::write(dir.join("run"), "print('script ran', ...)\n").expect("write the script");
    let mut cmd = Command::new(dockernet_bin());
    cmd.current_dir(&dir).args(["run", "x"]);
    let out = run(cmd);
    assert_eq!((out.status, out.stdout.as_str()), (0, "script ran\tx\n"), "{out:#?}");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!Path::new(&dir).exists());
}

/// Usage errors read as the docker CLI's (cobra's) do: the problem in its words, then the usage
/// line. The first line is compared with the docker CLI's, with `docker` read as `dockernet`
/// (dockernet may add a hint after the CLI's text, never change it), and the usage block follows.
#[test]
fn usage_errors_read_as_dockers() {
    let _g = Guard::new("fidelity-usage");
    let cases: &[&[&str]] = &[
        &["network", "ls", "--bogus"],
        &["network", "ls", "-x"],
        &["network", "ls", "extra"],
        &["network", "create"],
        &["network", "create", "a", "b"],
        &["network", "create", "--ipv6=maybe", "dnt-fidelity-never"],
        &["network", "inspect"],
        &["network", "inspect", "-f"],
        &["network", "inspect", "--format"],
        &["network", "connect", "a"],
        &["network", "disconnect", "a"],
        &["network", "rm"],
        &["network", "prune", "x"],
        &["network", "prune", "--bogus"],
    ];
    let mut wrong = Vec::new();
    for args in cases {
        let (ours, theirs) = (dockernet(args), docker(args));
        let want = theirs.stderr.lines().next().unwrap_or_default().replace("docker", "dockernet");
        let got = ours.stderr.lines().next().unwrap_or_default();
        let usage = format!("Usage:  dockernet {} {}", args[0], args[1]);
        if want.is_empty() || !got.starts_with(&want) || !ours.stderr.contains(&usage) {
            wrong.push(format!("{args:?}:\n  dockernet: {}\n  docker:    {}", ours.stderr.trim(), theirs.stderr.trim()));
        }
    }
    assert!(wrong.is_empty(), "usage errors differ from the docker CLI's:\n{}", wrong.join("\n"));
}
