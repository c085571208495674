//! `gold init [DIR]`: write a commented starter manifest and its AWSTOE document. The starter
//! validates as written (with the AWS documentation's example account ids), so `gold validate`
//! succeeds right away and every later error comes from the user's own edits.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use crate::Error;
use crate::ui::Printer;
use crate::ui::report::{Report, to_json};

const MANIFEST: &str = include_str!("init/gold.toml");
const BUILD_DOCUMENT: &str = include_str!("init/build.yml");

/// What `gold init` wrote.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Created {
    /// The manifest.
    pub manifest: PathBuf,
    /// The AWSTOE document its component builds from.
    pub document: PathBuf,
}

impl Report for Created {
    fn human(&self, _verbose: bool) -> String {
        format!(
            "created `{}` and `{}`",
            self.manifest.display(),
            self.document.display()
        )
    }

    fn json(&self) -> serde_json::Value {
        to_json(self)
    }
}

/// Writes `DIR/gold.toml` and `DIR/files/build.yml`; refuses to overwrite without `--force`.
pub fn run(dir: &Path, force: bool, printer: &Printer) -> Result<ExitCode, Error> {
    let manifest_path = dir.join("gold.toml");
    let document_path = dir.join("files").join("build.yml");
    if !force {
        let existing: Vec<&PathBuf> = [&manifest_path, &document_path]
            .into_iter()
            .filter(|path| path.exists())
            .collect();
        if !existing.is_empty() {
            let names: Vec<String> = existing
                .iter()
                .map(|path| format!("`{}`", path.display()))
                .collect();
            return Err(Error::Usage {
                message: format!(
                    "{} already {}",
                    names.join(" and "),
                    if names.len() == 1 { "exists" } else { "exist" }
                ),
                hint: Some("pass `--force` to overwrite, or choose another directory".to_owned()),
            });
        }
    }
    let name = project_name(dir);
    write(&manifest_path, &MANIFEST.replace("__NAME__", &name))?;
    write(&document_path, BUILD_DOCUMENT)?;
    printer.info(&format!(
        "next: edit the account ids, then run `gold validate -f {}`",
        manifest_path.display()
    ));
    printer.conclude(&Created {
        manifest: manifest_path,
        document: document_path,
    });
    Ok(ExitCode::SUCCESS)
}

/// The directory's name when it is a valid manifest name, so resources are recognisable.
fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .file_name()
        .and_then(|name| name.to_str())
        .filter(|name| {
            (3..=40).contains(&name.len())
                && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or("golden")
        .to_owned()
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            action: "cannot create the directory",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| Error::Io {
        action: "cannot write",
        path: path.to_path_buf(),
        source,
    })
}
