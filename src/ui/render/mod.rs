//! Reports as text for people: the plan like `terraform plan`, the rollout summary, the status
//! table and errors. Pure functions from values to strings, so every form is unit-tested and
//! snapshot-tested without a terminal.

mod channels;
mod discovery;
mod layers;
mod lifecycle;
mod plan;
mod status;
mod summary;

use std::time::Duration;

pub use channels::{channels, promotion};
pub use discovery::warnings;
pub use layers::layers;
pub use lifecycle::{prune_plan, pruned, retire_plan, retired};
pub use plan::{audited, plan};
pub use status::status;
pub use summary::{summary, target_line};

use crate::Error;

/// How many lines of changes fit on a screen; longer plans group identical target changes
/// unless `-v` asks for each.
pub const SCREENFUL: usize = 40;

/// An error as gold prints it: `error:` lines, each cause with its own hint, then `hint:`.
pub fn error(err: &Error) -> String {
    let mut lines: Vec<String> = err
        .to_string()
        .lines()
        // A manifest error holds one diagnostic per line; each reads as an error of its own.
        .map(|line| format!("error: {line}"))
        .collect();
    for cause in err.causes() {
        lines.push(format!("  caused by: {}", cause.message));
        if let Some(hint) = cause.hint {
            lines.push(format!("    hint: {hint}"));
        }
    }
    if let Some(hint) = err.hint() {
        lines.push(format!("hint: {hint}"));
    }
    lines.join("\n")
}

/// A duration the way people say it: `45s`, `12m`, `3h`, `5d`.
pub fn age(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// `1 target`, `2 targets`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Rows as columns padded to the widest cell, without trailing spaces.
pub fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;

    #[test]
    fn ages_use_the_largest_whole_unit() {
        assert_eq!(age(Duration::from_secs(59)), "59s");
        assert_eq!(age(Duration::from_secs(3 * 3600 + 5)), "3h");
        assert_eq!(age(Duration::from_hours(120)), "5d");
    }

    #[test]
    fn an_error_prints_its_causes_with_their_hints_then_its_own_hint() {
        let err = Error::Failed {
            message: "cannot plan 1 consumer target".to_owned(),
            hint: Some("fix the manifest".to_owned()),
            causes: vec![Cause {
                message: "app (444455556666/ap-northeast-1): the launch template does not exist"
                    .to_owned(),
                hint: Some("create it".to_owned()),
            }],
        };
        insta::assert_snapshot!(error(&err), @r"
        error: cannot plan 1 consumer target
          caused by: app (444455556666/ap-northeast-1): the launch template does not exist
            hint: create it
        hint: fix the manifest
        ");
    }

    #[test]
    fn tables_pad_columns_to_the_widest_cell() {
        let rows = [
            ["A".to_owned(), "BB".to_owned()],
            ["ccc".to_owned(), String::new()],
        ];
        assert_eq!(table(&rows), "A    BB\nccc");
    }
}
