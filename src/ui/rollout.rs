//! What `gold rollout`, `gold rollback` and the template creations of `gold up` show while the
//! waves run, in the form the output suits:
//! - on a terminal: each wave's start and end, and each target the moment it ends, as one line
//!   above the live part (the wave's bar: targets ended of total, failures, elapsed time; no
//!   estimate, which a single long instance refresh would make swing; then the targets in
//!   flight), so once the bars are gone the screen holds the whole story, then the summary;
//! - otherwise (a pipe, a CI log): one line per step of every target, prefixed with the seconds
//!   since the start, complete enough to follow a run afterwards;
//! - with `--output json`: every [`WaveEvent`] as one JSON line on stdout.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;
use super::render::{count, target_line};
use crate::cli::OutputFormat;
use crate::consumer::waves::TargetOutcome;
use crate::consumer::{Outcome, Reporter, WaveEvent};
use crate::plan::TargetId;

/// How many targets in flight get a line of their own under the wave's bar.
const IN_FLIGHT_LINES: usize = 6;

/// Live rollout progress in the form the user's flags ask for.
pub struct RolloutProgress {
    printer: Printer,
    started: Instant,
    live: Option<Mutex<Live>>,
}

/// The bars on a terminal.
struct Live {
    multi: MultiProgress,
    wave: Option<Wave>,
    /// Targets in flight, in the order they started, with what they are doing.
    in_flight: Vec<(TargetId, String)>,
    /// One line per shown target in flight, and one for how many more there are.
    lines: Vec<ProgressBar>,
}

struct Wave {
    bar: ProgressBar,
    failed: usize,
}

impl RolloutProgress {
    /// Bars on a terminal, lines or JSON events otherwise.
    pub fn new(printer: &Printer) -> Self {
        let live = printer.is_interactive().then(|| {
            Mutex::new(Live {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                wave: None,
                in_flight: Vec::new(),
                lines: Vec::new(),
            })
        });
        Self {
            printer: printer.clone(),
            started: Instant::now(),
            live,
        }
    }

    /// Removes whatever is still drawn before the summary is printed; the lines above it stay.
    pub fn finish(&self) {
        if let Some(live) = &self.live
            && let Ok(mut live) = live.lock()
        {
            live.clear_lines();
            if let Some(wave) = live.wave.take() {
                wave.bar.finish_and_clear();
                live.multi.remove(&wave.bar);
            }
            let _ = live.multi.clear();
        }
    }

    fn plain(&self, text: &str) {
        self.printer.info(&format!(
            "[{:>5}s] {text}",
            self.started.elapsed().as_secs()
        ));
    }

    fn plain_event(&self, event: &WaveEvent<'_>) {
        let line = match event {
            WaveEvent::WaveStarted { .. } | WaveEvent::WaveFinished { .. } => wave_line(event),
            WaveEvent::TargetStarted { target } => Some(format!("{}: started", target.label())),
            WaveEvent::TargetFinished { target, outcome } => finished_line(target, outcome),
            _ => doing(event).map(|(target, doing)| format!("{}: {doing}", target.label())),
        };
        if let Some(line) = line {
            self.plain(&line);
        }
    }
}

