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
    /// Write a consistent copy of the SQLite database to a new file, while Trustloop keeps
    /// serving. The copy opens only with the database's seal key: keep the key file backed up
    /// apart from it. To restore, stop Trustloop, put the copy in place of the database file
    /// (removing any -wal and -shm files beside it) with the key file, and start it again.
    /// A PostgreSQL database is backed up with pg_dump instead (this says how).
    Backup(BackupArgs),
    /// Load data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage sign-in accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Team trust pulses.
    #[command(subcommand)]
    Pulse(PulseCommand),
}

/// Pulse commands.
#[derive(Debug, Subcommand)]
pub enum PulseCommand {
    /// Open, close and record as missed the pulse rounds due today (team pulses and the
    /// recovery pulses after a breach), once, and exit: what a running server does every minute. A round is opened once however many servers or
    /// commands run at the same time; one that was down opens only the round still running.
    Advance {
        /// Act as if today were this day (YYYY-MM-DD), to catch up or to test a schedule.
        #[arg(long)]
        on: Option<String>,
        /// Where the database is.
        #[command(flatten)]
        db: DatabaseArgs,
    },
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

/// Options of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write the copy to (it must not exist).
    pub to: PathBuf,
    /// Where the database is.
    #[command(flatten)]
    pub db: DatabaseArgs,
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

/// Logs go to standard error: standard output carries what the command says to its user (the
/// server's address, a backup's key), which scripts read.
fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
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
            settings.open_store().await?.close().await?;
            println!("The database schema is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(args) => backup(args).await,
        Command::Import(ImportCommand::People { file, db }) => import_people(file, db).await,
        Command::Pulse(PulseCommand::Advance { on, db }) => advance_pulses(on, db).await,
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
            app.store.close().await?;
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
    // A broken lesson file stops the server before anything else starts.
    let lessons = std::sync::Arc::new(settings.lessons()?);
    let store = settings.open_store().await?;
    start_pulse_scheduler(store.clone());
    let app = Application::build(
        WebConfig {
            host: settings.host.clone(),
            port: settings.port,
            secure_cookies: settings.secure_cookies,
            public_url: settings.public_url.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            lessons,
        },
        store,
    )
    .await?;
    // Listening for the signals before saying the address: a stop sent as soon as the server
    // is up must stop it cleanly too, not end it as the signal's default would.
    let stop = shutdown_signal();
    println!("Trustloop is running at http://{}", app.address());
    app.run_until(stop).await?;
    Ok(ExitCode::SUCCESS)
}

/// How often a running server looks for pulse rounds to open or close.
const PULSE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts the pulse scheduler on `store`, reading today's date from the system clock.
fn start_pulse_scheduler(store: trustloop_storage::DynStore) {
    tokio::spawn(trustloop_app::pulse::run_scheduler(
        App::new(store),
        Arc::new(trustloop_app::today),
        PULSE_EVERY,
    ));
}

async fn advance_pulses(on: Option<String>, db: DatabaseArgs) -> anyhow::Result<ExitCode> {
    let today = match on {
        Some(day) => time::Date::parse(
            &day,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| anyhow::anyhow!("--on: give the day as YYYY-MM-DD"))?,
        None => trustloop_app::today(),
    };
    let app = App::new(db.settings()?.open_store().await?);
    let done = trustloop_app::pulse::advance(&app, today).await?;
    println!(
        "Pulse rounds on {today}: {} opened ({} links), {} closed, {} missed.",
        done.opened.len(),
        done.opened.iter().map(|o| o.links.len()).sum::<usize>(),
        done.closed.len(),
        done.missed.len()
    );
    let recovery = trustloop_app::repair::advance(&app, today).await?;
    println!(
        "Recovery rounds on {today}: {} opened ({} links), {} closed, {} missed.",
        recovery.opened.len(),
        recovery.opened.iter().map(|o| o.2.len()).sum::<usize>(),
        recovery.closed.len(),
        recovery.missed.len()
    );
    if !done.clock_behind.is_empty() {
        println!(
            "{} series have a round handled after {today}: the clock may have jumped back; nothing was opened for them.",
            done.clock_behind.len()
        );
    }
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
    let stop = shutdown_signal();
    let seeded = crate::demo::seed_if_empty(&store, &base).await?;
    start_pulse_scheduler(store.clone());
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
    println!();
    if let Some(link) = seeded.confirmation_link {
        println!("  Confirm one of Maya Okafor's commitments as the person it was made to: {link}");
    }
    if let Some(link) = seeded.sample_link {
        println!("  Answer a survey as a rater (open campaign): {link}");
    }
    println!();
    println!("  Press Ctrl+C to stop.");
    app.run_until(stop).await?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on the first SIGTERM (what `systemctl stop`, `docker stop` and Kubernetes send)
/// or SIGINT (Ctrl+C): the server then stops cleanly and exits with 0. The signals are taken
/// over when this is called, before the future is first polled.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listening = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        async move {
            match listening {
                (Ok(mut terminate), Ok(mut interrupt)) => {
                    let name = tokio::select! {
                        _ = terminate.recv() => "SIGTERM",
                        _ = interrupt.recv() => "SIGINT",
                    };
                    tracing::info!(signal = name, "received a stop signal");
                }
                (Err(error), _) | (_, Err(error)) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM; stopping on Ctrl+C only");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Copies the database to a new file while it serves, and says which key the copy needs.
async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    init_logging("warn");
    let settings = args.db.settings()?;
    let store = settings.open_store().await?;
    let made = store.backup(&args.to).await;
    store.close().await?;
    let made = made.with_context(|| format!("no backup was made in {}", args.to.display()))?;
    let key_file = settings
        .seal_key_file
        .clone()
        .or_else(|| {
            trustloop_storage::default_key_source(&settings.database)
                .ok()
                .and_then(|source| match source {
                    trustloop_storage::KeySource::File(path) => Some(path),
                    trustloop_storage::KeySource::Given(_) => None,
                })
        })
        .map_or("the seal key file".to_string(), |p| p.display().to_string());
    println!(
        "Backed up the database to {} ({:.1} MB, checked).",
        args.to.display(),
        made.bytes as f64 / 1_000_000.0
    );
    println!(
        "It opens only with the seal key whose fingerprint begins {}: {key_file}. Keep a copy of that file apart from the backup (never beside it).",
        &made.key_fingerprint[..16]
    );
    Ok(ExitCode::SUCCESS)
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
    let store = settings.open_store().await?;
    let app = App::new(store.clone());
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
    store.close().await?;
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
    app.store.close().await?;
    Ok(ExitCode::SUCCESS)
}
