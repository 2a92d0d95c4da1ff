//! The daemon's event stream against a real daemon: events for a network and a container the
//! test makes arrive within a second of each step; `until` ends the stream; an interrupt stops a
//! stream that would wait forever; bad filters and times are refused before any request.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use dockernet_core::container::RemoveOptions;
use dockernet_core::events::{EventOptions, TimeArg};
use dockernet_core::network::DisconnectOptions;
use dockernet_core::options::from_value;
use dockernet_core::{ErrorKind, Interrupt};
use dockernet_tests::Guard;
use serde_json::{json, Value};

/// One event as the reader thread saw it: when, type, action, actor id, the container id of a
/// network event.
type Seen = (Instant, String, String, String, String);

/// Create, connect, disconnect and destroy of a network and a container each come within a
/// second of the step that caused them.
#[test]
fn events_arrive_within_a_second() {
    let g = Guard::new("events");
    let c = g.client();
    let opts: EventOptions =
        from_value(json!({ "filters": { "type": ["network", "container"] }, "until": "+30s" }), "events").unwrap();
    let mut stream = c.events(&opts).expect("events");
    let (tx, rx) = mpsc::channel::<Seen>();
    let reader = std::thread::spawn(move || {
        for ev in &mut stream {
            let ev = ev.expect("event").to_value();
            let s = |p: &str| ev.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
            let seen = (Instant::now(), s("/Type"), s("/Action"), s("/Actor/ID"), s("/Actor/Attributes/container"));
            if tx.send(seen).is_err() {
                break;
            }
        }
    });
    let mut steps: Vec<(Instant, &str, &str, String)> = Vec::new();
    let (net, _) = g.network_with_subnet("n", |s| json!({ "subnet": s.cidr() }));
    steps.push((Instant::now(), "network", "create", net.id.clone()));
    let ctr = g.container("c", json!({ "network": net.name }));
    let now = Instant::now();
    steps.push((now, "container", "create", ctr.id.clone()));
    steps.push((now, "network", "connect", ctr.id.clone()));
    steps.push((now, "container", "start", ctr.id.clone()));
    c.network_disconnect(&net.id, &ctr.id, &DisconnectOptions { force: true }).unwrap();
    steps.push((Instant::now(), "network", "disconnect", ctr.id.clone()));
    c.container_rm(&ctr.id, &RemoveOptions { force: true }).unwrap();
    steps.push((Instant::now(), "container", "destroy", ctr.id.clone()));
    c.network_rm(&net.id).unwrap();
    steps.push((Instant::now(), "network", "destroy", net.id.clone()));

    let mut seen: Vec<Seen> = Vec::new();
    for (done, ty, action, id) in &steps {
        let deadline = *done + Duration::from_secs(1);
        let matches = |s: &Seen| {
            s.1 == *ty && s.2 == *action && (s.3 == *id || (*ty == "network" && action.contains("connect") && s.4 == *id))
        };
        while !seen.iter().any(matches) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(s) => seen.push(s),
                Err(_) => panic!("no {ty} {action} event for {id} within a second of the step"),
            }
        }
        let at = seen.iter().find(|s| matches(s)).unwrap().0;
        assert!(at <= deadline, "{ty} {action} came {:?} after the step", at.duration_since(*done));
    }
    drop(rx);
    // The reader ends at `until` at the latest; it is not waited for (30 s).
    drop(reader);
}

/// `until` ends the stream: the iterator finishes on its own, soon after that time.
#[test]
fn until_ends_the_stream() {
    let g = Guard::new("evuntil");
    let opts: EventOptions =
        from_value(json!({ "filters": { "type": ["network"], "network": [g.name("none")] }, "until": "+1s" }), "events")
            .unwrap();
    let started = Instant::now();
    let got: Vec<_> = g.client().events(&opts).expect("events").collect();
    assert!(got.is_empty(), "no network of that name: {} events", got.len());
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(800) && took < Duration::from_secs(5), "took {took:?}");
}

/// A stream with no `until` waits forever; an interrupt stops it within a second with
/// `interrupted`, and the iterator ends.
#[test]
fn an_interrupt_stops_a_stream() {
    let g = Guard::new("evint");
    let c = dockernet_tests::client();
    let interrupt = c.set_interrupt(Interrupt::new()).clone();
    let opts: EventOptions =
        from_value(json!({ "filters": { "network": [g.name("none")] } }), "events").unwrap();
    let mut stream = c.events(&opts).expect("events");
    let trigger = interrupt.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        trigger.trigger("Ctrl-C");
    });
    let started = Instant::now();
    let e = stream.next().expect("an item").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    assert!(e.message().contains("event stream"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(stream.next().is_none(), "the stream ends after an interrupt");
    assert!(!stream.is_open());
    t.join().unwrap();
}

/// An unknown filter and a bad time are `invalid`, naming them, before any request.
#[test]
fn bad_filters_and_times_are_refused() {
    let c = dockernet_tests::client();
    let opts: EventOptions = from_value(json!({ "filters": { "tpye": ["network"] } }), "events").unwrap();
    let e = c.events(&opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message().contains("\"tpye\""), "{e}");
    let opts = EventOptions { since: Some(TimeArg::Text("yesterday".into())), ..Default::default() };
    let e = c.events(&opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message().contains("since") && e.message().contains("yesterday"), "{e}");
    let e = from_value::<EventOptions>(json!({ "filter": {} }), "events").unwrap_err();
    assert!(e.message().contains("filter"), "{e}");
}

/// `dockernet events` prints the test's own network event with a template, and ends at
/// `--until`; the Lua iterator and callback forms see the same event.
#[test]
fn cli_and_lua_events() {
    let g = Guard::new("evcli");
    let net = g.network("n", json!({}));
    let bin = dockernet_tests::dockernet_bin();
    let o = std::process::Command::new(&bin)
        .args(["events", "--filter", &format!("network={}", net.id), "--since", "30s", "--until", "+1s"])
        .args(["--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(out.lines().next(), Some(format!("network create {}", net.name).as_str()), "{out}");
    let script = std::env::temp_dir().join(format!("{}.lua", g.tag()));
    std::fs::write(
        &script,
        format!(
            r#"
local o = {{filters = {{network = {{"{id}"}}}}, since = "30s", ["until"] = "+1s"}}
for ev in docker.events(o) do print("for", ev.Action); break end
docker.events(o, function(ev) print("cb", ev.Action, ev.Actor.Attributes.name); return false end)
"#,
            id = net.id
        ),
    )
    .unwrap();
    let o = std::process::Command::new(&bin).arg(&script).output().unwrap();
    let _ = std::fs::remove_file(&script);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), format!("for\tcreate\ncb\tcreate\t{}\n", net.name));
}
