//! `docker.connect`: one Lua script drives two private daemons (tests/src/daemons.rs) through two
//! clients shaped like `docker`; handles remember their daemon, mixing them is a clear error, and
//! a topology applies on the daemon of the client that made it.

use std::process::{Command, Output};

use dockernet_tests::daemons::PrivateDaemons;
use dockernet_tests::{dockernet_bin, TEST_IMAGE};

fn lua(code: &str) -> Output {
    Command::new(dockernet_bin()).arg("-e").arg(code).env("NO_COLOR", "1").output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Two daemons from one script: networks, containers and a topology land where their client
/// points; a handle's methods go to its own daemon; a handle given to the other client is refused.
#[test]
fn one_script_two_daemons() {
    let set = PrivateDaemons::start(&["a", "b"]);
    let (a, b) = (set.get("a"), set.get("b"));
    let code = format!(
        r#"local a = docker.connect("{ha}")
        local b = docker.connect{{host = "{hb}", timeout = 30}}
        assert(a.host == "{ha}" and b.host == "{hb}")
        for _, k in ipairs{{"network", "container", "swarm", "topology", "version", "ping", "connect", "contexts"}} do
          assert(a[k] ~= nil and b[k] ~= nil, "missing " .. k)
        end
        local na = a.network.create("only-a")
        local nb = b.network.create("only-b")
        print("a sees", pcall(a.network.inspect, "only-b"), "b sees", (pcall(b.network.inspect, "only-b")))
        local cb = b.container.run{{image = "{img}", name = "cb", command = "sleep 600"}}
        print("daemons", na.daemon == a.host, cb.daemon == b.host)
        nb:connect(cb)                                  -- both on b: goes to b
        print("ifaces", #cb:interfaces())
        local ok, e = pcall(na.connect, na, cb)         -- a network of a, a container of b
        print("mix", e.kind, e.message)
        local t = b.topology{{name = "tb", image = "{img}", networks = {{n = {{}}}}, nodes = {{x = {{networks = {{"n"}}}}}}}}
        t:apply{{progress = false}}
        print("topo on b", #b.container.ls{{filters = {{label = "dockernet.topology=tb"}}}}, "on a", #a.container.ls{{filters = {{label = "dockernet.topology=tb"}}}})
        t:destroy()
        nb:disconnect(cb) cb:rm{{force = true}} nb:rm() na:rm()
        print("done")"#,
        ha = a.host(),
        hb = b.host(),
        img = TEST_IMAGE
    );
    let out = lua(&code);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("a sees\tfalse"), "{t}");
    assert!(t.contains("b sees\ttrue"), "{t}");
    assert!(t.contains("daemons\ttrue\ttrue"), "{t}");
    assert!(t.contains("ifaces\t2"), "{t}");
    assert!(t.contains("mix\tinvalid") && t.contains("is a handle from the daemon at"), "{t}");
    assert!(t.contains("topo on b\t1\ton a\t0"), "{t}");
    assert!(t.contains("done"), "{t}");
}

/// Bad `docker.connect` arguments are invalid errors naming what is wrong; nothing connects.
#[test]
fn connect_arguments_are_checked() {
    for (arg, needle) in [
        ("42", "got number 42"),
        ("{}", "host or context is required"),
        ("{host = 'unix:///x.sock', context = 'lab'}", "not both"),
        ("{host = 'unix:///x.sock', colour = 'red'}", "colour"),
        ("{host = 'tcp://127.0.0.1:1', tls = {ca = 'a', cert = 'b', key = 'c', verify = false}}", "verify=false"),
        ("{host = 'unix:///x.sock', tls = {ca = 'a', cert = 'b', key = 'c'}}", "needs a tcp:// host"),
        ("{host = 'tcp://127.0.0.1:1', tls = {ca = 'a'}}", "tls.cert is required"),
        ("{host = 'tcp://127.0.0.1:1', timeout = -1}", "timeout"),
    ] {
        let out = lua(&format!("local ok, e = pcall(docker.connect, {arg}) print(e.kind, e.message)"));
        let t = text(&out);
        assert!(t.starts_with("invalid"), "{arg}: {t}");
        assert!(t.contains(needle), "{arg}: expected {needle:?} in {t}");
    }
}
