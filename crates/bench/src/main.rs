//! The `trustloop-bench` command: measures Trustloop and generates organisations to try it on.

#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = trustloop_bench::cli::Cli::parse();
    trustloop_bench::cli::run(cli)
}
