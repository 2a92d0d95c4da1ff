//! Private Docker daemons for tests that need more than the machine's own: several hosts (swarm,
//! overlay networks), a daemon to kill or restart, a daemon to reconfigure.
//!
//! Each [`PrivateDaemon`] is a `dockerd` of its own, started inside a network namespace this
//! harness creates, with its own data-root, exec-root, pidfile, socket, config file (an empty one:
//! the machine's `/etc/docker/daemon.json` is not read), `--bip`, `--default-address-pool` and
//! cgroup parent. The namespaces of one [`PrivateDaemons`] set are joined by veth pairs to a bridge
//! that lives in a namespace of its own — never on the host, where Docker's FORWARD policy would
//! drop the traffic and where it could meet the machine's real networks. So every address used here
//! is private to namespaces the test made: the link block [`LINK_BLOCK`] and the daemons' pools
//! never appear in the host's routing table, and test traffic cannot leave the machine.
//!
//! Why `nsenter --net=/run/netns/X` and not `ip netns exec X`: `ip netns exec` also remounts
//! `/sys` for the namespace, which hides the cgroup mounts dockerd needs.
//!
//! The test image is copied in with `docker save | docker load` from the machine's daemon (nothing
//! is pulled). Dropping the set tears everything down even after a panic: containers' shims and
//! dockerd (with its containerd) by pid, mounts under the set's folder, the namespaces, the folder.
//! `scripts/dev/private-daemons.sh clean` sweeps what a killed test run left (names start with
//! [`PREFIX`]).
//!
//! The machine's own daemon is never touched: it is not put in a swarm, restarted or reconfigured.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dockernet_core::BlockingClient;

/// Every namespace, link and folder made here starts with this, so a sweep finds leftovers.
pub const PREFIX: &str = "dnt";

/// The link block the daemons' hosts get their addresses from: `10.99.<set>.<1+i>/24`, inside the
/// sets' own namespaces only.
pub const LINK_BLOCK: &str = "10.99.0.0/16";

/// How long a private daemon may take to answer after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// One private daemon.
#[derive(Debug)]
pub struct PrivateDaemon {
    /// Short name (`a`, `b`, …), as a topology's `hosts:` would call it.
    pub name: String,
    /// The network namespace it runs in (`/run/netns/<netns>`).
    pub netns: String,
    /// Its address on the set's link (reachable from the other daemons of the set).
    pub ip: Ipv4Addr,
    /// Its API socket.
    pub socket: PathBuf,
    /// Its folder: data-root, exec-root, pidfile, log.
    pub dir: PathBuf,
    index: usize,
    set: usize,
    child: Option<std::process::Child>,
    /// More dockerd flags (a TCP+TLS listener: [`PrivateDaemons::start_tls`]).
    extra_args: Vec<String>,
}

impl PrivateDaemon {
    /// `unix://<socket>`: what `--host`, `DOCKER_HOST` or `docker.connect` take.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// A dockernet client for this daemon.
    pub fn client(&self) -> BlockingClient {
        BlockingClient::new(Some(&self.host())).expect("client for a private daemon")
    }

    /// The docker CLI pointed at this daemon (for set-up steps and as an oracle).
    pub fn docker(&self) -> Command {
        let mut c = Command::new("docker");
        c.arg("-H").arg(self.host());
        c
    }

