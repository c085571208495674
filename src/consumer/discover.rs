//! Consumer targets as they are at this run: the accounts of OUs (nested OUs included) or of
//! the whole organization, read from AWS Organizations, and the launch templates their owners
//! tagged, read from EC2. Nothing about them is written in the manifest, so an account created
//! in (or moved into) a selected OU is a target at the next run, and one moved out is not.
//!
//! The steps:
//! 1. the targets of consumers that list their account ([`super::targets::listed`]);
//! 2. for consumers with `organizational_units`: each OU walked level by level
//!    (`ListAccountsForParent` and `ListOrganizationalUnitsForParent` per OU, pages of 20);
//!    for `organization = true`: `ListAccounts`, pages of 20;
//! 3. each account goes to one consumer: a consumer that lists the account takes it; otherwise
//!    the consumer whose OU is closest to the account (a Sandbox OU inside Workloads takes
//!    Sandbox's accounts from a Workloads consumer); `organization = true` comes last. The same
//!    OU in two consumers, or `organization = true` twice, is refused by `gold validate`;
//! 4. suspended and closing accounts, and those in `exclude_accounts`, are skipped and reported
//!    with the reason;
//! 5. per account × region, with the role `role_name` in that account: one tag-filtered
//!    `DescribeLaunchTemplates` per `tag` selector, and for `auto_scaling_groups = "all"` one
//!    `DescribeAutoScalingGroups` (paged) whose launch template or mixed instances policy
//!    names the template. An account whose templates cannot be read becomes a failed target of
//!    its consumer's wave: it fails alone;
//! 6. an account found in the organization whose role cannot be assumed (STS answers
//!    `AccessDenied`, as it does for a role that does not exist: a new account the StackSet has
//!    not reached yet) is skipped and reported, as long as no more accounts are unreachable than
//!    `organization.skip_unreachable_accounts` allows; beyond that each fails as in step 5;
//! 7. a `tag` selector that matched no template anywhere it was searched, and OUs (or an
//!    organization) without an active account, are reported as [`Unmatched`].
//!
//! Cost: O(accounts / 20 + OUs) Organizations calls, plus one `DescribeLaunchTemplates` per
//! account × region × tag selector; the role of each account is assumed once.
//!
//! AWS facts relied on: Organizations API Reference (see [`crate::aws::organizations`]);
//! EC2 API Reference, `DescribeLaunchTemplates` (`tag:KEY` filter); EC2 Auto Scaling API
//! Reference, `DescribeAutoScalingGroups` (no filter by launch template).

use std::collections::{BTreeMap, BTreeSet};

use super::concurrently;
use super::targets::{self, Object, Target, TargetFilter};
use crate::Error;
use crate::aws::autoscaling::{self, Group};
use crate::aws::organizations::{self, Account};
use crate::aws::{Access, AwsError, Session, Sessions, launch_templates};
use crate::manifest::{AutoScalingGroups, Consumer, LaunchTemplate, Manifest};
use crate::plan::discovery::{Discovered, SkipReason, Skipped, Unmatched};

/// Per tag selector, (consumer, wave, selector): the places searched and the templates matched.
type Matches = BTreeMap<(String, u32, String), (usize, usize)>;

/// The targets of one run, the targets that could not be looked at, and what Organizations held.
pub struct Found {
    /// Every target, ordered by wave then manifest order.
    pub targets: Vec<Target>,
    /// Selectors that could not be looked up in an account and region, with why: each fails
    /// alone in its consumer's wave.
    pub failed: Vec<(Target, Error)>,
    /// Selectors in accounts gold cannot reach yet, skipped (within the manifest's
    /// `skip_unreachable_accounts`), with why: each is skipped in its consumer's wave.
    pub skipped: Vec<(Target, String)>,
    /// Per consumer that selects by organization: what was found.
    pub discovered: Vec<Discovered>,
    /// Selectors that matched nothing.
    pub unmatched: Vec<Unmatched>,
}

