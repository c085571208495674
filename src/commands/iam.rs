//! `gold iam`: print one least-privilege IAM document (or the KMS key policy) for the manifest
//! (see [`crate::access`]),
//! as JSON whatever `--output` says: it is meant for `aws iam put-role-policy`, Terraform or a
//! reviewer. `consumer` serves several manifests with one role when given their paths. Only a
//! trust policy (`trust`, `consumer --cloudformation`, `organization --trust`) without
//! `--principal` calls AWS, to learn who runs gold.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

use crate::Error;
use crate::access::{self, cloudformation, kms};
use crate::aws::Sessions;
use crate::cli::{GlobalArgs, IamArgs, IamDocument};
use crate::manifest::{self, Loaded, Manifest};
use crate::ui::Printer;

use super::{block_on, manifest_path};

/// Runs `gold iam` with `args`.
pub fn run(args: &IamArgs, global: &GlobalArgs, printer: &Printer) -> Result<ExitCode, Error> {
    let document = match &args.document {
        IamDocument::Consumer {
            manifests,
            cloudformation,
            principal,
        } => {
            let loaded = load_all(manifests, global)?;
            let policy = access::consumer_of(&loaded);
            if *cloudformation {
                let manifests: Vec<&Manifest> = loaded.iter().map(|l| &l.manifest).collect();
                let first = manifests.first().copied().ok_or_else(no_manifest)?;
                let trust =
                    access::trust_of(&manifests, &principal_for(first, principal.as_deref())?);
                cloudformation::template(&manifests, &policy, &trust).map_err(|message| {
                    Error::Usage {
                        message,
                        hint: Some(
                            "give every consumer the same role name (`role_arn` or `role_name`), or run one StackSet per role"
                                .to_owned(),
                        ),
                    }
                })?
            } else {
                policy
            }
        }
        IamDocument::Trust { principal } => {
            let loaded = load(global)?;
            let manifest = &loaded.manifest;
            access::trust(manifest, &principal_for(manifest, principal.as_deref())?)
        }
        IamDocument::Producer => access::producer(&load(global)?),
        IamDocument::Organization { trust, principal } => {
            let loaded = load(global)?;
            if *trust {
                let manifest = &loaded.manifest;
                access::organization_trust(
                    manifest,
                    &principal_for(manifest, principal.as_deref())?,
                )
            } else {
                access::organization(&loaded)
            }
        }
        IamDocument::AllowedAmis => {
            crate::plan::allowed::criteria_documents(&load(global)?.manifest.producer.account)
        }
        IamDocument::InstanceRole => {
            let loaded = load(global)?;
            access::instance_role(&loaded).ok_or_else(|| Error::Usage {
                message: format!(
                    "the manifest uses the existing instance profile `{}`; gold creates no build role",
                    loaded.manifest.infrastructure.instance_profile
                ),
                hint: Some(
                    "set `infrastructure.instance_profile = \"create\"` to let gold create it"
                        .to_owned(),
                ),
            })?
        }
        IamDocument::KmsKey { cloudformation } => {
            let loaded = load(global)?;
            if *cloudformation {
                kms::cloudformation(&loaded.manifest)
            } else {
                kms::key_policy(&loaded.manifest)
            }
        }
    };
    printer.data(&pretty(&document));
    Ok(ExitCode::SUCCESS)
}

fn load(global: &GlobalArgs) -> Result<Loaded, Error> {
    Ok(manifest::load(&manifest_path(global)?)?)
}

/// The manifests named, or the one of `-f` (or `gold.toml`) when none is.
fn load_all(paths: &[PathBuf], global: &GlobalArgs) -> Result<Vec<Loaded>, Error> {
    if paths.is_empty() {
        return Ok(vec![load(global)?]);
    }
    paths.iter().map(|path| Ok(manifest::load(path)?)).collect()
}

fn no_manifest() -> Error {
    Error::Usage {
        message: "no manifest to print a policy for".to_owned(),
        hint: Some("pass the manifests' paths, or `-f PATH`".to_owned()),
    }
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
