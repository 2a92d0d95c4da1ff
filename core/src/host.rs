//! Where the daemon is: the same answer the docker CLI gives.
//!
//! Order of precedence, as in the docker CLI: an explicit host (`--host`, `Client(base_url=…)`),
//! then `DOCKER_HOST`, then the context named by `DOCKER_CONTEXT` or by `currentContext` in
//! `$DOCKER_CONFIG/config.json` (`~/.docker` by default), then the local socket
//! `unix:///var/run/docker.sock`. TLS follows `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH` for
//! `tcp://` hosts, or the context's own TLS material.
//!
//! Nothing here touches the network: resolving a host never fails because a daemon is down.
//!
//! Credentials in a host URL (`tcp://admin:s3cret@10.0.0.5:2375`) never leave this file: as in
//! the docker CLI they are not sent to the daemon (the connection goes to `10.0.0.5:2375`), and
//! [`Host::url`] — the form every message, prompt, `docker.host` and Python `repr` shows — keeps
//! the user name but not the password (`tcp://admin:***@10.0.0.5:2375`). See [`redact`].

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The default local socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How to reach a daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix socket path.
    Unix(PathBuf),
    /// A TCP address (`host:port`), plain HTTP or TLS.
    Tcp {
        /// `host:port`.
        addr: String,
        /// Certificate files when TLS is on.
        tls: Option<TlsFiles>,
    },
    /// A daemon reached through the system `ssh` client, as the docker CLI does it: every
    /// connection runs `docker system dial-stdio` on the remote machine (see [`SshTarget`]).
    Ssh(SshTarget),
}

/// Where an `ssh://[user@]host[:port][/socket]` URL points, parsed the docker CLI's way
/// (`cli/connhelper/ssh`): no password, no query, no fragment; a path names the daemon's socket on
/// the remote machine (`docker --host=unix://PATH system dial-stdio`), otherwise the remote
/// `docker` uses its own default daemon (its `DOCKER_HOST`, context or local socket).
///
/// Everything else — keys, known hosts, jump hosts, agent — is the `ssh` client's business, read
/// from the user's `~/.ssh/config` as for any `ssh` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// The remote user (`-l USER`); `None`: ssh's own choice (`User` in ssh_config, else the
    /// local user name).
    pub user: Option<String>,
    /// The remote host name or address (brackets of an IPv6 address removed).
    pub host: String,
    /// The remote port (`-p PORT`); `None`: ssh's own choice (`Port` in ssh_config, else 22).
    pub port: Option<u16>,
    /// The daemon's socket on the remote machine, when the URL has a path.
    pub socket: Option<String>,
}

impl SshTarget {
    /// Parses what follows `ssh://`. `Err` holds why (the caller adds the URL and its source).
    fn parse(rest: &str) -> std::result::Result<SshTarget, String> {
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if rest.contains('?') {
            return Err("query parameters are not allowed in an ssh:// host".into());
        }
        if rest.contains('#') {
            return Err("fragments are not allowed in an ssh:// host".into());
        }
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => {
                if userinfo.contains(':') {
                    return Err("a plain-text password is not supported in an ssh:// host; use a key \
                                (ssh-agent or IdentityFile in ~/.ssh/config)"
                        .into());
                }
                if userinfo.is_empty() {
                    return Err("the user name before '@' is empty".into());
                }
                (Some(userinfo.to_string()), hostport)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("an IPv6 address needs its closing ']'")?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or("expected ':PORT' after ']'")?)),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err("expected ssh://[USER@]HOST[:PORT][/SOCKET]: the host name is empty".into());
        }
        // Values from a URL end up as arguments of `ssh`: refuse what ssh would read as an option
        // or what could not be a name at all.
        if host.starts_with('-') || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{host:?} is not a host name"));
        }
        if let Some(u) = &user {
            if u.starts_with('-') || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!("{u:?} is not a user name"));
            }
        }
        let port = match port {
            None => None,
            Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0).ok_or(format!("port {p:?} is not a port number"))?),
        };
        let socket = (!path.trim_matches('/').is_empty()).then(|| path.to_string());
        Ok(SshTarget { user, host: host.to_string(), port, socket })
    }
}

/// TLS material: the CA that signed the daemon's certificate, and the client's certificate and
/// key. The daemon's certificate is always verified against `ca`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificate(s), PEM.
    pub ca: PathBuf,
    /// The client certificate, PEM.
    pub cert: PathBuf,
    /// The client key, PEM.
    pub key: PathBuf,
}