impl Found {
    /// Each selector of a site gold could not look in: failed with the error `failed` makes,
    /// or skipped for `reason` when the organization's skip policy allows.
    fn unreachable(&mut self, site: &Site, failed: Option<&dyn Fn() -> Error>, reason: &str) {
        for selector in &site.selectors {
            let target = site.target(selector.clone());
            match failed {
                Some(error) => self.failed.push((target, error())),
                None => self.skipped.push((target, reason.to_owned())),
            }
        }
    }

    /// One site looked in: its targets, counted against its consumer and its tag selectors'
    /// `matches`; or, when it could not be looked in, its selectors failed or skipped.
    fn add(
        &mut self,
        site: &Site,
        result: Result<Expansion, Error>,
        unreachable: &Unreachable,
        matches: &mut Matches,
    ) {
        let entry = self
            .discovered
            .iter_mut()
            .find(|entry| entry.consumer == site.consumer);
        match result {
            Ok(expansion) => {
                if let Some(entry) = entry {
                    entry.targets += expansion.targets.len();
                }
                for (selector, matched) in expansion.tags {
                    let seen = matches
                        .entry((site.consumer.clone(), site.wave, selector))
                        .or_default();
                    seen.0 += 1;
                    seen.1 += matched;
                }
                self.targets.extend(expansion.targets);
            }
            Err(err) => {
                let (why, reason, failed) = unreachable.verdict(site, &err);
                if let Some(entry) = entry
                    && !entry.skipped.iter().any(|s| s.account == site.account)
                {
                    entry.accounts -= 1;
                    entry.skipped.push(Skipped {
                        account: site.account.clone(),
                        name: site.name.clone().unwrap_or_default(),
                        why,
                        reason: reason.clone(),
                        failed,
                    });
                }
                let error = || unreachable.error(site, &err);
                self.unreachable(site, failed.then_some(&error), &reason);
            }
        }
    }

    /// Every list ordered by wave, then manifest order.
    fn sort(&mut self, manifest: &Manifest) {
        let order: BTreeMap<&str, usize> = manifest
            .consumers
            .iter()
            .enumerate()
            .map(|(i, consumer)| (consumer.name.as_str(), i))
            .collect();
        let rank = |target: &Target| (target.wave, order.get(target.consumer.as_str()).copied());
        self.targets.sort_by_key(rank);
        self.failed.sort_by_key(|(target, _)| rank(target));
        self.skipped.sort_by_key(|(target, _)| rank(target));
    }
}

/// Finds every target the filter keeps.
pub async fn targets(
    manifest: &Manifest,
    sessions: &Sessions,
    filter: &TargetFilter,
    parallelism: usize,
) -> Result<Found, Error> {
    let listed = targets::listed(manifest, filter)?;
    let entries = organization_entries(manifest);
    let kept = entries
        .iter()
        .any(|(_, consumer)| filter.keeps(&consumer.name, consumer.wave));
    let owned = if kept {
        owners(manifest, sessions, &entries).await?
    } else {
        Owners::default()
    };

    let (plain, mut sites): (Vec<Target>, Vec<Site>) = split(listed);
    let discovered = found_in_organization(manifest, filter, &entries, &owned, &mut sites);

    let expanded = concurrently(sites, parallelism, |site| async move {
        let result = expand(sessions, &site).await;
        (site, result)
    })
    .await;
    let mut found = Found {
        targets: plain,
        failed: Vec::new(),
        skipped: Vec::new(),
        unmatched: Vec::new(),
        discovered,
    };
    let unreachable = Unreachable::judge(manifest, &found.discovered, &expanded);
    let mut matches = Matches::new();
    for (site, result) in expanded {
        found.add(&site, result, &unreachable, &mut matches);
    }
    found.unmatched = unmatched(&found.discovered, &owned, &entries, matches);
    found.sort(manifest);
    // A selector that matched nothing is named by a warning (or `--strict`'s error) instead.
    let nothing = found.targets.is_empty() && found.failed.is_empty() && found.skipped.is_empty();
    if nothing && found.unmatched.is_empty() && !kept {
        return Err(targets::nothing_matches(manifest));
    }
    Ok(found)
}

