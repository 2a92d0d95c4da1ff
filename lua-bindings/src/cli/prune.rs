//! `network prune`: asks the docker CLI's question unless `-f`, then prints `Deleted Networks:`
//! and the names the daemon removed (nothing at all when none was).
//!
//! Like the CLI, only an answer of `y`/`Y` goes ahead; anything else, an empty line or end of
//! input cancels quietly with status 0 (the prompt stays without a newline, as the CLI's).
//!
//! The `pruneFilters` of the docker CLI's config file (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`) are added to the `--filter`s as the CLI's `command.PruneFilters`
//! adds them: each `key=value` entry is added, except a `label=v` when the command line has
//! `label!=v` and a `label!=v` when it has `label=v` (the command line wins a conflict); entries
//! without `=` are skipped. This is the documented rule and docker/cli's current code; CLI 28.2
//! has a bug that skips a config `label`/`label!` entry unless the command line has some filter
//! of the opposite kind, which would make a config label filter silently prune more, so it is
//! not copied.

use std::io::{BufRead, Write};

use dockernet_core::network::PruneOptions;
use dockernet_core::BlockingClient;

use super::args::{self, PruneArgs};

/// The CLI's warning, followed by ` [y/N] `.
pub const WARNING: &str =
    "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?";

/// Runs `network prune`, reading the confirmation from `input`.
pub fn run(
    client: &BlockingClient,
    a: PruneArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if !a.force.unwrap_or(false) {
        let _ = write!(out, "{WARNING} [y/N] ");
        let _ = out.flush();
        let mut line = String::new();
        let yes = input.read_line(&mut line).is_ok() && line.trim().eq_ignore_ascii_case("y");
        if !yes {
            return 0;
        }
    }
    let mut filters = a.filter;
    merge_config_filters(&mut filters, &config_prune_filters());
    let opts = PruneOptions { filters: args::to_filters(filters) };
    match client.network_prune(&opts) {
        Ok(names) => {
            if !names.is_empty() {
                let mut text = String::from("Deleted Networks:\n");
                for n in names {
                    text.push_str(&n);
                    text.push('\n');
                }
                let _ = writeln!(out, "{text}");
            }
            0
        }
        Err(e) => {
            super::report(err, &e, "network prune");
            1
        }
    }
}

/// The `pruneFilters` list of the docker CLI's config file (empty when there is none).
fn config_prune_filters() -> Vec<String> {
    let Some(cfg) = super::cli_config() else { return Vec::new() };
    let Some(list) = cfg.get("pruneFilters").and_then(serde_json::Value::as_array) else { return Vec::new() };
    list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

/// Adds the config file's prune filters to the command line's (see the module notes).
fn merge_config_filters(filters: &mut Vec<(String, String)>, config: &[String]) {
    let given = |k: &str, v: &str, f: &[(String, String)]| f.iter().any(|(fk, fv)| fk == k && fv == v);
    for entry in config {
        let Some((k, v)) = entry.split_once('=') else { continue };
        let conflict = match k {
            "label" => given("label!", v, filters),
            "label!" => given("label", v, filters),
            _ => false,
        };
        if !conflict {
            filters.push((k.to_string(), v.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Config entries are added; a label conflicting with the command line's opposite is not;
    /// entries without `=` are skipped.
    #[test]
    fn config_filters_merge_like_docker() {
        let mut f = pairs(&[("label!", "keep"), ("label", "lab")]);
        let config: Vec<String> =
            ["label=keep", "label!=lab", "label=other", "until=24h", "nonsense"].iter().map(|s| s.to_string()).collect();
        merge_config_filters(&mut f, &config);
        assert_eq!(f, pairs(&[("label!", "keep"), ("label", "lab"), ("label", "other"), ("until", "24h")]));
        let mut none = Vec::new();
        merge_config_filters(&mut none, &["label=x".to_string()]);
        assert_eq!(none, pairs(&[("label", "x")]));
    }
}
