//! `ssh://` hosts: a private sshd on loopback (tests/src/sshd.rs) whose sessions reach a private
//! daemon (tests/src/daemons.rs), so `docker system dial-stdio` on the "remote" side talks to a
//! daemon the test controls. dockernet runs `ssh` from PATH as the docker CLI does; the test's PATH
//! puts a wrapper first that gives ssh the test's key and known_hosts.
//!
//! Covered: `--host`, `DOCKER_HOST`, `docker.connect` and a docker context with an ssh endpoint;
//! networks and containers made through ssh land on the private daemon; the pool keeps the ssh
//! connection (a burst of calls is one login, not one per call); and every way ssh fails — the
//! remote daemon down, a refused key, a changed host key, nothing listening, no ssh client — is an
//! `unavailable` error with ssh's own words, within seconds.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dockernet_tests::daemons::PrivateDaemons;
use dockernet_tests::sshd::Sshd;
use dockernet_tests::{dockernet_bin, unique, TEST_IMAGE};

/// `dockernet ARGS` with the sshd's client wrapper on PATH and no inherited daemon settings.
fn dockernet(sshd: &Sshd, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(dockernet_bin());
    c.env("PATH", sshd.path_env())
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Command lines of running `ssh` clients that contain `needle` (zombies excluded).
fn ssh_clients(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter_map(|e| {
            let cmd = String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).ok()?).replace('\0', " ");
            (cmd.contains("ssh ") && !cmd.contains("sshd") && cmd.contains(needle)).then_some(cmd)
        })
        .collect()
}

