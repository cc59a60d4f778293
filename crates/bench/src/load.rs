//! Load and figures: the percentiles, the bench's own HTTP client and wrk driven by
//! `assets/load.lua`.

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The `p`th percentile of `sorted` times (nearest rank).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The times in ascending order.
pub(crate) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// What a load phase measured.
pub(crate) struct Load {
    /// Successful requests.
    pub ok: u64,
    /// Failed requests.
    pub failed: u64,
    /// How long the phase ran.
    pub seconds: f64,
    /// Median and 99th percentile of the successful requests' latency.
    pub p50_ms: f64,
    /// See `p50_ms`.
    pub p99_ms: f64,
}

/// Runs `concurrency` tasks for `seconds`, each calling `request` in a loop until it returns
/// `None` (nothing left to send) or time is up.
pub(crate) async fn load<F, Fut>(concurrency: usize, seconds: u64, request: F) -> Load
where
    F: Fn(reqwest::Client) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<bool>> + Send,
{
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("a plain client builds");
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, request, failed) = (client.clone(), request.clone(), failed.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                match request(client.clone()).await {
                    None => break,
                    Some(true) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                    Some(false) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        });
    }
    let mut latencies_ms = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies_ms.extend(done.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    let latencies_ms = sorted(latencies_ms);
    Load {
        ok: latencies_ms.len() as u64,
        failed: failed.load(Ordering::Relaxed),
        seconds,
        p50_ms: percentile(&latencies_ms, 50.0),
        p99_ms: percentile(&latencies_ms, 99.0),
    }
}

/// The wrk script that sends each request to the next path of a list.
const WRK_SCRIPT: &str = include_str!("../assets/load.lua");

/// What wrk sends: each request to the next of `paths` (in turn, again from the first when all
/// were used), with `body` and one `header`, counting `success` as the status of a success.
pub(crate) struct WrkRequests<'a> {
    pub method: &'a str,
    pub paths: Vec<String>,
    pub body: Option<&'a [u8]>,
    pub header: Option<String>,
    pub success: u16,
}

/// Sends `requests` to the server at `base` with wrk, from `connections` connections for the
/// phase's `seconds`: two threads (one per core, as the load generator shares the machine with
/// the server).
pub(crate) fn wrk_load(
    base: &str,
    requests: &WrkRequests<'_>,
    connections: usize,
    seconds: u64,
    dir: &Path,
) -> anyhow::Result<Load> {
    let (script, paths, body) = (
        dir.join("load.lua"),
        dir.join("paths.txt"),
        dir.join("body.txt"),
    );
    std::fs::write(&script, WRK_SCRIPT)?;
    std::fs::write(&paths, requests.paths.join("\n"))?;
    if let Some(bytes) = requests.body {
        std::fs::write(&body, bytes)?;
    }
    let threads = 2.min(connections);
    let out = Command::new("wrk")
        .arg(format!("--threads={threads}"))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={seconds}s"))
        .arg("--timeout=10s")
        .arg("--script")
        .arg(&script)
        .arg(base)
        .arg("--")
        .arg(&paths)
        .arg(requests.method)
        .arg(if requests.body.is_some() {
            body.as_os_str()
        } else {
            "-".as_ref()
        })
        .arg(requests.header.as_deref().unwrap_or("-"))
        .arg(requests.success.to_string())
        .arg(threads.to_string())
        .output()
        .context("running wrk (`apt-get install wrk`, or `--load-generator builtin`)")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "wrk failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_wrk(&stdout).with_context(|| format!("reading wrk's output: {stdout}"))
}

/// The figures the wrk script prints in its last line.
fn parse_wrk(output: &str) -> anyhow::Result<Load> {
    let line = output
        .lines()
        .find_map(|line| line.strip_prefix("trustloop-load "))
        .context("no figures")?;
    let figures: BTreeMap<&str, f64> = line
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| Ok((name, value.parse::<f64>()?)))
        .collect::<Result<_, std::num::ParseFloatError>>()?;
    let figure = |name: &str| figures.get(name).copied().context(name.to_owned());
    Ok(Load {
        ok: figure("ok")? as u64,
        failed: figure("failed")? as u64,
        seconds: figure("seconds")?,
        p50_ms: figure("p50")?,
        p99_ms: figure("p99")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_of_the_wrk_script_are_read_from_its_last_line() {
        let output = "Running 8s test @ http://127.0.0.1:4000\n  2 threads and 128 connections\n\
                      trustloop-load ok=27962 failed=3 seconds=8.100000 p50=34.012000 p99=112.100000\n";
        let load = parse_wrk(output).expect("figures");
        assert_eq!((load.ok, load.failed), (27962, 3));
        assert_eq!(
            (load.seconds, load.p50_ms, load.p99_ms),
            (8.1, 34.012, 112.1)
        );
        assert!(parse_wrk("Running 8s test\n").is_err());
        assert!(parse_wrk("trustloop-load ok=1 failed=0 seconds=1\n").is_err());
    }
}
