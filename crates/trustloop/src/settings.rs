//! Settings: one typed struct, layered from defaults, then an optional TOML file, then
//! `TRUSTLOOP_*` environment variables, then command-line flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Everything the server can be told.
#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// The database URL: `sqlite://PATH` (the default, created when missing).
    pub database: String,
    /// The address to listen on.
    pub host: String,
    /// The port to listen on (0 picks a free one).
    pub port: u16,
    /// The public address people use, for survey links (for example `https://trust.example.org`).
    pub public_url: Option<String>,
    /// Mark cookies `Secure` and send HSTS; set when Trustloop is served over TLS.
    pub secure_cookies: bool,
    /// The log filter (for example `info` or `trustloop=debug`).
    pub log: String,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` is believed for client addresses.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The file holding the key that seals answers waiting for their batch and raters'
    /// attributes (created only for a new, empty database: the database records which key it
    /// belongs to and refuses any other, or none). Keep it outside the database and its
    /// backups. Defaults to `PATH.key` beside an SQLite file; required for PostgreSQL.
    pub seal_key_file: Option<PathBuf>,
    /// A folder of the organisation's own lessons (`*.md` files in the built-in lessons'
    /// format), offered beside the built-in ones. Every file is checked at start-up: a broken
    /// one stops the server, naming the file and line.
    pub lessons_folder: Option<PathBuf>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &redact_url(&self.database))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("log", &self.log)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("seal_key_file", &self.seal_key_file)
            .field("lessons_folder", &self.lessons_folder)
            .finish()
    }
}

/// Hides a password inside a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:[redacted]{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database: "sqlite://trustloop.db".into(),
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: None,
            secure_cookies: false,
            log: "info".into(),
            trusted_proxies: Vec::new(),
            seal_key_file: None,
            lessons_folder: None,
        }
    }
}

/// The environment variables Trustloop reads (without the `TRUSTLOOP_` prefix).
const KNOWN_KEYS: [&str; 9] = [
    "lessons_folder",
    "trusted_proxies",
    "seal_key_file",
    "database",
    "host",
    "port",
    "public_url",
    "secure_cookies",
    "log",
];

impl Settings {
    /// Loads settings: defaults, then `file` (if given), then `TRUSTLOOP_*` variables, then
    /// `overrides` (the flags the user typed).
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                anyhow::bail!("the settings file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file(file));
        }
        figment = figment
            .merge(Env::prefixed("TRUSTLOOP_"))
            .merge(Serialized::defaults(overrides));
        Ok(figment.extract()?)
    }

    /// The built-in lessons and those in [`Settings::lessons_folder`], all checked: an error
    /// names the broken file and line.
    pub fn lessons(&self) -> anyhow::Result<trustloop_domain::learning::Library> {
        trustloop_app::learning::load_library(self.lessons_folder.as_deref())
    }

    /// Opens the database with its seal key (see [`Settings::seal_key_file`]).
    pub async fn open_store(&self) -> anyhow::Result<trustloop_storage::DynStore> {
        open_store(&self.database, self.seal_key_file.as_deref()).await
    }

    /// A warning when the seal key would sit in the same folder as the SQLite database: a
    /// copy of that folder (a backup, a stolen disk) would then carry both the sealed answers
    /// and the key that opens them. `None` when the key is elsewhere (or the database is not
    /// an SQLite file).
    pub fn key_placement_warning(&self) -> Option<String> {
        let database = self.database.strip_prefix("sqlite://")?;
        let database = Path::new(database.split('?').next().unwrap_or(database));
        let folder = database.parent().filter(|p| !p.as_os_str().is_empty())?;
        let key = match &self.seal_key_file {
            Some(key) => key.clone(),
            None => {
                let mut beside = database.as_os_str().to_owned();
                beside.push(".key");
                PathBuf::from(beside)
            }
        };
        let key_folder = key.parent().filter(|p| !p.as_os_str().is_empty())?;
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        same(folder, key_folder).then(|| {
            format!(
                "the seal key {} is in the same folder as the database: a copy of {} would carry both the sealed answers and the key that opens them. Put the key elsewhere (for example seal_key_file = \"/etc/trustloop/seal.key\", or TRUSTLOOP_SEAL_KEY_FILE) and back it up apart from the data",
                key.display(),
                folder.display()
            )
        })
    }

    /// `TRUSTLOOP_*` variables that are set but mean nothing (likely typos).
    pub fn unknown_environment() -> Vec<String> {
        std::env::vars()
            .filter_map(|(k, _)| k.strip_prefix("TRUSTLOOP_").map(str::to_lowercase))
            .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
            .map(|k| format!("TRUSTLOOP_{}", k.to_uppercase()))
            .collect()
    }
}

/// Settings given as flags; only those present override the layers below.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    /// `--database`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// `--host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `--port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `--public-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

