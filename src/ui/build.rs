//! What `gold build` shows while it follows a build, in the form the output suits:
//! - on a terminal: a live bar over the phases (`pending` … `available`) with the elapsed time,
//!   the running workflow step, and a line per region once the AMI is being distributed;
//! - otherwise (a pipe, a CI log): one timestamped plain line per change, no escape codes;
//! - with `--output json`: one JSON event per line on stdout, the last carrying the result.
//!
//! In every human form the AMIs end up on stdout as a table; failures are left to the error
//! the command ends with, which names the step, the reason and the logs.

use std::time::{Duration, Instant, SystemTime};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::Printer;
use super::render::table;
use super::report::{Report, to_json};
use crate::aws::image_builds::{BuiltAmi, Phase};
use crate::cli::OutputFormat;
use crate::producer::build::{BuildEvent, BuildReporter, Detach, Outcome};

/// The reporter for `printer`'s output: live, plain or JSON.
pub struct BuildProgress {
    printer: Printer,
    mode: Mode,
    /// When the build began (or, failing that, when gold began watching), for elapsed times.
    since: Instant,
    phases: Vec<Phase>,
}

enum Mode {
    Live(Option<Live>),
    Plain,
    Json,
}

/// The bars of the live display, made at the first look at the build.
struct Live {
    multi: MultiProgress,
    main: ProgressBar,
    regions: Vec<(String, ProgressBar)>,
    phase: String,
}

