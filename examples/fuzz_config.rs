//! A time-boxed fuzzer for the config and mapping parsers.
//!
//! ```text
//! cargo run --release --example fuzz_config -- --seconds 300 [--seed N]
//! ```
//!
//! It mutates seed inputs (the fixtures, random bytes, YAML fragments such as `&a [*a,*a]` and
//! deep `[[[[`) with `fastrand`, runs each through `read_file`-equivalent UTF-8 checking,
//! `people::parse` and `Mapping::parse` under `catch_unwind`, and prints the number of
//! iterations and every input that panicked (also saved under `target/fuzz_config/`). The exit
//! code is 1 when anything panicked.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use access_reconciler::config::{Mapping, people};

const FRAGMENTS: &[&str] = &[
    "&a [*a,*a]",
    "&a [x, x, x, x]",
    "[*a, *a, *a, *a, *a, *a]",
    "*a",
    "&b {k: *a}",
    "[[[[[[[[[[[[[[[[",
    "{{{{{{{{{{{{",
    "]]]]",
    "- ",
    "\n- ",
    "\n  ",
    ": ",
    "? ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "!!str ",
    "!local ",
    "!<tag:yaml.org,2002:str> ",
    "|\n  ",
    ">-\n  ",
    "|2+\n",
    "\"\\u00e9\\x41\\",
    "'it''s'",
    "\t",
    "\r\n",
    "\r",
    "\u{feff}",
    "é☃𝄞",
    "\0",
    "#",
    "name",
    "github_username",
    "role: production_admin_access",
    "role: ~",
    "security_clearance: sc",
    "absent_since: 2026-02-30",
    "probation_passed: yes",
    "githhub_username",
    "email: a@x",
    "org: alphagov",
    "roles:",
    "~",
    "null",
    "true",
    "-1e9999",
    "0x1F",
    ",",
    "@",
    "`",
    "&",
    "*",
    "!",
];

struct Args {
    seconds: u64,
    seed: u64,
}

fn args() -> Args {
    let mut out = Args {
        seconds: 10,
        seed: fastrand::u64(..),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let value = it.next().and_then(|v| v.parse().ok());
        match (a.as_str(), value) {
            ("--seconds", Some(v)) => out.seconds = v,
            ("--seed", Some(v)) => out.seed = v,
            _ => {
                eprintln!("usage: fuzz_config [--seconds N] [--seed N]");
                std::process::exit(2);
            }
        }
    }
    out
}

/// Every .yml under `dir`, recursively (the fixtures).
fn seeds(dir: &Path, out: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            seeds(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml")
            && let Ok(bytes) = std::fs::read(&path)
        {
            out.push(bytes);
        }
    }
}

fn random_bytes(rng: &mut fastrand::Rng, max: usize) -> Vec<u8> {
    let n = rng.usize(0..=max);
    (0..n).map(|_| rng.u8(..)).collect()
}

/// Apply a few random edits: splice a fragment, flip/insert/delete bytes, duplicate or cut a
/// range, or splice in a piece of another seed.
fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    for _ in 0..rng.usize(1..=8) {
        let len = input.len();
        let at = rng.usize(0..=len);
        match rng.u8(0..9) {
            0..=2 => {
                let frag = FRAGMENTS[rng.usize(0..FRAGMENTS.len())].as_bytes();
                input.splice(at..at, frag.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.usize(0..len);
                input[i] ^= 1 << rng.u8(0..8);
            }
            4 => input.insert(at, rng.u8(..)),
            5 if len > 0 => {
                let end = (at + rng.usize(1..16)).min(len);
                input.drain(at.min(end)..end);
            }
            6 if len > 0 => {
                let start = rng.usize(0..len);
                let end = (start + rng.usize(1..64)).min(len);
                let piece: Vec<u8> = input[start..end].to_vec();
                for _ in 0..rng.usize(1..4) {
                    input.splice(at..at, piece.iter().copied());
                }
            }
            7 if !corpus.is_empty() => {
                let other = &corpus[rng.usize(0..corpus.len())];
                if !other.is_empty() {
                    let start = rng.usize(0..other.len());
                    let end = (start + rng.usize(1..128)).min(other.len());
                    input.splice(at..at, other[start..end].iter().copied());
                }
            }
            _ => {
                let n = rng.usize(1..200);
                let deep = if rng.bool() { "[" } else { "{a: " };
                input.splice(at..at, deep.repeat(n).into_bytes());
            }
        }
        input.truncate(1 << 20);
    }
}

/// What the binary does with a file's bytes: refuse non-UTF-8, then parse. Returns whether it
/// panicked.
fn run_one(bytes: &[u8], mapping: &Mapping) -> bool {
    let result = std::panic::catch_unwind(|| {
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = people::parse("fuzz.yml", text, mapping);
            let _ = Mapping::parse("fuzz.yml", text);
        }
    });
    result.is_err()
}

fn main() {
    let args = args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Vec::new();
    seeds(&root.join("fixtures"), &mut corpus);
    corpus.push(b"- name: Jane Example\n  github_username: jane-example\n  role: production_deploy_access\n".to_vec());
    corpus.push(Vec::new());
    let mapping = Mapping::builtin();
    let out_dir = root.join("target").join("fuzz_config");

    // Panics are caught and reported below; keep the default hook's message off stderr.
    std::panic::set_hook(Box::new(|_| {}));

    let mut rng = fastrand::Rng::with_seed(args.seed);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let (mut iterations, mut panics) = (0u64, 0u64);
    println!(
        "fuzzing the config parser for {}s (seed {}, {} seed files)",
        args.seconds,
        args.seed,
        corpus.len()
    );
    while Instant::now() < deadline {
        for _ in 0..64 {
            let mut input = match rng.u8(0..10) {
                0 => random_bytes(&mut rng, 512),
                _ => corpus[rng.usize(0..corpus.len())].clone(),
            };
            mutate(&mut rng, &mut input, &corpus);
            iterations += 1;
            if run_one(&input, &mapping) {
                panics += 1;
                let _ = std::fs::create_dir_all(&out_dir);
                let file = out_dir.join(format!("panic-{iterations}.yml"));
                let _ = std::fs::write(&file, &input);
                println!(
                    "PANIC on input saved to {} ({} bytes): {:?}",
                    file.display(),
                    input.len(),
                    String::from_utf8_lossy(&input[..input.len().min(300)])
                );
            } else if iterations % 1024 == 0
                && corpus.len() < 4096
                && std::str::from_utf8(&input).is_ok()
            {
                // Keep some mutants as new seeds so mutations compound.
                corpus.push(input);
            }
        }
    }
    println!(
        "{iterations} iterations in {:.1}s, {panics} panics",
        started.elapsed().as_secs_f64()
    );
    if panics > 0 {
        std::process::exit(1);
    }
}
