//! The `kindred` binary: CLI subcommands, or the desktop app without one.

use std::process::ExitCode;

use clap::Parser;
use kindred::Library;
use kindred::cli::{self, Cli};
use kindred::pathtext::printable;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    if cli.version {
        println!("{}", cli::version_report());
        return ExitCode::SUCCESS;
    }
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
        .map_err(anyhow::Error::from)
        .and_then(|dir| open_app(dir, cli.open.clone().flatten())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote paths: control characters in a name must not reach the terminal raw.
            eprintln!("kindred: error: {}", printable(e.to_string().as_bytes()));
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {}", printable(cause.to_string().as_bytes()));
            }
            ExitCode::from(1)
        }
    }
}

/// The desktop app, when this binary was built with it.
#[cfg(feature = "gui")]
fn open_app(dir: std::path::PathBuf, open: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    kindred::gui::run(dir, open)
}

#[cfg(not(feature = "gui"))]
fn open_app(_dir: std::path::PathBuf, _open: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    anyhow::bail!("this kindred was built without the desktop app (cargo feature `gui`); use kindred import|search|info")
}

/// Help and version go to stdout as clap prints them; a usage error is one line on stderr and
/// exit status 2, before anything (a library directory) is created.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
        let _ = e.print();
        return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
    }
    // clap's message is its first paragraph (e.g. "the following required arguments were not
    // provided:" and the argument on the next line); usage and tips follow a blank line.
    let text = e.to_string();
    let message: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    eprintln!("kindred: usage: {} (see `kindred --help`)", message.join(" ").trim_start_matches("error: "));
    ExitCode::from(2)
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
