//! `access-reconciler changes --from OLD --to NEW`: who gained or lost which access in which
//! system between two snapshots (v1 or v2). `--config` adds names and roles. Exit 0 when
//! nothing changed, 1 when something did, 2 for bad input, 3 when some part could not be
//! compared (not read whole in both snapshots: never reported as unchanged).

use std::path::Path;

use crate::access::System;
use crate::changes::{self, Changes, SnapshotInfo};
use crate::cli::{ChangesArgs, GlobalArgs};
use crate::commands::common;
use crate::engine;
use crate::exit;
use crate::report::evidence::{FileDigest, TOOL_VERSION, sha256_hex};
use crate::sources::aws::adapter::AwsInputs;
use crate::sources::snapshot::Snapshot;

fn open(path: &Path) -> Result<(Snapshot, SnapshotInfo), u8> {
    let display = path.display().to_string();
    let snapshot = Snapshot::open(path, &display).map_err(|e| common::source_error(e, ""))?;
    let sha256 = std::fs::read(path)
        .map(|b| sha256_hex(&b))
        .unwrap_or_default();
    let info = SnapshotInfo {
        path: display,
        sha256,
        version: snapshot.version,
        fetched_at: snapshot.fetched_at,
    };
    Ok((snapshot, info))
}

pub fn run(global: &GlobalArgs, args: ChangesArgs) -> u8 {
    let mapping = match common::load_mapping(global) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let today = match common::today(global) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let config = match &args.config {
        Some(path) => match common::load_config_digest(path, &mapping) {
            Ok(c) => Some(c),
            Err(e) => return common::report_config_errors(&e),
        },
        None => None,
    };
    let (old, from) = match open(&args.from) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (new, to) = match open(&args.to) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Every system either snapshot records; each must be configured to be read.
    let mut systems: Vec<System> = old
        .sections
        .keys()
        .chain(new.sections.keys())
        .copied()
        .collect();
    systems.sort();
    systems.dedup();
    let mut all_changes = Vec::new();
    let mut not_compared = Vec::new();
    let mut compared = Vec::new();
    for system in systems {
        if !mapping.is_configured(system) {
            not_compared.push(changes::NotCompared {
                system,
                resource: None,
                reason: format!(
                    "the mapping {} does not configure {system}; pass the mapping that does with --mapping",
                    mapping.path
                ),
            });
            continue;
        }
        // Only what the snapshots record is compared: no people, so AWS expects nothing here.
        let adapter = engine::adapter(&mapping, system, &AwsInputs::none(today));
        let adapters = [adapter];
        let read = |s: &Snapshot| -> Result<crate::access::SystemRead, u8> {
            let mut reads =
                engine::read_snapshot(s, &adapters).map_err(|e| common::fail(&e, ""))?;
            let mut r = reads.pop().unwrap_or_default();
            engine::normalise(adapters[0].as_ref(), &mut r);
            Ok(r)
        };
        let (a, b) = match (read(&old), read(&new)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(code), _) | (_, Err(code)) => return code,
        };
        let (ch, nc) = changes::compare(
            adapters[0].as_ref(),
            &a,
            &b,
            config.as_ref().map(|(c, _)| c),
        );
        all_changes.extend(ch);
        not_compared.extend(nc);
        compared.push(system);
    }
    changes::sort(&mut all_changes);
    not_compared.sort();
    let result = Changes {
        from,
        to,
        config: config.as_ref().map(|(_, d): &(_, FileDigest)| d.clone()),
        systems: compared,
        changes: all_changes,
        not_compared,
        tool_version: TOOL_VERSION.to_owned(),
    };
    let mut out = Vec::new();
    if let Err(e) = changes::render::render(&result, global.format, common::color(global), &mut out)
    {
        crate::errln!("error: could not render the changes: {e}");
        return exit::USAGE;
    }
    common::write_stdout(&out);
    if !result.complete() {
        crate::errln!(
            "error: {} part(s) could not be compared; changes there are unknown (exit 3)",
            result.not_compared.len()
        );
        exit::SOURCE
    } else if result.changes.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
