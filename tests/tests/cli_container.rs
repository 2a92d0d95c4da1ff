//! `dockernet container …` (and the `run`, `exec`, `ps`, `stop`, `rm` shortcuts) against a real
//! daemon, with the docker CLI as the oracle: `run -d` with a lab's flags makes the container
//! docker then describes, `exec` prints and exits as `docker exec`, `ps` prints docker's table
//! and templates, `inspect` the same JSON, `stop`/`rm` the same lines.
//!
//! Containers are this test's: named from the guard's tag and labelled with it (the guard
//! removes them even on failure). The image is the local test image; nothing is pulled.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockernet_tests::{run_docker as docker, run_dockernet as dockernet, Ran as Out, dockernet_bin, Guard, LABEL, TEST_IMAGE};
use serde_json::{json, Value};


fn ok(out: Out, what: &str) -> String {
    assert_eq!(out.status, 0, "{what} failed: {out:#?}");
    out.stdout
}

fn json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"))
}

/// `run -d` with the flags a lab uses prints the full id of a container docker sees with every
/// setting; `exec` prints the command's output on the right streams and exits with its code, as
/// `docker exec` does; `inspect` prints docker's JSON; `stop` and `rm` print the names as given
/// and docker's error line for a missing one.
#[test]
fn run_exec_inspect_stop_rm_like_docker() {
    let g = Guard::new("clictr");
    let (net, s) = g.network_with_subnet("net", |s| json!({ "subnet": s.cidr() }));
    let name = g.name("r1");
    g.track_container(&name);
    let label = g.label_filter();
    let ip = s.ip(10);
    let out = dockernet(&[
        "run", "-d", "--name", &name, "--network", &net.name, "--ip", &ip, "--network-alias", "web", "--network-alias",
        "db", "-e", "FOO=bar", "--cap-add", "NET_ADMIN", "--sysctl", "net.ipv4.ip_forward=1", "--label", &label,
        TEST_IMAGE, "sleep", "300",
    ]);
    let id = ok(out, "run -d");
    let id = id.trim_end();
    assert!(id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()), "run -d prints the full id: {id:?}");

    let tmpl = format!(
        "{{{{.Id}}}}|{{{{.HostConfig.CapAdd}}}}|{{{{index .HostConfig.Sysctls \"net.ipv4.ip_forward\"}}}}|{{{{with index .NetworkSettings.Networks \"{}\"}}}}{{{{.IPAddress}}}}|{{{{json .Aliases}}}}{{{{end}}}}|{{{{json .Config.Env}}}}|{{{{.State.Running}}}}",
        net.name
    );
    let seen = ok(docker(&["container", "inspect", "-f", &tmpl, &name]), "docker inspect");
    let parts: Vec<&str> = seen.trim_end().split('|').collect();
    assert_eq!(&parts[..4], [id, "[NET_ADMIN]", "1", ip.as_str()], "{seen}");
    let aliases = json(parts[4], "aliases");
    for a in ["web", "db"] {
        assert!(aliases.as_array().is_some_and(|l| l.iter().any(|x| x == a)), "{a} not in {aliases}");
    }
    assert!(parts[5].contains("\"FOO=bar\""), "{seen}");
    assert_eq!(parts[6], "true");

    // exec: output, streams and status as docker exec's.
    for cmd in [
        &["sh", "-c", "echo out; echo err >&2; exit 3"][..],
        &["ip", "-4", "-o", "addr", "show", "eth0"],
        &["nosuchcmd"],
        &["sh", "-c", "exit 300"],
    ] {
        let mut args = vec!["exec", name.as_str()];
        args.extend(cmd);
        let (ours, theirs) = (dockernet(&args), docker(&args));
        assert_eq!((ours.status, &ours.stdout), (theirs.status, &theirs.stdout), "exec {cmd:?}: {ours:#?} {theirs:#?}");
        if theirs.status != 126 {
            assert_eq!(ours.stderr, theirs.stderr, "exec {cmd:?}");
        }
    }
    let out = dockernet(&["container", "exec", "-it", "-e", "X=1", &name, "sh", "-c", "echo $X $FOO"]);
    assert_eq!((out.status, out.stdout.as_str()), (0, "1 bar\n"), "{out:#?}");

    // inspect: the same JSON, and raw-JSON templates alike.
    let (ours, theirs) = (dockernet(&["container", "inspect", &name]), docker(&["container", "inspect", &name]));
    assert_eq!(ours.status, 0, "{ours:#?}");
    assert_eq!(json(&ours.stdout, "dockernet"), json(&theirs.stdout, "docker"));
    assert!(ours.stdout.starts_with("[\n    {\n        \""), "indented like docker:\n{}", ours.stdout);
    for f in [
        "{{.Name}} {{.Config.Image}} {{json .HostConfig.CapAdd}}",
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}",
        // A container's times are strings in the CLI's types: time methods fail, in both.
        "{{.Created.Year}}",
    ] {
        let args = ["container", "inspect", "-f", f, name.as_str()];
        let (ours, theirs) = (dockernet(&args), docker(&args));
        assert_eq!((ours.status, &ours.stdout), (theirs.status, &theirs.stdout), "inspect -f {f}");
    }
    let missing = g.name("missing");
    let args = ["container", "inspect", missing.as_str()];
    let (ours, theirs) = (dockernet(&args), docker(&args));
    assert_eq!((ours.status, &ours.stdout, &ours.stderr), (theirs.status, &theirs.stdout, &theirs.stderr));

    // stop and rm: names as given, docker's line for a missing one, status 1.
    let out = dockernet(&["stop", "-t", "1", &name, &missing]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert_eq!(out.stdout, format!("{name}\n"));
    assert_eq!(out.stderr, docker(&["stop", &missing]).stderr);
    let state = ok(docker(&["container", "inspect", "-f", "{{.State.Running}}", &name]), "inspect");
    assert_eq!(state.trim_end(), "false");
    let out = dockernet(&["container", "rm", &name]);
    assert_eq!((out.status, out.stdout.as_str(), out.stderr.as_str()), (0, format!("{name}\n").as_str(), ""), "{out:#?}");
    assert_eq!(docker(&["container", "inspect", &name]).status, 1, "{name} should be gone");
}