/// Every account the manifest's consumers reach and how gold gets into it: the listed ones,
/// and the active accounts their OUs or the organization hold now. For checks that must see
/// the whole fleet (who still uses an AMI).
pub async fn accounts(
    manifest: &Manifest,
    sessions: &Sessions,
) -> Result<BTreeMap<String, Access>, Error> {
    let mut found = listed_accounts(manifest);
    let entries = organization_entries(manifest);
    if entries.is_empty() {
        return Ok(found);
    }
    for (index, accounts) in owners(manifest, sessions, &entries).await?.owned {
        let role = manifest.consumers[index]
            .role_name
            .as_deref()
            .unwrap_or_default();
        for account in accounts.iter().filter(|account| account.is_active()) {
            found
                .entry(account.id.clone())
                .or_insert_with(|| role_in(account, role));
        }
    }
    Ok(found)
}

/// The consumers that select accounts by OU or take the whole organization, with their
/// manifest index (which decides between two at the same distance).
fn organization_entries(manifest: &Manifest) -> Vec<(usize, &Consumer)> {
    manifest
        .consumers
        .iter()
        .enumerate()
        .filter(|(_, consumer)| consumer.selects_by_organization())
        .collect()
}

/// The accounts consumers list, each with its manifest access.
pub fn listed_accounts(manifest: &Manifest) -> BTreeMap<String, Access> {
    let mut found = BTreeMap::new();
    for consumer in &manifest.consumers {
        if let Some(account) = &consumer.account {
            found.entry(account.clone()).or_insert_with(|| {
                Access::from_manifest(consumer.role_arn.as_deref(), consumer.profile.as_deref())
            });
        }
    }
    found
}

/// The role called `role` in `account`.
fn role_in(account: &Account, role: &str) -> Access {
    Access::Role(format!(
        "arn:{}:iam::{}:role/{role}",
        account.partition(),
        account.id
    ))
}

/// Each kept consumer's accounts: the active ones become sites (one per region), the others
/// and the excluded ones are reported as skipped.
fn found_in_organization(
    manifest: &Manifest,
    filter: &TargetFilter,
    entries: &[(usize, &Consumer)],
    owned: &Owners,
    sites: &mut Vec<Site>,
) -> Vec<Discovered> {
    let mut discovered = Vec::new();
    for &(index, consumer) in entries {
        if !filter.keeps(&consumer.name, consumer.wave) {
            continue;
        }
        let mut entry = Discovered {
            consumer: consumer.name.clone(),
            wave: consumer.wave,
            accounts: 0,
            targets: 0,
            skipped: Vec::new(),
        };
        let role = consumer.role_name.as_deref().unwrap_or_default();
        for account in owned.excluded.get(&index).into_iter().flatten() {
            entry.skipped.push(Skipped {
                account: account.id.clone(),
                name: account.name.clone(),
                why: SkipReason::Excluded,
                reason: "listed in `exclude_accounts`".to_owned(),
                failed: false,
            });
        }
        for account in owned.owned.get(&index).into_iter().flatten() {
            if !account.is_active() {
                entry.skipped.push(Skipped {
                    account: account.id.clone(),
                    name: account.name.clone(),
                    why: SkipReason::Inactive,
                    reason: format!("the account is {}", account.status),
                    failed: false,
                });
                continue;
            }
            entry.accounts += 1;
            let access = role_in(account, role);
            for region in manifest.consumer_regions(consumer) {
                if filter.keeps_region(region) {
                    sites.push(Site {
                        consumer: consumer.name.clone(),
                        wave: consumer.wave,
                        account: account.id.clone(),
                        name: Some(account.name.clone()),
                        access: access.clone(),
                        region: region.clone(),
                        selectors: targets::objects(consumer).collect(),
                    });
                }
            }
        }
        discovered.push(entry);
    }
    discovered
}

