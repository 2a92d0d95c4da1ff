//! The REPL's history file: where it lives, loading it, and appending each chunk as it is run.
//!
//! The file is `$DOCKERNET_HISTORY` when set, else `$XDG_STATE_HOME/dockernet/history`, else
//! `~/.local/state/dockernet/history` (the XDG base-directory default for state). It is created
//! when missing. A multi-line chunk is one entry (rustyline's file format escapes its newlines), so
//! recalling it brings the whole loop back. Each entry is appended as soon as it is run, so two
//! sessions side by side both keep theirs and a crash loses nothing. A history file that cannot
//! be read or written costs a one-line warning, never the session.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rustyline::history::DefaultHistory;
use rustyline::{Editor, Helper};

/// The history file for an environment (`env` looks a variable up; empty counts as unset).
pub(crate) fn history_path_from(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = var("DOCKERNET_HISTORY") {
        return Some(p);
    }
    // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
    if let Some(state) = var("XDG_STATE_HOME").filter(|p| p.is_absolute()) {
        return Some(state.join("dockernet").join("history"));
    }
    var("HOME").map(|home| home.join(".local").join("state").join("dockernet").join("history"))
}

/// The history file for this process's environment.
pub(crate) fn history_path() -> Option<PathBuf> {
    history_path_from(|k| std::env::var_os(k))
}

/// The history file of one session (absent when there is no home or it cannot be used).
pub(crate) struct HistoryFile {
    path: Option<PathBuf>,
}

impl HistoryFile {
    /// Finds, creates if missing, and loads the history file into `editor`.
    pub(crate) fn open<H: Helper>(editor: &mut Editor<H, DefaultHistory>) -> HistoryFile {
        let Some(path) = history_path() else {
            return HistoryFile { path: None };
        };
        match prepare(&path).and_then(|()| editor.load_history(&path).map_err(|e| e.to_string())) {
            Ok(()) => HistoryFile { path: Some(path) },
            Err(e) => {
                eprintln!("dockernet: history is not saved: cannot use {}: {e}", path.display());
                HistoryFile { path: None }
            }
        }
    }

    /// Adds a chunk to the history and appends it to the file.
    pub(crate) fn record<H: Helper>(&mut self, editor: &mut Editor<H, DefaultHistory>, entry: &str) {
        if entry.trim().is_empty() {
            return;
        }
        let _ = editor.add_history_entry(entry);
        if let Some(path) = &self.path {
            if let Err(e) = editor.append_history(path) {
                eprintln!("dockernet: history is no longer saved: cannot write {}: {e}", path.display());
                self.path = None;
            }
        }
    }
}

/// Creates the file (and its directories) when missing.
fn prepare(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::OpenOptions::new().create(true).append(true).open(path).map(drop).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn path(vars: &[(&str, &str)]) -> Option<PathBuf> {
        let vars: HashMap<String, OsString> = vars.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        history_path_from(|k| vars.get(k).cloned())
    }

    #[test]
    fn the_override_wins() {
        let p = path(&[("DOCKERNET_HISTORY", "/tmp/h"), ("XDG_STATE_HOME", "/s"), ("HOME", "/home/u")]);
        assert_eq!(p, Some(PathBuf::from("/tmp/h")));
    }

    #[test]
    fn xdg_state_home_then_home() {
        assert_eq!(path(&[("XDG_STATE_HOME", "/s"), ("HOME", "/home/u")]), Some(PathBuf::from("/s/dockernet/history")));
        assert_eq!(
            path(&[("XDG_STATE_HOME", "relative"), ("HOME", "/home/u")]),
            Some(PathBuf::from("/home/u/.local/state/dockernet/history"))
        );
        assert_eq!(
            path(&[("DOCKERNET_HISTORY", ""), ("HOME", "/home/u")]),
            Some(PathBuf::from("/home/u/.local/state/dockernet/history"))
        );
        assert_eq!(path(&[]), None);
    }

    #[test]
    fn prepare_creates_directories_and_file() {
        let dir = std::env::temp_dir().join(format!("dockernet-history-test-{}", std::process::id()));
        let file = dir.join("a").join("b").join("history");
        prepare(&file).unwrap();
        assert!(file.is_file());
        prepare(&file).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
