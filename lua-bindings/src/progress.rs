//! A progress bar for long work (topology apply) on a terminal, fed by core's progress events.

use std::io::IsTerminal;

use dockernet_core::topology::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar on stderr, drawn only when wanted (`None`: when stderr is a terminal).
pub(crate) struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar, hidden unless `show` (or, by default, stderr is a terminal).
    pub(crate) fn new(show: Option<bool>) -> Bar {
        if !show.unwrap_or_else(|| std::io::stderr().is_terminal()) {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Bar(Some(bar))
    }

    /// Shows one event.
    pub(crate) fn update(&self, p: &Progress) {
        if let Some(bar) = &self.0 {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(p.description.clone());
        }
    }

    /// Clears the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
