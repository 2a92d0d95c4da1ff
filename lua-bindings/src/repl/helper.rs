//! The rustyline side of the REPL: the editor's helper (completion, validation), the prompt, and
//! the daemon-backed source of live names.
//!
//! The helper only adapts: completion candidates come from `complete.rs`, incomplete-chunk
//! detection from `validate.rs`. Why the validator rarely says "incomplete": rustyline cannot
//! draw a continuation prompt inside one edit, so an incomplete single line is accepted and the
//! loop asks for the next line with `... ` (as stock `lua` does). Only a buffer that already
//! spans several lines (a recalled multi-line history entry, a paste) stays in the editor until
//! it is complete.

use std::cell::RefCell;
use std::time::Duration;

use dockernet_core::BlockingClient;
use mlua::Lua;
use rustyline::completion::{Completer, Pair};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Helper, Highlighter, Hinter};

use super::complete::{self, Names};
use super::validate;

/// The editor helper of one REPL session.
#[derive(Helper, Hinter, Highlighter)]
pub(crate) struct ReplHelper {
    lua: Lua,
    names: LiveNames,
    cli: clap::Command,
    /// The lines already read of an incomplete chunk (set by the loop before each read).
    pending: RefCell<String>,
}

impl ReplHelper {
    /// A helper for `lua` whose live names come from `client`.
    pub(crate) fn new(lua: &Lua, client: &BlockingClient) -> ReplHelper {
        ReplHelper {
            lua: lua.clone(),
            names: LiveNames::new(client),
            cli: super::cli_api::command(),
            pending: RefCell::new(String::new()),
        }
    }

    /// Tells the helper what is pending before the next read.
    pub(crate) fn set_pending(&self, pending: &str) {
        pending.clone_into(&mut self.pending.borrow_mut());
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &rustyline::Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let first_line = self.pending.borrow().is_empty();
        let ctx = complete::Context { lua: &self.lua, cli: &self.cli, names: &self.names, first_line };
        let (start, found) = complete::complete(&ctx, line, pos);
        Ok((start, found.into_iter().map(|c| Pair { display: c.display, replacement: c.replacement }).collect()))
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if !input.contains('\n') {
            return Ok(ValidationResult::Valid(None));
        }
        let pending = self.pending.borrow();
        let source = if pending.is_empty() { input.to_string() } else { format!("{pending}\n{input}") };
        Ok(if validate::is_incomplete_source(&self.lua, &source) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

/// Network and container names, asked from the daemon at each completion (names change under
/// the REPL's feet, and a local daemon answers in milliseconds). A failure completes nothing.
pub(crate) struct LiveNames {
    client: BlockingClient,
}

/// How long a Tab may wait for the daemon: a hung daemon must not freeze the line editor for
/// the minute a script's request may take.
const COMPLETION_TIMEOUT: Duration = Duration::from_secs(2);

impl LiveNames {
    /// Names from the daemon `client` talks to, through a client of its own with a short timeout.
    pub(crate) fn new(client: &BlockingClient) -> LiveNames {
        let client =
            BlockingClient::with_host(client.host().clone(), COMPLETION_TIMEOUT).unwrap_or_else(|_| client.clone());
        LiveNames { client }
    }
}

impl Names for LiveNames {
    fn networks(&self) -> Vec<String> {
        let docs = self.client.network_ls(&Default::default()).unwrap_or_default();
        docs.iter().map(|d| d.str_field("Name")).filter(|n| !n.is_empty()).collect()
    }

    fn containers(&self) -> Vec<String> {
        let opts = dockernet_core::container::ListOptions { all: true, ..Default::default() };
        let docs = self.client.container_ls(&opts).unwrap_or_default();
        docs.iter()
            .map(dockernet_core::Document::to_value)
            .flat_map(|d| d.get("Names").and_then(|n| n.as_array()).cloned().unwrap_or_default())
            .filter_map(|n| n.as_str().map(|s| s.trim_start_matches('/').to_string()))
            .collect()
    }
}

/// The short daemon label in the prompt: the socket's file name, or host:port.
pub(crate) fn daemon_label(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    match scheme {
        "unix" | "npipe" => {
            rest.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or(rest).to_string()
        }
        _ => rest.trim_end_matches('/').to_string(),
    }
}

/// The main prompt (plain, and styled for a colour terminal) and the continuation prompt.
pub(crate) struct Prompts {
    /// `dockernet[docker.sock]> `.
    pub main: (String, String),
    /// `... `.
    pub more: (String, String),
}

impl Prompts {
    /// The prompts for the daemon at `url`; styled only when `color`.
    pub(crate) fn new(url: &str, color: bool) -> Prompts {
        let label = daemon_label(url);
        let plain = format!("dockernet[{label}]> ");
        let styled = if color { format!("\x1b[1;36mdockernet\x1b[0;36m[{label}]\x1b[0m> ") } else { plain.clone() };
        Prompts { main: (plain, styled), more: ("... ".to_string(), "... ".to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_labels() {
        assert_eq!(daemon_label("unix:///var/run/docker.sock"), "docker.sock");
        assert_eq!(daemon_label("unix:///run/user/1000/podman/podman.sock"), "podman.sock");
        assert_eq!(daemon_label("tcp://10.0.0.5:2376"), "10.0.0.5:2376");
        assert_eq!(daemon_label("ssh://me@box"), "me@box");
        assert_eq!(daemon_label("npipe:////./pipe/docker_engine"), "docker_engine");
        assert_eq!(daemon_label("weird"), "weird");
    }

    #[test]
    fn prompts() {
        let p = Prompts::new("unix:///var/run/docker.sock", false);
        assert_eq!(p.main.0, "dockernet[docker.sock]> ");
        assert_eq!(p.main.1, p.main.0);
        assert_eq!(p.more.0, "... ");
        let p = Prompts::new("unix:///var/run/docker.sock", true);
        assert_ne!(p.main.1, p.main.0);
        assert!(p.main.1.ends_with("> "));
    }
}