/// `ps` prints byte for byte what `docker ps` prints — the default table, `-q`, `--no-trunc`,
/// `table TEMPLATE` and templates — newest first; `-a` adds stopped containers; `--format json`
/// carries the same fields (but `Size`, which the CLI asks the daemon for).
#[test]
fn ps_matches_docker() {
    let g = Guard::new("clictr");
    let (a, b) = (g.name("a"), g.name("b"));
    g.try_container(&a, json!({"command": ["sleep", "300"], "labels": {"tier": "web", "z": "1"}})).expect("run a");
    // One second apart: the daemon orders by creation time, which the list gives in seconds.
    std::thread::sleep(Duration::from_millis(1100));
    g.try_container(&b, json!({"command": ["sh", "-c", "exit 0"]})).expect("run b");
    let filter = format!("label={}", g.label_filter());
    // `b` exits at once: wait (bounded) until the daemon says so.
    let deadline = Instant::now() + Duration::from_secs(20);
    while ok(docker(&["ps", "-q", "--filter", &filter, "--filter", &format!("name={b}")]), "ps").trim() != "" {
        assert!(Instant::now() < deadline, "{b} did not exit");
        std::thread::sleep(Duration::from_millis(200));
    }
    let formats: [&[&str]; 9] = [
        &[],
        &["-a"],
        &["-a", "-q"],
        &["-a", "--no-trunc"],
        // `.Labels` is joined from a Go map, in an order of the docker CLI's chance: compared as
        // a set below.
        &["-a", "--format", "table {{.ID}}\t{{.Names}}\t{{.Label \"tier\"}}\t{{.Networks}}\t{{.State}}\t{{.Command}}"],
        &["-a", "--format", "{{.Names}} {{.Image}} {{.CreatedAt}} {{.LocalVolumes}} {{.Mounts}} {{.Ports}}"],
        &["-a", "--format", "raw"],
        &["-a", "--format", "{{.Names}}", "-q"],
        &["-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"],
    ];
    for flags in formats {
        let mut args = vec!["ps", "--filter", filter.as_str()];
        args.extend(flags);
        // RunningFor and Status read the clock: a second boundary between the two runs is
        // retried (a few times at most).
        let mut last = None;
        for _ in 0..3 {
            let (ours, theirs) = (ok(dockernet(&args), "dockernet ps"), ok(docker(&args), "docker ps"));
            if ours == theirs {
                last = None;
                break;
            }
            last = Some((ours, theirs));
        }
        if let Some((ours, theirs)) = last {
            assert_eq!(ours, theirs, "ps {flags:?}");
        }
    }
    let names = ok(dockernet(&["container", "ls", "-a", "--filter", &filter, "--format", "{{.Names}}"]), "ls");
    assert_eq!(names, format!("{b}\n{a}\n"), "newest first");
    let running = ok(dockernet(&["container", "list", "--filter", &filter, "--format", "{{.Names}}"]), "ls");
    assert_eq!(running, format!("{a}\n"));

    let sorted_labels = |labels: &str| {
        let mut l: Vec<String> = labels.split(',').map(str::to_string).collect();
        l.sort();
        l.join(",")
    };
    let args = ["ps", "-a", "--filter", filter.as_str(), "--format", "{{.Names}} {{.Labels}}"];
    let sets = |text: String| -> Vec<String> {
        text.lines().map(|l| l.split_once(' ').map(|(n, ls)| format!("{n} {}", sorted_labels(ls))).unwrap_or_default()).collect()
    };
    assert_eq!(sets(ok(dockernet(&args), "dockernet")), sets(ok(docker(&args), "docker")), "ps {{{{.Labels}}}}");
    let strip = |text: &str| -> Vec<Value> {
        text.lines()
            .map(|l| {
                let mut v = json(l, "ps --format json");
                let o = v.as_object_mut().expect("an object");
                o.remove("Size");
                o.remove("RunningFor");
                if let Some(Value::String(labels)) = o.get_mut("Labels") {
                    *labels = sorted_labels(labels);
                }
                v
            })
            .collect()
    };
    let args = ["ps", "-a", "--filter", filter.as_str(), "--format", "json"];
    // Status ("Up 2 seconds") reads the clock too: retried across a second boundary, as above.
    let mut pair = (Vec::new(), vec![Value::Null]);
    for _ in 0..3 {
        pair = (strip(&ok(dockernet(&args), "dockernet")), strip(&ok(docker(&args), "docker")));
        if pair.0 == pair.1 {
            break;
        }
    }
    assert_eq!(pair.0, pair.1, "ps --format json");
}

