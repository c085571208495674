//! AWS Organizations, read-only: the accounts of the whole organization or of one OU, and the
//! OUs directly under a parent, page by page.
//!
//! AWS facts relied on (Organizations API Reference, `ListAccounts`, `ListAccountsForParent`,
//! `ListOrganizationalUnitsForParent`): only the management account or a delegated
//! administrator may call them (`AccessDeniedException` elsewhere); each answers at most
//! `MaxResults` items (1-20) and a `NextToken` until the last page, and a page may hold fewer
//! items than asked even when more follow; `ListAccountsForParent` lists only the accounts
//! directly under the parent, so nested OUs are walked one level at a time; an account's
//! `Status` is `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`; an unknown parent is
//! `ParentNotFoundException`. The service is global; the SDK signs for its home region.

use aws_sdk_organizations::operation::list_accounts_for_parent::ListAccountsForParentError;
use aws_sdk_organizations::operation::list_organizational_units_for_parent::ListOrganizationalUnitsForParentError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::call::CallExt;
use super::error::{AwsError, Reason};
use super::session::Session;

/// Largest page Organizations answers for these operations.
const PAGE: i32 = 20;

/// An account as Organizations lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// 12-digit account id.
    pub id: String,
    /// The account's name.
    pub name: String,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    pub status: String,
    /// `arn:PARTITION:organizations::MANAGEMENT:account/o-…/ID`.
    pub arn: String,
}

impl Account {
    /// Whether gold may work in the account (suspended and closing accounts cannot be used).
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }

    /// The partition the organization lives in (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).unwrap_or("aws")
    }
}

fn account(account: &aws_sdk_organizations::types::Account) -> Option<Account> {
    Some(Account {
        id: account.id()?.to_owned(),
        name: account.name().unwrap_or_default().to_owned(),
        // `State` replaces `Status` (which AWS is retiring); either says ACTIVE or not.
        status: account
            .state()
            .map(aws_sdk_organizations::types::AccountState::as_str)
            .or(account
                .status()
                .map(aws_sdk_organizations::types::AccountStatus::as_str))
            .unwrap_or("ACTIVE")
            .to_owned(),
        arn: account.arn().unwrap_or_default().to_owned(),
    })
}

const WHO_MAY_READ: &str = "AWS Organizations answers only the management account or a delegated administrator: set `[organization] role_arn` (or `profile`) to one of them";

/// Every account of the organization.
pub async fn accounts(session: &Session) -> Result<Vec<Account>, AwsError> {
    let pages = session
        .organizations()
        .list_accounts()
        .max_results(PAGE)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let pages = every_page(pages, session, "ListAccounts", None, |err| {
        (
            err.is_access_denied_exception() || err.is_aws_organizations_not_in_use_exception(),
            false,
        )
    })?;
    Ok(pages
        .iter()
        .flat_map(|page| page.accounts().iter().filter_map(account))
        .collect())
}

/// The accounts directly under a root or OU.
pub async fn accounts_under(session: &Session, parent: &str) -> Result<Vec<Account>, AwsError> {
    let pages = session
        .organizations()
        .list_accounts_for_parent()
        .parent_id(parent)
        .max_results(PAGE)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let pages = every_page(
        pages,
        session,
        "ListAccountsForParent",
        Some(parent),
        |err| {
            (
                err.is_access_denied_exception() || err.is_aws_organizations_not_in_use_exception(),
                ListAccountsForParentError::is_parent_not_found_exception(err),
            )
        },
    )?;
    Ok(pages
        .iter()
        .flat_map(|page| page.accounts().iter().filter_map(account))
        .collect())
}

/// The ids of the OUs directly under a root or OU.
pub async fn units_under(session: &Session, parent: &str) -> Result<Vec<String>, AwsError> {
    let pages = session
        .organizations()
        .list_organizational_units_for_parent()
        .parent_id(parent)
        .max_results(PAGE)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let pages = every_page(
        pages,
        session,
        "ListOrganizationalUnitsForParent",
        Some(parent),
        |err| {
            (
                err.is_access_denied_exception() || err.is_aws_organizations_not_in_use_exception(),
                ListOrganizationalUnitsForParentError::is_parent_not_found_exception(err),
            )
        },
    )?;
    Ok(pages
        .iter()
        .flat_map(|page| page.organizational_units().iter())
        .filter_map(|unit| unit.id().map(str::to_owned))
        .collect())
}

/// Every page of one listing (the paginator stops at the first failed page), or its error
/// naming the call: `classify` says whether the typed error is a denial (answered with who may
/// read the organization) and whether it is an unknown `parent`.
#[expect(
    clippy::result_large_err,
    reason = "it hands on the SDK's own error, which the paginator returns by value"
)]
fn every_page<O, E>(
    pages: Result<Vec<O>, SdkError<E, HttpResponse>>,
    session: &Session,
    operation: &'static str,
    parent: Option<&str>,
    classify: impl FnOnce(&E) -> (bool, bool),
) -> Result<Vec<O>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut denied = false;
    let pages = pages.call_classified(
        session,
        operation,
        parent.unwrap_or("the organization"),
        |err| {
            let (refused, unknown) = classify(err);
            denied = refused;
            unknown.then_some(Reason::NotFound)
        },
    );
    pages.map_err(|err| {
        let err = who_may_read(err, denied);
        match parent {
            Some(parent) => unknown_parent(err, parent),
            None => err,
        }
    })
}

fn who_may_read(err: AwsError, denied: bool) -> AwsError {
    if denied {
        err.with_hint(WHO_MAY_READ)
    } else {
        err
    }
}

fn unknown_parent(err: AwsError, parent: &str) -> AwsError {
    if err.is_not_found() {
        err.with_hint(format!(
            "no OU `{parent}` in this organization; check `organizational_units` (`aws organizations list-organizational-units-for-parent`)"
        ))
    } else {
        err
    }
}
