//! The docker-CLI-syntax commands (`dockernet network …`) against a real daemon, with the docker
//! CLI itself as the oracle: the same JSON from inspect, the same bytes from ls in every format,
//! an id docker knows from create, and docker's error lines and exit statuses from inspect, rm
//! and prune.
//!
//! Every command runs the built `target/debug/dockernet` binary (see
//! [`dockernet_tests::dockernet_bin`]). Other tests create networks at the same time, so every
//! comparison is restricted to this test's networks by a `label=dockernet.test=<tag>` filter (or
//! to the predefined networks by `type=builtin`). Subnets are /24s of 10.201.0.0/16 picked by the
//! shared harness; a creation that loses a subnet race is retried on another.

use std::io::Write;
use std::process::{Command, Stdio};

use dockernet_tests::{dockernet_bin, free_subnet, Guard, Subnet, LABEL};
use serde_json::Value;

/// What a command printed and how it exited.
#[derive(Debug)]
struct Out {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command, input: Option<&str>) -> Out {
    let program = format!("{:?}", cmd.get_program());
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if let Some(text) = input {
        child.stdin.take().expect("piped stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{program} did not finish: {e}"));
    Out {
        status: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `dockernet ARGS…` (standard input closed, or fed `input`).
fn dockernet_with(args: &[&str], input: Option<&str>) -> Out {
    let mut cmd = Command::new(dockernet_bin());
    cmd.args(args);
    run(cmd, input)
}

fn dockernet(args: &[&str]) -> Out {
    dockernet_with(args, None)
}

/// `docker ARGS…`, the oracle. A missing docker CLI fails the test: it is part of the setup.
fn docker(args: &[&str]) -> Out {
    let mut cmd = Command::new("docker");
    cmd.args(args);
    run(cmd, None)
}

fn ok(out: Out, what: &str) -> String {
    assert_eq!(out.status, 0, "{what} failed: {out:#?}");
    out.stdout
}

fn json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"))
}

/// A free /24 inside 10.201.0.0/16 (the CLI tests' share of the harness's pool).
fn cli_subnet() -> Subnet {
    for _ in 0..500 {
        let s = free_subnet();
        if s.addr.octets()[1] == 201 {
            return s;
        }
    }
    panic!("no free /24 in 10.201.0.0/16 (leftover test networks?)")
}

/// Creates `name` with `dockernet network create`, the guard's label and a fresh subnet plus
/// `extra` flags (`{s}` in a flag stands for the subnet's first three octets, `10.201.x`).
/// Retries on a subnet overlap. Returns the printed id and the subnet.
fn create(g: &Guard, name: &str, extra: &[&str]) -> (String, Subnet) {
    g.track_network(name);
    let label = g.label_filter();
    for _ in 0..20 {
        let s = cli_subnet();
        let stem = s.prefix();
        let stem = stem.trim_end_matches('.');
        let cidr = s.cidr();
        let extra: Vec<String> = extra.iter().map(|a| a.replace("{s}", stem)).collect();
        let mut args = vec!["network", "create", "--label", &label, "--subnet", &cidr];
        args.extend(extra.iter().map(String::as_str));
        args.push(name);
        let out = dockernet(&args);
        if out.status != 0 && out.stderr.contains("overlaps") {
            continue;
        }
        let id = ok(out, &format!("create {name}"));
        return (id.trim_end().to_string(), s);
    }
    panic!("create {name}: every subnet tried overlapped another network")
}

/// `--filter label=dockernet.test=<tag>` for this test's networks.
fn mine(g: &Guard) -> String {
    format!("label={}", g.label_filter())
}

/// `network create` with every addressing flag prints a 64-hex id that docker inspect knows,
/// and docker sees each option.
#[test]
fn create_prints_an_id_docker_knows() {
    let g = Guard::new("cli");
    let name = g.name("full");
    let (id, s) = create(
        &g,
        &name,
        &[
            "--gateway",
            "{s}.1",
            "--ip-range",
            "{s}.128/25",
            "--aux-address",
            "router={s}.5",
            "--internal",
            "-o",
            "com.docker.network.driver.mtu=1400",
            "--label",
            "tier=db",
            "--attachable=false",
        ],
    );
    assert_eq!(id.len(), 64, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    let seen = ok(docker(&["network", "inspect", "-f", "{{.Id}}", &name]), "docker inspect");
    assert_eq!(seen.trim_end(), id);

    let doc = json(&ok(docker(&["network", "inspect", &name]), "docker inspect"), "docker inspect")[0].clone();
    let cfg = &doc["IPAM"]["Config"][0];
    assert_eq!(cfg["Subnet"], s.cidr());
    assert_eq!(cfg["Gateway"], s.ip(1));
    assert_eq!(cfg["IPRange"], s.part(128, 25));
    assert_eq!(cfg["AuxiliaryAddresses"]["router"], s.ip(5));
    assert_eq!(doc["Internal"], true);
    assert_eq!(doc["Attachable"], false);
    assert_eq!(doc["Options"]["com.docker.network.driver.mtu"], "1400");
    assert_eq!(doc["Labels"]["tier"], "db");
    assert_eq!(doc["Labels"][LABEL], g.tag());
}

/// `network inspect` prints what `docker network inspect` prints: the same JSON (indented and
/// `--format json`), and byte-identical template output, typed fields and raw fallback alike.
#[test]
fn inspect_matches_docker() {
    let g = Guard::new("cli");
    let (a, b) = (g.name("a"), g.name("b"));
    create(&g, &a, &["--gateway", "{s}.254", "--label", "k=v"]);
    create(&g, &b, &["--internal"]);
    let names = [a.as_str(), b.as_str()];

    let mut args = vec!["network", "inspect"];
    args.extend(names);
    let ours = ok(dockernet(&args), "dockernet inspect");
    let theirs = ok(docker(&args), "docker inspect");
    assert_eq!(json(&ours, "dockernet"), json(&theirs, "docker"));
    assert!(
        ours.starts_with("[\n    {\n        \"") && ours.ends_with("    }\n]\n"),
        "not indented like docker:\n{ours}"
    );

    for format in [
        "json",
        "{{.Name}} {{.ID}} {{.Created}} {{.Driver}} {{.Internal}} {{.EnableIPv6}}",
        "{{range .IPAM.Config}}{{.Subnet}}|{{.Gateway}}|{{.IPRange}}{{end}} {{.IPAM}} {{json .IPAM}}",
        "{{.Labels}} {{index .Labels \"k\"}} {{.Labels.k}} {{json .Labels}} {{.Options}} {{len .Containers}}",
        "{{.Id}} {{.Created}} {{json .Created}}",
        "{{.}}",
        "{{json .}}",
        "{{range $k, $v := .Labels}}{{$k}}={{$v}};{{else}}none{{end}} {{if .Internal}}internal{{else}}routed{{end}}",
        "{{upper .Name}} {{printf \"%-12s|\" .Scope}} {{join (split .Driver \"i\") \"-\"}}",
    ] {
        let mut args = vec!["network", "inspect", "--format", format];
        args.extend(names);
        let (ours, theirs) = (dockernet(&args), docker(&args));
        assert_eq!((ours.status, &ours.stderr), (0, &String::new()), "{format}: {ours:#?}");
        assert_eq!(theirs.status, 0, "{format}: docker: {theirs:#?}");
        if format == "json" {
            assert_eq!(json(&ours.stdout, "dockernet"), json(&theirs.stdout, "docker"));
            assert_eq!(ours.stdout.lines().count(), 1, "--format json is one line");
        } else {
            assert_eq!(ours.stdout, theirs.stdout, "--format {format}");
        }
    }
}

/// Inspecting a found and a missing network prints the found one, then docker's error line for
/// the missing one, and exits 1, as the docker CLI does.
#[test]
fn inspect_reports_missing_names_after_the_found_ones() {
    let g = Guard::new("cli");
    let found = g.name("found");
    let missing = g.name("missing");
    create(&g, &found, &[]);

    let args = ["network", "inspect", found.as_str(), missing.as_str()];
    let (ours, theirs) = (dockernet(&args), docker(&args));
    assert_eq!(ours.status, 1, "{ours:#?}");
    assert_eq!(theirs.status, 1, "{theirs:#?}");
    assert_eq!(json(&ours.stdout, "dockernet"), json(&theirs.stdout, "docker"));
    assert_eq!(ours.stderr, format!("Error response from daemon: network {missing} not found\n"));
    assert_eq!(ours.stderr, theirs.stderr);

    let (ours, theirs) = (dockernet(&["network", "inspect", &missing]), docker(&["network", "inspect", &missing]));
    assert_eq!((ours.status, ours.stdout.as_str()), (1, "[]\n"));
    assert_eq!((ours.stdout, ours.stderr), (theirs.stdout, theirs.stderr));
}

/// `network ls` prints byte for byte what `docker network ls` prints, in every format, with
/// rows in docker's natural name order (net1, net2, net10).
#[test]
fn ls_matches_docker_byte_for_byte() {
    let g = Guard::new("cli");
    for (n, extra) in [("net2", &[][..]), ("net10", &["--internal"][..]), ("net1", &[][..])] {
        create(&g, &format!("{}-{n}", g.tag()), extra);
    }
    let label = mine(&g);
    let formats: [&[&str]; 12] = [
        &[],
        &["-q"],
        &["--no-trunc"],
        &["-q", "--no-trunc"],
        &["--format", "{{.Name}}"],
        &["--format", "json"],
        &["--format", "table"],
        &["--format", "table {{.Name}}\t{{.Labels}}\t{{.Internal}}\t{{.CreatedAt}}"],
        &["--format", "{{.ID}} {{.Label \"dockernet.test\"}} {{.IPv4}} {{.IPv6}} {{.Scope}} {{.Driver}}"],
        &["--format", "table {{.ID}}\t{{.Label \"dockernet.test\"}}", "-q"],
        &["--format", "{{json .}}"],
        &["--format", "raw"],
    ];
    for flags in formats {
        for filter in [label.as_str(), "type=builtin"] {
            let mut args = vec!["network", "ls", "--filter", filter];
            args.extend(flags);
            let theirs = ok(docker(&args), "docker ls");
            let ours = ok(dockernet(&args), "dockernet ls");
            assert_eq!(ours, theirs, "network ls {flags:?} --filter {filter}");
        }
    }
    let names = ok(dockernet(&["network", "list", "--filter", &label, "--format", "{{.Name}}"]), "list alias");
    let tag = g.tag();
    assert_eq!(names, format!("{tag}-net1\n{tag}-net2\n{tag}-net10\n"));
}

/// `network rm` of an existing and a missing network removes the first, prints its name, prints
/// docker's error for the second and exits 1; `-f` ignores missing networks.
#[test]
fn rm_removes_each_name_and_reports_the_missing() {
    let g = Guard::new("cli");
    let (doomed, missing) = (g.name("doomed"), g.name("missing"));
    create(&g, &doomed, &[]);

    let out = dockernet(&["network", "rm", &doomed, &missing]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert_eq!(out.stdout, format!("{doomed}\n"));
    assert_eq!(out.stderr, format!("Error response from daemon: network {missing} not found\n"));
    assert_eq!(docker(&["network", "inspect", &doomed]).status, 1, "{doomed} should be gone");

    let out = dockernet(&["network", "remove", "-f", &missing]);
    assert_eq!((out.status, out.stdout.as_str(), out.stderr.as_str()), (0, "", ""));
}

/// `network prune` asks first (a "n" keeps everything), and with `-f` and a label filter
/// removes exactly the labelled networks, printing docker's `Deleted Networks:` block.
#[test]
fn prune_with_a_label_filter_removes_only_those() {
    let g = Guard::new("cli");
    let prune_label = format!("dnt.prune={}", g.tag());
    let (a, b, keep) = (g.name("p"), g.name("p"), g.name("keep"));
    create(&g, &a, &["--label", &prune_label]);
    create(&g, &b, &["--label", &prune_label]);
    create(&g, &keep, &[]);
    let filter = format!("label={prune_label}");

    let out = dockernet_with(&["network", "prune", "--filter", &filter], Some("n\n"));
    assert_eq!(out.status, 0, "{out:#?}");
    assert_eq!(
        out.stdout,
        "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] "
    );
    let listed = ok(dockernet(&["network", "ls", "--filter", &mine(&g), "-q"]), "ls");
    assert_eq!(listed.lines().count(), 3, "a declined prune removed something: {listed}");

    let out = dockernet(&["network", "prune", "-f", "--filter", &filter]);
    assert_eq!(out.status, 0, "{out:#?}");
    let mut lines: Vec<&str> = out.stdout.split('\n').collect();
    assert_eq!(lines.first(), Some(&"Deleted Networks:"), "{}", out.stdout);
    assert_eq!(lines[lines.len() - 2..], ["", ""], "docker ends the block with a blank line: {:?}", out.stdout);
    lines.retain(|l| !l.is_empty() && *l != "Deleted Networks:");
    lines.sort();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(lines, want);
    let left = ok(dockernet(&["network", "ls", "--filter", &mine(&g), "--format", "{{.Name}}"]), "ls");
    assert_eq!(left, format!("{keep}\n"));

    let out = dockernet(&["network", "prune", "-f", "--filter", &filter]);
    assert_eq!((out.status, out.stdout.as_str()), (0, ""), "nothing left to prune prints nothing");
}

/// `network connect` with a static address and aliases attaches a running container as docker
/// then reports it; connecting twice fails; `network disconnect` detaches it.
#[test]
fn connect_and_disconnect_a_container() {
    let g = Guard::new("cli");
    let net = g.name("net");
    let (_, s) = create(&g, &net, &[]);
    let ctr = g.container("ctr", serde_json::json!({})).name;
    let ip = s.ip(10);

    let out = dockernet(&["network", "connect", "--ip", &ip, "--alias", "web", "--alias", "db,cache", &net, &ctr]);
    assert_eq!((out.status, out.stdout.as_str(), out.stderr.as_str()), (0, "", ""), "{out:#?}");
    let tmpl = format!(
        "{{{{with index .NetworkSettings.Networks \"{net}\"}}}}{{{{.IPAddress}}}} {{{{json .Aliases}}}}{{{{end}}}}"
    );
    let seen = ok(docker(&["container", "inspect", "-f", &tmpl, &ctr]), "docker container inspect");
    let (addr, aliases) = seen.trim_end().split_once(' ').unwrap_or_else(|| panic!("not connected: {seen:?}"));
    assert_eq!(addr, ip);
    let aliases = json(aliases, "aliases");
    for alias in ["web", "db", "cache"] {
        assert!(aliases.as_array().is_some_and(|a| a.iter().any(|x| x == alias)), "{alias} missing from {aliases}");
    }

    let again = dockernet(&["network", "connect", &net, &ctr]);
    assert_eq!(again.status, 1, "{again:#?}");
    assert!(again.stderr.starts_with("Error"), "{again:#?}");

    let bad = dockernet(&["network", "connect", "--driver-opt", "nokey", &net, &ctr]);
    assert_eq!(bad.status, 1, "docker's status for a bad --driver-opt: {bad:#?}");
    assert!(bad.stderr.contains("invalid key/value pair"), "{bad:#?}");

    let out = dockernet(&["network", "disconnect", &net, &ctr]);
    assert_eq!((out.status, out.stdout.as_str(), out.stderr.as_str()), (0, "", ""), "{out:#?}");
    let tmpl = format!("{{{{index .NetworkSettings.Networks \"{net}\"}}}}");
    let seen = docker(&["container", "inspect", "-f", &tmpl, &ctr]);
    assert!(seen.stdout.trim() == "<no value>" || seen.stdout.trim() == "<nil>", "still connected: {seen:#?}");
}

/// Help goes to stdout with status 0, usage errors name the culprit with the docker CLI's status
/// (125 for a flag, 1 for an argument), and input refused before any request is an `Error:`
/// line with status 1.
#[test]
fn help_usage_and_refusals() {
    let _g = Guard::new("cli");
    let out = dockernet(&["network", "ls", "--help"]);
    assert_eq!(out.status, 0, "{out:#?}");
    assert!(out.stdout.contains("--no-trunc") && out.stdout.contains("--filter"), "{out:#?}");
    let out = dockernet(&["network"]);
    assert_eq!(out.status, 0, "{out:#?}");
    for sub in ["connect", "create", "disconnect", "inspect", "ls", "prune", "rm"] {
        assert!(out.stdout.contains(sub), "{sub} missing from {}", out.stdout);
    }

    let out = dockernet(&["network", "ls", "--bogus"]);
    assert_eq!(out.status, 125, "{out:#?}");
    assert!(out.stderr.contains("--bogus"), "{out:#?}");
    let out = dockernet(&["network", "create"]);
    assert_eq!(out.status, 1, "{out:#?}");
    let out = dockernet(&["network", "ls", "--filter", "nonsense"]);
    assert_eq!(out.status, 125, "{out:#?}");
    assert!(out.stderr.contains("bad format of filter"), "{out:#?}");

    let out = dockernet(&["network", "create", "--subnet", "10.201.0.1/24", "dnt-cli-never-created"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(out.stderr.starts_with("Error: ") && out.stderr.contains("10.201.0.0/24"), "{out:#?}");
    let out = dockernet(&["network", "rm", "bridge"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(out.stderr.contains("pre-defined"), "{out:#?}");
}
