//! SSM parameter targets: a parameter (type `String`, data type `aws:ec2:image`) that gold
//! keeps on the chosen AMI for consumers whose own Terraform or `CloudFormation` reads it, and
//! launch templates whose image id is `resolve:ssm:<parameter>`, which follow the parameter
//! without new versions.
//!
//! AWS facts relied on:
//! - Systems Manager User Guide, "Native parameter support for Amazon Machine Image IDs": with
//!   data type `aws:ec2:image`, Parameter Store checks asynchronously that the value is an AMI
//!   id the account can use; `PutParameter` answers 200 before the check, a failed check leaves
//!   the parameter uncreated or unchanged, and until the check ends `GetParameter` shows the
//!   previous version. So gold reads the parameter back after each put and treats "not the
//!   version the put announced" as that target's failure. AWS does not say how long the check
//!   takes; gold waits as long as for any change to propagate (`aws::Waits`, two minutes, as
//!   the Terraform AWS provider waits for the same check).
//! - EC2 User Guide, "Use a Systems Manager parameter instead of an AMI ID": a launch template's
//!   `ImageId` may be `resolve:ssm:name`, `resolve:ssm:name:version` or `resolve:ssm:name:label`
//!   (or the parameter's ARN); instances resolve it at launch, so moving the parameter moves
//!   the template without a new version. A version or label pins what it resolves.
//! - Amazon EC2 Auto Scaling API Reference, `RefreshPreferences` `AutoRollback` and
//!   `RollbackInstanceRefresh`: a rollback is not supported when the group's launch template
//!   uses a Systems Manager parameter instead of an AMI id, so gold refuses `auto_rollback`
//!   for such templates instead of starting a refresh AWS cannot undo.
//! - `GetParameterHistory` lists each version's value and description: the description gold
//!   writes (`gold: <name> (<ami>) after v<N>`, as for template versions) records the version it
//!   replaced, which is what `gold rollback` restores.

use std::time::SystemTime;

use super::live::{self, Context};
use super::waves::{Reporter, WaveEvent};
use super::{Planned, Target, describe_version, previous_version, select};
use crate::Error;
use crate::aws::Session;
use crate::aws::images::Image;
use crate::aws::launch_templates::LiveTemplate;
use crate::aws::parameters::{self as ssm, IMAGE_DATA_TYPE, ParameterVersion};
use crate::manifest::{LaunchTemplate, Manifest, Parameter};
use crate::names;
use crate::plan::consumer::{self, Follower, Step, image_ref};
use crate::plan::{Field, ImageRef, TargetId};

const RESOLVE_PREFIX: &str = "resolve:ssm:";

/// The settings of a parameter gold creates, as the plan lists them.
pub fn settings() -> Vec<Field> {
    vec![
        Field::new("type", "String"),
        Field::new("data_type", IMAGE_DATA_TYPE),
    ]
}

/// The parameter a `resolve:ssm:` image id names: `Ok(None)` for a plain AMI id, an error when
/// it pins a version or label (moving the parameter would not move the template).
pub fn resolved_parameter(image_id: &str) -> Result<Option<String>, String> {
    let Some(reference) = image_id.strip_prefix(RESOLVE_PREFIX) else {
        return Ok(None);
    };
    // `arn:<partition>:ssm:<region>:<account>:parameter/<name>`; a name without a leading `/`
    // has one added in the ARN, a hierarchical one keeps its own.
    let (name, selector) = match reference.strip_prefix("arn:") {
        Some(arn) => {
            let path = arn
                .splitn(5, ':')
                .nth(4)
                .and_then(|rest| rest.strip_prefix("parameter"))
                .unwrap_or(reference);
            split_selector(path)
        }
        None => split_selector(reference),
    };
    match selector {
        None => Ok(Some(name.to_owned())),
        Some(selector) => Err(format!(
            "its image id `{image_id}` pins version or label `{selector}` of parameter {name}, so moving the parameter would not move it"
        )),
    }
}

fn split_selector(path: &str) -> (&str, Option<&str>) {
    match path.split_once(':') {
        Some((name, selector)) => (name, Some(selector)),
        None => (path, None),
    }
}

