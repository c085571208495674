//! Allowed AMIs, decided: whether an account's setting refuses the producer's AMIs, and the
//! criterion that admits them, in the two forms AWS takes it (EC2 User Guide, "Control the
//! discovery and use of AMIs in Amazon EC2 with Allowed AMIs"; EC2 API Reference,
//! `ReplaceImageCriteriaInAllowedImagesSettings`; AWS Organizations User Guide, "Declarative
//! policy syntax and examples", Allowed Images Settings).
//!
//! A criterion admits an AMI when the AMI meets every condition the criterion sets; the
//! producer's AMIs are admitted by a criterion whose only condition is `ImageProviders`
//! naming the producer account. `ReplaceImageCriteriaInAllowedImagesSettings` replaces every
//! criterion of the account, so the criterion is printed to be added to those it has.

use serde::Serialize;
use serde_json::{Value, json};

use crate::aws::allowed_images::AllowedImages;

/// Why an account's Allowed AMIs refuse the producer's AMIs, and what admits them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the setting does (after "account X's Allowed AMIs in REGION").
    pub reason: String,
    /// The criterion to add, and where.
    pub hint: String,
}

/// The refusal of an account whose setting is `enabled` and whose criteria name no provider
/// that is the producer; `None` when its AMIs may be admitted (`disabled`, `audit-mode`, or a
/// criterion naming the producer).
pub fn refusal(settings: &AllowedImages, producer: &str) -> Option<Refusal> {
    if settings.state != "enabled"
        || settings
            .providers
            .iter()
            .any(|providers| providers.iter().any(|p| p == producer))
    {
        return None;
    }
    let managed = if settings.managed_by.as_deref() == Some("declarative-policy") {
        "the organization's declarative policy sets them: add it there"
    } else {
        "`aws ec2 replace-image-criteria-in-allowed-images-settings` with the account's criteria and this one"
    };
    Some(Refusal {
        reason: format!(
            "are enabled and admit no AMI of the producer {producer}: the target would be moved to an image it cannot launch, so it is not touched"
        ),
        hint: format!(
            "add the criterion {} to the account's Allowed AMIs ({managed}); `gold iam allowed-amis` prints it",
            criterion(producer)
        ),
    })
}

/// An account whose Allowed AMIs run in `audit-mode` and do not admit the image its targets
/// move to: audit mode refuses nothing, so gold moves them and warns, since enabling the
/// setting as it stands would stop every launch of the image (EC2 reports `ImageAllowed` false).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Audited {
    /// The consumer account.
    pub account: String,
    /// Its region.
    pub region: String,
    /// `ami-…`, the image its criteria do not admit.
    pub image: String,
    /// The fix: the criterion to add before the setting is enabled.
    pub hint: String,
}

impl Audited {
    /// The audit of `image` by `account`'s setting in `region`, for the producer `producer`.
    pub fn new(account: &str, region: &str, image: &str, producer: &str) -> Self {
        Self {
            account: account.to_owned(),
            region: region.to_owned(),
            image: image.to_owned(),
            hint: format!(
                "add the criterion {} to its criteria before enabling them; `gold iam allowed-amis` prints it",
                criterion(producer)
            ),
        }
    }
}

/// The criterion that admits the producer's AMIs.
pub fn criterion(producer: &str) -> Value {
    json!({ "ImageProviders": [producer] })
}

/// The criterion as `ReplaceImageCriteriaInAllowedImagesSettings` takes it
/// (`--cli-input-json`), and as an organization's declarative policy appends it.
pub fn criteria_documents(producer: &str) -> Value {
    json!({
        "ReplaceImageCriteriaInAllowedImagesSettings": {
            "ImageCriteria": [criterion(producer)],
        },
        "DeclarativePolicy": {
            "ec2_attributes": {
                "allowed_images_settings": {
                    "image_criteria": {
                        "criteria_1": {
                            "allowed_image_providers": { "@@append": [producer] },
                        },
                    },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(state: &str, providers: &[&[&str]]) -> AllowedImages {
        AllowedImages {
            state: state.to_owned(),
            providers: providers
                .iter()
                .map(|list| list.iter().map(|p| (*p).to_owned()).collect())
                .collect(),
            managed_by: Some("account".to_owned()),
        }
    }

    #[test]
    fn only_an_enabled_setting_that_names_no_producer_refuses() {
        let producer = "111122223333";
        assert!(refusal(&settings("disabled", &[]), producer).is_none());
        assert!(refusal(&settings("audit-mode", &[&["amazon"]]), producer).is_none());
        assert!(refusal(&settings("enabled", &[&["amazon"], &[producer]]), producer).is_none());
        let refused = refusal(&settings("enabled", &[&["amazon"]]), producer).expect("refused");
        assert!(
            refused
                .hint
                .contains(r#"{"ImageProviders":["111122223333"]}"#)
        );
    }
}
