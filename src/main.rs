//! The `kern` binary: all the work is in [`kern::cli`].

fn main() -> std::process::ExitCode {
    // Output piped into `head` ends quietly, as `cat`'s does: Rust ignores
    // SIGPIPE, so a write to the closed pipe would panic in `println!`.
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    kern::cli::main_with_args(std::env::args_os())
}