/// Whether a parameter named in a `resolve:ssm:` reference is `name` (the ARN of a name
/// without a leading `/` shows one).
fn same_parameter(resolved: &str, name: &str) -> bool {
    resolved == name || resolved.strip_prefix('/') == Some(name)
}

/// The rollout step of a parameter target.
pub async fn rollout_step(
    context: &Context<'_>,
    target: &Target,
    parameter: &Parameter,
    choice: &select::ImageChoice,
    now: SystemTime,
) -> Result<Step, Error> {
    let session = context.session(target).await?;
    let (candidates, live) = futures::join!(
        context.candidates(&session),
        ssm::get(&session, &parameter.name)
    );
    let (candidates, live) = (candidates?, live?);
    if let Some(live) = &live {
        check_kind(live)?;
    }
    context.admits(&session, &candidates).await?;
    let place = context.place(target);
    if let Some(reason) = select::nothing_built(&candidates, &place) {
        return Ok(Step::NothingBuilt {
            reason,
            creates: live.is_none(),
        });
    }
    let chosen = select::choose(&candidates, choice, &place, now)
        .map_err(|err| Error::failed(err.0, None))?
        .clone();
    context.audit(&session, &chosen);
    let Some(live) = live else {
        return Ok(Step::Create {
            to: chosen,
            settings: settings(),
        });
    };
    if live.value == chosen.id {
        return Ok(Step::Unchanged);
    }
    let from = live::current_image(&session, &candidates, &live.value).await?;
    Ok(Step::MoveParameter {
        name: parameter.name.clone(),
        version: live.version,
        data_type: live.data_type,
        from: Some(from),
        to: chosen,
        follower: None,
    })
}

/// The rollout step of a launch template whose default version resolves parameter `name`:
/// the parameter moves (no new version), then the groups are refreshed; with the parameter
/// already on `chosen`, only groups not refreshed since it moved are.
pub async fn follow_step(
    session: &Session,
    manifest_template: &LaunchTemplate,
    template: LiveTemplate,
    name: &str,
    candidates: &[Image],
    chosen: Image,
) -> Result<Step, Error> {
    refuse_auto_rollback(manifest_template, name)?;
    let live = followed(session, name).await?;
    let groups = live::groups_of(session, manifest_template, &template).await?;
    if live.value != chosen.id {
        let from = live::current_image(session, candidates, &live.value).await?;
        return Ok(Step::MoveParameter {
            name: live.name,
            version: live.version,
            data_type: live.data_type,
            from: Some(from),
            to: chosen,
            follower: Some(Follower { template, groups }),
        });
    }
    // The instances run the parameter's value since whichever moved last.
    let since = template.default.created.max(live.modified);
    let stale = live::stale_groups(session, since, groups).await?;
    if stale.is_empty() {
        Ok(Step::Unchanged)
    } else {
        Ok(Step::Refresh {
            template,
            image: image_ref(&chosen),
            groups: stale,
        })
    }
}

/// Auto Scaling cannot roll back a refresh of a template that takes its AMI from a parameter.
fn refuse_auto_rollback(template: &LaunchTemplate, name: &str) -> Result<(), Error> {
    if template.refresh.auto_rollback && !template.auto_scaling_groups.is_empty() {
        return Err(Error::failed(
            format!(
                "`refresh.auto_rollback` cannot apply: the launch template takes its AMI from SSM parameter {name}, and Auto Scaling cannot roll back an instance refresh of a template that uses a Systems Manager parameter"
            ),
            Some("set `auto_rollback = false` for this template; `gold rollback` moves the parameter back instead".to_owned()),
        ));
    }
    Ok(())
}

/// The parameter a template resolves; it must exist to be moved.
async fn followed(session: &Session, name: &str) -> Result<ssm::Parameter, Error> {
    let live = ssm::get(session, name).await?.ok_or_else(|| {
        Error::failed(
            format!("the launch template resolves SSM parameter {name}, which does not exist here"),
            Some(format!(
                "add `[[consumers.parameters]] name = \"{name}\"` to the consumer so gold creates it"
            )),
        )
    })?;
    check_kind(&live)?;
    Ok(live)
}