impl Live {
    fn start_wave(&mut self, wave: u32, targets: usize, line: Option<String>) {
        if let Some(previous) = self.wave.take() {
            previous.bar.finish_and_clear();
            self.multi.remove(&previous.bar);
        }
        if let Some(line) = line {
            let _ = self.multi.println(line);
        }
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} targets{msg}  {elapsed_precise}",
        )
        .map_or_else(
            |_| ProgressStyle::default_bar(),
            |style| style.progress_chars("=> "),
        );
        let bar = self
            .multi
            .add(ProgressBar::new(targets as u64).with_style(style));
        bar.set_prefix(format!("wave {wave}"));
        bar.enable_steady_tick(Duration::from_millis(250));
        self.wave = Some(Wave { bar, failed: 0 });
    }

    fn doing(&mut self, target: &TargetId, what: String) {
        match self.in_flight.iter_mut().find(|(t, _)| t == target) {
            Some((_, doing)) => *doing = what,
            None => self.in_flight.push((target.clone(), what)),
        }
        self.draw_in_flight();
    }

    fn done(&mut self, target: &TargetId, outcome: &Outcome) {
        let was_in_flight = self.in_flight.iter().any(|(t, _)| t == target);
        self.in_flight.retain(|(t, _)| t != target);
        if let Some(line) = finished_line(target, outcome) {
            let _ = self.multi.println(line);
        }
        if let Some(wave) = &mut self.wave {
            if matches!(outcome, Outcome::Failed { .. }) {
                wave.failed += 1;
                wave.bar.set_message(format!(", {} failed", wave.failed));
            }
            // Targets that had nothing to do are not part of the wave's count.
            if was_in_flight || matches!(outcome, Outcome::Failed { .. }) {
                wave.bar.inc(1);
            }
        }
        self.draw_in_flight();
    }

    fn end_wave(&mut self, line: Option<String>) {
        self.clear_lines();
        self.in_flight.clear();
        if let Some(wave) = self.wave.take() {
            wave.bar.finish_and_clear();
            self.multi.remove(&wave.bar);
        }
        if let Some(line) = line {
            let _ = self.multi.println(line);
        }
    }

    /// Redraws the lines under the wave's bar: the oldest targets in flight, then a count.
    fn draw_in_flight(&mut self) {
        let shown = self.in_flight.len().min(IN_FLIGHT_LINES);
        let wanted = shown + usize::from(self.in_flight.len() > IN_FLIGHT_LINES);
        while self.lines.len() < wanted {
            let style = ProgressStyle::with_template("  {spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let line = self.multi.add(ProgressBar::new_spinner().with_style(style));
            line.enable_steady_tick(Duration::from_millis(250));
            self.lines.push(line);
        }
        while self.lines.len() > wanted {
            if let Some(line) = self.lines.pop() {
                line.finish_and_clear();
                self.multi.remove(&line);
            }
        }
        for (line, (target, doing)) in self.lines.iter().zip(&self.in_flight) {
            line.set_message(format!("{}: {doing}", target.label()));
        }
        if self.in_flight.len() > IN_FLIGHT_LINES
            && let Some(more) = self.lines.last()
        {
            more.set_message(format!(
                "… and {} more in flight",
                self.in_flight.len() - IN_FLIGHT_LINES
            ));
        }
    }

    fn clear_lines(&mut self) {
        for line in self.lines.drain(..) {
            line.finish_and_clear();
            self.multi.remove(&line);
        }
    }
}

impl Reporter for RolloutProgress {
    fn event(&self, event: &WaveEvent<'_>) {
        if self.printer.format() == OutputFormat::Json {
            self.printer.event(event);
            return;
        }
        let Some(live) = &self.live else {
            self.plain_event(event);
            return;
        };
        let Ok(mut live) = live.lock() else { return };
        match event {
            WaveEvent::WaveStarted { wave, targets, .. } => {
                live.start_wave(*wave, *targets, wave_line(event));
            }
            WaveEvent::WaveFinished { .. } => live.end_wave(wave_line(event)),
            WaveEvent::TargetFinished { target, outcome } => live.done(target, outcome),
            WaveEvent::TargetStarted { target } => live.doing(target, "started".to_owned()),
            _ => {
                if let Some((target, doing)) = doing(event) {
                    live.doing(target, doing);
                }
            }
        }
    }
}

