//! Progress on stderr: a bar of finished fits (`cv`, `grid`) or a spinner
//! with the elapsed time (`fit`), drawn only when stderr is a terminal and
//! `--quiet` is not given, so scripts and pipes see nothing of it.

/// A progress display, or nothing; cleared when dropped (an error line then
/// starts on a clean line).
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `total` fits labelled `what`.
    pub fn bar(what: &str, total: u64, quiet: bool) -> Self {
        Self::shown(quiet, || {
            let template = "{msg} [{bar:30}] {pos}/{len} fits, {elapsed} (eta {eta})";
            let style = indicatif::ProgressStyle::with_template(template).expect("a valid template");
            indicatif::ProgressBar::new(total).with_style(style.progress_chars("=> ")).with_message(what.to_string())
        })
    }

    /// A spinner labelled `what`, ticking on its own.
    pub fn spinner(what: &str, quiet: bool) -> Self {
        Self::shown(quiet, || {
            let style =
                indicatif::ProgressStyle::with_template("{spinner} {msg}, {elapsed}").expect("a valid template");
            let bar = indicatif::ProgressBar::new_spinner().with_style(style).with_message(what.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        })
    }

    /// One more fit done.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the display (the summary line follows).
    pub fn finish(&self) {
        if let Some(bar) = self.bar.as_ref().filter(|b| !b.is_finished()) {
            bar.finish_and_clear();
        }
    }

    fn shown(quiet: bool, make: impl FnOnce() -> indicatif::ProgressBar) -> Self {
        use std::io::IsTerminal;
        Self { bar: (!quiet && std::io::stderr().is_terminal()).then(make) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
