//! What `gold rollout`, `gold rollback` and `gold status` show: the plan, live progress (a bar
//! per instance refresh on a terminal, timestamped lines otherwise, one JSON event per line
//! with `--output json`), the closing summary and the status table.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;
use crate::cli::OutputFormat;
use crate::consumer::status::Row;
use crate::consumer::{Event, Outcome, Reporter, Summary};
use crate::plan::{Plan, render_human, render_json};

/// Live rollout progress in the form the user's flags ask for.
pub struct RolloutProgress {
    printer: Printer,
    started: Instant,
    bars: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl RolloutProgress {
    /// Bars on a terminal, lines or JSON events otherwise.
    pub fn new(printer: &Printer) -> Self {
        let bars = printer.is_interactive().then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                Mutex::new(HashMap::new()),
            )
        });
        Self {
            printer: printer.clone(),
            started: Instant::now(),
            bars,
        }
    }

    /// Removes the bars before the summary is printed.
    pub fn finish(&self) {
        if let Some((multi, bars)) = &self.bars {
            if let Ok(mut bars) = bars.lock() {
                for (_, bar) in bars.drain() {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
            }
            let _ = multi.clear();
        }
    }

    fn line(&self, text: &str) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(text);
            }
            None => self.printer.info(&format!(
                "[{:>5}s] {text}",
                self.started.elapsed().as_secs()
            )),
        }
    }

    fn bar(&self, key: &str, group: &str, status: &str, percentage: Option<u8>) {
        let Some((multi, bars)) = &self.bars else {
            let pct = percentage.map(|p| format!(" {p}%")).unwrap_or_default();
            self.line(&format!("{key}: refresh of `{group}` {status}{pct}"));
            return;
        };
        let Ok(mut bars) = bars.lock() else { return };
        let bar = bars.entry(format!("{key}/{group}")).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(100));
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos:>3}% {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(format!("{key} {group}"));
            bar
        });
        bar.set_position(u64::from(percentage.unwrap_or(0)));
        bar.set_message(status.to_owned());
    }
}

impl Reporter for RolloutProgress {
    fn event(&self, event: &Event<'_>) {
        if self.printer.format() == OutputFormat::Json {
            self.printer
                .json(&serde_json::to_value(event).unwrap_or_default());
            return;
        }
        match event {
            Event::WaveStarted { wave, targets } => {
                self.line(&format!("wave {wave}: {targets} target(s) to change"));
            }
            Event::TargetStarted { target } => self.line(&format!("{}: started", target.label())),
            Event::DefaultVersionSet {
                target,
                version,
                image,
            } => self.line(&format!(
                "{}: default version is now v{version} ({image})",
                target.label()
            )),
            Event::RefreshStarted {
                target,
                group,
                refresh_id,
            } => self.line(&format!(
                "{}: instance refresh {refresh_id} of `{group}` started",
                target.label()
            )),
            Event::RefreshProgress {
                target,
                group,
                status,
                percentage,
            } => self.bar(&target.label(), group, status, *percentage),
            Event::TargetFinished { target, outcome } => {
                if let Some((_, bars)) = &self.bars
                    && let Ok(mut bars) = bars.lock()
                {
                    let prefix = format!("{}/", target.label());
                    bars.retain(|key, bar| {
                        let done = key.starts_with(&prefix);
                        if done {
                            bar.finish_and_clear();
                        }
                        !done
                    });
                }
                if !matches!(outcome, Outcome::Unchanged) {
                    self.line(&format!("{}: {}", target.label(), outcome_text(outcome)));
                }
            }
            Event::WaveFinished { wave, failed } => match failed {
                0 => self.line(&format!("wave {wave}: done")),
                n => self.line(&format!(
                    "wave {wave}: {n} target(s) failed; later waves will not start"
                )),
            },
        }
    }
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done { detail } => format!("done: {detail}"),
        Outcome::Unchanged => "unchanged".to_owned(),
        Outcome::Failed { error, .. } => format!("FAILED: {error}"),
        Outcome::NotStarted => "not started (an earlier wave failed)".to_owned(),
    }
}

