//! Benchmark of the live GitHub client against a local fake GitHub with per-request latency.
//!
//! ```text
//! cargo run --example bench_github -- [--sizes 250,180,90,40] [--invitations 3] [--latency-ms 50] [--concurrency 8]
//! ```
//! Prints requests made vs the minimum, wall time vs the two-round-trip ideal and vs a
//! sequential page-by-page fetch (the same client with `--concurrency 1`), and the requests and
//! rate-limit points of a rerun with `--cache-dir`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

#[path = "../tests/support/mod.rs"]
mod support;
use support::github as fake_github;

use std::time::{Duration, Instant};

use access_reconciler::sources::github::MembershipSource;
use access_reconciler::sources::github::live::LiveSource;
use access_reconciler::sources::github::rest::ClientOptions;
use access_reconciler::sources::github::rest::Credentials;
use fake_github::{FakeGithub, FakeTeam};

const ORG: &str = "alphagov";
const TOKEN: &str = "ghp_benchmarktoken";

struct Opts {
    sizes: Vec<usize>,
    invitations: usize,
    latency_ms: u64,
    concurrency: usize,
}

fn opts() -> Opts {
    let mut o = Opts {
        sizes: vec![250, 180, 90, 40],
        invitations: 3,
        latency_ms: 50,
        concurrency: 8,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let v = &args[i + 1];
        match args[i].as_str() {
            "--sizes" => {
                o.sizes = v
                    .split(',')
                    .map(|s| s.trim().parse().expect("--sizes: numbers"))
                    .collect()
            }
            "--invitations" => o.invitations = v.parse().expect("--invitations N"),
            "--latency-ms" => o.latency_ms = v.parse().expect("--latency-ms N"),
            "--concurrency" => o.concurrency = v.parse().expect("--concurrency N"),
            other => panic!("unknown flag {other}"),
        }
        i += 2;
    }
    o
}

fn args(url: &str, concurrency: usize, cache: Option<std::path::PathBuf>) -> ClientOptions {
    ClientOptions {
        api_url: url.to_owned(),
        app_id: None,
        app_private_key: None,
        cache_dir: cache,
        max_wait: 900,
        concurrency,
        retries: 2,
        backoff_ms: 0,
        secondary_wait: 0,
    }
}

async fn run(gh: &FakeGithub, a: &ClientOptions, teams: &[String]) -> (Duration, u64, u64) {
    gh.reset_counters();
    let started = Instant::now();
    let source = LiveSource::connect_with(a, ORG, false, Credentials::Token(TOKEN.into()))
        .await
        .expect("connect");
    let read = source.read_teams(ORG, teams).await.expect("read");
    assert!(read.complete(), "{:?}", read.errors);
    (started.elapsed(), gh.requests(), gh.points())
}

#[tokio::main]
async fn main() {
    let o = opts();
    let gh = FakeGithub::start(ORG, TOKEN);
    let mut teams = vec![];
    let mut minimum = 0usize;
    for (i, &size) in o.sizes.iter().enumerate() {
        let slug = format!("team-{i}");
        let mut team = FakeTeam::sized(&format!("t{i}-user"), size);
        team.maintainers = team.members.iter().take(2).cloned().collect();
        team.invitations = (0..o.invitations)
            .map(|k| {
                (
                    format!("t{i}-invitee{k}"),
                    "2026-11-20T10:00:00Z".to_owned(),
                )
            })
            .collect();
        // members pages + maintainer listing + invitation pages + child-team listing.
        minimum += size.div_ceil(100).max(1)
            + team.maintainers.len().div_ceil(100).max(1)
            + o.invitations.div_ceil(100).max(1)
            + 1;
        gh.team(&slug, team);
        teams.push(slug);
    }
    gh.latency(Duration::from_millis(o.latency_ms));
    let members: usize = o.sizes.iter().sum();
    println!(
        "fake GitHub: {} teams, {members} members, {} invitations each, {} ms per request; --concurrency {}",
        teams.len(),
        o.invitations,
        o.latency_ms,
        o.concurrency
    );

    let (wall, requests, _) = run(&gh, &args(&gh.url, o.concurrency, None), &teams).await;
    let rtt = Duration::from_millis(o.latency_ms);
    let bounded = (minimum as u64).div_ceil(o.concurrency as u64).max(2) as u32;
    println!("requests made:      {requests} (minimum {minimum})");
    println!(
        "wall time:          {:>6} ms   (two round trips: {} ms; {} round trips at --concurrency {}: {} ms)",
        wall.as_millis(),
        (rtt * 2).as_millis(),
        bounded,
        o.concurrency,
        (rtt * bounded).as_millis()
    );

    let (seq, seq_requests, _) = run(&gh, &args(&gh.url, 1, None), &teams).await;
    println!(
        "sequential:         {:>6} ms   (--concurrency 1: one request at a time, {seq_requests} requests; {:.1}x slower)",
        seq.as_millis(),
        seq.as_secs_f64() / wall.as_secs_f64()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let cached = args(&gh.url, o.concurrency, Some(dir.path().to_path_buf()));
    let (cold, cold_requests, cold_points) = run(&gh, &cached, &teams).await;
    let (warm, warm_requests, warm_points) = run(&gh, &cached, &teams).await;
    println!(
        "--cache-dir, cold:  {:>6} ms   {cold_requests} requests, {cold_points} rate-limit points",
        cold.as_millis()
    );
    println!(
        "--cache-dir, rerun: {:>6} ms   {warm_requests} requests, {warm_points} rate-limit points (304s are free)",
        warm.as_millis()
    );
}
