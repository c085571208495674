//! Reads the producer account's live state for [`crate::plan::producer::decide`]: only read
//! calls, all of them concurrently. Component and recipe details are read for the newest version
//! only, which is all the comparison needs.

use futures::future::{try_join, try_join_all, try_join5};

use crate::aws::imagebuilder;
use crate::aws::{AwsError, Session, iam, security_groups};
use crate::plan::producer::{Desired, LiveProducer, LiveVersions, newest};

/// Reads everything the desired resources are compared with.
pub async fn read(session: &Session, desired: &Desired) -> Result<LiveProducer, AwsError> {
    let iam = async {
        match &desired.role {
            Some(role) => {
                try_join(
                    iam::find_role(session, &role.name),
                    iam::find_instance_profile(session, &desired.instance_profile),
                )
                .await
            }
            None => Ok((None, None)),
        }
    };
    let group = async {
        let Some(group) = &desired.security_group else {
            return Ok(None);
        };
        let vpc_id = security_groups::vpc_for(session, group.subnet_id.as_deref()).await?;
        let found = security_groups::find(session, &vpc_id, &group.name).await?;
        Ok::<_, AwsError>(Some((vpc_id, found)))
    };
    let components = try_join_all(desired.components.iter().map(|component| async {
        let versions = imagebuilder::component_versions(session, &component.spec.name).await?;
        let newest = match newest(&versions) {
            Some(newest) => Some(imagebuilder::component(session, &newest.arn).await?),
            None => None,
        };
        Ok::<_, AwsError>(LiveVersions { versions, newest })
    }));
    let recipe = async {
        let versions = imagebuilder::recipe_versions(session, &desired.recipe.name).await?;
        let newest = match newest(&versions) {
            Some(newest) => Some(imagebuilder::recipe(session, &newest.arn).await?),
            None => None,
        };
        Ok::<_, AwsError>(LiveVersions { versions, newest })
    };
    let configs = try_join(
        try_join(
            imagebuilder::find_infrastructure(session, &desired.infrastructure.name),
            imagebuilder::find_distribution(session, &desired.distribution.name),
        ),
        imagebuilder::find_pipeline(session, &desired.pipeline.name),
    );
    let ((role, profile), group, components, recipe, ((infrastructure, distribution), pipeline)) =
        Box::pin(try_join5(iam, group, components, recipe, configs)).await?;
    Ok(LiveProducer {
        role,
        profile,
        group,
        components,
        recipe,
        infrastructure,
        distribution,
        pipeline,
    })
}