impl BuildProgress {
    /// A reporter writing the way `printer` says.
    #[must_use]
    pub fn new(printer: &Printer) -> Self {
        let mode = if printer.format() == OutputFormat::Json {
            Mode::Json
        } else if printer.is_interactive() {
            Mode::Live(None)
        } else {
            Mode::Plain
        };
        Self {
            printer: printer.clone(),
            mode,
            since: Instant::now(),
            phases: Vec::new(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.since.elapsed()
    }

    fn plain(&self, text: &str) {
        let now = humantime::format_rfc3339_seconds(SystemTime::now());
        self.printer
            .info(&format!("{now} [{}] {text}", clock(self.elapsed())));
    }

    fn position(&self, phase: &Phase) -> Option<usize> {
        self.phases.iter().position(|p| p == phase)
    }

    fn report_human(&mut self, event: &BuildEvent<'_>) {
        match event {
            BuildEvent::Started { image } => {
                self.printer.info(&format!("started image build `{image}`"));
            }
            BuildEvent::Watching { image, .. } => {
                if let Mode::Live(live) = &mut self.mode {
                    *live = Some(Live::new(self.phases.len(), self.since.elapsed()));
                } else {
                    self.plain(&format!("watching `{image}`"));
                }
            }
            BuildEvent::Phase { status: phase } => {
                let place = self.position(phase).map(|i| i + 1);
                let total = self.phases.len();
                if let Mode::Live(Some(live)) = &mut self.mode {
                    live.phase(phase, place);
                } else {
                    let place = place.map(|p| format!(" ({p}/{total})")).unwrap_or_default();
                    self.plain(&format!("{}{place}", human(phase)));
                }
            }
            BuildEvent::Step { workflow, step } => {
                if let Mode::Live(Some(live)) = &mut self.mode {
                    live.step(step);
                } else {
                    self.plain(&format!(
                        "  {} workflow: step {step}",
                        workflow.to_lowercase()
                    ));
                }
            }
            BuildEvent::Region { region, ami, .. } => {
                if let Mode::Live(Some(live)) = &mut self.mode {
                    live.region(region, *ami);
                } else {
                    self.plain(&format!("  {}", region_line(region, *ami)));
                }
            }
            BuildEvent::Finished(outcome) => {
                let summary = match outcome {
                    Outcome::Available { .. } => "available".to_owned(),
                    Outcome::Failed(failure) => match &failure.step {
                        Some(step) => format!("{} at step {step}", human(&failure.phase)),
                        None => human(&failure.phase),
                    },
                };
                if let Mode::Live(Some(live)) = &mut self.mode {
                    if let Outcome::Available { amis, .. } = outcome {
                        for ami in amis {
                            live.region(&ami.region, Some(ami));
                        }
                    }
                    live.finish(&summary);
                }
                if let Outcome::Available { amis, .. } = outcome {
                    self.printer.result(&ami_table(amis));
                }
            }
            BuildEvent::Detached { why, phase, .. } => {
                let still = phase
                    .map(|p| format!(" (still {})", human(p)))
                    .unwrap_or_default();
                let text = match why {
                    Detach::TimedOut(after) => format!(
                        "stopped watching after {}{still}; the build goes on",
                        humantime::format_duration(*after)
                    ),
                    Detach::Interrupted => format!("stopped watching{still}; the build goes on"),
                };
                if let Mode::Live(Some(live)) = &mut self.mode {
                    live.abandon(&text);
                } else {
                    self.plain(&text);
                }
            }
        }
    }

    fn report_json(&self, event: &BuildEvent<'_>) {
        let line = Line {
            event,
            elapsed_seconds: self.elapsed().as_secs(),
        };
        if matches!(event, BuildEvent::Finished(_) | BuildEvent::Detached { .. }) {
            // The watch's last event is the report; a failed build's error joins it.
            self.printer.conclude(&line);
        } else {
            self.printer.event(&line);
        }
    }
}

/// One event as a JSON line: the event, and how long the build has been running.
#[derive(Serialize)]
struct Line<'e, 'a> {
    #[serde(flatten)]
    event: &'e BuildEvent<'a>,
    elapsed_seconds: u64,
}

impl Report for Line<'_, '_> {
    fn human(&self, _verbose: bool) -> String {
        String::new()
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

impl BuildReporter for BuildProgress {
    fn report(&mut self, event: &BuildEvent<'_>) {
        if let BuildEvent::Watching {
            phases, created, ..
        } = event
        {
            self.phases = phases.to_vec();
            // Elapsed counts from the build's start, so re-attaching shows the true age.
            let age = created.and_then(|c| SystemTime::now().duration_since(c).ok());
            if let Some(since) = age.and_then(|age| Instant::now().checked_sub(age)) {
                self.since = since;
            }
        }
        if matches!(self.mode, Mode::Json) {
            self.report_json(event);
        } else {
            self.report_human(event);
        }
    }
}

impl Live {
    fn new(phases: usize, elapsed: Duration) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner:.cyan} [{elapsed_precise}] {bar:28.cyan/blue} {pos}/{len} {msg}",
        )
        .map_or_else(
            |_| ProgressStyle::default_bar(),
            |style| style.progress_chars("=> "),
        );
        let main = multi.add(ProgressBar::new(phases as u64).with_style(style));
        main.set_elapsed(elapsed);
        main.enable_steady_tick(Duration::from_millis(250));
        Self {
            multi,
            main,
            regions: Vec::new(),
            phase: String::new(),
        }
    }

    fn phase(&mut self, phase: &Phase, place: Option<usize>) {
        self.phase = human(phase);
        if let Some(place) = place {
            self.main.set_position(place as u64);
        }
        self.main.set_message(self.phase.clone());
    }

    fn step(&self, step: &str) {
        self.main.set_message(format!("{} · {step}", self.phase));
    }

    fn region(&mut self, region: &str, ami: Option<&BuiltAmi>) {
        let line = region_line(region, ami);
        if let Some((_, bar)) = self.regions.iter().find(|(r, _)| r == region) {
            bar.set_message(line);
            return;
        }
        let style = ProgressStyle::with_template("  {spinner:.cyan} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = self.multi.add(ProgressBar::new_spinner().with_style(style));
        bar.set_message(line);
        bar.enable_steady_tick(Duration::from_millis(250));
        self.regions.push((region.to_owned(), bar));
    }

    fn finish(&self, summary: &str) {
        for (_, bar) in &self.regions {
            bar.finish();
        }
        self.main.finish_with_message(summary.to_owned());
    }

    fn abandon(&self, text: &str) {
        for (_, bar) in &self.regions {
            bar.abandon();
        }
        self.main.abandon_with_message(text.to_owned());
    }
}

/// `building`, as people read phases.
fn human(phase: &Phase) -> String {
    phase.as_aws().to_lowercase()
}

fn region_line(region: &str, ami: Option<&BuiltAmi>) -> String {
    match ami {
        Some(ami) => format!("{region}: {} {}", ami.id, ami.name),
        None => format!("{region}: distributing"),
    }
}

/// `h:mm:ss`, or `m:ss` under an hour.
fn clock(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The AMIs as an aligned table: region, account, AMI id, name.
fn ami_table(amis: &[BuiltAmi]) -> String {
    let header = ["REGION", "ACCOUNT", "AMI", "NAME"].map(str::to_owned);
    let rows: Vec<[String; 4]> = std::iter::once(header)
        .chain(amis.iter().map(|a| {
            [
                a.region.clone(),
                a.account.clone(),
                a.id.clone(),
                a.name.clone(),
            ]
        }))
        .collect();
    table(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_like_a_stopwatch() {
        assert_eq!(clock(Duration::from_secs(5)), "0:05");
        assert_eq!(clock(Duration::from_secs(125)), "2:05");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
    }

    #[test]
    fn the_ami_table_aligns_columns() {
        let amis = [
            BuiltAmi {
                region: "ap-northeast-1".to_owned(),
                account: "111122223333".to_owned(),
                id: "ami-0123".to_owned(),
                name: "sample_v1".to_owned(),
            },
            BuiltAmi {
                region: "us-east-1".to_owned(),
                account: "111122223333".to_owned(),
                id: "ami-4567890".to_owned(),
                name: "sample_v1".to_owned(),
            },
        ];
        insta::assert_snapshot!(ami_table(&amis), @r"
        REGION          ACCOUNT       AMI          NAME
        ap-northeast-1  111122223333  ami-0123     sample_v1
        us-east-1       111122223333  ami-4567890  sample_v1
        ");
    }
}
