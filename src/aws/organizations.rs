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

use aws_sdk_organizations::operation::list_accounts::ListAccountsError;
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
    let request = session.organizations().list_accounts().max_results(PAGE);
    let pages = request.into_paginator().send().try_collect().await;
    let pages = every_page(pages, session, "ListAccounts", None)?;
    Ok(pages
        .iter()
        .flat_map(|page| page.accounts().iter().filter_map(account))
        .collect())
}

/// The accounts directly under a root or OU.
pub async fn accounts_under(session: &Session, parent: &str) -> Result<Vec<Account>, AwsError> {
    let request = session.organizations().list_accounts_for_parent();
    let request = request.parent_id(parent).max_results(PAGE);
    let pages = request.into_paginator().send().try_collect().await;
    let pages = every_page(pages, session, "ListAccountsForParent", Some(parent))?;
    Ok(pages
        .iter()
        .flat_map(|page| page.accounts().iter().filter_map(account))
        .collect())
}

/// The ids of the OUs directly under a root or OU.
pub async fn units_under(session: &Session, parent: &str) -> Result<Vec<String>, AwsError> {
    let request = session
        .organizations()
        .list_organizational_units_for_parent();
    let request = request.parent_id(parent).max_results(PAGE);
    let pages = request.into_paginator().send().try_collect().await;
    let pages = every_page(
        pages,
        session,
        "ListOrganizationalUnitsForParent",
        Some(parent),
    )?;
    Ok(pages
        .iter()
        .flat_map(|page| page.organizational_units().iter())
        .filter_map(|unit| unit.id().map(str::to_owned))
        .collect())
}

/// What a listing's typed error says: a caller that may not read the organization, or a parent
/// that does not exist. Each operation has its own error type with the same variants and no
/// trait in common, so `refusal!` implements it for each.
trait Refusal: ProvideErrorMetadata + std::error::Error + 'static {
    /// `AccessDeniedException` or `AWSOrganizationsNotInUseException`.
    fn denied(&self) -> bool;
    /// `ParentNotFoundException`, for the operations that take a parent.
    fn unknown_parent(&self) -> bool {
        false
    }
}

macro_rules! refusal {
    ($error:ty $(, $unknown_parent:ident)?) => {
        impl Refusal for $error {
            fn denied(&self) -> bool {
                self.is_access_denied_exception() || self.is_aws_organizations_not_in_use_exception()
            }
            $(
                fn unknown_parent(&self) -> bool {
                    self.$unknown_parent()
                }
            )?
        }
    };
}

refusal!(ListAccountsError);
refusal!(ListAccountsForParentError, is_parent_not_found_exception);
refusal!(
    ListOrganizationalUnitsForParentError,
    is_parent_not_found_exception
);

/// Every page of one listing (the paginator stops at the first failed page), or its error
/// naming the call: a denial is answered with who may read the organization, an unknown
/// `parent` with where to look for it.
#[expect(
    clippy::result_large_err,
    reason = "it hands on the SDK's own error, which the paginator returns by value"
)]
fn every_page<O, E: Refusal>(
    pages: Result<Vec<O>, SdkError<E, HttpResponse>>,
    session: &Session,
    operation: &'static str,
    parent: Option<&str>,
) -> Result<Vec<O>, AwsError> {
    let mut denied = false;
    let pages = pages.call_classified(
        session,
        operation,
        parent.unwrap_or("the organization"),
        |err| {
            denied = err.denied();
            err.unknown_parent().then_some(Reason::NotFound)
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
