//! What `gold rollout`, `gold rollback` and the template creations of `gold up` show while the
//! waves run, in the form the output suits:
//! - on a terminal: one live bar per wave (targets done of total, failures, elapsed time, ETA)
//!   with the targets in flight beneath it, and a line only for what needs attention (a failed
//!   target, a wave that stops the next); hundreds of targets stay one screen;
//! - otherwise (a pipe, a CI log): one line per step of every target, prefixed with the seconds
//!   since the start, complete enough to follow a run afterwards;
//! - with `--output json`: every [`Event`] as one JSON line on stdout.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;
use crate::cli::OutputFormat;
use crate::consumer::{Event, Outcome, Reporter};
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
    number: u32,
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

    /// Removes whatever is still drawn before the summary is printed.
    pub fn finish(&self) {
        if let Some(live) = &self.live
            && let Ok(mut live) = live.lock()
        {
            live.clear_lines();
            if let Some(wave) = live.wave.take() {
                wave.bar.abandon();
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

    fn plain_event(&self, event: &Event<'_>) {
        match event {
            Event::WaveStarted {
                wave,
                targets,
                unchanged,
            } => self.plain(&format!(
                "wave {wave}: {targets} target(s) to change, {unchanged} unchanged"
            )),
            Event::TargetStarted { target } => self.plain(&format!("{}: started", target.label())),
            Event::DefaultVersionSet {
                target,
                version,
                image,
            } => self.plain(&format!(
                "{}: default version is now {version} ({image})",
                target.label()
            )),
            Event::ParameterSet {
                target,
                parameter,
                version,
                image,
            } => self.plain(&format!(
                "{}: parameter {parameter} is now version {version} ({image})",
                target.label()
            )),
            Event::RefreshStarted {
                target,
                group,
                refresh_id,
            } => self.plain(&format!(
                "{}: instance refresh {refresh_id} of `{group}` started",
                target.label()
            )),
            Event::RefreshProgress { target, group, .. } => self.plain(&format!(
                "{}: refresh of `{group}` {}",
                target.label(),
                refresh_progress(event)
            )),
            Event::TargetFinished { target, outcome } => match outcome {
                Outcome::Unchanged | Outcome::NotStarted => {}
                outcome => self.plain(&format!("{}: {}", target.label(), outcome_text(outcome))),
            },
            Event::WaveFinished { wave, failed } => self.plain(&wave_end(*wave, *failed)),
        }
    }
}

impl Live {
    fn start_wave(&mut self, number: u32, targets: usize) {
        if let Some(previous) = self.wave.take() {
            previous.bar.abandon();
        }
        let style = ProgressStyle::with_template(
            "wave {prefix} [{bar:30}] {pos}/{len} targets{msg}  {elapsed_precise}  ETA {eta}",
        )
        .map_or_else(
            |_| ProgressStyle::default_bar(),
            |style| style.progress_chars("=> "),
        );
        let bar = self
            .multi
            .add(ProgressBar::new(targets as u64).with_style(style));
        bar.set_prefix(number.to_string());
        bar.enable_steady_tick(Duration::from_millis(250));
        self.wave = Some(Wave {
            number,
            bar,
            failed: 0,
        });
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
        if let Some(wave) = &mut self.wave {
            if let Outcome::Failed { error, .. } = outcome {
                wave.failed += 1;
                wave.bar.set_message(format!(", {} failed", wave.failed));
                let _ = self
                    .multi
                    .println(format!("FAILED {}: {error}", target.label()));
            }
            if let Outcome::Interrupted { done, left } = outcome
                && was_in_flight
            {
                let _ = self.multi.println(format!(
                    "{}: {}",
                    target.label(),
                    interrupted_text(done.as_deref(), left)
                ));
            }
            // Targets that had nothing to do are not part of the wave's count.
            if was_in_flight || matches!(outcome, Outcome::Failed { .. }) {
                wave.bar.inc(1);
            }
        }
        self.draw_in_flight();
    }

    fn end_wave(&mut self, number: u32, failed: usize) {
        self.clear_lines();
        self.in_flight.clear();
        if let Some(wave) = self.wave.take() {
            debug_assert_eq!(wave.number, number);
            wave.bar.finish();
        }
        if failed > 0 {
            let _ = self.multi.println(wave_end(number, failed));
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
    fn event(&self, event: &Event<'_>) {
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
            Event::WaveStarted { wave, targets, .. } => live.start_wave(*wave, *targets),
            Event::TargetStarted { target } => live.doing(target, "started".to_owned()),
            Event::DefaultVersionSet {
                target, version, ..
            } => live.doing(target, format!("default version is now {version}")),
            Event::ParameterSet {
                target, version, ..
            } => live.doing(target, format!("parameter version is now {version}")),
            Event::RefreshStarted { target, group, .. } => {
                live.doing(target, format!("refreshing `{group}`"));
            }
            Event::RefreshProgress { target, group, .. } => live.doing(
                target,
                format!("refreshing `{group}`: {}", refresh_progress(event)),
            ),
            Event::TargetFinished { target, outcome } => live.done(target, outcome),
            Event::WaveFinished { wave, failed } => live.end_wave(*wave, *failed),
        }
    }
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done { detail } => format!("done: {detail}"),
        Outcome::Unchanged => "unchanged".to_owned(),
        Outcome::Failed { error, .. } => format!("FAILED: {error}"),
        Outcome::NotStarted => "not started (an earlier wave failed)".to_owned(),
        Outcome::Interrupted { done, left } => interrupted_text(done.as_deref(), left),
    }
}

/// What Ctrl-C left of a target: what was done, and what a re-run does.
pub(super) fn interrupted_text(done: Option<&str>, left: &str) -> String {
    match done {
        Some(done) => format!("INTERRUPTED after: {done}; left: {left}"),
        None => format!("INTERRUPTED, left: {left}"),
    }
}

/// A refresh's progress as one line: `InProgress 50%, 2 to go, checkpoint 50% reached`,
/// `warming up` while new instances warm up, AWS's reason when the refresh has one and is
/// neither of those.
fn refresh_progress(event: &Event<'_>) -> String {
    let Event::RefreshProgress {
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

fn wave_end(wave: u32, failed: usize) -> String {
    match failed {
        0 => format!("wave {wave}: done"),
        n => format!("wave {wave}: {n} target(s) failed; later waves will not start"),
    }
}
