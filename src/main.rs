//! The `kindred` binary: CLI subcommands, or the desktop app without one.

use std::process::ExitCode;

use clap::Parser;
use kindred::Library;
use kindred::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit with status 2
    let result = match &cli.command {
        Some(command) => {
            end_quietly_on_closed_stdout();
            cli::run(&cli, command)
        }
        // No subcommand: the desktop app, on the --library directory (or the default one).
        None => match &cli.library {
            Some(dir) => Ok(dir.clone()),
            None => Library::default_dir(),
        }
        .and_then(|dir| kindred::gui::run(dir, cli.open.clone())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kindred: error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(1)
        }
    }
}

/// `kindred search … | head`: when the reader goes away, end quietly as Unix tools do (SIGPIPE)
/// instead of panicking on the failed write. CLI only: the GUI keeps Rust's default.
fn end_quietly_on_closed_stdout() {
    #[cfg(unix)]
    // SAFETY: runs before the CLI starts any thread; it only resets one signal's disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