/// The same error for another selector of the site.
fn again(err: &Error) -> Error {
    match err {
        Error::Aws(aws) => Error::Aws(aws.clone()),
        other => Error::failed(other.to_string(), other.hint().map(str::to_owned)),
    }
}

/// The role of an account found in the organization that STS refused to let gold assume, when
/// that is why its site failed.
fn unreachable_role<'e>(site: &Site, err: &'e Error) -> Option<&'e str> {
    match err {
        Error::Aws(aws)
            if site.name.is_some() && aws.operation == "AssumeRole" && aws.is_denied() =>
        {
            Some(aws.resource.as_deref().unwrap_or("its role"))
        }
        _ => None,
    }
}

/// The manifest's `skip_unreachable_accounts` applied to this run: how many accounts found in
/// the organization cannot be reached, and whether that is few enough to skip them.
struct Unreachable {
    policy: crate::manifest::SkipLimit,
    /// Accounts found in the organization (active, not excluded), reachable or not.
    found: usize,
    /// How many of them may be skipped.
    allowed: usize,
    /// The unreachable ones.
    accounts: BTreeSet<String>,
}

impl Unreachable {
    fn judge(
        manifest: &Manifest,
        discovered: &[Discovered],
        expanded: &[(Site, Result<Expansion, Error>)],
    ) -> Self {
        let policy = manifest.skip_unreachable_accounts();
        let found = discovered.iter().map(|entry| entry.accounts).sum();
        let accounts = expanded
            .iter()
            .filter(|(site, result)| {
                result
                    .as_ref()
                    .is_err_and(|err| unreachable_role(site, err).is_some())
            })
            .map(|(site, _)| site.account.clone())
            .collect();
        Self {
            allowed: policy.allowed(found),
            policy,
            found,
            accounts,
        }
    }

    fn skips(&self) -> bool {
        self.accounts.len() <= self.allowed
    }

    /// Why `site` failed with `err`, in words, and whether that fails the command.
    fn verdict(&self, site: &Site, err: &Error) -> (SkipReason, String, bool) {
        match unreachable_role(site, err) {
            Some(role) if self.skips() => (
                SkipReason::Unreachable,
                format!(
                    "gold cannot assume `{role}` there (AccessDenied: the role is missing or does not trust gold yet); skipped, as `organization.skip_unreachable_accounts = {}` allows {} of the {} accounts found to be skipped",
                    self.policy, self.allowed, self.found
                ),
                false,
            ),
            Some(_) => (SkipReason::Unreachable, err.to_string(), true),
            None => (SkipReason::Unreadable, err.to_string(), true),
        }
    }

    /// The error each selector of a failed site fails with.
    fn error(&self, site: &Site, err: &Error) -> Error {
        if unreachable_role(site, err).is_none() {
            return again(err);
        }
        Error::failed(
            err.to_string(),
            Some(format!(
                "{} accounts found in the organization cannot be reached, more than `organization.skip_unreachable_accounts = {}` allows ({} of {}): deploy the consumers' role to them (`gold iam consumer --cloudformation` prints a StackSet template), or raise the limit",
                self.accounts.len(),
                self.policy,
                self.allowed,
                self.found
            )),
        )
    }
}

/// The selectors that matched nothing: each consumer's OUs (or organization) without an
/// active account, and each `tag` selector that found no template anywhere it was searched.
fn unmatched(
    discovered: &[Discovered],
    owned: &Owners,
    entries: &[(usize, &Consumer)],
    tags: Matches,
) -> Vec<Unmatched> {
    let mut found = Vec::new();
    for entry in discovered {
        let Some(&(index, consumer)) = entries.iter().find(|(_, c)| c.name == entry.consumer)
        else {
            continue;
        };
        let active = owned
            .owned
            .get(&index)
            .into_iter()
            .flatten()
            .any(Account::is_active);
        if !active {
            found.push(Unmatched {
                consumer: entry.consumer.clone(),
                wave: entry.wave,
                selector: if consumer.organization {
                    "organization".to_owned()
                } else {
                    format!(
                        "organizational_units {}",
                        consumer.organizational_units.join(", ")
                    )
                },
                places: 0,
            });
        }
    }
    for ((consumer, wave, selector), (places, matched)) in tags {
        if matched == 0 {
            found.push(Unmatched {
                consumer,
                wave,
                selector,
                places,
            });
        }
    }
    found.sort_by(|a, b| (a.wave, &a.consumer).cmp(&(b.wave, &b.consumer)));
    found
}

