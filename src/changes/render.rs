//! `changes` in text, JSON (schema_version 1, `command: "changes"`), Markdown and CSV.

use std::io::Write;

use serde_json::{Value, json};

use super::{Change, Changes, Direction};
use crate::report::markdown::cell;
use crate::report::text::{Paint, count};
use crate::report::{Color, Format};

fn who(c: &Change) -> String {
    match (&c.name, &c.role) {
        (Some(n), Some(r)) => format!("{n} ({}, {r})", c.holder),
        (Some(n), None) => format!("{n} ({}, no role)", c.holder),
        (None, _) if c.in_config == Some(false) => format!("{} (not in the config)", c.holder),
        (None, _) => c.holder.clone(),
    }
}

fn time(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "fetched_at not recorded".to_owned())
}

/// `3 changes (2 gained, 1 lost) between ... and ...`.
pub fn summary_line(c: &Changes) -> String {
    let mut s = String::new();
    if !c.complete() {
        s.push_str(&format!(
            "INCOMPLETE: {} not compared; ",
            count(c.not_compared.len(), "part", "parts")
        ));
    }
    if c.changes.is_empty() {
        s.push_str("No access changed");
    } else {
        s.push_str(&format!(
            "{} ({} gained, {} lost; {} involving an invitation)",
            count(c.changes.len(), "change", "changes"),
            c.count(Direction::Gained),
            c.count(Direction::Lost),
            c.changes.iter().filter(|x| x.pending()).count()
        ));
    }
    s.push_str(&format!(
        " between {} ({}) and {} ({}).",
        c.from.path,
        time(&c.from.fetched_at),
        c.to.path,
        time(&c.to.fetched_at)
    ));
    s
}

fn evidence_lines(c: &Changes) -> Vec<String> {
    let mut lines = vec![format!("Evidence: access-reconciler {}", c.tool_version)];
    for (label, s) in [("from", &c.from), ("to", &c.to)] {
        lines.push(format!(
            "  {label:<6} snapshot v{} {}, fetched {} (sha256 {})",
            s.version,
            s.path,
            time(&s.fetched_at),
            s.sha256
        ));
    }
    if let Some(d) = &c.config {
        lines.push(format!(
            "  config names and roles from {} (sha256 {})",
            d.path, d.sha256
        ));
    }
    lines
}