/// gold writes only `String` parameters of data type `aws:ec2:image` (those it creates) or
/// `text` (Terraform's `aws_ssm_parameter` default, which a team may have made first): Parameter
/// Store never changes a parameter's data type to or from `aws:ec2:image`, so gold writes each
/// with its own. Another type is someone else's parameter.
fn check_kind(live: &ssm::Parameter) -> Result<(), Error> {
    if live.kind != "String" {
        return Err(Error::failed(
            format!(
                "SSM parameter {} is a {}; gold keeps AMI ids only in `String` parameters (data type {IMAGE_DATA_TYPE})",
                live.name, live.kind
            ),
            Some("give the manifest another parameter name, or delete this parameter".to_owned()),
        ));
    }
    if !WRITABLE_DATA_TYPES.contains(&live.data_type.as_str()) {
        return Err(Error::failed(
            format!(
                "SSM parameter {} has data type {}; gold writes AMI ids into parameters of data type {IMAGE_DATA_TYPE} or `text`, and Parameter Store cannot change a parameter's data type",
                live.name, live.data_type
            ),
            Some(format!(
                "give the manifest another parameter name, or delete this parameter so gold creates it with data type {IMAGE_DATA_TYPE}"
            )),
        ));
    }
    Ok(())
}

/// The data types gold writes an AMI id with: its own, and Parameter Store's default.
const WRITABLE_DATA_TYPES: [&str; 2] = [IMAGE_DATA_TYPE, "text"];

/// The rollback step of a parameter target, or of a template that resolves `name`.
pub async fn restore_step(
    context: &Context<'_>,
    session: &Session,
    name: &str,
    follower: Option<(&LaunchTemplate, LiveTemplate)>,
) -> Result<Step, Error> {
    if let Some((manifest_template, _)) = &follower {
        refuse_auto_rollback(manifest_template, name)?;
    }
    let Some(live) = ssm::get(session, name).await? else {
        return Err(Error::failed(
            format!("SSM parameter {name} does not exist"),
            None,
        ));
    };
    let history = ssm::history(session, name).await?;
    let Some(to) = way_back(&live, &history)?.cloned() else {
        return Ok(Step::Unchanged);
    };
    // The producer's AMIs only name the images; without them each image is looked up by id.
    let candidates = context.candidates(session).await.unwrap_or_default();
    let from = live::current_image(session, &candidates, &live.value).await?;
    let image = live::current_image(session, &candidates, &to.value).await?;
    let follower = match follower {
        Some((manifest_template, template)) => {
            let groups = live::groups_of(session, manifest_template, &template).await?;
            Some(Follower { template, groups })
        }
        None => None,
    };
    Ok(Step::RestoreParameter {
        name: live.name,
        version: live.version,
        data_type: live.data_type,
        from: Some(from),
        to,
        image: Some(image),
        follower,
    })
}

/// The version whose value gold's last rollout replaced, when the parameter still holds that
/// rollout's value; `None` when there is nothing to undo (no gold rollout, or already undone).
pub fn way_back<'h>(
    live: &ssm::Parameter,
    history: &'h [ParameterVersion],
) -> Result<Option<&'h ParameterVersion>, Error> {
    let last_rollout = history.iter().rev().find_map(|version| {
        let previous = previous_version(version.description.as_deref()?)?;
        Some((version, previous))
    });
    let Some((rolled_out, previous)) = last_rollout else {
        return Ok(None);
    };
    let Some(before) = history.iter().find(|version| version.version == previous) else {
        return Err(Error::failed(
            format!(
                "version {previous} of SSM parameter {}, the one gold's last rollout replaced, is no longer in its history",
                live.name
            ),
            Some(
                "Parameter Store keeps the last 100 versions; put the AMI id back by hand"
                    .to_owned(),
            ),
        ));
    };
    if live.value == before.value {
        return Ok(None);
    }
    if live.version != rolled_out.version {
        return Err(Error::failed(
            format!(
                "SSM parameter {} is at version {}, neither gold's last rollout (version {}) nor a copy of the value it replaced (version {previous})",
                live.name, live.version, rolled_out.version
            ),
            Some(format!(
                "someone changed it since; put the value back by hand (`aws ssm put-parameter --name {} --overwrite --data-type {IMAGE_DATA_TYPE} --value {}`) or run `gold rollout`",
                live.name, before.value
            )),
        ));
    }
    Ok(Some(before))
}