impl TlsFiles {
    /// The docker CLI's layout: `ca.pem`, `cert.pem`, `key.pem` in one folder.
    pub fn in_dir(dir: impl Into<PathBuf>) -> TlsFiles {
        let dir = dir.into();
        TlsFiles { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") }
    }
}

/// A resolved daemon address, with where the choice came from (shown in errors and the prompt).
///
/// Holds no secret: a password in the URL given is dropped at parse time (see the file notes), so
/// `Debug`, `Display` and every message built from it are safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The address in docker's URL form (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`),
    /// with any password in it replaced by `***` ([`redact`]).
    pub url: String,
    /// Parsed form of `url`.
    pub endpoint: Endpoint,
    /// Where the address came from: `--host`, `DOCKER_HOST`, `context NAME` or `default`.
    pub source: String,
}

impl Host {
    /// Resolves the daemon address. `explicit` (a `--host` flag or `base_url`) wins over the
    /// environment.
    pub fn resolve(explicit: Option<&str>) -> Result<Host> {
        if let Some(url) = explicit.filter(|s| !s.is_empty()) {
            return Host::parse(url, "--host", tls_from_env());
        }
        if let Ok(url) = std::env::var("DOCKER_HOST") {
            if !url.is_empty() {
                return Host::parse(&url, "DOCKER_HOST", tls_from_env());
            }
        }
        if let Some(host) = from_context()? {
            return Ok(host);
        }
        Host::parse(&format!("unix://{DEFAULT_SOCKET}"), "default", None)
    }

    /// Parses a docker host URL (`unix://PATH`, `tcp://HOST:PORT`, `http://`, `https://`,
    /// `ssh://[USER@]HOST[:PORT][/SOCKET]`, or a bare socket path).
    ///
    /// User information (`user:password@`) before a TCP address is accepted and ignored, as the
    /// docker CLI does; the result's `url` shows it redacted.
    pub fn parse(url: &str, source: &str, tls: Option<TlsFiles>) -> Result<Host> {
        let shown = redact(url);
        let bad = |why: &str| Error::invalid(format!("host {shown:?} (from {source}): {why}"));
        let endpoint = if let Some(path) = url.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(bad("a unix:// host needs a socket path"));
            }
            Endpoint::Unix(PathBuf::from(path))
        } else if url.starts_with('/') {
            Endpoint::Unix(PathBuf::from(url))
        } else if let Some(rest) =
            url.strip_prefix("tcp://").or_else(|| url.strip_prefix("http://")).or_else(|| url.strip_prefix("https://"))
        {
            let rest = rest.trim_end_matches('/');
            // `user:password@` is not an address: connect to what follows it (the docker CLI
            // keeps only the URL's host part too).
            let rest = rest.rsplit_once('@').map_or(rest, |(_, addr)| addr);
            if rest.is_empty() || rest.contains('/') {
                return Err(bad("expected tcp://HOST:PORT"));
            }
            let addr = if rest.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
                rest.to_string()
            } else {
                // The docker CLI's default ports: 2376 with TLS, 2375 without.
                format!("{rest}:{}", if tls.is_some() || url.starts_with("https://") { 2376 } else { 2375 })
            };
            let tls = if url.starts_with("https://") && tls.is_none() {
                Some(TlsFiles::in_dir(docker_config_dir()))
            } else {
                tls
            };
            Endpoint::Tcp { addr, tls }
        } else if let Some(rest) = url.strip_prefix("ssh://") {
            // TLS settings do not apply: ssh encrypts, and the remote side talks to its socket.
            Endpoint::Ssh(SshTarget::parse(rest).map_err(|why| bad(&why))?)
        } else {
            return Err(bad("expected unix://PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]"));
        };
        Ok(Host { url: shown, endpoint, source: source.to_string() })
    }

    /// A short label for prompts: the socket path or `host:port`.
    pub fn short(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(p) => p.display().to_string(),
            Endpoint::Tcp { addr, .. } => addr.clone(),
            Endpoint::Ssh(t) => {
                let user = t.user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
                let port = t.port.map(|p| format!(":{p}")).unwrap_or_default();
                format!("{user}{}{port}", t.host)
            }
        }
    }
}

