//! `gold validate`: load the manifest and every component document offline and report all
//! problems, or one summary line when there are none (after any warnings: what AWS accepts
//! but is likely a slip).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use crate::Error;
use crate::manifest;
use crate::ui::Printer;
use crate::ui::render::count;
use crate::ui::report::{Report, to_json};

/// What `gold validate` found. An invalid manifest is reported as `valid: false` with the
/// diagnostics in the document's `error`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Validated {
    /// Whether the manifest passed every check.
    pub valid: bool,
    /// The manifest checked.
    pub manifest: PathBuf,
    /// Its name, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How many components, consumers and targets it declares, when valid.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    /// What AWS accepts but is likely a slip (also printed to stderr).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<manifest::Diagnostic>,
}

/// The size of a valid manifest.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Components.
    pub components: usize,
    /// Consumers.
    pub consumers: usize,
    /// Rollout targets (consumer × region × launch template).
    pub targets: usize,
}

impl Report for Validated {
    fn human(&self, _verbose: bool) -> String {
        match &self.counts {
            Some(c) => format!(
                "ok: `{}` is valid: {}, {}, {}",
                self.manifest.display(),
                count(c.components, "component"),
                count(c.consumers, "consumer"),
                count(c.targets, "target"),
            ),
            None => String::new(),
        }
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Checks the manifest; exit 0 when valid, otherwise the diagnostics and exit 2.
pub fn run(manifest_path: &Path, printer: &Printer) -> Result<ExitCode, Error> {
    match manifest::load(manifest_path) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                printer.warn(&warning.to_string());
            }
            let m = &loaded.manifest;
            printer.conclude(&Validated {
                valid: true,
                manifest: manifest_path.to_path_buf(),
                name: Some(m.name.clone()),
                counts: Some(Counts {
                    components: m.components.len(),
                    consumers: m.consumers.len(),
                    targets: m.listed_templates().len()
                        + m.consumers
                            .iter()
                            .map(|c| c.parameters.len() * m.consumer_regions(c).len())
                            .sum::<usize>(),
                }),
                warnings: loaded.warnings.clone(),
            });
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            printer.conclude(&Validated {
                valid: false,
                manifest: manifest_path.to_path_buf(),
                name: None,
                counts: None,
                warnings: Vec::new(),
            });
            Err(error.into())
        }
    }
}
