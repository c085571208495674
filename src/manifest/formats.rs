//! The shapes AWS accepts for ids, ARNs and names, as predicates. The patterns come from the
//! service models (botocore `service-2.json` of imagebuilder, ec2, iam, sns, organizations) and
//! the EC2 and S3 naming rules; each function names the rule it follows.

use crate::version::Version;

/// A 12-digit account id (`AccountId`).
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `major.minor.patch`, all numbers (Image Builder `VersionNumber`; see [`Version`]).
pub(crate) fn is_semantic_version(text: &str) -> bool {
    Version::parse(text).is_some()
}

/// A version filter such as `x.x.x`, `1.x.x` or `1.2.3` (Image Builder semantic version filters).
fn is_version_filter(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| *p == "x" || is_number(p))
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.len() <= 9 && text.bytes().all(|b| b.is_ascii_digit())
}

/// An Image Builder resource name (`ResourceName`): 3-128 of letters, digits, `-`, `_` and
/// inner spaces.
pub(crate) fn is_image_builder_name(text: &str) -> bool {
    let edge = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let count = text.chars().count();
    (3..=128).contains(&count)
        && text.chars().all(|c| edge(c) || c == ' ')
        && text.chars().next().is_some_and(edge)
        && text.chars().last().is_some_and(edge)
}

/// gold's own names: letters, digits, `-`, `_`, starting with a letter or digit.
pub(crate) fn is_simple_name(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The parts of an ARN: partition, service, region, account, resource.
pub(crate) struct Arn<'a> {
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

/// Splits `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (partition `aws`, `aws-cn`, `aws-us-gov`…).
pub(crate) fn parse_arn(text: &str) -> Option<Arn<'_>> {
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if !partition.starts_with("aws") || resource.is_empty() {
        return None;
    }
    Some(Arn {
        service,
        region,
        account,
        resource,
    })
}

/// An IAM role ARN; returns its account.
pub(crate) fn iam_role_account(text: &str) -> Option<&str> {
    let arn = parse_arn(text)?;
    let name = arn.resource.strip_prefix("role/")?;
    let name = name.rsplit('/').next().unwrap_or(name);
    let valid_name = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    (arn.service == "iam" && arn.region.is_empty() && is_account_id(arn.account) && valid_name)
        .then_some(arn.account)
}

/// An AWS Organizations organization ARN (`OrganizationArn`).
pub(crate) fn is_organization_arn(text: &str) -> bool {
    parse_arn(text).is_some_and(|arn| {
        arn.service == "organizations"
            && arn.region.is_empty()
            && is_account_id(arn.account)
            && arn
                .resource
                .strip_prefix("organization/")
                .is_some_and(is_organization_id)
    })
}

/// An organizational unit ARN (`OrganizationalUnitArn`).
pub(crate) fn is_ou_arn(text: &str) -> bool {
    parse_arn(text).is_some_and(|arn| {
        let Some(rest) = arn.resource.strip_prefix("ou/") else {
            return false;
        };
        let Some((org, ou)) = rest.split_once('/') else {
            return false;
        };
        arn.service == "organizations"
            && arn.region.is_empty()
            && is_account_id(arn.account)
            && is_organization_id(org)
            && is_ou_id(ou)
    })
}

/// An organizational unit id, `ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}` (Organizations API
/// Reference, `OrganizationalUnit.Id`).
pub(crate) fn is_ou_id(text: &str) -> bool {
    text.strip_prefix("ou-")
        .and_then(|id| id.split_once('-'))
        .is_some_and(|(root, unit)| {
            (4..=32).contains(&root.len())
                && (8..=32).contains(&unit.len())
                && lower_alnum(root)
                && lower_alnum(unit)
        })
}

fn is_organization_id(text: &str) -> bool {
    text.strip_prefix("o-")
        .is_some_and(|id| (10..=32).contains(&id.len()) && lower_alnum(id))
}