impl std::fmt::Display for Host {
    /// The redacted URL, as in messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// A host URL fit to show: a password in its user information becomes `***`
/// (`tcp://admin:s3cret@h:1` → `tcp://admin:***@h:1`), and user information without a `:` — a
/// bare token — is hidden whole (`tcp://***@h:1`), except in `ssh://` URLs, where it is the login
/// name (`ssh://me@box`). Socket paths (`unix://`, `/…`) are shown as
/// they are: an `@` there is part of a file name.
///
/// The user information is everything between `://` and the last `@`, so a password holding `/`
/// or `@` is hidden whole too.
pub fn redact(url: &str) -> String {
    if url.starts_with("unix://") || url.starts_with('/') {
        return url.to_string();
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        None => url.to_string(),
        Some((userinfo, addr)) => match userinfo.split_once(':') {
            Some((user, _)) if !user.contains('/') => format!("{scheme}://{user}:***@{addr}"),
            // `ssh://me@box`: a login name, not a token (ssh URLs hold no secret: passwords
            // are refused).
            None if scheme == "ssh" && !userinfo.contains('/') => url.to_string(),
            _ => format!("{scheme}://***@{addr}"),
        },
    }
}

/// `DOCKER_TLS_VERIFY` set to anything but empty turns TLS on, with the files in
/// `DOCKER_CERT_PATH` (default `~/.docker`).
fn tls_from_env() -> Option<TlsFiles> {
    let on = std::env::var("DOCKER_TLS_VERIFY").map(|v| !v.is_empty()).unwrap_or(false);
    on.then(|| {
        TlsFiles::in_dir(std::env::var_os("DOCKER_CERT_PATH").map(PathBuf::from).unwrap_or_else(docker_config_dir))
    })
}

/// `$DOCKER_CONFIG`, or `~/.docker`.
fn docker_config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return PathBuf::from(dir);
    }
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".docker")
}

/// A docker context as `docker context ls` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContextInfo {
    /// The context's name (`default` for the built-in one).
    pub name: String,
    /// Its description, if it has one.
    pub description: String,
    /// The daemon address it points at (passwords redacted).
    pub host: String,
    /// True for the context in use (`DOCKER_CONTEXT`, else `currentContext` in config.json).
    pub current: bool,
}

/// The docker CLI's contexts: `default` (DOCKER_HOST or the local socket) and every context in
/// `$DOCKER_CONFIG/contexts/meta`, sorted by name after `default`. A context whose files cannot be
/// read is listed with the reason as its host rather than hiding the others.
pub fn contexts() -> Vec<ContextInfo> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    list_contexts(&docker_config_dir(), env("DOCKER_CONTEXT"), env("DOCKER_HOST"))
}

/// [`contexts`] for a config folder and the values of `DOCKER_CONTEXT` and `DOCKER_HOST`.
fn list_contexts(dir: &Path, docker_context: Option<String>, docker_host: Option<String>) -> Vec<ContextInfo> {
    let current = docker_context
        .or_else(|| read_current_context(&dir.join("config.json")))
        .unwrap_or_else(|| "default".to_string());
    let default_host = match docker_host {
        Some(h) => redact(&h),
        None => format!("unix://{DEFAULT_SOCKET}"),
    };
    let mut out = vec![ContextInfo {
        name: "default".into(),
        description: "Current DOCKER_HOST based configuration".into(),
        host: default_host,
        current: current == "default",
    }];
    let mut named = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("contexts").join("meta")) {
        for entry in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path().join("meta.json")) else { continue };
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            let Some(name) = doc.get("Name").and_then(|v| v.as_str()) else { continue };
            let host = doc.pointer("/Endpoints/docker/Host").and_then(|v| v.as_str()).map(redact).unwrap_or_default();
            let description =
                doc.pointer("/Metadata/Description").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            named.push(ContextInfo { name: name.to_string(), description, host, current: current == name });
        }
    }
    named.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(named);
    out
}

impl Host {
    /// The host of the docker context `name` (`default`: DOCKER_HOST or the local socket), as
    /// `docker --context NAME` would use it.
    ///
    /// Errors: `invalid` naming the context when it does not exist or its files cannot be read.
    pub fn from_context(name: &str) -> Result<Host> {
        if name == "default" {
            return match std::env::var("DOCKER_HOST") {
                Ok(url) if !url.is_empty() => Host::parse(&url, "DOCKER_HOST", tls_from_env()),
                _ => Host::parse(&format!("unix://{DEFAULT_SOCKET}"), "default", None),
            };
        }
        context_host(&docker_config_dir(), name)
    }
}

