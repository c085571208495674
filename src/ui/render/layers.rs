//! The producer's part of `gold status`: the AWS RAM share and, for a derived manifest, each
//! build's parent build and how far behind the newest parent it is.

use std::fmt::Write as _;

use super::table;
use crate::producer::status::ProducerStatus;

/// The producer status as text; empty when there is nothing to show.
pub fn layers(status: &ProducerStatus) -> String {
    let mut text = String::new();
    if let Some(share) = &status.share {
        match &share.arn {
            None => {
                let _ = writeln!(
                    text,
                    "Resource share {}: does not exist (`gold up` creates it)",
                    share.name
                );
            }
            Some(arn) => {
                let _ = writeln!(text, "Resource share {} ({arn}):", share.name);
                for principal in &share.principals {
                    let pending = if principal.status == "ASSOCIATING" {
                        " (invitation pending)"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        text,
                        "  shared with {}: {}{pending}",
                        principal.entity, principal.status
                    );
                }
                let _ = writeln!(text, "  holds {} resource(s)", share.resources.len());
            }
        }
        for build in &share.unshared {
            let _ = writeln!(text, "  not shared yet: {build} (`gold up` adds it)");
        }
    }
    if let Some(layers) = &status.layers {
        let _ = writeln!(
            text,
            "Parent {} (newest available: {}):",
            layers.parent,
            layers.newest_parent.as_deref().unwrap_or("none")
        );
        let mut rows = vec![[
            "BUILD".to_owned(),
            "AMI".to_owned(),
            "PARENT BUILD".to_owned(),
            "PARENTS BEHIND".to_owned(),
        ]];
        let dash = || "-".to_owned();
        for build in &layers.builds {
            rows.push([
                build.build.clone(),
                build.ami.clone().unwrap_or_else(dash),
                build.parent_build.clone().unwrap_or_else(|| "?".to_owned()),
                build
                    .parents_behind
                    .map_or_else(|| "?".to_owned(), |n| n.to_string()),
            ]);
        }
        if layers.builds.is_empty() {
            text.push_str("  no available build yet (`gold build --wait`)\n");
        } else {
            for line in table(&rows).lines() {
                let _ = writeln!(text, "  {line}");
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ram::Association;
    use crate::producer::layers::{LayerBuild, Layers};
    use crate::producer::share::ShareStatus;

    #[test]
    fn the_share_and_each_build_against_its_parent() {
        let status = ProducerStatus {
            share: Some(ShareStatus {
                name: "base".to_owned(),
                arn: Some("arn:aws:ram:ap-northeast-1:111122223333:resource-share/1".to_owned()),
                principals: vec![Association {
                    entity: "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx"
                        .to_owned(),
                    status: "ASSOCIATED".to_owned(),
                    external: false,
                }],
                resources: Vec::new(),
                unshared: vec![
                    "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/1.0.0/2"
                        .to_owned(),
                ],
            }),
            layers: Some(Layers {
                parent: "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/x.x.x"
                    .to_owned(),
                newest_parent: Some("1.0.0/2".to_owned()),
                builds: vec![LayerBuild {
                    build: "1.0.0/1".to_owned(),
                    arn: "arn:aws:imagebuilder:ap-northeast-1:444455556666:image/app/1.0.0/1"
                        .to_owned(),
                    ami: Some("ami-0123456789abcdef0".to_owned()),
                    parent_build: Some("1.0.0/1".to_owned()),
                    parents_behind: Some(1),
                }],
            }),
        };
        insta::assert_snapshot!(layers(&status), @r"
        Resource share base (arn:aws:ram:ap-northeast-1:111122223333:resource-share/1):
          shared with arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx: ASSOCIATED
          holds 0 resource(s)
          not shared yet: arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/1.0.0/2 (`gold up` adds it)
        Parent arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/x.x.x (newest available: 1.0.0/2):
          BUILD    AMI                    PARENT BUILD  PARENTS BEHIND
          1.0.0/1  ami-0123456789abcdef0  1.0.0/1       1
        ");
    }
}