pub fn text(c: &Changes, out: &mut impl Write, color: Color) -> std::io::Result<()> {
    let p = Paint(color);
    writeln!(
        out,
        "{} {} -> {}",
        p.bold("access-reconciler changes:"),
        c.from.path,
        c.to.path
    )?;
    let mut current: Option<(crate::access::System, &str)> = None;
    for ch in &c.changes {
        if current != Some((ch.system, ch.resource.as_str())) {
            writeln!(out)?;
            writeln!(out, "{}", p.bold(&format!("{} {}", ch.system, ch.resource)))?;
            current = Some((ch.system, ch.resource.as_str()));
        }
        let sign = match ch.direction {
            Direction::Gained => "+",
            Direction::Lost => "-",
        };
        writeln!(out, "  {sign} {}: {}", who(ch), ch.describe())?;
    }
    if !c.not_compared.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            p.severity(
                crate::finding::Severity::High,
                "NOT COMPARED: not read whole in both snapshots; changes there are unknown"
            )
        )?;
        for n in &c.not_compared {
            match &n.resource {
                Some(r) => writeln!(out, "  {} {r}: {}", n.system, n.reason)?,
                None => writeln!(out, "  {}: {}", n.system, n.reason)?,
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", p.bold(&summary_line(c)))?;
    writeln!(out)?;
    for l in evidence_lines(c) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn snapshot_json(s: &super::SnapshotInfo) -> Value {
    json!({
        "path": s.path,
        "sha256": s.sha256,
        "version": s.version,
        "fetched_at": s.fetched_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    })
}

pub fn value(c: &Changes) -> Value {
    json!({
        "schema_version": crate::report::json::SCHEMA_VERSION,
        "command": "changes",
        "from": snapshot_json(&c.from),
        "to": snapshot_json(&c.to),
        "complete": c.complete(),
        "not_compared": c.not_compared.iter().map(|n| json!({
            "system": n.system.as_str(),
            "resource": n.resource,
            "reason": n.reason,
        })).collect::<Vec<_>>(),
        "systems": c.systems.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "changes": c.changes.iter().map(|ch| json!({
            "system": ch.system.as_str(),
            "resource": ch.resource,
            "holder": ch.holder,
            "change": ch.direction.as_str(),
            "from": ch.from.as_str(),
            "to": ch.to.as_str(),
            "pending": ch.pending(),
            "description": ch.describe(),
            "name": ch.name,
            "role": ch.role,
            "in_config": ch.in_config,
        })).collect::<Vec<_>>(),
        "summary": {
            "changes": c.changes.len(),
            "gained": c.count(Direction::Gained),
            "lost": c.count(Direction::Lost),
            "pending": c.changes.iter().filter(|x| x.pending()).count(),
        },
        "evidence": {
            "tool_version": c.tool_version,
            "config": c.config.as_ref().map(|d| json!({"path": d.path, "sha256": d.sha256})),
        },
    })
}

pub fn markdown(c: &Changes, out: &mut impl Write) -> std::io::Result<()> {
    let code = |s: &str| {
        format!(
            "`{}`",
            s.replace(['`', '\n', '\r'], "'").replace('|', "\\|")
        )
    };
    writeln!(out, "## access-reconciler changes")?;
    writeln!(out)?;
    writeln!(out, "**{}**", cell(&summary_line(c)))?;
    writeln!(out)?;
    if !c.not_compared.is_empty() {
        writeln!(
            out,
            "**Not compared** (not read whole in both snapshots; changes there are unknown):"
        )?;
        writeln!(out)?;
        for n in &c.not_compared {
            let what = match &n.resource {
                Some(r) => format!("{} {r}", n.system),
                None => n.system.to_string(),
            };
            writeln!(out, "- {}: {}", code(&what), cell(&n.reason))?;
        }
        writeln!(out)?;
    }
    if !c.changes.is_empty() {
        writeln!(
            out,
            "| System | Resource | Change | Who | Name | Role | From | To |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|")?;
        for ch in &c.changes {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                ch.system,
                code(&ch.resource),
                ch.describe(),
                code(&ch.holder),
                ch.name.as_deref().map(cell).unwrap_or_default(),
                ch.role.as_deref().map(code).unwrap_or_default(),
                ch.from.as_str(),
                ch.to.as_str(),
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "#### Evidence")?;
    writeln!(out)?;
    for l in evidence_lines(c).iter().skip(1) {
        writeln!(out, "- {}", cell(l.trim()))?;
    }
    writeln!(out, "- access-reconciler {}", cell(&c.tool_version))
}

pub fn csv(c: &Changes, out: &mut impl Write) -> std::io::Result<()> {
    use crate::roster::csv::record;
    record(
        out,
        &[
            "system",
            "resource",
            "holder",
            "change",
            "from",
            "to",
            "pending",
            "name",
            "role",
            "in_config",
        ],
    )?;
    for ch in &c.changes {
        record(
            out,
            &[
                ch.system.as_str(),
                &ch.resource,
                &ch.holder,
                ch.direction.as_str(),
                ch.from.as_str(),
                ch.to.as_str(),
                if ch.pending() { "true" } else { "false" },
                ch.name.as_deref().unwrap_or_default(),
                ch.role.as_deref().unwrap_or_default(),
                match ch.in_config {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "",
                },
            ],
        )?;
    }
    Ok(())
}

/// Render in `format` (`github` and `html` are refused before the run).
pub fn render(
    c: &Changes,
    format: Format,
    color: Color,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &value(c))?;
            writeln!(out)
        }
        Format::Markdown => markdown(c, out),
        Format::Csv => csv(c, out),
        Format::Text | Format::Github | Format::Html => text(c, out, color),
    }
}