/// Writes `image` to the parameter, as a new version keeping its `data_type`, or creating it
/// (tagged, data type `aws:ec2:image`) when there is none, and waits until Parameter Store's
/// check accepted it; returns the new version.
pub async fn set(
    session: &Session,
    manifest: &Manifest,
    name: &str,
    image: &str,
    description: &str,
    data_type: Option<&str>,
) -> Result<i64, Error> {
    let write = match data_type {
        Some(data_type) => ssm::Write::Overwrite { data_type },
        None => ssm::Write::Create {
            tags: names::tags(&manifest.name, &manifest.tags),
        },
    };
    let announced = ssm::put(session, name, image, description, &write).await?;
    let what = format!(
        "version {announced} of SSM parameter {name} is not readable yet (Parameter Store checks {image} first)"
    );
    let written = session
        .waits()
        .until("Parameter Store", &what, || async {
            Ok(ssm::get(session, name)
                .await?
                .filter(|live| live.version >= announced))
        })
        .await?;
    if let Some(live) = written {
        if live.value == image {
            return Ok(live.version);
        }
        return Err(Error::failed(
            format!(
                "SSM parameter {name} holds {} at version {}: something else wrote it while gold put {image}",
                live.value, live.version
            ),
            Some("find the other writer (an Image Builder distribution, a pipeline), then run `gold rollout` again".to_owned()),
        ));
    }
    let held = ssm::get(session, name).await?.map_or_else(
        || "it was not created".to_owned(),
        |live| format!("it still holds {} (version {})", live.value, live.version),
    );
    Err(Error::failed(
        format!(
            "Parameter Store did not accept {image} for SSM parameter {name} within {} s: {held}; its {IMAGE_DATA_TYPE} check fails when the AMI does not exist in {} or account {} may not use it",
            session.waits().bound().as_secs(),
            session.region(),
            session.account()
        ),
        Some(format!(
            "check that the AMI is available and shared with account {}; EventBridge's `Parameter Store Change` event from `aws.ssm` for {name} carries the reason",
            session.account()
        )),
    ))
}

/// Moves a parameter to `to` (gold's rollout description records the version replaced) and
/// reports it; `live` is its version and data type, `None` to create it. Returns the new version.
pub async fn move_to(
    session: &Session,
    manifest: &Manifest,
    target: &TargetId,
    reporter: &dyn Reporter,
    name: &str,
    live: Option<(i64, &str)>,
    to: &Image,
) -> Result<i64, Error> {
    let new = set(
        session,
        manifest,
        name,
        &to.id,
        &describe_version(to, live.map(|(version, _)| version)),
        live.map(|(_, data_type)| data_type),
    )
    .await?;
    reporter.event(&WaveEvent::ParameterSet {
        target,
        parameter: name,
        version: new,
        image: &to.id,
    });
    Ok(new)
}

/// Puts back the value of version `to` into the parameter (its name and data type) and reports
/// it; returns the new version.
pub async fn restore(
    session: &Session,
    manifest: &Manifest,
    target: &TargetId,
    reporter: &dyn Reporter,
    (name, data_type): (&str, &str),
    to: &ParameterVersion,
    image: Option<&ImageRef>,
) -> Result<i64, Error> {
    let shown = image.map_or_else(|| to.value.clone(), consumer::show_image);
    // Not a rollout description: a second rollback must find the same rollout to undo.
    let description = format!(
        "gold: rollback to the value of version {}, {shown}",
        to.version
    );
    let new = set(
        session,
        manifest,
        name,
        &to.value,
        &description,
        Some(data_type),
    )
    .await?;
    reporter.event(&WaveEvent::ParameterSet {
        target,
        parameter: name,
        version: new,
        image: &to.value,
    });
    Ok(new)
}

