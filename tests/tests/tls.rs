//! TLS to a daemon: a private dockerd (tests/src/daemons.rs) listening on tcp+TLS with client
//! verification and certificates the test makes. The right CA and client certificate connect
//! (DOCKER_TLS_VERIFY/DOCKER_CERT_PATH and `docker.connect{tls=}`); a wrong CA, a missing client
//! certificate and a plain-TCP client are clear errors. The client runs inside the daemon's
//! network namespace, where the TCP listener is: nothing listens on the machine's own network.

use std::path::Path;
use std::process::Output;

use dockernet_tests::daemons::{PrivateDaemon, PrivateDaemons};
use dockernet_tests::dockernet_bin;

const HOST: &str = "tcp://127.0.0.1:2376";

fn dockernet(d: &PrivateDaemon, certs: Option<&Path>, args: &[&str]) -> Output {
    let mut c = d.in_netns(dockernet_bin());
    c.env("DOCKER_HOST", HOST).env("NO_COLOR", "1").env_remove("DOCKER_CONTEXT").args(args);
    match certs {
        Some(dir) => c.env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", dir),
        None => c.env_remove("DOCKER_TLS_VERIFY").env_remove("DOCKER_CERT_PATH"),
    };
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// One TLS daemon, every client case.
#[test]
fn tls_daemon_accepts_only_the_right_certificates() {
    let (set, tls) = PrivateDaemons::start_tls(&["t"]);
    let d = set.get("t");

    // The right CA and client certificate: the docker CLI's variables, and docker.connect{tls=}.
    let out = dockernet(d, Some(&tls.client), &["network", "ls", "--format", "{{.Name}}"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "bridge"), "{}", text(&out));
    let c = &tls.client;
    let code = format!(
        r#"local t = docker.connect{{host = "{HOST}", tls = {{ca = "{}", cert = "{}", key = "{}"}}}} print("ping", t.ping())"#,
        c.join("ca.pem").display(),
        c.join("cert.pem").display(),
        c.join("key.pem").display()
    );
    let out = dockernet(d, None, &["-H", "unix:///nonexistent.sock", "-e", &code]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ping\ttrue"), "{}", text(&out));

    // A CA that did not sign the daemon's certificate.
    let out = dockernet(d, Some(&tls.wrong_ca), &["network", "ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).to_lowercase().contains("certificate"), "{}", text(&out));

    // No client certificate in the folder: the file is named.
    let only_ca = tls.client.parent().unwrap().join("only-ca");
    std::fs::create_dir_all(&only_ca).unwrap();
    std::fs::copy(tls.client.join("ca.pem"), only_ca.join("ca.pem")).unwrap();
    let out = dockernet(d, Some(&only_ca), &["network", "ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("cert.pem"), "{}", text(&out));

    // Plain TCP to the TLS port: says the daemon speaks TLS and how to turn it on.
    let out = dockernet(d, None, &["network", "ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("TLS") && text(&out).contains("DOCKER_TLS_VERIFY"), "{}", text(&out));
}
