//! The product under measurement: the `trustloop` program, run as `trustloop serve` in a child
//! process so that its memory and start-up are its own and it shares the cores with the load
//! generator as a real server would.

use anyhow::Context;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// The `trustloop` program to measure: `given`, or the one beside this program (where
/// `cargo build --release -p trustloop -p trustloop-bench` puts both).
pub fn product_binary(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = match given {
        Some(path) => path,
        None => std::env::current_exe()
            .context("finding this program")?
            .with_file_name(format!("trustloop{}", std::env::consts::EXE_SUFFIX)),
    };
    anyhow::ensure!(
        path.is_file(),
        "there is no trustloop program at {}: build it (`cargo build --release -p trustloop`) or \
         name it with --trustloop",
        path.display()
    );
    Ok(path)
}

/// The server, run as `trustloop serve` in a child process.
pub(crate) struct Server {
    child: Child,
    /// Where it listens, such as `http://127.0.0.1:41234`.
    pub base: String,
    /// Milliseconds from its start until it printed where it listens.
    pub ready_ms: f64,
}

impl Server {
    /// Starts `trustloop` on the database at `url` and waits until it says where it listens.
    pub fn start(trustloop: &Path, url: &str, seal_key_file: &Path) -> anyhow::Result<Server> {
        let started = Instant::now();
        let mut child = Command::new(trustloop)
            .args([
                "serve",
                "--database",
                url,
                "--port",
                "0",
                "--host",
                "127.0.0.1",
            ])
            .env("TRUSTLOOP_LOG", "warn")
            .env("TRUSTLOOP_SEAL_KEY_FILE", seal_key_file)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the server")?;
        let stdout = child.stdout.take().context("server output")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let ready_ms = started.elapsed().as_secs_f64() * 1000.0;
        let address = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|a| a.starts_with("http://"))
            .with_context(|| format!("the server did not say where it runs: {line:?}"))?
            .to_string();
        Ok(Server {
            child,
            base: address,
            ready_ms,
        })
    }

    /// The server's peak resident memory so far, in MB.
    pub fn peak_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("VmHWM in /proc status")?;
        Ok(kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
