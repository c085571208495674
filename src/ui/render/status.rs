//! The `gold status` table: one row per target, then the targets that could not be read and
//! those that wait for a build, each in its own section. INSTANCES says what the listed
//! groups' instances run against the newest build: `4/4 new`, or `1/4 new, 3 previous: moved,
//! not replaced` while the template already launches it.

use std::fmt::Write as _;
use std::time::Duration;

use super::{age, table};
use crate::consumer::grants::{GrantState, KeyGrant};
use crate::consumer::status::{InstanceCounts, Row, Status};

/// Which release channel each consumer follows, when the manifest has channels.
fn channels(text: &mut String, status: &Status) {
    let mut channels: Vec<(&str, &str)> = Vec::new();
    for row in &status.targets {
        if let Some(channel) = row.channel.as_deref()
            && !channels.iter().any(|(c, _)| *c == row.target.consumer)
        {
            channels.push((&row.target.consumer, channel));
        }
    }
    if !channels.is_empty() {
        text.push_str("\nChannels (`gold channels` shows what each holds):");
        for (consumer, channel) in channels {
            let _ = write!(text, "\n  {consumer} follows {channel}");
        }
    }
}

/// Each account's grant on the manifest's KMS key, as a section (empty without one).
fn grants(grants: &[KeyGrant]) -> String {
    let mut text = String::new();
    if grants.is_empty() {
        return text;
    }
    text.push_str("\nKMS grants to the Auto Scaling role:");
    for grant in grants {
        let state = match &grant.state {
            GrantState::Held { id } => format!("held ({id})"),
            GrantState::Missing => {
                "missing: `gold rollout` creates it before the next refresh".to_owned()
            }
            GrantState::Refused { reason } => format!("refused: {reason}"),
            GrantState::Unread { reason } => format!("cannot be read: {reason}"),
        };
        let _ = write!(
            text,
            "\n  {} ({}): {} on {}: {state}",
            grant.account, grant.region, grant.name, grant.key
        );
    }
    text
}

/// The status as text.
pub fn status(status: &Status) -> String {
    let mut rows = vec![[
        "TARGET".to_owned(),
        "TEMPLATE VERSION".to_owned(),
        "IMAGE".to_owned(),
        "BUILD".to_owned(),
        "AGE".to_owned(),
        "NEWEST".to_owned(),
        "BEHIND".to_owned(),
        "REFRESH".to_owned(),
        "INSTANCES".to_owned(),
    ]];
    rows.extend(status.targets.iter().map(columns));
    let mut text = table(&rows);
    channels(&mut text, status);
    retired(&mut text, status);
    text.push_str(&grants(&status.grants));
    let found = super::discovery::organization(&status.discovered, &status.unmatched);
    if !found.is_empty() {
        text.push('\n');
        text.push_str(found.trim_end());
    }
    let errors: Vec<_> = status.errors().collect();
    if !errors.is_empty() {
        text.push_str("\nCannot read:");
        for row in errors {
            let _ = write!(
                text,
                "\n  {}: {}",
                row.target.label(),
                row.error.as_deref().unwrap_or_default()
            );
        }
    }
    let waiting: Vec<_> = status
        .targets
        .iter()
        .filter_map(|row| Some((row, row.waiting.as_deref()?)))
        .collect();
    if !waiting.is_empty() {
        text.push_str("\nWaiting:");
        for (row, why) in waiting {
            let _ = write!(text, "\n  {}: {why}", row.target.label());
        }
    }
    text
}

/// One target's line of the table.
fn columns(row: &Row) -> [String; 9] {
    let dash = || "-".to_owned();
    let current = row.current.as_ref();
    let refresh = row
        .refreshes
        .iter()
        .map(|r| format!("{}: {}", r.group, r.status.as_deref().unwrap_or("never")))
        .collect::<Vec<_>>()
        .join(", ");
    [
        row.target.label(),
        row.default_version
            .or(row.parameter_version)
            .map_or_else(dash, |v| v.to_string()),
        current.map_or_else(dash, |c| c.id.clone()),
        match (
            current.and_then(|c| c.build),
            current.and_then(|c| c.retired.as_ref()),
        ) {
            (Some(build), Some(_)) => format!("{build} RETIRED"),
            (None, Some(_)) => "RETIRED".to_owned(),
            (build, None) => build.map_or_else(dash, |b| b.to_string()),
        },
        current
            .and_then(|c| c.age_seconds)
            .map_or_else(dash, |s| age(Duration::from_secs(s))),
        row.newest.as_ref().map_or_else(dash, |n| n.id.clone()),
        if row.error.is_some() || row.waiting.is_some() {
            dash()
        } else {
            row.builds_behind.map_or("?".to_owned(), |b| b.to_string())
        },
        if refresh.is_empty() { dash() } else { refresh },
        row.instances.as_ref().map_or_else(dash, instances),
    ]
}

