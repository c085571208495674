//! AWS Resource Access Manager: the resource share that lets other accounts use the producer's
//! Image Builder image and components, and the invitations a receiving account may have to
//! accept.
//!
//! AWS facts this relies on (AWS RAM API Reference; RAM User Guide, "Sharing your AWS
//! resources", "Enable resource sharing within AWS Organizations"):
//! - a share is regional and is found by `GetResourceShares` with `resourceOwner=SELF` and its
//!   name (names are not unique, so gold also checks its tag); deleted shares stay listed with
//!   status `DELETED` for a while, so only `ACTIVE` ones count;
//! - principals are account ids, organization ARNs or OU ARNs; `AssociateResourceShare` /
//!   `DisassociateResourceShare` add and remove principals and resources, answering
//!   `ASSOCIATING`/`DISASSOCIATING` before they settle;
//! - an organization or OU principal needs organization sharing enabled (trusted access for
//!   `ram.amazonaws.com`, turned on from the management account with
//!   `EnableSharingWithAwsOrganization`); without it RAM answers `UnknownResourceException`
//!   ("Organization o-… could not be found"), which gold classifies as [`Reason::NotFound`];
//! - an account reached outside organization sharing gets an invitation (regional, in the
//!   receiver's `GetResourceShareInvitations`) and sees nothing until it accepts.

use aws_sdk_ram::types::{
    ResourceOwner, ResourceShareAssociationStatus, ResourceShareAssociationType,
    ResourceShareInvitationStatus, ResourceShareStatus, Tag,
};

use super::call::CallExt;
use super::error::{AwsError, Reason};
use super::imagebuilder::Tags;
use super::session::Session;

/// A resource share the account owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Its ARN.
    pub arn: String,
    /// Its tags.
    pub tags: Tags,
}

/// A principal or resource associated with a share.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Association {
    /// The account id, organization or OU ARN, or resource ARN.
    pub entity: String,
    /// `ASSOCIATED`, or `ASSOCIATING` while RAM (or an invitation) has not settled it.
    pub status: String,
    /// Whether the principal is outside the owner's organization.
    pub external: bool,
}

/// The principals and resources of a share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Associations {
    /// Principals.
    pub principals: Vec<Association>,
    /// Resource ARNs.
    pub resources: Vec<Association>,
}

/// An invitation to a share that another account sent to this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The invitation ARN (what `AcceptResourceShareInvitation` takes).
    pub arn: String,
    /// The share's name.
    pub share_name: String,
    /// The account that owns the share.
    pub sender: String,
    /// `PENDING`, `ACCEPTED`, `REJECTED` or `EXPIRED`.
    pub status: String,
}