/// One account × region whose selectors need AWS to become targets.
struct Site {
    consumer: String,
    wave: u32,
    account: String,
    /// The account's name in the organization, when it was found there.
    name: Option<String>,
    access: Access,
    region: String,
    selectors: Vec<Object>,
}

impl Site {
    fn target(&self, object: Object) -> Target {
        Target {
            consumer: self.consumer.clone(),
            account: self.account.clone(),
            access: self.access.clone(),
            region: self.region.clone(),
            wave: self.wave,
            object,
        }
    }
}

/// Listed targets that are complete as written, and sites for those with a `tag` selector or
/// `auto_scaling_groups = "all"` (one site per consumer, account and region).
fn split(listed: Vec<Target>) -> (Vec<Target>, Vec<Site>) {
    let mut plain = Vec::new();
    let mut sites: Vec<Site> = Vec::new();
    for target in listed {
        let looked_up = target
            .template()
            .is_some_and(|t| t.tag.is_some() || t.auto_scaling_groups.is_all());
        if !looked_up {
            plain.push(target);
            continue;
        }
        let same = |site: &&mut Site| {
            site.consumer == target.consumer
                && site.account == target.account
                && site.region == target.region
        };
        match sites.iter_mut().find(|site| same(site)) {
            Some(site) => site.selectors.push(target.object),
            None => sites.push(Site {
                consumer: target.consumer,
                wave: target.wave,
                account: target.account,
                name: None,
                access: target.access,
                region: target.region,
                selectors: vec![target.object],
            }),
        }
    }
    (plain, sites)
}

/// One site's targets, and how many templates each of its `tag` selectors matched.
struct Expansion {
    targets: Vec<Target>,
    /// (`tag KEY=VALUE`, templates carrying it).
    tags: Vec<(String, usize)>,
}

/// The selectors of one site as targets: each tag becomes the templates carrying it, and
/// `all` the groups launching from each template.
async fn expand(sessions: &Sessions, site: &Site) -> Result<Expansion, Error> {
    let session = sessions
        .session(&site.account, &site.access, &site.region)
        .await?;
    let mut found: Vec<Target> = Vec::new();
    let mut tags = Vec::new();
    let mut seen = BTreeSet::new();
    for selector in &site.selectors {
        let tag = match selector {
            Object::LaunchTemplate(template) => template.tag.as_ref(),
            Object::Parameter(_) => None,
        };
        let (Some(tag), Object::LaunchTemplate(selector)) = (tag, selector) else {
            found.push(site.target(selector.clone()));
            continue;
        };
        let tagged = launch_templates::tagged(&session, &tag.key, &tag.value).await?;
        tags.push((format!("tag {}={}", tag.key, tag.value), tagged.len()));
        for template in tagged {
            // A template carrying two selected tags is one target, the first selector's.
            if seen.insert(template.id.clone()) {
                found.push(site.target(Object::LaunchTemplate(Box::new(LaunchTemplate {
                    name: Some(template.name),
                    id: Some(template.id),
                    tag: None,
                    ..(**selector).clone()
                }))));
            }
        }
    }
    let every_group = |target: &Target| {
        target
            .template()
            .is_some_and(|t| t.auto_scaling_groups.is_all())
    };
    if found.iter().any(every_group) {
        let groups = autoscaling::all_groups(&session).await?;
        for target in &mut found {
            if let Object::LaunchTemplate(template) = &mut target.object
                && template.auto_scaling_groups.is_all()
            {
                template.auto_scaling_groups = AutoScalingGroups::Named(using(&groups, template));
            }
        }
    }
    Ok(Expansion {
        targets: found,
        tags,
    })
}