/// The line a wave's start or end leaves: `wave 2: 3 targets to change, 1 unchanged`,
/// `wave 2: done`, `wave 1: 1 target failed; later waves will not start`.
fn wave_line(event: &WaveEvent<'_>) -> Option<String> {
    match event {
        WaveEvent::WaveStarted {
            wave,
            targets,
            unchanged,
            skipped,
        } => {
            let mut line = format!("wave {wave}: {} to change", count(*targets, "target"));
            if *unchanged > 0 {
                let _ = write!(line, ", {unchanged} unchanged");
            }
            if *skipped > 0 {
                let _ = write!(line, ", {skipped} skipped");
            }
            Some(line)
        }
        WaveEvent::WaveFinished { wave, failed: 0 } => Some(format!("wave {wave}: done")),
        WaveEvent::WaveFinished { wave, failed } => Some(format!(
            "wave {wave}: {} failed; later waves will not start",
            count(*failed, "target")
        )),
        _ => None,
    }
}

/// The line a target leaves when it ends (the summary's words); none for a target that had
/// nothing to do (its wave's line counts it) or never started (the summary counts it).
fn finished_line(target: &TargetId, outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Unchanged | Outcome::NotStarted { .. } => None,
        _ => Some(target_line(&TargetOutcome {
            target: target.clone(),
            outcome: outcome.clone(),
        })),
    }
}

/// The target in flight a step event is about, and what it is doing now.
fn doing<'e>(event: &'e WaveEvent<'_>) -> Option<(&'e TargetId, String)> {
    Some(match event {
        WaveEvent::DefaultVersionSet {
            target,
            version,
            image,
        } => (
            *target,
            format!("default version is now {version} ({image})"),
        ),
        WaveEvent::ParameterSet {
            target,
            parameter,
            version,
            image,
        } => (
            *target,
            format!("parameter {parameter} is now version {version} ({image})"),
        ),
        WaveEvent::RefreshStarted {
            target,
            group,
            refresh_id,
        } => (
            *target,
            format!("instance refresh {refresh_id} of `{group}` started"),
        ),
        WaveEvent::RefreshAttached {
            target,
            group,
            refresh_id,
        } => (
            *target,
            format!(
                "re-attached to instance refresh {refresh_id} of `{group}` (an earlier run started it)"
            ),
        ),
        WaveEvent::RefreshWaiting {
            target,
            group,
            refresh_id,
            status,
        } => (
            *target,
            format!(
                "instance refresh {refresh_id} of `{group}` was not started by gold ({status}); waiting for it to end before starting gold's"
            ),
        ),
        WaveEvent::RefreshProgress { target, group, .. } => (
            *target,
            format!("refresh of `{group}` {}", refresh_progress(event)),
        ),
        WaveEvent::RefreshUnread {
            target,
            group,
            refresh_id,
            error,
            failures,
            limit,
        } => (
            *target,
            format!(
                "could not read instance refresh {refresh_id} of `{group}` ({failures} of {limit} tries): {error}; looking again, the refresh goes on in AWS"
            ),
        ),
        WaveEvent::WaveStarted { .. }
        | WaveEvent::WaveFinished { .. }
        | WaveEvent::TargetStarted { .. }
        | WaveEvent::TargetFinished { .. } => return None,
    })
}

/// A refresh's progress as one line: `InProgress 50%, 2 to go, checkpoint 50% reached`,
/// `warming up` while new instances warm up, AWS's reason when the refresh has one and is
/// neither of those.
fn refresh_progress(event: &WaveEvent<'_>) -> String {
    let WaveEvent::RefreshProgress {
        status,
        percentage,
        instances_to_update,
        checkpoint,
        warming_up,
        reason,
        ..
    } = event
    else {
        return String::new();
    };
    let mut text = (*status).to_owned();
    if let Some(percentage) = percentage {
        let _ = write!(text, " {percentage}%");
    }
    if let Some(left) = instances_to_update {
        let _ = write!(text, ", {left} to go");
    }
    if let Some(checkpoint) = checkpoint {
        let _ = write!(text, ", checkpoint {checkpoint}% reached");
    }
    if *warming_up {
        text.push_str(", new instances warming up");
    } else if let Some(reason) = reason.filter(|_| checkpoint.is_none()) {
        let _ = write!(text, " ({reason})");
    }
    text
}
