//! The command line: each subcommand's `///` comment is its `--help` text.

use crate::settings::{Overrides, Settings, sqlite_url_in};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use trustloop_app::accounts::{self, NewAccount};
use trustloop_app::imports::{self, Outcome, Stage};
use trustloop_app::{Actor, App};
use trustloop_domain::people::Email;
use trustloop_storage::Role;
use trustloop_web::{Application, WebConfig};

/// Trustloop helps leaders build trust with their people, and shows an organisation where trust
/// stands and whether it is growing.
#[derive(Debug, Parser)]
#[command(name = "trustloop", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run Trustloop for real, against the database in the settings.
    Serve(ServeArgs),
    /// Start Trustloop with a ready-made demo organisation on this computer (embedded SQLite,
    /// nothing else to install) and print the address and the demo sign-ins.
    Demo(DemoArgs),
    /// Bring the database schema up to date and exit (the server also does this at start-up).
    Migrate(DatabaseArgs),
    /// Load data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage sign-in accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill an empty database with a generated organisation and answers, for trying Trustloop at
    /// scale: a chief executive, about √leaders directors, the team leaders and their teams
    /// (sizes vary), with location, function and tenure, and trust that varies by team and
    /// segment. Answers go into closed campaigns, one per past quarter, each rating everyone who
    /// leads someone (self, manager and direct reports invited; about 9 in 10 answer), and
    /// campaigns are added until --responses answers are stored.
    Generate(GenerateArgs),
    /// Measure Trustloop and print the figures as Markdown: durable answers per second over HTTP,
    /// the heatmap (against DuckDB and, with --postgres, a plain GROUP BY), a leader's report under
    /// load, server memory and start-up, and an import of 100,000 people. Uses SQLite in a
    /// temporary folder, and PostgreSQL too when --postgres names a server (it creates its own
    /// databases there). Needs Python with the duckdb package for the DuckDB comparison.
    Bench(BenchArgs),
}

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// People in the generated organisation.
    #[arg(long, default_value_t = 100_000)]
    pub people: usize,
    /// Team leaders in it.
    #[arg(long, default_value_t = 10_000)]
    pub leaders: usize,
    /// Answers generated before the heatmap and report are measured.
    #[arg(long, default_value_t = 1_000_000)]
    pub responses: usize,
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
    /// Measure only these parts (comma-separated: heatmap, report, intake, import); all by
    /// default. The organisation is generated only when heatmap or report is measured.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<crate::bench::Phase>,
    /// What sends the survey answers and the repeated reads of one report: wrk (Debian's `wrk`
    /// package; it takes little of the cores the server needs) or the bench's own client.
    #[arg(long, value_enum, default_value_t = crate::bench::LoadGenerator::Wrk)]
    pub load_generator: crate::bench::LoadGenerator,
    /// Measure the heatmap and the report on this database, made earlier by `trustloop
    /// generate` (its latest closed campaign), instead of generating an organisation: only its
    /// backend, and neither intake nor import (they need fresh databases). For measuring a
    /// change again without waiting for a new organisation.
    #[arg(long)]
    pub database: Option<String>,
    /// The seal key file of --database (default: `PATH.key` beside an SQLite file).
    #[arg(long, env = "TRUSTLOOP_SEAL_KEY_FILE")]
    pub seal_key_file: Option<PathBuf>,
}

/// Options of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// People in the organisation.
    #[arg(long, default_value_t = 100_000)]
    pub people: usize,
    /// Team leaders (besides the chief executive and the directors).
    #[arg(long, default_value_t = 10_000)]
    pub leaders: usize,
    /// Survey answers to store in total, across campaigns.
    #[arg(long, default_value_t = 1_000_000)]
    pub responses: usize,
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