/// The names of the groups whose launch template (directly or in a mixed instances policy)
/// is `template`, by id or by name.
fn using(groups: &[Group], template: &LaunchTemplate) -> Vec<String> {
    groups
        .iter()
        .filter(|group| {
            group.template.as_ref().is_some_and(|spec| {
                let by_id = spec.id.is_some() && spec.id == template.id;
                let by_name = spec.name.is_some() && spec.name == template.name;
                by_id || by_name
            })
        })
        .map(|group| group.name.clone())
        .collect()
}

/// Which consumer (by manifest index) each account of the organization belongs to, and the
/// accounts a consumer's `exclude_accounts` left out that no other consumer took.
#[derive(Default)]
struct Owners {
    owned: BTreeMap<usize, Vec<Account>>,
    excluded: BTreeMap<usize, Vec<Account>>,
}

/// Reads the organization and gives each account to its consumer.
async fn owners(
    manifest: &Manifest,
    sessions: &Sessions,
    entries: &[(usize, &Consumer)],
) -> Result<Owners, Error> {
    let access = manifest
        .organization
        .as_ref()
        .map_or(Access::Ambient, |organization| {
            Access::from_manifest(
                organization.role_arn.as_deref(),
                organization.profile.as_deref(),
            )
        });
    let session = sessions
        .session_as(&access, &manifest.producer.region)
        .await?;
    let units: BTreeSet<&str> = entries
        .iter()
        .flat_map(|(_, consumer)| consumer.organizational_units.iter().map(String::as_str))
        .collect();
    let whole = entries.iter().any(|(_, consumer)| consumer.organization);
    let (walked, everyone) = futures::join!(
        futures::future::try_join_all(units.iter().map(|unit| walk(&session, unit))),
        async {
            if whole {
                organizations::accounts(&session).await.map(Some)
            } else {
                Ok(None)
            }
        }
    );
    let walked: BTreeMap<&str, Vec<(Account, u32)>> = units
        .iter()
        .copied()
        .zip(walked.map_err(std::sync::Arc::new)?)
        .collect();
    let everyone = everyone.map_err(std::sync::Arc::new)?.unwrap_or_default();
    assign(manifest, entries, &walked, &everyone)
}

/// Gives each account found to the consumer whose selection is closest to it (see the module
/// documentation); two at the same distance are an error naming both.
fn assign(
    manifest: &Manifest,
    entries: &[(usize, &Consumer)],
    walked: &BTreeMap<&str, Vec<(Account, u32)>>,
    everyone: &[Account],
) -> Result<Owners, Error> {
    let listed: BTreeSet<&str> = manifest
        .consumers
        .iter()
        .filter_map(|consumer| consumer.account.as_deref())
        .collect();
    // account id → (distance from the selecting OU, consumer index, the account)
    let mut claims: BTreeMap<String, Vec<(u32, usize, Account)>> = BTreeMap::new();
    let mut exclusions: Vec<(usize, Account)> = Vec::new();
    for &(index, consumer) in entries {
        for (id, (distance, account)) in selected_by(consumer, walked, everyone) {
            if listed.contains(id.as_str()) {
                continue;
            }
            if consumer.exclude_accounts.contains(&id) {
                exclusions.push((index, account));
                continue;
            }
            claims
                .entry(id)
                .or_default()
                .push((distance, index, account));
        }
    }
    let mut owners = Owners::default();
    let mut conflicts = Vec::new();
    for (id, mut candidates) in claims {
        candidates.sort_by_key(|(distance, index, _)| (*distance, *index));
        if let [(first, a, _), (second, b, _), ..] = candidates.as_slice()
            && first == second
        {
            conflicts.push(crate::error::Cause {
                message: format!(
                    "account {id} is selected by consumers `{}` and `{}` at the same level",
                    manifest.consumers[*a].name, manifest.consumers[*b].name
                ),
                hint: Some(format!("add \"{id}\" to `exclude_accounts` of one of them")),
            });
            continue;
        }
        if let Some((_, index, account)) = candidates.into_iter().next() {
            owners.owned.entry(index).or_default().push(account);
        }
    }
    if !conflicts.is_empty() {
        return Err(Error::Failed {
            message: format!(
                "{} account(s) belong to two consumers; nothing was changed",
                conflicts.len()
            ),
            hint: Some("the consumer whose OU is closest to an account takes it; two consumers with the same OU, or both with `organization = true`, cannot".to_owned()),
            causes: conflicts,
        });
    }
    // An account one consumer excludes and another takes is that other consumer's, not skipped.
    for (index, account) in exclusions {
        let taken = owners
            .owned
            .values()
            .flatten()
            .any(|owned| owned.id == account.id);
        if !taken {
            owners.excluded.entry(index).or_default().push(account);
        }
    }
    Ok(owners)
}

