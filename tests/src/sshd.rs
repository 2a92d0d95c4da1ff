//! A private `sshd` on loopback for the tests of `ssh://` hosts.
//!
//! [`Sshd::start`] runs the machine's OpenSSH server as a child process on `127.0.0.1:<free
//! port>`, with everything of its own in one folder: a host key, a client key pair generated for
//! the test, its config, its pid file and its log. It accepts only that client key
//! (`AuthorizedKeysFile` in the folder, `StrictModes no` because the folder lives in `/tmp`), and
//! its sessions get `DOCKER_HOST` set to the daemon the test names (sshd's `SetEnv`, OpenSSH 8.7
//! or later), so the remote `docker system dial-stdio` reaches a daemon the test controls.
//!
//! The client side: dockernet runs `ssh` from `PATH`, as the docker CLI does, and reads no ssh
//! settings of its own. So the folder also holds `bin/ssh`, a wrapper that runs the real client
//! with `-F <folder>/ssh_config` (the client key, a `known_hosts` with this server's host key and
//! `StrictHostKeyChecking yes`); a test puts [`Sshd::path_env`] in the environment of the
//! `dockernet` or Python process it starts. Nothing in the user's `~/.ssh` is read or changed.
//!
//! Dropping the [`Sshd`] kills the server by pid and removes the folder. When `sshd` is missing,
//! `scripts/dev/ensure-sshd.sh` installs Debian's `openssh-server` first.

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server.
const SSHD: &str = "/usr/sbin/sshd";

/// How long sshd may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// One private sshd (see the file notes).
#[derive(Debug)]
pub struct Sshd {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// Its folder: keys, configs, pid file, log, `bin/ssh`.
    pub dir: PathBuf,
    /// The user it lets in (the user running the test).
    pub user: String,
    child: Option<Child>,
}

impl Sshd {
    /// Starts an sshd whose sessions see `DOCKER_HOST=<docker_host>`. Panics with its log when it
    /// does not listen within [`START_TIMEOUT`].
    pub fn start(docker_host: &str) -> Sshd {
        Sshd::start_with_env(&[("DOCKER_HOST", docker_host)])
    }

    /// Starts an sshd whose sessions get these environment variables (sshd's `SetEnv`, which wins
    /// over the session's defaults: `PATH` too).
    pub fn start_with_env(env: &[(&str, &str)]) -> Sshd {
        ensure_installed();
        let dir = std::env::temp_dir().join(crate::unique("sshd"));
        std::fs::create_dir_all(dir.join("bin")).expect("sshd folder");
        keygen(&dir.join("host_key"));
        keygen(&dir.join("client_key"));
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).expect("authorized_keys");
        // sshd refuses to start without its privilege separation folder (Debian's service
        // script makes it; no service runs here).
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        let user = String::from_utf8(Command::new("id").arg("-un").output().expect("id -un").stdout)
            .expect("user name")
            .trim()
            .to_string();
        let mut sshd = Sshd { port: 0, dir, user, child: None };
        // A free port can be taken between the probe and sshd's bind: try a few.
        for _ in 0..5 {
            sshd.port = free_port();
            sshd.write_configs(env);
            if sshd.spawn() {
                return sshd;
            }
        }
        panic!("sshd did not listen within {START_TIMEOUT:?} on 5 ports; its log:\n{}", sshd.log());
    }

    /// `ssh://<user>@127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ssh://{}@127.0.0.1:{}", self.user, self.port)
    }

    /// `PATH` with the folder's `bin/` first, so `ssh` is the wrapper that uses the test's key and
    /// known_hosts.
    pub fn path_env(&self) -> OsString {
        let mut path = OsString::from(self.dir.join("bin"));
        if let Some(old) = std::env::var_os("PATH") {
            path.push(":");
            path.push(old);
        }
        path
    }

    /// The server's log so far (`LogLevel VERBOSE`: one `Accepted publickey` line per login).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// How many sessions the server has accepted so far.
    pub fn logins(&self) -> usize {
        self.log().matches("Accepted publickey").count()
    }

    /// Replaces the client's known_hosts with a key that is not the server's (a host key
    /// mismatch, as after a man-in-the-middle or a reinstall).
    pub fn break_known_hosts(&self) {
        let other = self.dir.join("other_key");
        keygen(&other);
        let key = std::fs::read_to_string(other.with_extension("pub")).expect("other key");
        std::fs::write(self.dir.join("known_hosts"), format!("[127.0.0.1]:{} {key}", self.port)).expect("known_hosts");
    }

    fn write_configs(&self, env: &[(&str, &str)]) {
        let d = &self.dir;
        let server = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {pid}\nAuthorizedKeysFile {ak}\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nAllowUsers {user}\n\
             X11Forwarding no\nAllowTcpForwarding no\nPermitTunnel no\nLogLevel VERBOSE\n{set_env}",
            port = self.port,
            hk = d.join("host_key").display(),
            pid = d.join("sshd.pid").display(),
            ak = d.join("authorized_keys").display(),
            user = self.user,
            set_env = env.iter().map(|(k, v)| format!("SetEnv {k}={v}\n")).collect::<String>(),
        );
        std::fs::write(d.join("sshd_config"), server).expect("sshd_config");
        let host_key = std::fs::read_to_string(d.join("host_key.pub")).expect("host key");
        std::fs::write(d.join("known_hosts"), format!("[127.0.0.1]:{} {host_key}", self.port)).expect("known_hosts");
        let client = format!(
            "Host *\n  IdentityFile {key}\n  IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile {kh}\n\
             \x20 GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n",
            key = d.join("client_key").display(),
            kh = d.join("known_hosts").display(),
        );
        std::fs::write(d.join("ssh_config"), client).expect("ssh_config");
        let wrapper = d.join("bin/ssh");
        std::fs::write(&wrapper, format!("#!/bin/sh\nexec /usr/bin/ssh -F '{}' \"$@\"\n", d.join("ssh_config").display()))
            .expect("ssh wrapper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod ssh wrapper");
    }

    /// Starts sshd on `self.port`; false when it exits or does not listen in time.
    fn spawn(&mut self) -> bool {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("sshd.log")).expect("log");
        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(self.dir.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start sshd");
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if TcpStream::connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return true;
            }
            if let Some(c) = self.child.as_mut() {
                if c.try_wait().ok().flatten().is_some() {
                    self.child = None;
                    return false;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).expect("free port").port()
}

/// An ed25519 key pair without passphrase at `path` (`path.pub` for the public half).
fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "dockernet-test", "-f"])
        .arg(path)
        .output()
        .expect("run ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
}

/// Installs the OpenSSH server and client (scripts/dev/ensure-sshd.sh) when they are missing.
fn ensure_installed() {
    if Path::new(SSHD).exists() && Path::new("/usr/bin/ssh").exists() && Path::new("/usr/bin/ssh-keygen").exists() {
        return;
    }
    let script = crate::workspace_root().join("scripts/dev/ensure-sshd.sh");
    let out = Command::new(&script).output().expect("run scripts/dev/ensure-sshd.sh");
    assert!(
        out.status.success(),
        "{} failed: the ssh tests need OpenSSH's server and client\n{}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