fn lower_alnum(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// An SNS topic ARN (`SnsTopicArn`).
pub(crate) fn is_sns_topic_arn(text: &str) -> bool {
    parse_arn(text).is_some_and(|arn| {
        arn.service == "sns"
            && !arn.region.is_empty()
            && is_account_id(arn.account)
            && (1..=256).contains(&arn.resource.len())
            && arn
                .resource
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// A KMS key or alias ARN (what `kmsKeyId` of a distribution accepts).
pub(crate) fn is_kms_key_arn(text: &str) -> bool {
    parse_arn(text).is_some_and(|arn| {
        let key = arn.resource.strip_prefix("key/").is_some_and(|id| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        let alias = arn
            .resource
            .strip_prefix("alias/")
            .is_some_and(|name| !name.is_empty() && !name.contains(char::is_whitespace));
        arn.service == "kms"
            && !arn.region.is_empty()
            && is_account_id(arn.account)
            && (key || alias)
    })
}

/// An Image Builder ARN of `kind` (`image` or `component`) with a version or version filter
/// (`ComponentVersionArnOrBuildVersionArn`, `ImageVersionArnOrBuildVersionArn`).
pub(crate) fn is_image_builder_arn(text: &str, kind: &str) -> bool {
    parse_arn(text).is_some_and(|arn| {
        let owner_ok = is_account_id(arn.account)
            || arn.account == "aws"
            || arn.account.strip_prefix("aws-").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            });
        let resource_ok = arn
            .resource
            .strip_prefix(kind)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|rest| {
                let parts: Vec<&str> = rest.split('/').collect();
                match parts.as_slice() {
                    [name, version] => is_arn_name(name) && is_version_filter(version),
                    [name, version, build] => {
                        is_arn_name(name) && is_semantic_version(version) && is_number(build)
                    }
                    _ => false,
                }
            });
        arn.service == "imagebuilder" && !arn.region.is_empty() && owner_ok && resource_ok
    })
}

fn is_arn_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// An AWS-managed image name with a version filter, e.g. `amazon-linux-2-x86/x.x.x`.
pub(crate) fn is_managed_image_name(text: &str) -> bool {
    text.split_once('/')
        .is_some_and(|(name, version)| is_arn_name(name) && is_version_filter(version))
}

/// An EC2 id: `prefix-` and 8 or 17 lowercase hex digits.
pub(crate) fn is_ec2_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            (hex.len() == 8 || hex.len() == 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// An EC2 instance type such as `t3.small` or `m7g.2xlarge`.
pub(crate) fn is_instance_type(text: &str) -> bool {
    text.split_once('.').is_some_and(|(family, size)| {
        !family.is_empty()
            && !size.is_empty()
            && family
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && size
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// A launch template name: 3-128 of letters, digits and `( ) . - / _`.
pub(crate) fn is_launch_template_name(text: &str) -> bool {
    (3..=128).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "().-/_".contains(c))
}

/// An S3 bucket name (general purpose bucket naming rules).
pub(crate) fn is_bucket_name(text: &str) -> bool {
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge_ok(text.bytes().next())
        && edge_ok(text.bytes().last())
        && !text.contains("..")
}

/// An IAM name (instance profile): 1-128 of letters, digits and `+=,.@_-`.
pub(crate) fn is_iam_name(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// A tag key Image Builder and EC2 accept (`TagKey`): 1-128 characters, not starting with `aws:`.
pub(crate) fn is_tag_key(text: &str) -> bool {
    (1..=128).contains(&text.chars().count())
        && !text.to_ascii_lowercase().starts_with("aws:")
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_of_the_origin_scenario_are_recognised() {
        assert!(is_organization_arn(
            "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx"
        ));
        assert!(is_ou_arn(
            "arn:aws:organizations::000000000000:ou/o-xxxxxxxxxx/ou-ab12-cdef3456"
        ));
        assert_eq!(
            iam_role_account("arn:aws:iam::444455556666:role/GoldRollout"),
            Some("444455556666")
        );
        assert_eq!(
            iam_role_account("arn:aws:iam::444455556666:role/path/to/GoldRollout"),
            Some("444455556666")
        );
        assert!(is_image_builder_arn(
            "arn:aws:imagebuilder:ap-northeast-1:aws:image/amazon-linux-2-x86/x.x.x",
            "image"
        ));
        assert!(is_image_builder_arn(
            "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1",
            "component"
        ));
        assert!(is_sns_topic_arn(
            "arn:aws:sns:ap-northeast-1:111122223333:builds"
        ));
        assert!(is_kms_key_arn(
            "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
    }

    #[test]
    fn arns_of_the_wrong_service_or_kind_are_rejected() {
        assert_eq!(
            iam_role_account("arn:aws:iam::444455556666:user/alice"),
            None
        );
        assert_eq!(iam_role_account("arn:aws:sts::444455556666:role/x"), None);
        assert!(!is_organization_arn(
            "arn:aws:organizations::000000000000:ou/o-xxxxxxxxxx"
        ));
        assert!(!is_image_builder_arn(
            "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x",
            "component"
        ));
        assert!(!is_kms_key_arn(
            "arn:aws:sns:ap-northeast-1:111122223333:key/abc"
        ));
        assert!(!is_sns_topic_arn("arn:aws:sns::111122223333:builds"));
    }

    #[test]
    fn ids_and_names() {
        assert!(is_ec2_id("subnet-0123456789abcdef0", "subnet"));
        assert!(is_ec2_id("sg-12345678", "sg"));
        assert!(!is_ec2_id("sg-1234567", "sg"));
        assert!(is_instance_type("t3.small"));
        assert!(!is_instance_type("t3small"));
        assert!(is_launch_template_name("sample-lt"));
        assert!(!is_launch_template_name("lt"));
        assert!(is_image_builder_name("build"));
        assert!(!is_image_builder_name("ab"));
        assert!(!is_image_builder_name(" build"));
        assert!(is_semantic_version("1.0.0"));
        assert!(!is_semantic_version("1.0"));
        assert!(!is_semantic_version("1.0.x"));
        assert!(is_managed_image_name("amazon-linux-2-x86/x.x.x"));
        assert!(is_bucket_name("my-logs.example"));
        assert!(!is_bucket_name("My_Logs"));
        assert!(is_tag_key("ImageBuilder"));
        assert!(!is_tag_key("aws:cloudformation"));
    }
}