/// The accounts one consumer selects, each at its distance from the closest OU that selects it
/// (`organization = true` selects every account, farthest of all).
fn selected_by(
    consumer: &Consumer,
    walked: &BTreeMap<&str, Vec<(Account, u32)>>,
    everyone: &[Account],
) -> BTreeMap<String, (u32, Account)> {
    let mut mine: BTreeMap<String, (u32, Account)> = BTreeMap::new();
    let selected = consumer
        .organizational_units
        .iter()
        .filter_map(|unit| walked.get(unit.as_str()))
        .flatten()
        .cloned()
        .chain(
            consumer
                .organization
                .then(|| everyone.iter().cloned().map(|account| (account, u32::MAX)))
                .into_iter()
                .flatten(),
        );
    for (account, distance) in selected {
        let closest = mine
            .get(&account.id)
            .is_none_or(|(known, _)| distance < *known);
        if closest {
            mine.insert(account.id.clone(), (distance, account));
        }
    }
    mine
}

/// Every account under `unit`, nested OUs included, with how many levels below `unit` it sits.
async fn walk(session: &Session, unit: &str) -> Result<Vec<(Account, u32)>, AwsError> {
    let mut found = Vec::new();
    let mut level = vec![unit.to_owned()];
    let mut depth = 0;
    // Organizations nests OUs at most five levels deep, and a tree has no cycles.
    while !level.is_empty() {
        let reads = futures::future::join_all(level.iter().map(|parent| async move {
            let (accounts, units) = futures::join!(
                organizations::accounts_under(session, parent),
                organizations::units_under(session, parent)
            );
            Ok::<_, AwsError>((accounts?, units?))
        }))
        .await;
        let mut next = Vec::new();
        for read in reads {
            let (accounts, units) = read?;
            found.extend(accounts.into_iter().map(|account| (account, depth)));
            next.extend(units);
        }
        level = next;
        depth += 1;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::autoscaling::GroupTemplate;

    fn group(name: &str, id: Option<&str>, template_name: Option<&str>) -> Group {
        Group {
            name: name.to_owned(),
            template: Some(GroupTemplate {
                id: id.map(str::to_owned),
                name: template_name.map(str::to_owned),
                version: "$Default".to_owned(),
            }),
            mixed_instances: false,
        }
    }

    #[test]
    fn every_group_naming_the_template_by_id_or_name_is_refreshed() {
        let groups = [
            group("by-id", Some("lt-0123456789abcdef0"), None),
            group("by-name", None, Some("app")),
            group("other", Some("lt-0fffffffffffffff0"), Some("other")),
            Group {
                name: "no-template".to_owned(),
                template: None,
                mixed_instances: false,
            },
        ];
        let template = LaunchTemplate {
            name: Some("app".to_owned()),
            id: Some("lt-0123456789abcdef0".to_owned()),
            tag: None,
            auto_scaling_groups: AutoScalingGroups::default(),
            create: None,
            refresh: crate::manifest::RefreshPreferences::default(),
        };
        assert_eq!(using(&groups, &template), ["by-id", "by-name"]);
    }
}