/// One writer per parameter: when a launch template target of a consumer resolves a parameter
/// that the same consumer also lists, the template's step moves it (then refreshes), and the
/// parameter's own step is left with nothing to do, so the parameter gets one new version.
pub fn one_writer(planned: &mut [Planned]) {
    let moved: Vec<(String, String, String, String)> = planned
        .iter()
        .filter(|item| item.target.template().is_some())
        .filter_map(|item| match &item.step {
            Ok(
                Step::MoveParameter {
                    name,
                    follower: Some(_),
                    ..
                }
                | Step::RestoreParameter {
                    name,
                    follower: Some(_),
                    ..
                },
            ) => Some((
                item.target.consumer.clone(),
                item.target.account.clone(),
                item.target.region.clone(),
                name.clone(),
            )),
            _ => None,
        })
        .collect();
    for item in planned.iter_mut() {
        let super::targets::Object::Parameter(parameter) = &item.target.object else {
            continue;
        };
        let taken = moved.iter().any(|(consumer, account, region, name)| {
            consumer == &item.target.consumer
                && account == &item.target.account
                && region == &item.target.region
                && same_parameter(name, &parameter.name)
        });
        if taken
            && matches!(
                item.step,
                Ok(Step::MoveParameter { .. } | Step::RestoreParameter { .. })
            )
        {
            item.step = Ok(Step::Unchanged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(value: &str, version: i64) -> ssm::Parameter {
        ssm::Parameter {
            name: "/gold/sample/ami".to_owned(),
            value: value.to_owned(),
            version,
            kind: "String".to_owned(),
            data_type: IMAGE_DATA_TYPE.to_owned(),
            modified: None,
        }
    }

    fn version(version: i64, value: &str, description: &str) -> ParameterVersion {
        ParameterVersion {
            version,
            value: value.to_owned(),
            description: Some(description.to_owned()),
        }
    }

    fn history() -> Vec<ParameterVersion> {
        vec![
            version(1, "ami-1", "gold: sample_v1_x (ami-1)"),
            version(2, "ami-2", "gold: sample_v2_x (ami-2) after v1"),
        ]
    }

    #[test]
    fn rollback_restores_the_value_before_golds_last_rollout_once() {
        let history = history();
        let back = way_back(&live("ami-2", 2), &history).expect("restorable");
        assert_eq!(back.map(|v| v.version), Some(1));
        // After the rollback the parameter holds version 1's value again: nothing left to undo.
        let mut after = history.clone();
        after.push(version(
            3,
            "ami-1",
            "gold: rollback to the value of version 1, ami-1",
        ));
        assert_eq!(way_back(&live("ami-1", 3), &after).expect("done"), None);
    }

    #[test]
    fn rollback_refuses_a_parameter_someone_else_moved() {
        let mut history = history();
        history.push(version(3, "ami-9", "set by hand"));
        let err = way_back(&live("ami-9", 3), &history).expect_err("moved by hand");
        assert!(err.to_string().contains("neither gold's last rollout"));
        assert_eq!(
            way_back(&live("ami-1", 1), &history[..1]).expect("no rollout"),
            None
        );
    }

    #[test]
    fn resolve_references_name_their_parameter_unless_pinned() {
        assert_eq!(resolved_parameter("ami-0123456789abcdef0"), Ok(None));
        assert_eq!(
            resolved_parameter("resolve:ssm:/gold/sample/ami"),
            Ok(Some("/gold/sample/ami".to_owned()))
        );
        assert_eq!(
            resolved_parameter(
                "resolve:ssm:arn:aws:ssm:ap-northeast-1:444455556666:parameter/gold/sample/ami"
            ),
            Ok(Some("/gold/sample/ami".to_owned()))
        );
        assert!(
            resolved_parameter("resolve:ssm:/gold/sample/ami:3")
                .expect_err("pinned")
                .contains("pins version or label `3`")
        );
        assert!(same_parameter("/gold/sample/ami", "/gold/sample/ami"));
        assert!(same_parameter("/ami", "ami"));
        assert!(!same_parameter("/gold/other", "/gold/sample/ami"));
    }
}