/// Through ssh, the CLI, the Lua API and a docker context all reach the private daemon behind
/// sshd; what they make is there (and not on the machine's daemon); one login serves many calls.
#[test]
fn ssh_host_reaches_the_daemon_behind_sshd() {
    let set = PrivateDaemons::start(&["remote"]);
    let d = set.get("remote");
    let sshd = Sshd::start(&d.host());
    let url = sshd.url();
    let net = unique("ssh-net");

    // The CLI with --host: create, then the private daemon's own CLI sees it.
    let out = dockernet(&sshd, &[], &["-H", &url, "network", "create", "--label", "dockernet.test=ssh", &net]);
    assert!(out.status.success(), "{}\nsshd log:\n{}", text(&out), sshd.log());
    let on_private = d.docker_ok(&["network", "inspect", "--format", "{{.Name}}", &net]);
    assert_eq!(on_private.trim(), net);
    let on_machine = Command::new("docker").args(["network", "inspect", &net]).output().unwrap();
    assert!(!on_machine.status.success(), "{net} leaked onto the machine's daemon");

    // DOCKER_HOST=ssh://…: the listing shows it.
    let out = dockernet(&sshd, &[("DOCKER_HOST", &url)], &["network", "ls", "--format", "{{.Name}}"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).lines().any(|l| l == net), "{}", text(&out));

    // Lua: docker.connect(url); a container on the network, an exec in it (a hijacked
    // connection through ssh), and a burst of calls that must reuse the pooled ssh connection.
    let before = sshd.logins();
    let code = format!(
        r#"local r = docker.connect("{url}")
        assert(r.host == "{url}", r.host)
        local n = r.network.get("{net}")
        local c = r.container.run{{image = "{img}", name = "{net}-c", command = "sleep 600"}}
        n:connect(c)
        print("ifaces", #c:interfaces())
        for i = 1, 30 do assert(r.ping()) end
        for i = 1, 10 do assert(#r.network.ls() >= 4) end
        print("version", r.version().ApiVersion ~= nil)
        n:disconnect(c) c:rm{{force = true}}
        print("done")"#,
        img = TEST_IMAGE
    );
    let out = dockernet(&sshd, &[], &["-H", "unix:///nonexistent.sock", "-e", &code]);
    let t = text(&out);
    assert!(out.status.success(), "{t}\nsshd log:\n{}", sshd.log());
    assert!(t.contains("ifaces\t2") && t.contains("version\ttrue") && t.contains("done"), "{t}");
    // One process runs the script; the pool keeps its ssh connection across 40+ calls. A second
    // one may open while an exec holds the first (a hijacked connection is not pooled).
    let logins = sshd.logins() - before;
    assert!((1..=4).contains(&logins), "{logins} ssh logins for one script; sshd log:\n{}", sshd.log());
    // The ssh processes go with the dockernet process that started them (bounded wait: ssh sees
    // its stdin close and the remote dial-stdio end).
    let port = format!("-p {} ", sshd.port);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = ssh_clients(&port);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "ssh processes outlived dockernet: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // A docker context whose endpoint is the ssh URL, made by the docker CLI itself.
    let config = sshd.dir.join("docker-config");
    let cfg = config.to_str().unwrap();
    let name = "ssh-lab";
    let made = Command::new("docker")
        .env("DOCKER_CONFIG", cfg)
        .args(["context", "create", name, "--docker", &format!("host={url}")])
        .output()
        .unwrap();
    assert!(made.status.success(), "docker context create: {}", text(&made));
    let out = dockernet(&sshd, &[("DOCKER_CONFIG", cfg)], &["--context", name, "network", "rm", &net]);
    assert!(out.status.success(), "{}", text(&out));
    let gone = d.docker().args(["network", "inspect", &net]).output().unwrap();
    assert!(!gone.status.success(), "{net} is still on the private daemon");
    let out = dockernet(&sshd, &[("DOCKER_CONFIG", cfg), ("DOCKER_CONTEXT", name)], &["-e", "print(docker.host)"]);
    assert!(text(&out).contains(&url), "{}", text(&out));
}

/// Every way ssh can fail is an `unavailable` error carrying what ssh (or the remote docker) said,
/// from the CLI and from Lua, within seconds — never a hang.
#[test]
fn ssh_failures_are_clear_and_quick() {
    // The remote docker cannot reach its daemon: the session's DOCKER_HOST is a missing socket.
    let sshd = Sshd::start("unix:///nonexistent/dnt-ssh/docker.sock");
    let url = sshd.url();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // (what, host, PATH for dockernet when not the wrapper's, expected words)
    let cases: [(&str, String, Option<&str>, &str); 5] = [
        ("remote daemon down", url.clone(), None, "/nonexistent/dnt-ssh/docker.sock"),
        ("remote socket path", format!("{url}/nonexistent/other.sock"), None, "/nonexistent/other.sock"),
        ("refused user", format!("ssh://nobody@127.0.0.1:{}", sshd.port), None, "Permission denied"),
        ("nothing listening", format!("ssh://{}@127.0.0.1:{closed}", sshd.user), None, "Connection refused"),
        ("no ssh client", url.clone(), Some("/nonexistent"), "cannot run the ssh client"),
    ];
    for (what, host, path, needle) in &cases {
        let env: Vec<(&str, &str)> = path.iter().map(|p| ("PATH", *p)).collect();
        let started = Instant::now();
        let out = dockernet(&sshd, &env, &["-H", host, "network", "ls"]);
        let t = text(&out);
        // Shown with --nocapture: the messages a user would read.
        eprintln!("{what}: {t}");
        assert_eq!(out.status.code(), Some(1), "{what}: {t}");
        assert!(t.contains(needle), "{what}: expected {needle:?} in {t}");
        assert!(t.contains("cannot reach the Docker daemon at ssh://"), "{what}: {t}");
        assert!(started.elapsed() < Duration::from_secs(20), "{what}: took {:?}", started.elapsed());

        let code = format!(r#"local ok, e = pcall(docker.connect("{host}").ping) print(ok, e.kind)"#);
        let out = dockernet(&sshd, &env, &["-H", "unix:///nonexistent.sock", "-e", &code]);
        assert!(text(&out).contains("false\tunavailable"), "{what} (Lua): {}", text(&out));
    }

    // No docker on the remote PATH: the remote shell's "not found" and what the remote needs.
    let bare = Sshd::start_with_env(&[("PATH", "/nonexistent")]);
    let out = dockernet(&bare, &[], &["-H", &bare.url(), "network", "ls"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("not found") && t.contains("docker 18.09 or later on its PATH"), "{t}");

    // A server that accepts and then says nothing (not even ssh's banner): the client's timeout
    // bounds the wait.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("ssh://{}@127.0.0.1:{}", sshd.user, silent.local_addr().unwrap().port());
    let started = Instant::now();
    let out = dockernet(&sshd, &[], &["-H", &silent_url, "--timeout", "2", "network", "ls"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("did not answer") && t.contains("within 2s"), "{t}");
    assert!(started.elapsed() < Duration::from_secs(15), "silent server: took {:?}", started.elapsed());
    drop(silent);

    // A changed host key: ssh refuses the server, and says so.
    sshd.break_known_hosts();
    let out = dockernet(&sshd, &[], &["-H", &url, "network", "ls"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("Host key verification failed") || t.contains("HOST IDENTIFICATION HAS CHANGED"), "{t}");

    // A password in the URL is refused before anything runs, as the docker CLI does.
    let out = dockernet(&sshd, &[], &["-H", &format!("ssh://root:pw@127.0.0.1:{}", sshd.port), "network", "ls"]);
    let t = text(&out);
    assert!(t.contains("password is not supported") && !t.contains(":pw@"), "{t}");
}
