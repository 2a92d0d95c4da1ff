//! `docker.connect`: a client for another daemon, as a table with exactly the shape of the global
//! `docker` (`network`, `container`, `swarm`, `topology`, `version()`, `ping()`, `host`, …).
//!
//! ```lua
//! local b = docker.connect("unix:///run/dn-b/docker.sock")
//! local c = docker.connect{host = "tcp://10.0.0.5:2376", tls = {ca = "ca.pem", cert = "cert.pem", key = "key.pem"}}
//! local d = docker.connect{context = "lab", timeout = 120}
//! ```
//!
//! Handles remember the daemon they came from (their `daemon` field): `net:connect(ctr)` goes
//! there, and handing a handle to another daemon's client is an `invalid` error (see
//! `convert::handle_arg`). The new client shares the program's interrupt, so Ctrl-C stops its
//! calls as it stops the global client's.

use std::path::PathBuf;

use dockernet_core::host::TlsFiles;
use dockernet_core::{BlockingClient, Error, Host};
use mlua::Value;
use serde::Deserialize;

use crate::convert::{describe, opts};
use crate::error::{lua_err, LuaResultExt};

/// The table form of `docker.connect{…}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConnectOptions {
    /// `unix:///path`, `tcp://host:port`, `ssh://[user@]host[:port]` (as `--host`).
    host: Option<String>,
    /// A docker context by name (as `--context`); not with `host`.
    context: Option<String>,
    /// Seconds per request (default: `DOCKERNET_TIMEOUT`, else 60).
    timeout: Option<f64>,
    /// Client certificate TLS for a `tcp://` host.
    tls: Option<TlsOptions>,
}

/// `tls = {ca=, cert=, key=, verify=}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TlsOptions {
    ca: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    /// Verify the daemon's certificate against `ca` (the default, and the only mode: dockernet
    /// never talks TLS to a daemon it cannot authenticate).
    verify: Option<bool>,
}

/// The client `docker.connect(arg)` asks for.
/// The client `docker.connect(arg)` makes, sharing `interrupt` (the program's, once it handles
/// signals) so Ctrl-C stops its waits as it stops the default client's.
pub(crate) fn client(arg: Value, interrupt: Option<dockernet_core::Interrupt>) -> mlua::Result<BlockingClient> {
    const WHAT: &str = "docker.connect";
    let o: ConnectOptions = match arg {
        Value::String(s) => ConnectOptions { host: Some(crate::convert::string_arg(&Value::String(s), WHAT, "host")?), ..Default::default() },
        t @ Value::Table(_) => opts(Some(t), WHAT)?,
        other => {
            return Err(lua_err(Error::invalid(format!(
                "{WHAT}: expected a host string or an option table {{host=, context=, timeout=, tls=}}, got {}",
                describe(&other)
            ))))
        }
    };
    let host = match (&o.host, &o.context) {
        (Some(_), Some(_)) => {
            return Err(lua_err(Error::invalid(format!("{WHAT}: give host or context, not both"))));
        }
        (None, None) => return Err(lua_err(Error::invalid(format!("{WHAT}: host or context is required")))),
        (None, Some(name)) => {
            if o.tls.is_some() {
                return Err(lua_err(Error::invalid(format!("{WHAT}: tls comes with the context {name:?}; give no tls"))));
            }
            Host::from_context(name).lua()?
        }
        (Some(url), None) => {
            let tls = match &o.tls {
                None => None,
                Some(t) => {
                    if t.verify == Some(false) {
                        return Err(lua_err(Error::invalid(format!(
                            "{WHAT}: tls.verify=false is not supported: dockernet always verifies the daemon's certificate"
                        ))));
                    }
                    let need = |v: &Option<PathBuf>, k: &str| {
                        v.clone().ok_or_else(|| lua_err(Error::invalid(format!("{WHAT}: tls.{k} is required with tls"))))
                    };
                    Some(TlsFiles { ca: need(&t.ca, "ca")?, cert: need(&t.cert, "cert")?, key: need(&t.key, "key")? })
                }
            };
            if tls.is_some() && !url.starts_with("tcp://") && !url.starts_with("https://") {
                return Err(lua_err(Error::invalid(format!("{WHAT}: tls needs a tcp:// host, got {url:?}"))));
            }
            Host::parse(url, WHAT, tls).lua()?
        }
    };
    let timeout = match o.timeout {
        Some(t) => dockernet_core::client::parse_timeout(&t.to_string(), "timeout").lua()?,
        None => dockernet_core::client::timeout_from_env().lua()?.unwrap_or(dockernet_core::client::DEFAULT_TIMEOUT),
    };
    let client = BlockingClient::with_host(host, timeout).lua()?;
    if let Some(interrupt) = interrupt {
        client.set_interrupt(interrupt);
    }
    Ok(client)
}
