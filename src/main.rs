//! The `kindred` binary: CLI subcommands, or the desktop app without one.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use kindred::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit with status 2
    let result = match &cli.command {
        Some(command) => cli::run(&cli, command),
        None => {
            let _ = Cli::command().print_help();
            Ok(())
        }
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