/// The host of the current docker context, if one other than `default` is selected.
fn from_context() -> Result<Option<Host>> {
    let dir = docker_config_dir();
    let name = match std::env::var("DOCKER_CONTEXT") {
        Ok(n) if !n.is_empty() => n,
        _ => match read_current_context(&dir.join("config.json")) {
            Some(n) => n,
            None => return Ok(None),
        },
    };
    if name == "default" {
        return Ok(None);
    }
    context_host(&dir, &name).map(Some)
}

fn read_current_context(config: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    doc.get("currentContext")?.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// Reads `contexts/meta/<sha256(name)>/meta.json`, where the docker CLI stores contexts.
fn context_host(dir: &Path, name: &str) -> Result<Host> {
    let id = hex::encode(Sha256::digest(name.as_bytes()));
    let meta = dir.join("contexts").join("meta").join(&id).join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|e| match e.kind() {
        // The docker CLI's words for a name it does not know.
        std::io::ErrorKind::NotFound => Error::invalid(format!(
            "context {name:?} does not exist (docker context ls lists them; they are read from {})",
            dir.join("contexts").display()
        )),
        _ => Error::invalid(format!("docker context {name:?}: cannot read {}: {e}", meta.display())),
    })?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::invalid(format!("docker context {name:?}: {}: {e}", meta.display())))?;
    let url = doc
        .pointer("/Endpoints/docker/Host")
        .and_then(|v| v.as_str())
        .ok_or_else(|| Error::invalid(format!("docker context {name:?} has no docker endpoint")))?;
    let tls_dir = dir.join("contexts").join("tls").join(&id).join("docker");
    let tls = tls_dir.join("ca.pem").exists().then(|| TlsFiles::in_dir(tls_dir));
    Host::parse(url, &format!("context {name}"), tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL forms the docker CLI accepts parse to the same endpoints.
    #[test]
    fn parses_docker_urls() {
        let h = Host::parse("unix:///run/x.sock", "t", None).unwrap();
        assert_eq!(h.endpoint, Endpoint::Unix("/run/x.sock".into()));
        let h = Host::parse("tcp://10.1.2.3:2375", "t", None).unwrap();
        assert_eq!(h.endpoint, Endpoint::Tcp { addr: "10.1.2.3:2375".into(), tls: None });
        let h = Host::parse("tcp://dockerhost", "t", None).unwrap();
        assert_eq!(h.endpoint, Endpoint::Tcp { addr: "dockerhost:2375".into(), tls: None });
        let e = Host::parse("ftp://x", "DOCKER_HOST", None).unwrap_err();
        assert!(e.message().contains("ftp://x") && e.message().contains("DOCKER_HOST"), "{e}");
    }

    /// `ssh://` URLs parse as the docker CLI's `connhelper/ssh` does, and what it refuses is
    /// refused with the URL and the reason.
    #[test]
    fn parses_ssh_urls() {
        let t = |url: &str| match Host::parse(url, "t", None).unwrap().endpoint {
            Endpoint::Ssh(t) => t,
            other => panic!("{url}: {other:?}"),
        };
        let plain = SshTarget { user: None, host: "box".into(), port: None, socket: None };
        assert_eq!(t("ssh://box"), plain);
        assert_eq!(t("ssh://box/"), plain);
        assert_eq!(
            t("ssh://me@box:2222"),
            SshTarget { user: Some("me".into()), host: "box".into(), port: Some(2222), socket: None }
        );
        assert_eq!(t("ssh://[::1]:22").host, "::1");
        assert_eq!(t("ssh://[fe80::1]").port, None);
        assert_eq!(t("ssh://me@box/run/user/1000/docker.sock").socket.as_deref(), Some("/run/user/1000/docker.sock"));
        let h = Host::parse("ssh://me@box:2222", "DOCKER_HOST", Some(TlsFiles::in_dir("/x"))).unwrap();
        assert_eq!((h.short().as_str(), h.url.as_str()), ("me@box:2222", "ssh://me@box:2222"));
        for (bad, why) in [
            ("ssh://me:s3cret@box", "password"),
            ("ssh://", "empty"),
            ("ssh://me@", "empty"),
            ("ssh://box:22x", "22x"),
            ("ssh://box:0", "port"),
            ("ssh://box?x=1", "query"),
            ("ssh://box#f", "fragment"),
            ("ssh://-oProxyCommand=x", "host name"),
            ("ssh://-l@box", "user name"),
            ("ssh://[::1", "']'"),
        ] {
            let e = Host::parse(bad, "DOCKER_HOST", None).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::Invalid, "{bad}");
            assert!(e.message().contains(why) && e.message().contains("DOCKER_HOST"), "{bad}: {e}");
            assert!(!e.message().contains("s3cret"), "{e}");
        }
    }

    /// A password in a host URL shows as `***` in the parsed host, its `Debug` form and in
    /// errors about it, and the connection goes to the address after the `@`.
    #[test]
    fn credentials_are_redacted() {
        let h = Host::parse("tcp://admin:s3cret@127.0.0.1:1", "DOCKER_HOST", None).unwrap();
        assert_eq!(h.url, "tcp://admin:***@127.0.0.1:1");
        assert_eq!(h.endpoint, Endpoint::Tcp { addr: "127.0.0.1:1".into(), tls: None });
        assert_eq!(h.short(), "127.0.0.1:1");
        assert!(!format!("{h:?}").contains("s3cret"), "{h:?}");
        assert_eq!(h.to_string(), "tcp://admin:***@127.0.0.1:1");
        let h = Host::parse("https://tok3n@docker.example:2376", "--host", None).unwrap();
        assert_eq!(h.url, "https://***@docker.example:2376");
        // A malformed URL's error does not echo the password either (`/` or `@` in it included).
        for bad in ["tcp://admin:s3cret@host/path", "tcp://admin:s3/cr@et@host/x", "ftp://admin:s3cret@host"] {
            let e = Host::parse(bad, "DOCKER_HOST", None).unwrap_err();
            assert!(!e.message().contains("s3cret") && !e.message().contains("cr@et"), "{e}");
            assert!(e.message().contains("***"), "{e}");
        }
        assert_eq!(redact("unix:///run/user@1000/docker.sock"), "unix:///run/user@1000/docker.sock");
        assert_eq!(redact("tcp://10.0.0.5:2375"), "tcp://10.0.0.5:2375");
        assert_eq!(redact("ssh://me@box:22"), "ssh://me@box:22");
        assert_eq!(redact("ssh://me:pw@box"), "ssh://me:***@box");
    }

    /// Contexts are listed as `docker context ls` does: default first, then by name, the current
    /// one marked, passwords redacted.
    #[test]
    fn lists_contexts() {
        let dir = std::env::temp_dir().join(format!("dn-ctx-list-{}", std::process::id()));
        for (name, host) in [("zeta", "tcp://u:pw@10.1.1.1:2375"), ("alpha", "unix:///run/a.sock")] {
            let id = hex::encode(Sha256::digest(name.as_bytes()));
            let meta = dir.join("contexts/meta").join(&id);
            std::fs::create_dir_all(&meta).unwrap();
            let doc = serde_json::json!({"Name": name, "Metadata": {"Description": format!("the {name} lab")},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}});
            std::fs::write(meta.join("meta.json"), doc.to_string()).unwrap();
        }
        std::fs::write(dir.join("config.json"), r#"{"currentContext": "zeta"}"#).unwrap();
        // No environment is changed: other tests of this binary resolve hosts at the same time.
        let list = list_contexts(&dir, None, None);
        let from = context_host(&dir, "alpha");
        let overridden = list_contexts(&dir, Some("alpha".into()), Some("tcp://v:pw@10.2.2.2:2375".into()));
        assert!(overridden[1].current && !overridden[2].current);
        assert_eq!(overridden[0].host, "tcp://v:***@10.2.2.2:2375");
        let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["default", "alpha", "zeta"]);
        assert!(list[2].current && !list[0].current && !list[1].current);
        assert_eq!(list[2].host, "tcp://u:***@10.1.1.1:2375");
        assert_eq!(list[1].description, "the alpha lab");
        assert_eq!(from.unwrap().url, "unix:///run/a.sock");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A context stored the docker CLI's way resolves to its endpoint.
    #[test]
    fn reads_contexts() {
        let dir = std::env::temp_dir().join(format!("dockernet-ctx-{}", std::process::id()));
        let id = hex::encode(Sha256::digest(b"lab"));
        let meta = dir.join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"lab","Endpoints":{"docker":{"Host":"unix:///tmp/lab.sock"}}}"#,
        )
        .unwrap();
        let h = context_host(&dir, "lab").unwrap();
        assert_eq!(h.endpoint, Endpoint::Unix("/tmp/lab.sock".into()));
        assert_eq!(h.source, "context lab");
        assert!(context_host(&dir, "missing").unwrap_err().message().contains("missing"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
