//! The value checks of consumers that select their accounts from AWS Organizations and their
//! templates by tag: what can be known offline (OU id syntax, tag rules, keys that exclude each
//! other). Which accounts an OU holds is only known at run time (`consumer::discover`).
//!
//! AWS facts relied on: an OU id is `ou-` + 4-32 lowercase letters or digits (the root's) +
//! `-` + 8-32 more (Organizations API Reference, `OrganizationalUnit.Id`); a role name is 1-64
//! of letters, digits and `+=,.@_-` (IAM API Reference, `CreateRole`); a tag key has 1-128
//! characters and a value at most 256 (EC2 User Guide, "Tag restrictions").

use std::collections::{BTreeMap, BTreeSet};

use super::super::diagnostic::{KeyPath, quote};
use super::super::formats::{is_account_id, is_ou_id};
use super::super::model::{Consumer, LaunchTemplate, SkipLimit};
use super::Checker;

/// Longest IAM role name (IAM API Reference, `CreateRole`).
const MAX_ROLE_NAME: usize = 64;

impl Checker<'_> {
    /// `[organization]`: a role ARN or a profile, not both. Two consumers never select the
    /// same OU, nor both the whole organization: an account there would belong to both at the
    /// same level, and only a closer OU decides between consumers.
    pub(super) fn organization(&mut self) {
        if let Some(organization) = &self.manifest.organization {
            self.credentials(
                &KeyPath::root().key("organization"),
                "",
                organization.role_arn.as_deref(),
                organization.profile.as_deref(),
            );
            if let SkipLimit::Share(share) = &organization.skip_unreachable_accounts
                && SkipLimit::percent(share).is_none()
            {
                self.expected(
                    KeyPath::root()
                        .key("organization")
                        .key("skip_unreachable_accounts"),
                    "a count such as `2` or a share such as `\"10%\"` (0% to 100%)",
                    share,
                );
            }
        }
        let mut units: BTreeMap<&str, &str> = BTreeMap::new();
        let mut whole: Option<&str> = None;
        for (i, consumer) in self.manifest.consumers.iter().enumerate() {
            let path = KeyPath::root()
                .key("consumers")
                .entry(i, Some(&consumer.name));
            for (j, unit) in consumer.organizational_units.iter().enumerate() {
                match units.get(unit.as_str()) {
                    Some(other) if *other != consumer.name => self.problem(
                        path.key("organizational_units").index(j),
                        format!(
                            "expected each OU in one consumer, found {} in consumer {} too; select a nested OU, or use `exclude_accounts`",
                            quote(unit),
                            quote(other)
                        ),
                        "an OU no other consumer selects",
                    ),
                    Some(_) => {}
                    None => {
                        units.insert(unit, &consumer.name);
                    }
                }
            }
            if consumer.organization {
                match whole {
                    Some(other) => self.problem(
                        path.key("organization"),
                        format!(
                            "expected `organization = true` in one consumer, found it in consumer {} too",
                            quote(other)
                        ),
                        "`organization = true` in one consumer",
                    ),
                    None => whole = Some(consumer.name.as_str()),
                }
            }
        }
    }

    /// Exactly one of `account`, `organizational_units` and `organization = true`, and the keys
    /// that go with each.
    pub(super) fn consumer_selection(&mut self, path: &KeyPath, consumer: &Consumer) {
        let chosen: Vec<&str> = [
            ("account", consumer.account.is_some()),
            (
                "organizational_units",
                !consumer.organizational_units.is_empty(),
            ),
            ("organization", consumer.organization),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        match chosen.as_slice() {
            [] => self.problem(
                path.clone(),
                "expected `account`, `organizational_units` or `organization = true`, found none"
                    .to_owned(),
                "one of `account`, `organizational_units` and `organization`",
            ),
            [first, second, ..] => self.problem(
                path.key(second),
                format!("expected either `{first}` or `{second}`, found both"),
                "one of `account`, `organizational_units` and `organization`",
            ),
            [_] => {}
        }
        if consumer.selects_by_organization() {
            self.found_in_organization(path, consumer);
        } else {
            for key in [
                ("role_name", consumer.role_name.is_some()),
                ("exclude_accounts", !consumer.exclude_accounts.is_empty()),
            ]
            .into_iter()
            .filter_map(|(key, set)| set.then_some(key))
            {
                self.problem(
                    path.key(key),
                    format!(
                        "expected `{key}` only with `organizational_units` or `organization = true`, found it with {}",
                        if consumer.account.is_some() { "`account`" } else { "neither" }
                    ),
                    "`organizational_units` or `organization = true` with this key",
                );
            }
        }
    }

    fn found_in_organization(&mut self, path: &KeyPath, consumer: &Consumer) {
        let mut seen = BTreeSet::new();
        for (i, ou) in consumer.organizational_units.iter().enumerate() {
            let ou_path = path.key("organizational_units").index(i);
            if !is_ou_id(ou) {
                self.expected(
                    ou_path.clone(),
                    "an OU id (`ou-` + 4-32 lowercase letters or digits + `-` + 8-32 more, e.g. `ou-ab12-cd34ef56`)",
                    ou,
                );
            }
            if !seen.insert(ou.as_str()) {
                self.problem(
                    ou_path,
                    format!("expected each OU once, found {} again", quote(ou)),
                    "unique OU ids",
                );
            }
        }
        let mut excluded = BTreeSet::new();
        for (i, account) in consumer.exclude_accounts.iter().enumerate() {
            let account_path = path.key("exclude_accounts").index(i);
            self.account(account_path.clone(), account);
            if is_account_id(account) && !excluded.insert(account.as_str()) {
                self.problem(
                    account_path,
                    format!("expected each account once, found {} again", quote(account)),
                    "unique account ids",
                );
            }
        }
        for (key, set) in [
            ("role_arn", consumer.role_arn.is_some()),
            ("profile", consumer.profile.is_some()),
        ] {
            if set {
                self.problem(
                    path.key(key),
                    format!(
                        "expected `role_name` (the role gold assumes in each account it finds), found `{key}`, which names one account"
                    ),
                    "`role_name`",
                );
            }
        }
        match &consumer.role_name {
            None => self.problem(
                path.clone(),
                format!(
                    "expected `role_name`: gold assumes it in each account of consumer {} (`arn:aws:iam::ACCOUNT:role/NAME`)",
                    quote(&consumer.name)
                ),
                "`role_name`",
            ),
            Some(name) if !is_role_name(name) => self.expected(
                path.key("role_name"),
                "an IAM role name of 1-64 letters, digits or `+=,.@_-`",
                name,
            ),
            Some(_) => {}
        }
        let dist = &self.manifest.distribution;
        if dist.share_with_organizations.is_empty() && dist.share_with_ous.is_empty() {
            self.problem(
                path.clone(),
                format!(
                    "expected the distribution to share the AMI with the organization or OUs (`share_with_organizations` or `share_with_ous`): consumer {} takes its accounts from the organization",
                    quote(&consumer.name)
                ),
                "an AMI shared with the organization or OUs",
            );
        }
    }

    /// A tag selector's key and value; `create` needs a name and an account gold lists.
    pub(super) fn selected_template(
        &mut self,
        path: &KeyPath,
        consumer: &Consumer,
        template: &LaunchTemplate,
    ) {
        if let Some(tag) = &template.tag {
            let count = tag.key.chars().count();
            if count == 0 || count > 128 {
                self.expected(
                    path.key("tag").key("key"),
                    "a tag key of 1-128 characters",
                    &tag.key,
                );
            }
            if tag.value.chars().count() > 256 {
                self.expected(
                    path.key("tag").key("value"),
                    "a tag value of at most 256 characters",
                    &tag.value,
                );
            }
            if template.create.is_some() {
                self.problem(
                    path.key("create"),
                    "expected `name` with `create` (gold creates the template by name), found `tag`"
                        .to_owned(),
                    "`name` with `create`",
                );
            }
        }
        if template.create.is_some() && consumer.selects_by_organization() {
            self.problem(
                path.key("create"),
                "expected `create` only in a consumer with `account` (gold deletes what it created in the accounts the manifest lists), found it with accounts from the organization".to_owned(),
                "`create` with `account`",
            );
        }
    }
}

fn is_role_name(name: &str) -> bool {
    (1..=MAX_ROLE_NAME).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}
