//! The `trustloop` command: runs the server, the demo, migrations and imports.

#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = trustloop::cli::Cli::parse();
    trustloop::cli::run(cli)
}
