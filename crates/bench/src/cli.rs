//! The command line of `trustloop-bench`: each subcommand's `///` comment is its `--help` text.

use crate::database::{ExistingDatabase, open_store};
use crate::generate::GenerateOptions;
use crate::run::{BenchOptions, LoadGenerator, Phase};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Measures Trustloop at scale, and fills databases with generated organisations to try it on.
#[derive(Debug, Parser)]
#[command(name = "trustloop-bench", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure Trustloop and print the figures as Markdown: durable answers per second over HTTP,
    /// the heatmap (against DuckDB and, with --postgres, a plain GROUP BY), a leader's report under
    /// load, server memory and start-up, and an import of 100,000 people. Uses SQLite in a
    /// temporary folder, and PostgreSQL too when --postgres names a server (it creates its own
    /// databases there). Runs the `trustloop` program as the server (see --trustloop). Needs
    /// Python with the duckdb package for the DuckDB comparison.
    Run(RunArgs),
    /// Fill an empty database with a generated organisation and answers, for trying Trustloop at
    /// scale: a chief executive, about √leaders directors, the team leaders and their teams
    /// (sizes vary), with location, function and tenure, and trust that varies by team and
    /// segment. Answers go into closed campaigns, one per past quarter, each rating everyone who
    /// leads someone (self, manager and direct reports invited; about 9 in 10 answer), and
    /// campaigns are added until --responses answers are stored.
    Generate(GenerateArgs),
}

/// The size of a generated organisation.
#[derive(Debug, Args)]
pub struct SizeArgs {
    /// People in the organisation.
    #[arg(long, default_value_t = 100_000)]
    pub people: usize,
    /// Team leaders (besides the chief executive and the directors).
    #[arg(long, default_value_t = 10_000)]
    pub leaders: usize,
    /// Survey answers to store in total, across campaigns (`run` measures the heatmap and the
    /// reports of the latest).
    #[arg(long, default_value_t = 1_000_000)]
    pub responses: usize,
}

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The organisation generated for the heatmap and the reports.
    #[command(flatten)]
    pub size: SizeArgs,
    /// A PostgreSQL server URL, such as the one `scripts/postgres start DIR` prints.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Seconds each load phase runs.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent requests of the load generator for the report.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Concurrent respondents sending answers (answers that arrive together share a commit).
    #[arg(long, default_value_t = 128)]
    pub intake_concurrency: usize,
    /// Timed repetitions of each query.
    #[arg(long, default_value_t = 101)]
    pub runs: usize,
    /// The Python interpreter that has the duckdb package.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Measure only these parts (comma-separated: heatmap, report, intake, import, ledger); all by
    /// default. The organisation is generated only when heatmap or report is measured.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<Phase>,
    /// What sends the survey answers and the repeated reads of one report: wrk (Debian's `wrk`
    /// package; it takes little of the cores the server needs) or the bench's own client.
    #[arg(long, value_enum, default_value_t = LoadGenerator::Wrk)]
    pub load_generator: LoadGenerator,
    /// Measure the heatmap and the report on this database, made earlier by `trustloop-bench
    /// generate` (its latest closed campaign), instead of generating an organisation: only its
    /// backend, and neither intake nor import (they need fresh databases). For measuring a
    /// change again without waiting for a new organisation.
    #[arg(long)]
    pub database: Option<String>,
    /// The seal key file of --database (default: `PATH.key` beside an SQLite file).
    #[arg(long, env = "TRUSTLOOP_SEAL_KEY_FILE")]
    pub seal_key_file: Option<PathBuf>,
    /// The `trustloop` program to measure (default: the one beside this program, which
    /// `cargo build --release -p trustloop -p trustloop-bench` builds).
    #[arg(long)]
    pub trustloop: Option<PathBuf>,
}

/// Options of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The organisation to generate.
    #[command(flatten)]
    pub size: SizeArgs,
    /// Seed of the random generator: the same seed gives the same organisation and answers.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Database URL, such as sqlite://big.db (it should hold no people yet).
    #[arg(long)]
    pub database: String,
    /// The seal key file (default: `PATH.key` beside an SQLite file; required for PostgreSQL).
    #[arg(long, env = "TRUSTLOOP_SEAL_KEY_FILE")]
    pub seal_key_file: Option<PathBuf>,
}

/// Does what the command line asks.
pub async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(args) => {
            crate::run::run(BenchOptions {
                people: args.size.people,
                leaders: args.size.leaders,
                responses: args.size.responses,
                postgres: args.postgres,
                seconds: args.seconds,
                concurrency: args.concurrency,
                intake_concurrency: args.intake_concurrency,
                runs: args.runs,
                python: args.python,
                only: args.only,
                load_generator: args.load_generator,
                database: args
                    .database
                    .map(|url| ExistingDatabase::new(url, args.seal_key_file))
                    .transpose()?,
                trustloop: crate::server::product_binary(args.trustloop)?,
            })
            .await
        }
        Command::Generate(args) => generate(args).await,
    }
}

async fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let options = GenerateOptions {
        people: args.size.people,
        leaders: args.size.leaders,
        responses: args.size.responses,
        seed: args.seed,
    };
    options.check()?;
    let store = open_store(&args.database, args.seal_key_file.as_deref()).await?;
    let (_, existing) = store
        .people(&trustloop_storage::PeopleQuery {
            limit: 0,
            ..trustloop_storage::PeopleQuery::default()
        })
        .await?;
    anyhow::ensure!(
        existing == 0,
        "the database already holds {existing} people: generate into an empty one"
    );
    let started = std::time::Instant::now();
    let generated = crate::generate::generate(&store, &options, true).await?;
    println!(
        "Generated {} people ({} leaders rated) and {} answers in {} closed campaigns in {:.1} s.",
        generated.people,
        generated.campaign_leaders,
        generated.answers_per_campaign.iter().sum::<usize>(),
        generated.campaigns.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_subcommands_have_help_written_for_a_user() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for sub in ["run", "generate"] {
            assert!(help.contains(sub), "{sub} missing from --help");
        }
    }
}
