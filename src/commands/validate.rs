//! `gold validate`: load the manifest and every component document offline and report all
//! problems, or one summary line when there are none (after any warnings: what AWS accepts
//! but is likely a slip).

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use crate::Error;
use crate::manifest;
use crate::ui::Printer;

/// Checks the manifest; exit 0 when valid, otherwise the diagnostics and exit 2.
pub fn run(manifest_path: &Path, printer: &Printer) -> Result<ExitCode, Error> {
    match manifest::load(manifest_path) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                printer.warn(&warning.to_string());
            }
            let m = &loaded.manifest;
            let components = m.components.len();
            let consumers = m.consumers.len();
            let targets = m.targets().len();
            printer.result(&format!(
                "ok: `{}` is valid: {}, {}, {}",
                manifest_path.display(),
                count(components, "component"),
                count(consumers, "consumer"),
                count(targets, "target"),
            ));
            printer.json(&json!({
                "valid": true,
                "manifest": manifest_path,
                "name": m.name,
                "components": components,
                "consumers": consumers,
                "targets": targets,
                "warnings": loaded.warnings,
            }));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            printer.json(&json!({
                "valid": false,
                "manifest": manifest_path,
                "diagnostics": error.diagnostics,
            }));
            Err(error.into())
        }
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