    /// Runs the docker CLI against this daemon; panics with its output when it fails.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker().args(args).output().expect("run docker");
        assert!(
            out.status.success(),
            "docker -H {} {}: {}{}",
            self.host(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `program` run inside this daemon's network namespace (where its TCP listener is).
    pub fn in_netns(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net=/run/netns/{}", self.netns)).arg(program);
        c
    }

    /// The daemon's pid, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// Starts dockerd (again) and waits until it answers.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "daemon {} is already running", self.name);
        for d in ["data", "exec", "run"] {
            std::fs::create_dir_all(self.dir.join(d)).expect("daemon folder");
        }
        std::fs::write(self.dir.join("daemon.json"), "{}").expect("daemon.json");
        // After a kill, the old containerd may linger as a zombie nobody reaps, and dockerd, seeing
        // its pid alive in this file, would wait for it instead of starting a new one.
        let _ = std::fs::remove_file(self.dir.join("exec/containerd/containerd.pid"));
        // Appended to: after a restart the log still shows how the previous run ended.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("dockerd.log"))
            .expect("dockerd.log");
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", self.netns))
            .arg("dockerd")
            .arg("--config-file")
            .arg(self.dir.join("daemon.json"))
            .arg("--data-root")
            .arg(self.dir.join("data"))
            .arg("--exec-root")
            .arg(self.dir.join("exec"))
            .arg("--pidfile")
            .arg(self.dir.join("run/docker.pid"))
            .arg("-H")
            .arg(self.host())
            // Pools inside the namespace: they cannot meet the host's networks, but distinct
            // per daemon keeps the addresses readable in a failing test's output.
            .arg("--bip")
            .arg(format!("172.31.{}.1/24", 10 + self.index))
            .arg("--default-address-pool")
            .arg(format!("base=10.{}.0.0/16,size=24", 150 + self.index))
            .arg("--cgroup-parent")
            .arg(&self.netns)
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start nsenter dockerd");
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let ok = self.socket.exists()
                && Command::new("docker")
                    .arg("-H")
                    .arg(self.host())
                    .args(["version", "--format", "{{.Server.Version}}"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "private daemon {} did not answer within {START_TIMEOUT:?}; processes of its folder: {:?}; its log:\n{}",
                self.name,
                pids_mentioning(&self.dir)
                    .iter()
                    .map(|p| std::fs::read_to_string(format!("/proc/{p}/cmdline")).unwrap_or_default().replace('\0', " "))
                    .collect::<Vec<_>>(),
                std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops dockerd with `signal` (`TERM` to stop, `KILL` to crash it) and waits for it to go;
    /// also ends the containerd shims of its containers, which outlive a killed dockerd.
    pub fn stop(&mut self, signal: &str) {
        let Some(mut child) = self.child.take() else { return };
        // nsenter forks: the child is nsenter, dockerd its child. Signal dockerd by its pidfile
        // (nsenter only if dockerd never wrote one), then wait for both.
        let dockerd = std::fs::read_to_string(self.dir.join("run/docker.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|p| Path::new(&format!("/proc/{p}")).exists());
        let target = dockerd.unwrap_or(child.id());
        let _ = Command::new("kill").arg(format!("-{signal}")).arg(target.to_string()).status();
        wait_gone(target, Duration::from_secs(30));
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for shim in pids_mentioning(&self.dir) {
            let _ = Command::new("kill").arg("-KILL").arg(shim.to_string()).status();
            wait_gone(shim, Duration::from_secs(5));
        }
    }
}

/// A set of private daemons on one private link.
#[derive(Debug)]
pub struct PrivateDaemons {
    /// The daemons, in the order asked for.
    pub daemons: Vec<PrivateDaemon>,
    switch: String,
    dir: PathBuf,
}

impl PrivateDaemons {
    /// Starts `names.len()` daemons named `names` (e.g. `["a", "b"]`), each with the test image
    /// loaded. Panics with what failed (a test that cannot set up its hosts must fail loudly).
    pub fn start(names: &[&str]) -> PrivateDaemons {
        PrivateDaemons::start_with(names, |_| Vec::new())
    }

    /// Starts daemons that also listen on `tcp://0.0.0.0:2376` with TLS, requiring client
    /// certificates (`--tlsverify`), with certificates made for the test ([`TlsMaterial`]). The
    /// TCP port is inside each daemon's namespace: reach it with [`PrivateDaemon::in_netns`].
    pub fn start_tls(names: &[&str]) -> (PrivateDaemons, TlsMaterial) {
        let dir = std::env::temp_dir().join(format!("{PREFIX}tls{}-{}", std::process::id(), crate::random_u64() % 1_000_000));
        let tls = TlsMaterial::make(&dir);
        let server = tls.server.clone();
        let set = PrivateDaemons::start_with(names, move |_| {
            vec![
                "-H".into(),
                "tcp://0.0.0.0:2376".into(),
                "--tlsverify".into(),
                format!("--tlscacert={}", server.join("ca.pem").display()),
                format!("--tlscert={}", server.join("cert.pem").display()),
                format!("--tlskey={}", server.join("key.pem").display()),
            ]
        });
        (set, tls)
    }

    /// [`PrivateDaemons::start`] with more dockerd flags for each daemon (by its name).
    pub fn start_with(names: &[&str], extra: impl Fn(&str) -> Vec<String>) -> PrivateDaemons {
        static SETS: AtomicUsize = AtomicUsize::new(0);
        assert!(names.len() <= 8, "at most 8 private daemons in a set");
        // One number per set, taken once: sets started by parallel tests of one process must
        // not share names (a second load of the counter could see another thread's increment).
        let n = SETS.fetch_add(1, Ordering::SeqCst);
        let set = (std::process::id() as usize * 16 + n) % 250;
        let tag = format!("{PREFIX}{}x{n}", std::process::id() % 100_000);
        let dir = std::env::temp_dir().join(&tag);
        let switch = format!("{tag}s");
        let mut this = PrivateDaemons { daemons: Vec::new(), switch: switch.clone(), dir: dir.clone() };
        ip(&["netns", "add", &switch]);
        in_ns(&switch, &["ip", "link", "add", "br0", "type", "bridge"]);
        in_ns(&switch, &["ip", "link", "set", "br0", "up"]);
        for (i, name) in names.iter().enumerate() {
            let netns = format!("{tag}{name}");
            let veth = format!("{tag}v{i}");
            assert!(veth.len() <= 15, "interface name {veth} too long");
            ip(&["netns", "add", &netns]);
            this.daemons.push(PrivateDaemon {
                name: name.to_string(),
                netns: netns.clone(),
                ip: Ipv4Addr::new(10, 99, set as u8, 1 + i as u8),
                socket: dir.join(name).join("run/docker.sock"),
                dir: dir.join(name),
                index: i,
                set,
                child: None,
                extra_args: Vec::new(),
            });
            ip(&["link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &netns]);
            ip(&["link", "set", &veth, "netns", &switch]);
            in_ns(&switch, &["ip", "link", "set", &veth, "master", "br0", "up"]);
            let addr = format!("10.99.{set}.{}/24", 1 + i);
            in_ns(&netns, &["ip", "addr", "add", &addr, "dev", "eth0"]);
            in_ns(&netns, &["ip", "link", "set", "eth0", "up"]);
            in_ns(&netns, &["ip", "link", "set", "lo", "up"]);
        }
        for d in &mut this.daemons {
            d.extra_args = extra(&d.name);
            d.start();
        }
        for d in &this.daemons {
            load_test_image(d);
        }
        this
    }

    /// The daemon called `name`.
    pub fn get(&self, name: &str) -> &PrivateDaemon {
        self.daemons.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("no private daemon {name}"))
    }

    /// The daemon called `name`, to stop or restart it.
    pub fn get_mut(&mut self, name: &str) -> &mut PrivateDaemon {
        self.daemons.iter_mut().find(|d| d.name == name).unwrap_or_else(|| panic!("no private daemon {name}"))
    }

    /// The set's number (its link is `10.99.<set>.0/24`).
    pub fn set(&self) -> usize {
        self.daemons.first().map_or(0, |d| d.set)
    }
}

impl Drop for PrivateDaemons {
    fn drop(&mut self) {
        for d in &mut self.daemons {
            // A daemon in a swarm leaves it first, so no other daemon keeps waiting for it.
            if d.child.is_some() {
                let _ = d.docker().args(["swarm", "leave", "--force"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
            }
        }
        for d in &mut self.daemons {
            d.stop("TERM");
        }
        unmount_under(&self.dir);
        for d in &self.daemons {
            let _ = Command::new("ip").args(["netns", "del", &d.netns]).status();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.switch]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `ip ARGS`, panicking with its output on failure.
fn ip(args: &[&str]) {
    run("ip", args);
}

/// Runs `argv` inside network namespace `ns` (nsenter: see the file notes).
fn in_ns(ns: &str, argv: &[&str]) {
    let mut args = vec![format!("--net=/run/netns/{ns}")];
    args.extend(argv.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("nsenter", &args);
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {}: {}{} (private daemons need root and iproute2)",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `docker save dockernet-testbox:latest | docker -H <private> load`.
fn load_test_image(d: &PrivateDaemon) {
    let mut save = Command::new("docker")
        .args(["save", crate::TEST_IMAGE])
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker save");
    let stdout = save.stdout.take().expect("save stdout");
    let load = d.docker().arg("load").stdin(stdout).output().expect("docker load");
    let saved = save.wait().expect("docker save");
    assert!(
        saved.success() && load.status.success(),
        "loading {} into private daemon {}: {}",
        crate::TEST_IMAGE,
        d.name,
        String::from_utf8_lossy(&load.stderr)
    );
}

/// Waits (bounded) for `pid` to exit.
fn wait_gone(pid: u32, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        // A zombie child of ours still has /proc/<pid>: it is gone for our purposes.
        if std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z ")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Processes whose command line mentions `dir`: a killed dockerd's containerd and its shims.
fn pids_mentioning(dir: &Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(&needle))
        })
        .collect()
}

/// Unmounts everything mounted below `dir` (deepest first): a killed dockerd leaves its overlay
/// and shm mounts behind.
fn unmount_under(dir: &Path) {
    let needle = dir.display().to_string();
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut points: Vec<&str> =
        mounts.lines().filter_map(|l| l.split(' ').nth(1)).filter(|p| p.starts_with(&needle)).collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").arg("-l").arg(p).status();
    }
}

/// Certificates made for a TLS test with the `openssl` command: a CA, a server certificate for
/// `127.0.0.1`/`localhost` signed by it, a client certificate signed by it, and a second,
/// unrelated CA. Each folder holds `ca.pem`, `cert.pem`, `key.pem` (the docker CLI's layout).
/// Removed on drop.
#[derive(Debug)]
pub struct TlsMaterial {
    /// The daemon's files (`--tlscacert`, `--tlscert`, `--tlskey`).
    pub server: PathBuf,
    /// A client's files, signed by the daemon's CA.
    pub client: PathBuf,
    /// The client's certificate and key, with an unrelated CA as `ca.pem` (the daemon's
    /// certificate must not verify).
    pub wrong_ca: PathBuf,
    dir: PathBuf,
}

impl TlsMaterial {
    fn make(dir: &Path) -> TlsMaterial {
        let (server, client, wrong_ca) = (dir.join("server"), dir.join("client"), dir.join("wrong-ca"));
        for d in [&server, &client, &wrong_ca] {
            std::fs::create_dir_all(d).expect("tls folder");
        }
        let openssl = |args: &[&str]| run("openssl", args);
        let p = |d: &Path, f: &str| d.join(f).display().to_string();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        // Two CAs.
        for (d, cn) in [(&server, "dnt-test-ca"), (&wrong_ca, "dnt-other-ca")] {
            let mut a = vec!["req", "-x509", "-days", "2", "-subj"];
            let subj = format!("/CN={cn}");
            a.push(&subj);
            a.extend(ec);
            let (key, ca) = (p(d, "ca-key.pem"), p(d, "ca.pem"));
            a.extend(["-keyout", &key, "-out", &ca, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
            openssl(&a);
        }
        // A certificate signed by the test CA into folder `d` as cert.pem/key.pem.
        let issue = |d: &Path, cn: &str, ext: &str| {
            let (key, csr, cert, extf) = (p(d, "key.pem"), p(d, "req.csr"), p(d, "cert.pem"), p(d, "ext.cnf"));
            std::fs::write(&extf, ext).expect("ext file");
            let subj = format!("/CN={cn}");
            let mut a = vec!["req", "-subj", &subj];
            a.extend(ec);
            a.extend(["-keyout", &key, "-out", &csr]);
            openssl(&a);
            let (ca, cakey) = (p(&server, "ca.pem"), p(&server, "ca-key.pem"));
            openssl(&["x509", "-req", "-days", "2", "-in", &csr, "-CA", &ca, "-CAkey", &cakey, "-CAcreateserial", "-out", &cert, "-extfile", &extf]);
        };
        issue(&server, "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        issue(&client, "dnt-client", "extendedKeyUsage=clientAuth\n");
        std::fs::copy(server.join("ca.pem"), client.join("ca.pem")).expect("client ca");
        std::fs::copy(client.join("cert.pem"), wrong_ca.join("cert.pem")).expect("wrong-ca cert");
        std::fs::copy(client.join("key.pem"), wrong_ca.join("key.pem")).expect("wrong-ca key");
        TlsMaterial { server, client, wrong_ca, dir: dir.to_path_buf() }
    }
}

impl Drop for TlsMaterial {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
