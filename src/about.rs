//! Which gold is running: its version and the sources it was built from (the commit, its date,
//! whether the sources differed from it) and the platform it was built for, as `build.rs`
//! recorded them at compile time. `gold --version` prints [`version_text`]; `gold version`
//! prints [`About`] as text or JSON.

use std::fmt;
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Serialize;

/// Hex digits of the commit shown in the one-line version, as `rustc --version` shows it.
const SHORT_COMMIT: usize = 9;

/// The build of gold that is running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct About {
    /// gold's version (`Cargo.toml`).
    pub version: &'static str,
    /// The commit it was built from (full hash); `null` when built from sources that do not say.
    pub commit: Option<&'static str>,
    /// The date of that commit, `YYYY-MM-DD`; `null` when unknown (the crates.io package records
    /// the commit without its date).
    pub commit_date: Option<&'static str>,
    /// Whether the sources it was compiled from (`src/`, `build.rs`, `Cargo.toml`, `Cargo.lock`)
    /// differed from the commit; `null` when unknown.
    pub modified: Option<bool>,
    /// The platform it was built for, as a Rust target triple (`x86_64-unknown-linux-musl`).
    pub target: &'static str,
}

/// The running binary's build.
pub fn about() -> About {
    About {
        version: env!("CARGO_PKG_VERSION"),
        commit: known(env!("GOLD_COMMIT")),
        commit_date: known(env!("GOLD_COMMIT_DATE")),
        modified: match env!("GOLD_MODIFIED") {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        target: env!("GOLD_TARGET"),
    }
}

/// `build.rs` records an unknown value as an empty string.
fn known(value: &'static str) -> Option<&'static str> {
    (!value.is_empty()).then_some(value)
}

/// What `gold --version` prints after `gold `: `0.2.0 (1a2b3c4d5 2026-12-05)`, with
/// `, modified` inside the parentheses when the sources differed from the commit.
pub fn version_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| about().to_string())
}

impl fmt::Display for About {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.version)?;
        let Some(commit) = self.commit else {
            return Ok(());
        };
        let short = commit.get(..SHORT_COMMIT).unwrap_or(commit);
        write!(f, " ({short}")?;
        if let Some(date) = self.commit_date {
            write!(f, " {date}")?;
        }
        if self.modified == Some(true) {
            write!(f, ", modified")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about(
        commit: Option<&'static str>,
        date: Option<&'static str>,
        modified: Option<bool>,
    ) -> About {
        About {
            version: "0.2.0",
            commit,
            commit_date: date,
            modified,
            target: "x86_64-unknown-linux-gnu",
        }
    }

    #[test]
    fn the_version_line_names_the_commit_and_says_when_the_sources_were_modified() {
        let commit = Some("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b");
        let date = Some("2026-12-05");
        assert_eq!(
            about(commit, date, Some(false)).to_string(),
            "0.2.0 (1a2b3c4d5 2026-12-05)"
        );
        assert_eq!(
            about(commit, date, Some(true)).to_string(),
            "0.2.0 (1a2b3c4d5 2026-12-05, modified)"
        );
        assert_eq!(about(commit, None, None).to_string(), "0.2.0 (1a2b3c4d5)");
        assert_eq!(
            about(commit, None, Some(true)).to_string(),
            "0.2.0 (1a2b3c4d5, modified)"
        );
        assert_eq!(about(None, None, None).to_string(), "0.2.0");
    }
}