/// The active share called `name` that this account owns, if any.
pub async fn find_share(session: &Session, name: &str) -> Result<Option<Share>, AwsError> {
    let client = session.ram();
    let mut token = None;
    loop {
        let page = client
            .get_resource_shares()
            .resource_owner(ResourceOwner::SelfValue)
            .name(name)
            .resource_share_status(ResourceShareStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .call_on(session, "GetResourceShares", name)?;
        if let Some(share) = page
            .resource_shares()
            .iter()
            .find(|s| s.name() == Some(name))
        {
            return Ok(share.resource_share_arn().map(|arn| Share {
                arn: arn.to_owned(),
                tags: from_tags(share.tags()),
            }));
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// What a share holds and whom it reaches, leaving out what was disassociated.
pub async fn associations(session: &Session, share_arn: &str) -> Result<Associations, AwsError> {
    let client = session.ram();
    let mut found = Associations::default();
    for kind in [
        ResourceShareAssociationType::Principal,
        ResourceShareAssociationType::Resource,
    ] {
        let mut token = None;
        loop {
            let page = client
                .get_resource_share_associations()
                .association_type(kind.clone())
                .resource_share_arns(share_arn)
                .set_next_token(token)
                .send()
                .await
                .call_on(session, "GetResourceShareAssociations", share_arn)?;
            for a in page.resource_share_associations() {
                let live = matches!(
                    a.status(),
                    Some(
                        ResourceShareAssociationStatus::Associated
                            | ResourceShareAssociationStatus::Associating
                    )
                );
                let Some(entity) = a.associated_entity().filter(|_| live) else {
                    continue;
                };
                let association = Association {
                    entity: entity.to_owned(),
                    status: a.status().map_or("", |s| s.as_str()).to_owned(),
                    external: a.external().unwrap_or(false),
                };
                match kind {
                    ResourceShareAssociationType::Principal => found.principals.push(association),
                    _ => found.resources.push(association),
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(found)
}

/// Creates the share; returns its ARN. An unknown organization or OU principal (organization
/// sharing not enabled) is [`Reason::NotFound`].
pub async fn create_share(
    session: &Session,
    name: &str,
    principals: &[String],
    resources: &[String],
    tags: &Tags,
) -> Result<String, AwsError> {
    let created = session
        .ram()
        .create_resource_share()
        .name(name)
        .set_principals(Some(principals.to_vec()))
        .set_resource_arns(Some(resources.to_vec()))
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .call_classified(session, "CreateResourceShare", name, |err| {
            err.is_unknown_resource_exception()
                .then_some(Reason::NotFound)
        })?;
    created
        .resource_share()
        .and_then(|share| share.resource_share_arn())
        .map(str::to_owned)
        .ok_or_else(|| {
            session
                .site()
                .failure("CreateResourceShare", "RAM returned no share ARN")
                .on(name)
        })
}

/// One list of an association change, sent only when it has members.
type Members = Option<Vec<String>>;

/// The principals and resources of an association change; `None` when there is nothing to
/// change.
fn association(principals: &[String], resources: &[String]) -> Option<(Members, Members)> {
    let listed = |items: &[String]| (!items.is_empty()).then(|| items.to_vec());
    (!principals.is_empty() || !resources.is_empty())
        .then(|| (listed(principals), listed(resources)))
}

/// Adds principals and resources to a share; see [`create_share`] for `NotFound`.
pub async fn associate(
    session: &Session,
    share_arn: &str,
    principals: &[String],
    resources: &[String],
) -> Result<(), AwsError> {
    let Some((principals, resources)) = association(principals, resources) else {
        return Ok(());
    };
    session
        .ram()
        .associate_resource_share()
        .resource_share_arn(share_arn)
        .set_principals(principals)
        .set_resource_arns(resources)
        .send()
        .await
        .call_classified(session, "AssociateResourceShare", share_arn, |err| {
            err.is_unknown_resource_exception()
                .then_some(Reason::NotFound)
        })?;
    Ok(())
}

/// Removes principals and resources from a share.
pub async fn disassociate(
    session: &Session,
    share_arn: &str,
    principals: &[String],
    resources: &[String],
) -> Result<(), AwsError> {
    let Some((principals, resources)) = association(principals, resources) else {
        return Ok(());
    };
    session
        .ram()
        .disassociate_resource_share()
        .resource_share_arn(share_arn)
        .set_principals(principals)
        .set_resource_arns(resources)
        .send()
        .await
        .call_on(session, "DisassociateResourceShare", share_arn)?;
    Ok(())
}

/// Deletes a share; one already gone is not an error.
pub async fn delete_share(session: &Session, share_arn: &str) -> Result<(), AwsError> {
    session
        .ram()
        .delete_resource_share()
        .resource_share_arn(share_arn)
        .send()
        .await
        .call_found(session, "DeleteResourceShare", share_arn, |err| {
            err.is_unknown_resource_exception()
        })?;
    Ok(())
}

/// The invitations other accounts sent to this one, in the session's region.
pub async fn invitations(session: &Session) -> Result<Vec<Invitation>, AwsError> {
    let client = session.ram();
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_resource_share_invitations()
            .set_next_token(token)
            .send()
            .await
            .call(session, "GetResourceShareInvitations")?;
        found.extend(page.resource_share_invitations().iter().filter_map(|i| {
            Some(Invitation {
                arn: i.resource_share_invitation_arn()?.to_owned(),
                share_name: i.resource_share_name().unwrap_or_default().to_owned(),
                sender: i.sender_account_id().unwrap_or_default().to_owned(),
                status: i
                    .status()
                    .map_or(ResourceShareInvitationStatus::Pending.as_str(), |s| {
                        s.as_str()
                    })
                    .to_owned(),
            })
        }));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(found);
        }
    }
}

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

fn from_tags(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect()
}