/// `run` without `-d` says what to do instead and creates nothing; `--rm` removes the container
/// once it exits; a missing network or image is the daemon's error with the CLI's status 125.
#[test]
fn run_refusals_and_auto_remove() {
    let g = Guard::new("clictr");
    let label = g.label_filter();
    let name = g.name("fg");
    g.track_container(&name);
    let out = dockernet(&["run", "--name", &name, "--label", &label, TEST_IMAGE, "true"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(out.stderr.contains("add -d"), "{out:#?}");
    assert_eq!(docker(&["container", "inspect", &name]).status, 1, "nothing is created");

    let out = dockernet(&["run", "-d", "--rm", "--name", &name, "--label", &label, TEST_IMAGE, "true"]);
    assert_eq!(out.status, 0, "{out:#?}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while docker(&["container", "inspect", &name]).status == 0 {
        assert!(Instant::now() < deadline, "--rm left {name}");
        std::thread::sleep(Duration::from_millis(200));
    }

    let out = dockernet(&["run", "-d", "--name", &name, "--label", &label, "--network", &g.name("nonet"), TEST_IMAGE]);
    assert_eq!(out.status, 125, "{out:#?}");
    assert!(out.stderr.starts_with("Error") && out.stderr.contains("not found"), "{out:#?}");
    let out = dockernet(&["run", "-d", "--name", &name, "--label", &label, "dnt-no-such-image:never"]);
    assert_eq!(out.status, 125, "{out:#?}");
    assert!(out.stderr.contains("No such image") || out.stderr.contains("not found"), "{out:#?}");
    let left = ok(docker(&["ps", "-a", "-q", "--filter", &format!("label={LABEL}={}", g.tag())]), "ps");
    assert_eq!(left, "", "a refused run left a container");
}

/// The seed walkthrough typed at the REPL as in a shell, `docker` word and all: run a container
/// on a network, connect it to `bridge` (an eth1 appears in `ifconfig`), disconnect it (eth1 is
/// gone), remove it.
#[test]
fn seed_walkthrough_types_the_same_in_the_repl() {
    let g = Guard::new("clictr");
    let (net, _) = g.network_with_subnet("seed", |s| json!({ "subnet": s.cidr() }));
    let c = g.name("jupyter");
    g.track_container(&c);
    let label = g.label_filter();
    let script = format!(
        "docker run -d --net={net} --name {c} --label {label} {TEST_IMAGE} sleep 300\n\
         docker network connect bridge {c}\n\
         docker exec -it {c} 'ifconfig'\n\
         docker network disconnect bridge {c}\n\
         docker exec -it {c} 'ifconfig'\n\
         docker rm -f {c}\n",
        net = net.name
    );
    let mut child = Command::new(dockernet_bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the REPL");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), script.as_bytes()).expect("feed the REPL");
    let o = child.wait_with_output().expect("the REPL ends at end of input");
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(stderr.is_empty(), "the REPL reported errors:\n{stderr}\n--- stdout\n{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.first().is_some_and(|l| l.len() == 64), "run -d prints the id first:\n{stdout}");
    assert_eq!(lines.last(), Some(&c.as_str()), "rm prints the name last:\n{stdout}");
    let eth = |n: &str| stdout.matches(&format!("{n} ")).count();
    assert_eq!((eth("eth0"), eth("eth1"), eth("lo")), (2, 1, 2), "eth1 only while connected to bridge:\n{stdout}");
    let (first, second) = stdout.split_at(stdout.rfind("eth0").expect("two ifconfigs"));
    assert!(first.contains("eth1") && !second.contains("eth1"), "{stdout}");
    assert_eq!(docker(&["container", "inspect", &c]).status, 1, "{c} is removed");
}