/// The targets whose current image is retired, as a section (nothing when none is).
fn retired(text: &mut String, status: &Status) {
    let retired: Vec<_> = status
        .targets
        .iter()
        .filter_map(|row| {
            let current = row.current.as_ref()?;
            Some((row, current, current.retired.as_deref()?))
        })
        .collect();
    if !retired.is_empty() {
        text.push_str("\nOn a retired image (`gold rollout` moves them to the newest build):");
        for (row, current, why) in retired {
            let _ = write!(text, "\n  {}: {} {why}", row.target.label(), current.id);
        }
    }
}

/// `4/4 new`, or `1/4 new, 3 previous: moved, not replaced`.
fn instances(counts: &InstanceCounts) -> String {
    if counts.total == 0 {
        return "no instances".to_owned();
    }
    let mut text = format!("{}/{} new", counts.new, counts.total);
    if counts.previous > 0 {
        let _ = write!(text, ", {} previous", counts.previous);
    }
    if counts.older > 0 {
        let _ = write!(text, ", {} older", counts.older);
    }
    if counts.moved_not_replaced {
        text.push_str(": moved, not replaced");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::status::{GroupRefresh, ImageInfo, Row};
    use crate::plan::fixtures::target;

    fn image(id: &str, build: u32, age: u64) -> ImageInfo {
        ImageInfo {
            id: id.to_owned(),
            name: Some(format!("sample_v{build}_x")),
            build: Some(build),
            age_seconds: Some(age),
            retired: None,
        }
    }

    #[test]
    fn errors_and_waiting_targets_get_their_own_sections() {
        let ok = Row {
            target: target("444455556666"),
            template_id: Some("lt-0123456789abcdef0".to_owned()),
            default_version: Some(2),
            parameter_version: None,
            current: Some(image("ami-A", 4, 3 * 86_400)),
            newest: Some(image("ami-B", 5, 3600)),
            builds_behind: Some(1),
            refreshes: vec![GroupRefresh {
                group: "web".to_owned(),
                status: Some("Successful".to_owned()),
                percentage: Some(100),
            }],
            instances: Some(InstanceCounts {
                new: 1,
                previous: 3,
                older: 0,
                total: 4,
                moved_not_replaced: true,
            }),
            error: None,
            waiting: None,
            channel: None,
        };
        let denied = Row {
            error: Some("AssumeRole failed in account 444455550003 (ap-northeast-1): AccessDenied: not authorized".to_owned()),
            ..Row::new(target("444455550003"))
        };
        let key = "arn:aws:kms:ap-northeast-1:111122223333:key/k".to_owned();
        let grant = |account: &str, state| KeyGrant {
            account: account.to_owned(),
            region: "ap-northeast-1".to_owned(),
            key: key.clone(),
            name: "gold-sample".to_owned(),
            grantee: String::new(),
            state,
        };
        let status = Status {
            targets: vec![ok, denied],
            discovered: Vec::new(),
            unmatched: Vec::new(),
            grants: vec![
                grant(
                    "444455556666",
                    GrantState::Held {
                        id: "g1".to_owned(),
                    },
                ),
                grant("444455550003", GrantState::Missing),
            ],
        };
        insta::assert_snapshot!(super::status(&status), @r"
        TARGET                             TEMPLATE VERSION  IMAGE  BUILD  AGE  NEWEST  BEHIND  REFRESH          INSTANCES
        app (444455556666/ap-northeast-1)  2                 ami-A  4      3d   ami-B   1       web: Successful  1/4 new, 3 previous: moved, not replaced
        app (444455550003/ap-northeast-1)  -                 -      -      -    -       -       -                -
        KMS grants to the Auto Scaling role:
          444455556666 (ap-northeast-1): gold-sample on arn:aws:kms:ap-northeast-1:111122223333:key/k: held (g1)
          444455550003 (ap-northeast-1): gold-sample on arn:aws:kms:ap-northeast-1:111122223333:key/k: missing: `gold rollout` creates it before the next refresh
        Cannot read:
          app (444455550003/ap-northeast-1): AssumeRole failed in account 444455550003 (ap-northeast-1): AccessDenied: not authorized
        ");
    }
}
