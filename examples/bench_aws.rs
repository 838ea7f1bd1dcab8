//! Benchmark of the live AWS reader against moto's server mode: 2,000 roles across 5 accounts
//! (each read through its read_role, as in production), read at the default page size (1,000)
//! and at IAM's default of 100.
//!
//! ```text
//! ACCESS_RECONCILER_MOTO=~/.cache/access-reconciler-ci/moto-5.2.1/bin/moto_server \
//!   cargo run --release --example bench_aws -- [--roles 2000] [--accounts 5]
//! ```
//! (`bash .ci/moto` installs that moto_server; `moto_server` on PATH works too.) Prints the
//! requests made and the wall time of each read.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/moto.rs"]
mod moto;

use std::collections::BTreeMap;
use std::time::Instant;

use access_reconciler::sources::aws::credentials::AwsEnv;
use access_reconciler::sources::aws::live::no_wait;
use access_reconciler::sources::aws::{AwsAccount, AwsMapping, AwsReader, ReadOptions};
use futures::future::join_all;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let roles = arg("--roles", 2000);
    let accounts = arg("--accounts", 5).max(1);
    let Some(server) = moto::Moto::start() else {
        std::process::exit(2);
    };
    let setup = moto::setup_client(&server.url);
    let started = Instant::now();
    let mut mapping = AwsMapping {
        users_account: "999999999999".into(),
        suffixes: vec!["developer".into(), "fulladmin".into()],
        ignore: vec![],
        accounts: BTreeMap::new(),
    };
    for a in 0..accounts {
        let id = format!("{:012}", 100_000_000_001u64 + a as u64);
        let creds = moto::into_account(&setup, &id).await;
        let per = roles / accounts + usize::from(a < roles % accounts);
        for chunk in (0..per).collect::<Vec<_>>().chunks(50) {
            join_all(chunk.iter().map(|i| {
                let email = format!("person{a}x{i:04}@example.gov.uk");
                let name = format!("person{a}x{i:04}-developer");
                let creds = &creds;
                let setup = &setup;
                async move { moto::create_role(setup, creds, &name, &moto::trust(&email)).await }
            }))
            .await;
        }
        mapping.accounts.insert(
            format!("account{a}"),
            AwsAccount {
                id: id.clone(),
                read_role: Some(format!("arn:aws:iam::{id}:role/access-reconciler-read")),
                roles: BTreeMap::new(),
                temporary: vec![],
            },
        );
    }
    println!(
        "set up {roles} roles in {accounts} accounts in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    for page_size in [1000, 100] {
        let env = AwsEnv::from_pairs(
            [
                ("AWS_ENDPOINT_URL", server.url.as_str()),
                ("AWS_ACCESS_KEY_ID", "AKIABENCHMARK0000000"),
                ("AWS_SECRET_ACCESS_KEY", "benchmark-secret"),
            ],
            None,
        );
        let reader = AwsReader::new(
            &env,
            ReadOptions {
                retry: no_wait(3),
                page_size: page_size as u32,
            },
        )
        .expect("reader");
        let t = Instant::now();
        let read = reader.read(&mapping, None).await;
        let elapsed = t.elapsed();
        assert!(read.unread.is_empty(), "{:?}", read.unread);
        let read_roles: usize = read.section.accounts.values().map(|a| a.roles.len()).sum();
        let (requests, retries) = reader.requests();
        println!(
            "page size {page_size:>4}: {read_roles} roles from {accounts} accounts, {requests} requests ({retries} retries), {:.2}s",
            elapsed.as_secs_f64()
        );
    }
}
