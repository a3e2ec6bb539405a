//! The `kern` binary: all the work is in [`kern::cli`].

fn main() -> std::process::ExitCode {
    kern::cli::main_with_args(std::env::args_os())
}
