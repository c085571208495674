//! `gold iam`: print one least-privilege IAM document for the manifest (see [`crate::access`]),
//! as JSON whatever `--output` says: it is meant for `aws iam put-role-policy`, Terraform or a
//! reviewer. Only `trust` (and `consumer --cloudformation`) without `--principal` calls AWS, to
//! learn who runs gold.

use std::process::ExitCode;

use serde_json::Value;

use crate::Error;
use crate::access::{self, cloudformation};
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, IamArgs, IamDocument};
use crate::manifest::{self, Manifest};
use crate::ui::Printer;

use super::{block_on, manifest_path};

/// Runs `gold iam` with `args`.
pub fn run(args: &IamArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let loaded = manifest::load(&manifest_path(global)?)?;
    let manifest = &loaded.manifest;
    let document = match &args.document {
        IamDocument::Consumer {
            cloudformation: false,
            ..
        } => access::consumer(&loaded),
        IamDocument::Consumer {
            cloudformation: true,
            principal,
        } => {
            let trust = access::trust(manifest, &principal_for(manifest, principal.as_deref())?);
            cloudformation::template(manifest, &access::consumer(&loaded), &trust).map_err(
                |message| Error::Usage {
                    message,
                    hint: Some(
                        "give every consumer the same `role_arn` role name, or run one StackSet per role"
                            .to_owned(),
                    ),
                },
            )?
        }
        IamDocument::Trust { principal } => {
            access::trust(manifest, &principal_for(manifest, principal.as_deref())?)
        }
        IamDocument::Producer => access::producer(&loaded),
        IamDocument::Organization => access::organization(&loaded),
        IamDocument::InstanceRole => {
            access::instance_role(&loaded).ok_or_else(|| Error::Usage {
                message: format!(
                    "the manifest uses the existing instance profile `{}`; gold creates no build role",
                    manifest.infrastructure.instance_profile
                ),
                hint: Some(
                    "set `infrastructure.instance_profile = \"create\"` to let gold create it"
                        .to_owned(),
                ),
            })?
        }
    };
    printer.data(&pretty(&document));
    Ok(ExitCode::SUCCESS)
}

/// The principal a trust policy names: `--principal`, or the identity these credentials act as.
fn principal_for(manifest: &Manifest, principal: Option<&str>) -> Result<String, Error> {
    if let Some(principal) = principal {
        return Ok(principal.to_owned());
    }
    let producer = &manifest.producer;
    let caller = block_on(async {
        Sessions::load()
            .await
            .caller_arn(&producer.account, &producer.region)
            .await
    })??;
    Ok(access::principal_of(&caller))
}

fn pretty(document: &Value) -> String {
    serde_json::to_string_pretty(document).unwrap_or_else(|_| document.to_string())
}