/// The plan, then each target that cannot proceed.
pub fn show_plan(printer: &Printer, plan: &Plan, problems: &[(String, Option<String>)]) {
    if printer.format() == OutputFormat::Json {
        let mut value = render_json(plan);
        value["errors"] = problems
            .iter()
            .map(|(message, hint)| serde_json::json!({ "error": message, "hint": hint }))
            .collect();
        printer.json(&value);
    } else if !plan.is_empty() || problems.is_empty() {
        printer.result(render_human(plan).trim_end());
    }
    for (message, hint) in problems {
        printer.error(&crate::Error::Failed {
            message: message.clone(),
            hint: hint.clone(),
        });
    }
}

/// Every target's outcome and the totals.
pub fn show_summary(printer: &Printer, summary: &Summary) {
    if printer.format() == OutputFormat::Json {
        printer.json(&summary.to_json());
        return;
    }
    let mut text = String::from("Summary:\n");
    let mut counts = [0usize; 4];
    for (target, outcome) in &summary.targets {
        let (index, word) = match outcome {
            Outcome::Done { .. } => (0, "done"),
            Outcome::Unchanged => (1, "unchanged"),
            Outcome::Failed { .. } => (2, "FAILED"),
            Outcome::NotStarted => (3, "not started"),
        };
        counts[index] += 1;
        let detail = match outcome {
            Outcome::Done { detail } => format!(": {detail}"),
            Outcome::Failed { error, .. } => format!(": {error}"),
            Outcome::Unchanged | Outcome::NotStarted => String::new(),
        };
        let _ = writeln!(
            text,
            "  {word:<11} wave {} {}{detail}",
            target.wave,
            target.label()
        );
    }
    let _ = write!(
        text,
        "{} done, {} unchanged, {} failed, {} not started.",
        counts[0], counts[1], counts[2], counts[3]
    );
    printer.result(&text);
}

/// The `gold status` table.
pub fn show_status(printer: &Printer, rows: &[Row]) {
    if printer.format() == OutputFormat::Json {
        printer.json(&serde_json::json!({ "targets": rows }));
        return;
    }
    let mut table = vec![[
        "TARGET".to_owned(),
        "VERSION".to_owned(),
        "IMAGE".to_owned(),
        "NAME".to_owned(),
        "AGE".to_owned(),
        "NEWEST".to_owned(),
        "BEHIND".to_owned(),
        "REFRESH".to_owned(),
    ]];
    for row in rows {
        let current = row.current.as_ref();
        let refresh = row
            .refreshes
            .iter()
            .map(|r| format!("{}: {}", r.group, r.status.as_deref().unwrap_or("never")))
            .collect::<Vec<_>>()
            .join(", ");
        table.push([
            row.target.label(),
            row.default_version
                .map_or("-".to_owned(), |v| format!("v{v}")),
            current.map_or("-".to_owned(), |c| c.id.clone()),
            current
                .and_then(|c| c.name.clone())
                .unwrap_or_else(|| "-".to_owned()),
            current
                .and_then(|c| c.age_seconds)
                .map_or("-".to_owned(), |s| {
                    crate::consumer::age(std::time::Duration::from_secs(s))
                }),
            row.newest.as_ref().map_or("-".to_owned(), |n| n.id.clone()),
            row.builds_behind.map_or("?".to_owned(), |b| b.to_string()),
            match &row.error {
                Some(error) => format!("error: {error}"),
                None if refresh.is_empty() => "-".to_owned(),
                None => refresh,
            },
        ]);
    }
    let mut widths = [0usize; 8];
    for line in &table {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let text = table
        .iter()
        .map(|line| {
            line.iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n");
    printer.result(&text);
}