/// Where the database is.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Database URL, such as sqlite://trustloop.db (overrides the settings file and TRUSTLOOP_DATABASE).
    #[arg(long)]
    pub database: Option<String>,
    /// A TOML settings file.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl DatabaseArgs {
    fn settings(&self) -> anyhow::Result<Settings> {
        Settings::load(
            self.config.as_deref(),
            &Overrides {
                database: self.database.clone(),
                ..Overrides::default()
            },
        )
    }
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database URL, such as sqlite://trustloop.db.
    #[arg(long)]
    pub database: Option<String>,
    /// Address to listen on (default 127.0.0.1).
    #[arg(long)]
    pub host: Option<String>,
    /// Port to listen on (default 8080; 0 picks a free port).
    #[arg(long)]
    pub port: Option<u16>,
    /// The address people use to reach Trustloop, used in survey links.
    #[arg(long)]
    pub public_url: Option<String>,
    /// A TOML settings file (see the README for the keys).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Port to listen on (0 picks a free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Folder for the demo database (created when missing).
    #[arg(long, default_value = "trustloop-data")]
    pub data_dir: PathBuf,
    /// Throw away the demo data in the folder and build it again.
    #[arg(long)]
    pub fresh: bool,
}

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import people from a CSV file with the columns name, email, manager_email, team and any
    /// extra attribute columns (location, function, …). Every problem is listed with its line
    /// number, and nothing is imported unless the whole file is clean.
    People {
        /// The CSV file.
        file: PathBuf,
        /// Where the database is.
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a sign-in account and print a one-time link (valid 72 hours) where its owner sets
    /// their password; or, with --password-stdin, read the password from standard input.
    Add {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Name shown in the page header.
        #[arg(long)]
        name: String,
        /// admin, leader or member.
        #[arg(long, default_value = "leader")]
        role: String,
        /// Read the password from standard input (one line) instead of printing a link.
        #[arg(long)]
        password_stdin: bool,
        /// Where the database is.
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Print a one-time link (valid 72 hours) where a user sets a new password; their old
    /// password keeps working until then, and all their sessions end when it is used.
    Reset {
        /// The account's sign-in email.
        #[arg(long)]
        email: String,
        /// Where the database is.
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

/// Stores a fresh password link for `user` and returns its address.
async fn password_link(
    app: &App,
    user: trustloop_storage::UserId,
    settings: &Settings,
) -> anyhow::Result<String> {
    let token = accounts::issue_password_link(app, &Actor::command_line(), user).await?;
    let base = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:{}", settings.host, settings.port));
    Ok(format!("{}/password/{token}", base.trim_end_matches('/')))
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    for unknown in Settings::unknown_environment() {
        eprintln!(
            "warning: {unknown} is set but Trustloop has no such setting; check the spelling"
        );
    }
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Demo(args) => demo(args).await,
        Command::Migrate(db) => {
            let settings = db.settings()?;
            settings.open_store().await?;
            println!("The database schema is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::People { file, db }) => import_people(file, db).await,
        Command::Generate(args) => generate(args).await,
        Command::Bench(args) => {
            crate::bench::run(crate::bench::BenchOptions {
                people: args.people,
                leaders: args.leaders,
                responses: args.responses,
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
                    .map(|url| crate::bench::ExistingDatabase::new(url, args.seal_key_file))
                    .transpose()?,
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            password_stdin,
            db,
        }) => add_user(email, name, role, password_stdin, db).await,
        Command::User(UserCommand::Reset { email, db }) => {
            let settings = db.settings()?;
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let app = App::new(settings.open_store().await?);
            let user = app
                .store
                .user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no account for {email}"))?;
            let link = password_link(&app, user.id, &settings).await?;
            println!("Send this one-time link to {email} (valid 72 hours):\n{link}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(
        args.config.as_deref(),
        &Overrides {
            database: args.database,
            host: args.host,
            port: args.port,
            public_url: args.public_url,
        },
    )?;
    init_logging(&settings.log);
    tracing::info!(?settings, "starting");
    if let Some(warning) = settings.key_placement_warning() {
        tracing::warn!("{warning}");
    }
    let store = settings.open_store().await?;
    let app = Application::build(
        WebConfig {
            host: settings.host.clone(),
            port: settings.port,
            secure_cookies: settings.secure_cookies,
            public_url: settings.public_url.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
        },
        store,
    )
    .await?;
    println!("Trustloop is running at http://{}", app.address());
    app.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_logging("warn");
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let db_file = args.data_dir.join("demo.db");
    if args.fresh {
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", db_file.display()));
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    let store = trustloop_storage::connect(&sqlite_url_in(&args.data_dir, "demo.db")).await?;
    let app = Application::build(
        WebConfig {
            port: args.port,
            ..WebConfig::default()
        },
        store.clone(),
    )
    .await?;
    let base = format!("http://{}", app.address());
    let seeded = crate::demo::seed_if_empty(&store, &base).await?;
    println!();
    println!("  Trustloop demo is running at {base}");
    println!("  Data: {}", db_file.display());
    println!();
    println!("  Sign in as");
    for account in crate::demo::ACCOUNTS {
        println!(
            "    {:<7} {:<32} password: {}",
            account.shown_as, account.email, account.password
        );
    }
    if let Some(link) = seeded.sample_link {
        println!();
        println!("  Answer a survey as a rater (open campaign): {link}");
    }
    println!();
    println!("  Press Ctrl+C to stop.");
    app.run_until(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} rows ({elapsed})")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Runs the people import in the foreground, drawing its progress: the same job the admin's
/// upload page runs in the background, so it is recorded in the database the same way.
async fn import_people(file: PathBuf, db: DatabaseArgs) -> anyhow::Result<ExitCode> {
    // `RUST_LOG=trustloop_app=debug,trustloop_storage=debug` prints how long checking the file
    // and each step of the import took.
    init_logging("warn");
    let settings = db.settings()?;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let app = App::new(settings.open_store().await?);
    let job = imports::start(&app).await?;
    // One bar per stage: checking the rows, then saving them.
    let bars: Arc<Mutex<Option<ProgressBar>>> = Arc::default();
    let drawn = bars.clone();
    let outcome = imports::run(app, job, bytes, move |now| {
        let message = match now.stage {
            Stage::Starting | Stage::Checking => "checking",
            Stage::Saving => "saving",
        };
        let mut current = drawn.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|b| b.message() != message) {
            if let Some(done) = current.take() {
                done.finish();
            }
            *current = Some(bar(now.total.max(1), message));
        }
        if let Some(bar) = current.as_ref() {
            bar.set_position(now.rows);
        }
    })
    .await?;
    let last = bars.lock().unwrap_or_else(|e| e.into_inner()).take();
    match outcome {
        Outcome::Imported { rows, summary } => {
            if let Some(bar) = last {
                bar.finish();
            }
            println!(
                "Imported {rows} people from {}: {} added, {} updated, {} new teams.",
                file.display(),
                summary.added,
                summary.updated,
                summary.teams_created
            );
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Refused(refused) => {
            if let Some(bar) = last {
                bar.abandon();
            }
            eprint!("{refused}");
            Ok(ExitCode::FAILURE)
        }
        Outcome::Clash(message) => {
            if let Some(bar) = last {
                bar.abandon();
            }
            anyhow::bail!(message)
        }
    }
}

async fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let options = crate::generate::GenerateOptions {
        people: args.people,
        leaders: args.leaders,
        responses: args.responses,
        seed: args.seed,
    };
    options.check()?;
    let store = crate::settings::open_store(&args.database, args.seal_key_file.as_deref()).await?;
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
    Ok(ExitCode::SUCCESS)
}

async fn add_user(
    email: String,
    name: String,
    role: String,
    password_stdin: bool,
    db: DatabaseArgs,
) -> anyhow::Result<ExitCode> {
    let settings = db.settings()?;
    let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let role = Role::from_slug(&role)
        .ok_or_else(|| anyhow::anyhow!("--role must be admin, leader or member"))?;
    let password = if password_stdin {
        let mut password = String::new();
        std::io::stdin().read_line(&mut password)?;
        Some(password.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    let app = App::new(settings.open_store().await?);
    let account = NewAccount {
        email: email.clone(),
        name,
        role,
        password,
    };
    let (user, linked) = accounts::create_user(&app, &Actor::command_line(), account).await?;
    println!(
        "Created the {} account {email}{}.",
        role.slug(),
        if linked {
            ", linked to their person record"
        } else {
            ""
        }
    );
    if !password_stdin {
        let link = password_link(&app, user, &settings).await?;
        println!(
            "Send this one-time link to {email} to set their password (valid 72 hours):\n{link}"
        );
    }
    Ok(ExitCode::SUCCESS)
}