/// Opens the database at `url` with the seal key in `key_file`, or the default key for that
/// database (`PATH.key` beside an SQLite file).
pub async fn open_store(
    url: &str,
    key_file: Option<&Path>,
) -> anyhow::Result<trustloop_storage::DynStore> {
    use anyhow::Context;
    let key = match key_file {
        Some(path) => trustloop_storage::KeySource::File(path.to_path_buf()),
        None => trustloop_storage::default_key_source(url)?,
    };
    trustloop_storage::connect_with(url, key)
        .await
        .with_context(|| format!("cannot open {}", redact_url(url)))
}

/// The SQLite URL of a file inside a data directory.
pub fn sqlite_url_in(dir: &Path, file: &str) -> String {
    let path: PathBuf = dir.join(file);
    format!("sqlite://{}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_beside_the_database_is_warned_about_and_one_elsewhere_is_not() {
        let settings = |database: &str, key: Option<&str>| Settings {
            database: database.into(),
            host: "127.0.0.1".into(),
            port: 0,
            public_url: None,
            secure_cookies: false,
            log: "info".into(),
            trusted_proxies: Vec::new(),
            seal_key_file: key.map(PathBuf::from),
            lessons_folder: None,
        };
        let beside = settings("sqlite:///var/lib/trustloop/trustloop.db", None);
        let warning = beside.key_placement_warning().expect("warned");
        assert!(
            warning.contains("/var/lib/trustloop/trustloop.db.key"),
            "{warning}"
        );
        assert!(warning.contains("/etc/trustloop/seal.key"), "{warning}");
        let same_folder = settings(
            "sqlite:///var/lib/trustloop/trustloop.db",
            Some("/var/lib/trustloop/seal.key"),
        );
        assert!(same_folder.key_placement_warning().is_some());
        let apart = settings(
            "sqlite:///var/lib/trustloop/trustloop.db",
            Some("/etc/trustloop/seal.key"),
        );
        assert_eq!(apart.key_placement_warning(), None);
        let postgres = settings("postgres://db/trustloop", Some("/etc/trustloop/seal.key"));
        assert_eq!(postgres.key_placement_warning(), None);
    }

    #[test]
    fn flags_override_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("trustloop.toml");
        std::fs::write(&file, "port = 9000\nhost = \"0.0.0.0\"\n").expect("write");
        let settings = Settings::load(
            Some(&file),
            &Overrides {
                port: Some(9100),
                ..Overrides::default()
            },
        )
        .expect("load");
        assert_eq!(settings.port, 9100);
        assert_eq!(settings.host, "0.0.0.0");
        assert_eq!(settings.database, "sqlite://trustloop.db");
    }

    #[test]
    fn a_missing_settings_file_is_an_error() {
        let err = Settings::load(
            Some(Path::new("/nonexistent/t.toml")),
            &Overrides::default(),
        )
        .expect_err("missing file");
        assert!(err.to_string().contains("does not exist"));
    }

    #[test]
    fn database_passwords_are_redacted_in_debug_output() {
        let settings = Settings {
            database: "postgres://app:s3cret@db.internal/trustloop".into(),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:[redacted]@db.internal"));
    }
}
