//! A private Podman service for the tests that run dockernet against Podman's Docker-compatible
//! API (README "Podman notes").
//!
//! [`PrivatePodman::start`] runs `podman system service --time=0 unix://<dir>/podman.sock` inside a
//! network namespace the harness creates (so netavark's bridges and firewall rules never touch the
//! machine's network), with everything else in one folder too: storage (`--root`, `--runroot`,
//! driver `vfs`: no kernel overlay needed), network configs, temporary files, events (a file) and a
//! `containers.conf` whose `default_ulimits` stay within the limits a container may set here (see
//! the notes: without `CAP_SYS_RESOURCE`, Podman's own defaults make every start fail). The test
//! image is copied in with `docker save | docker -H <podman> load` (nothing is pulled).
//!
//! Dropping it removes its containers, stops the service by pid, ends what still mentions its
//! folder or runs in its namespace (aardvark-dns), unmounts what is mounted under it and removes
//! the namespace and the folder. The machine's Docker daemon is never touched.
//!
//! One thing is not private: Podman 4.3 keeps netavark's run state (`ipam.db`, aardvark-dns's
//! config and pid file) in the fixed `/run/containers/networks`. Two instances at once share its
//! address book (harmless: allocations are locked and the namespaces are apart) and its one
//! aardvark-dns, which serves only the namespace it started in — so name resolution inside
//! containers works for one instance at a time. The tests use one instance per test binary. `scripts/dev/ensure-podman.sh` installs Debian's
//! `podman` when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dockernet_core::BlockingClient;

/// How long the service may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// One private Podman service.
#[derive(Debug)]
pub struct PrivatePodman {
    /// Its folder: storage, configs, socket, log.
    pub dir: PathBuf,
    /// The network namespace it runs in (`/run/netns/<netns>`).
    pub netns: String,
    /// Its API socket.
    pub socket: PathBuf,
    child: Option<Child>,
}

/// Why Podman cannot run here, when it cannot be installed at all; `Ok` when `podman` is present.
pub fn ensure_installed() -> Result<(), String> {
    if Path::new("/usr/bin/podman").exists() {
        return Ok(());
    }
    let script = crate::workspace_root().join("scripts/dev/ensure-podman.sh");
    let out = Command::new(&script).output().map_err(|e| format!("{}: {e}", script.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{} failed: {}{}", script.display(), String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

impl PrivatePodman {
    /// Starts the service and loads the test image. Panics with its log when it does not answer
    /// within [`START_TIMEOUT`].
    pub fn start() -> PrivatePodman {
        static N: AtomicUsize = AtomicUsize::new(0);
        let tag = format!("{}{}p{}", crate::daemons::PREFIX, std::process::id() % 100_000, N.fetch_add(1, Ordering::SeqCst));
        let dir = std::env::temp_dir().join(&tag);
        for d in ["root", "runroot", "net", "tmp"] {
            std::fs::create_dir_all(dir.join(d)).expect("podman folder");
        }
        // Lowering a limit is always allowed; these are below any machine's hard limits.
        std::fs::write(
            dir.join("containers.conf"),
            "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\n[engine]\nevents_logger = \"file\"\n",
        )
        .expect("containers.conf");
        let run = |args: &[&str]| {
            let out = Command::new("ip").args(args).output().expect("run ip");
            assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        run(&["netns", "add", &tag]);
        run(&["netns", "exec", &tag, "ip", "link", "set", "lo", "up"]);
        let socket = dir.join("podman.sock");
        let mut this = PrivatePodman { dir: dir.clone(), netns: tag.clone(), socket, child: None };
        let log = std::fs::File::create(dir.join("podman.log")).expect("podman.log");
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{tag}"))
            .arg("podman")
            .args(this.flags())
            .args(["system", "service", "--time=0"])
            .arg(this.host())
            .env("CONTAINERS_CONF", dir.join("containers.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start podman system service");
        this.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if this.socket.exists() && this.client().ping().is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "podman did not answer on {} within {START_TIMEOUT:?}; its log:\n{}",
                this.host(),
                std::fs::read_to_string(dir.join("podman.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        this.load_test_image();
        this
    }

    /// `unix://<socket>`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// A dockernet client for this service.
    pub fn client(&self) -> BlockingClient {
        BlockingClient::new(Some(&self.host())).expect("client for the podman socket")
    }

    /// Podman's global flags for this private instance (storage, networks, runtime folders).
    fn flags(&self) -> Vec<String> {
        let d = |s: &str| self.dir.join(s).display().to_string();
        vec![
            "--root".into(),
            d("root"),
            "--runroot".into(),
            d("runroot"),
            "--storage-driver".into(),
            "vfs".into(),
            "--cgroup-manager".into(),
            "cgroupfs".into(),
            "--events-backend".into(),
            "file".into(),
            "--network-backend".into(),
            "netavark".into(),
            "--network-config-dir".into(),
            d("net"),
            "--tmpdir".into(),
            d("tmp"),
        ]
    }

    /// `docker save` from the machine's daemon, `docker load` into Podman (its compatible API).
    fn load_test_image(&self) {
        let mut save =
            Command::new("docker").args(["save", crate::TEST_IMAGE]).stdout(Stdio::piped()).spawn().expect("docker save");
        let stdout = save.stdout.take().expect("save stdout");
        let load = Command::new("docker").arg("-H").arg(self.host()).arg("load").stdin(stdout).output().expect("load");
        let saved = save.wait().expect("docker save");
        assert!(
            saved.success() && load.status.success(),
            "loading {} into podman: {}",
            crate::TEST_IMAGE,
            String::from_utf8_lossy(&load.stderr)
        );
    }
}

impl Drop for PrivatePodman {
    fn drop(&mut self) {
        // Containers first, through podman itself (bounded: a wedged runtime must not hang the
        // tear-down; whatever is left is killed below).
        if let Ok(mut rm) = Command::new("podman")
            .args(self.flags())
            .args(["rm", "--all", "--force", "--time", "0"])
            .env("CONTAINERS_CONF", self.dir.join("containers.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            let deadline = Instant::now() + Duration::from_secs(60);
            while rm.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = rm.kill();
            let _ = rm.wait();
        }
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // conmon and anything else started for this instance names the folder on its command
        // line; aardvark-dns (netavark's DNS server) does not, but it runs in the namespace.
        let in_netns = Command::new("ip").args(["netns", "pids", &self.netns]).output().map(|o| o.stdout).unwrap_or_default();
        let in_netns = String::from_utf8_lossy(&in_netns).split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>();
        for pid in pids_mentioning(&self.dir).into_iter().chain(in_netns) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
        unmount_under(&self.dir);
        let _ = Command::new("ip").args(["netns", "delete", &self.netns]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Processes whose command line mentions `dir`.
fn pids_mentioning(dir: &Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(&needle))
        })
        .collect()
}

/// Lazily unmounts everything mounted under `dir`, deepest first.
fn unmount_under(dir: &Path) {
    let needle = dir.display().to_string();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut points: Vec<&str> =
        mounts.lines().filter_map(|l| l.split(' ').nth(4)).filter(|p| p.starts_with(&needle)).collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").arg("-l").arg(p).status();
    }
}
