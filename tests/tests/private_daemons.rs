//! The private-daemon harness itself (tests/src/daemons.rs): daemons in namespaces of their own
//! answer, reach each other over their private link, survive a restart with a long-lived client,
//! and leave nothing behind.

use std::process::Command;

use dockernet_tests::daemons::PrivateDaemons;

fn netns_list() -> String {
    String::from_utf8_lossy(&Command::new("ip").args(["netns", "list"]).output().unwrap().stdout).into_owned()
}

/// Two private daemons answer on their own sockets, are not the machine's daemon, can reach each
/// other by address, and everything is gone after the set is dropped.
#[test]
fn two_private_daemons_come_up_and_go_away() {
    let (dir, names);
    {
        let set = PrivateDaemons::start(&["a", "b"]);
        let (a, b) = (set.get("a"), set.get("b"));
        dir = a.dir.parent().unwrap().to_path_buf();
        names = vec![a.netns.clone(), b.netns.clone()];
        let ca = a.client();
        ca.ping().expect("private daemon a answers");
        b.client().ping().expect("private daemon b answers");
        // Not the machine's daemon: a network made on a is unknown to b and to the default daemon.
        let id = a.docker_ok(&["network", "create", "only-on-a"]);
        assert!(!id.trim().is_empty());
        let on_b = b.docker().args(["network", "inspect", "only-on-a"]).output().unwrap();
        assert!(!on_b.status.success(), "a network made on a is visible on b");
        // The link works: a container on a pings b's host address (inside the private namespaces).
        let ping = a
            .docker()
            .args(["run", "--rm", dockernet_tests::TEST_IMAGE, "ping", "-c", "1", "-W", "2", &b.ip.to_string()])
            .output()
            .unwrap();
        assert!(ping.status.success(), "a cannot reach b at {}: {}", b.ip, String::from_utf8_lossy(&ping.stdout));
    }
    assert!(!dir.exists(), "{} left behind", dir.display());
    let list = netns_list();
    for n in names {
        assert!(!list.contains(&n), "namespace {n} left behind: {list}");
    }
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(!mounts.contains(&dir.display().to_string()), "mounts left under {}", dir.display());
    let procs = Command::new("pgrep").args(["-f", &dir.display().to_string()]).output().unwrap();
    assert!(procs.stdout.is_empty(), "processes left: {}", String::from_utf8_lossy(&procs.stdout));
}

/// A long-lived client keeps working across a daemon restart: the first call after it does not
/// fail on the pooled connection the old daemon closed (issue 10, item 9).
#[test]
fn a_long_lived_client_survives_a_daemon_restart() {
    let mut set = PrivateDaemons::start(&["r"]);
    let client = set.get("r").client();
    client.ping().expect("first ping");
    client.network_ls(&Default::default()).expect("ls before the restart");
    let d = set.get_mut("r");
    d.stop("KILL");
    d.start();
    client.network_ls(&Default::default()).expect("ls right after the restart");
    client.ping().expect("ping after the restart");
    // A non-idempotent request on the dead pooled connection: it never reached the daemon, so
    // it is retried too, and the network exists exactly once.
    let d = set.get_mut("r");
    d.stop("KILL");
    d.start();
    let net = client.network_create("after-restart", &Default::default()).expect("create right after the restart");
    let listed = set.get("r").docker_ok(&["network", "ls", "-q", "--filter", "name=^after-restart$"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    client.network_rm(&net.id).unwrap();
}
