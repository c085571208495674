//! The one table of what gold's AWS calls need: for every operation an adapter makes, the IAM
//! actions it needs (its own and the dependent ones), on what kind of resource, in which
//! policy (the producer operator's, the consumer rollout role's, the organization reader's) and
//! for which part of a manifest. `gold iam` prints policies from it, an `AccessDenied` names its
//! actions, and a test fails when an adapter calls an operation the table does not list, so the
//! policy and the code cannot drift apart.
//!
//! AWS facts relied on (Service Authorization Reference, "Actions, resources, and condition keys
//! for" Amazon EC2, Amazon EC2 Auto Scaling, EC2 Image Builder, IAM, AWS STS, AWS Organizations,
//! AWS Systems Manager, AWS RAM and AWS KMS):
//! - `Describe*`/`List*` actions of EC2, Auto Scaling, Image Builder and Organizations have no
//!   resource-level permissions: they need `"Resource": "*"`.
//! - EC2 launch templates, security groups, AMIs and snapshots, Auto Scaling groups, every Image
//!   Builder resource and IAM roles and instance profiles take resource ARNs; EC2 and Auto
//!   Scaling writes take `aws:ResourceTag/…`, creates `aws:RequestTag/…`.
//! - Tag-on-create (EC2 User Guide, "Grant permission to tag resources during creation"): a
//!   create with `TagSpecifications` also needs `ec2:CreateTags`, conditioned on
//!   `ec2:CreateAction`. Image Builder creates with `tags` need `imagebuilder:TagResource`;
//!   IAM `CreateRole`/`CreateInstanceProfile` with `Tags` need `iam:TagRole`/`iam:TagInstanceProfile`.
//! - `iam:PassRole` (IAM User Guide, "Grant a user permissions to pass a role"): Image Builder's
//!   Create/UpdateInfrastructureConfiguration and IAM's AddRoleToInstanceProfile pass the build
//!   role to `ec2.amazonaws.com`.
//! - `CreateImagePipeline` creates Image Builder's service-linked role on first use
//!   (`iam:CreateServiceLinkedRole` for `imagebuilder.amazonaws.com`). The reference's
//!   "Dependent actions": `CreateImageRecipe` reads the parent image (`imagebuilder:GetImage`)
//!   and every component it names, AWS-managed and shared ones too (`GetComponent`);
//!   `Create`/`UpdateImagePipeline` read the recipe and configurations they name;
//!   `StartImagePipelineExecution` reads the pipeline (`GetImagePipeline`);
//!   `Create`/`UpdateInfrastructureConfiguration` publish to its SNS topic (`sns:Publish`);
//!   `Create`/`UpdateDistributionConfiguration` read the SSM parameter they write
//!   (`ssm:GetParameter`); an `aws:ec2:image` `PutParameter` is validated with the caller's
//!   `ec2:DescribeImages` (Systems Manager User Guide, "Troubleshooting `aws:ec2:image`
//!   parameter creation").
//! - Auto Scaling User Guide, "Control Amazon EC2 launch template usage in Auto Scaling groups":
//!   a refresh with a `DesiredConfiguration` (gold sends one for groups pinned to a version and
//!   for `auto_rollback`) is authorized like a launch from the template: `ec2:RunInstances` on the
//!   template and on what it launches with (image, instance, volumes, network interfaces,
//!   security groups, subnets), `iam:PassRole` for its instance profile's role, `ec2:CreateTags`
//!   when it tags what it launches, `ssm:GetParameters` for a `resolve:ssm:` image. Whether a
//!   group is pinned, and what a template holds, is live state, so the policy allows all of it.
//! - `ram:CreateResourceShare` has no resource type (`"*"`), narrowed by request keys only
//!   (`aws:RequestTag`, `ram:RequestedResourceType`, `ram:ResourceArn`, `ram:Principal`).
//! - `ec2:CreateImageUsageReport` is authorized on the image and on the report being made
//!   (`image-usage-report/*`); `DescribeImageReferences` and the usage report reads take `"*"`.
//! - `sts:GetCallerIdentity` needs no permission (STS API reference).
//! - A pipeline with `imageScanningEnabled` has Image Builder check Amazon Inspector with the
//!   caller's `inspector2:BatchGetAccountStatus` (Image Builder User Guide, "Configure security
//!   scans for Image Builder images"); `ssm:GetParametersByPath` is authorized on the path's own
//!   parameter ARN (Systems Manager User Guide, "Restricting access to Parameter Store
//!   parameters using IAM policies").
//! - EC2's `GetEbsEncryptionByDefault` and `GetEbsDefaultKmsKeyId` have no resource type; KMS
//!   actions take the key's ARN (an alias ARN authorizes as its key), and `kms:CreateGrant`
//!   takes `kms:GranteePrincipal` and `kms:GrantOperations`. Another account's key also needs
//!   its key policy to allow the caller (AWS KMS Developer Guide, "Allowing users in other
//!   accounts to use a KMS key"); `gold iam kms-key` prints that policy.

/// Which policy a permission belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The identity that runs gold, in the producer account (`gold iam producer`).
    Producer,
    /// The rollout role in every consumer account (`gold iam consumer`).
    Consumer,
    /// Whoever reads the organization's accounts and OUs (`gold iam organization`).
    OrganizationReader,
}

/// What part of a manifest makes gold call an operation; a policy holds only what its manifest needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Every manifest.
    Always,
    /// `infrastructure.instance_profile = "create"`: gold creates the build role and profile.
    BuildRole,
    /// `infrastructure.security_group = "egress-only"`.
    BuildSecurityGroup,
    /// That group, in the VPC of `infrastructure.subnet_id`.
    BuildSubnet,
    /// That group, in the region's default VPC (no `subnet_id`).
    BuildDefaultVpc,
    /// Some launch template is marked `create`.
    CreatedTemplates,
    /// Some created launch template asks for gold's egress-only security group.
    ConsumerSecurityGroup,
    /// Some launch template lists Auto Scaling groups to refresh.
    AutoScaling,
    /// Some consumer is reached through a role.
    ConsumerRoles,
    /// Some launch template is selected by tag.
    TaggedTemplates,
    /// `gold retire` / `gold prune`: any manifest's builds.
    Retire,
    /// Some consumer keeps SSM parameters.
    SsmParameters,
    /// `[sharing]`: the image and components shared through AWS RAM.
    RamSharing,
    /// Some consumer takes the whole organization (`organization = true`).
    WholeOrganization,
    /// The recipe's parent is another account's shared image: `status` reads AMI ancestry.
    SharedParent,
    /// The recipe uses another account's shared image or components: `plan` and `up` check
    /// they are visible, and name a pending RAM invitation when not.
    SharedResources,
    /// `[organization]` names a role to read the organization through.
    OrganizationRole,
    /// `[[channels]]`: the channels' history in Parameter Store, and deregistration protection
    /// of the builds they hold.
    Channels,
    /// `[scanning] enabled`: the pipeline scans its builds and `gold promote` reads the findings.
    Scanning,
    /// `distribution.kms_key_id`: `plan` and `up` check the key can serve the consumers.
    EncryptionKey,
    /// That key, and some launch template lists Auto Scaling groups: each consumer account
    /// grants the key to its Auto Scaling service-linked role.
    EncryptedAutoScaling,
}

/// What an action applies to; the `access` module turns each into ARNs and conditions for a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// No resource-level permissions: `"*"`.
    Any,
    /// Launch templates gold may move: tagged for the manifest, or named by id in it.
    RolloutTemplate,
    /// Launch templates gold created (tagged for the manifest and as gold's).
    CreatedTemplate,
    /// A launch template being created with the manifest's tags.
    NewTemplate,
    /// `ec2:CreateTags` while creating a launch template.
    TagNewTemplate,
    /// Security groups gold created for the manifest.
    GoldSecurityGroup,
    /// A security group being created with the manifest's tags.
    NewSecurityGroup,
    /// `ec2:CreateTags` while creating a security group.
    TagNewSecurityGroup,
    /// The VPC a new security group goes in.
    Vpc,
    /// The Auto Scaling groups the manifest lists.
    AutoScalingGroup,
    /// AMIs gold's pipeline built (tagged for the manifest).
    BuiltAmi,
    /// EBS snapshots of those AMIs, which gold tags for the manifest before it deletes them.
    Snapshot,
    /// Tagging a snapshot for the manifest (only with that tag).
    TagSnapshot,
    /// The build instances' role gold creates.
    BuildRole,
    /// Attaching or detaching the build role's managed policies (`iam:PolicyARN`).
    BuildRolePolicy,
    /// Passing the build role to EC2.
    PassBuildRole,
    /// The build instances' instance profile gold creates.
    BuildInstanceProfile,
    /// Image Builder's service-linked role.
    ImageBuilderServiceRole,
    /// The manifest's Image Builder components.
    Component,
    /// The manifest's image recipe.
    Recipe,
    /// The manifest's infrastructure configuration.
    Infrastructure,
    /// The manifest's distribution configuration.
    Distribution,
    /// The manifest's pipeline.
    Pipeline,
    /// The images (builds) of the pipeline.
    BuiltImage,
    /// The Image Builder image a recipe starts from (AWS-managed or shared), every version.
    ParentImage,
    /// The components a recipe names by ARN (AWS-managed or shared), every version.
    RecipeComponent,
    /// The build instances' SNS topic.
    BuildTopic,
    /// The SSM parameter the distribution writes each AMI id to.
    DistributionParameter,
    /// The roles gold assumes: each consumer's, the producer's and the organization reader's,
    /// when the manifest names them.
    ManifestRole,
    /// The SSM parameters the manifest names.
    Parameter,
    /// RAM resource shares gold creates.
    ResourceShare,
    /// A RAM resource share being created, with the manifest's tag, resources and principals.
    NewResourceShare,
    /// The producer's AMIs, launched from a template Auto Scaling uses.
    LaunchedImage,
    /// What a launch from a template creates or joins (instances, volumes, network interfaces,
    /// security groups, subnets).
    LaunchResources,
    /// The instance profile role a template names, passed to EC2.
    PassLaunchRole,
    /// `ec2:CreateTags` while a template launches and tags instances, volumes or interfaces.
    TagLaunched,
    /// The parameters below the manifest's channel path in the producer account.
    ChannelLog,
    /// The KMS key `distribution.kms_key_id` names.
    EncryptionKey,
    /// A grant on that key to a consumer account's Auto Scaling service-linked role (only to it).
    GrantKeyToAutoScaling,
    /// The AMI usage reports the producer makes of its AMIs.
    UsageReport,
}

/// One IAM action on one kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// `ec2:CreateLaunchTemplateVersion`.
    pub action: &'static str,
    /// What it applies to.
    pub scope: Scope,
}

/// What one operation needs on one side.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    /// The API operation, as the adapters name it (`CreateLaunchTemplateVersion`).
    pub operation: &'static str,
    /// The service's IAM prefix (`ec2`); it tells operations of the same name apart.
    pub service: &'static str,
    /// The policy it belongs in.
    pub side: Side,
    /// When the manifest needs it.
    pub need: Need,
    /// The actions, the operation's own first; empty when the call needs no permission.
    pub grants: &'static [Grant],
}

const fn on(action: &'static str, scope: Scope) -> Grant {
    Grant { action, scope }
}

const fn row(
    service: &'static str,
    operation: &'static str,
    side: Side,
    need: Need,
    grants: &'static [Grant],
) -> Permission {
    Permission {
        operation,
        service,
        side,
        need,
        grants,
    }
}

use Need::{
    Always, AutoScaling, BuildDefaultVpc, BuildRole, BuildSecurityGroup, BuildSubnet, Channels,
    ConsumerRoles, ConsumerSecurityGroup, CreatedTemplates, EncryptedAutoScaling, OrganizationRole,
    RamSharing, Retire, Scanning, SharedParent, SharedResources, SsmParameters, TaggedTemplates,
    WholeOrganization,
};
use Scope::{
    Any, BuildInstanceProfile, BuildRolePolicy, BuildTopic, BuiltAmi, BuiltImage, ChannelLog,
    Component, CreatedTemplate, Distribution, DistributionParameter, EncryptionKey,
    GoldSecurityGroup, GrantKeyToAutoScaling, ImageBuilderServiceRole, Infrastructure,
    LaunchResources, LaunchedImage, ManifestRole, NewResourceShare, NewSecurityGroup, NewTemplate,
    Parameter, ParentImage, PassBuildRole, PassLaunchRole, Pipeline, Recipe, RecipeComponent,
    ResourceShare, RolloutTemplate, Snapshot, TagLaunched, TagNewSecurityGroup, TagNewTemplate,
    TagSnapshot, UsageReport, Vpc,
};
use Side::{Consumer, OrganizationReader, Producer};

/// Every operation gold calls, with what it needs. Rows for one operation on both sides are
/// separate: each side's policy is scoped on its own.
#[rustfmt::skip]
pub const PERMISSIONS: &[Permission] = &[
    // --- STS: reaching the accounts ----------------------------------------------------
    row("sts", "GetCallerIdentity", Producer, Always, &[]),
    row("sts", "GetCallerIdentity", Consumer, Always, &[]),
    row("sts", "AssumeRole", Producer, ConsumerRoles, &[on("sts:AssumeRole", ManifestRole)]),
    row("sts", "AssumeRole", Producer, OrganizationRole, &[on("sts:AssumeRole", ManifestRole)]),
    // --- consumer accounts: launch templates, their security group, Auto Scaling ---------
    row("ec2", "DescribeImages", Consumer, Always, &[on("ec2:DescribeImages", Any)]),
    row("ec2", "GetAllowedImagesSettings", Consumer, Always, &[on("ec2:GetAllowedImagesSettings", Any)]),
    row("ec2", "DescribeLaunchTemplateVersions", Consumer, Always, &[on("ec2:DescribeLaunchTemplateVersions", Any)]),
    row("ec2", "CreateLaunchTemplateVersion", Consumer, Always, &[on("ec2:CreateLaunchTemplateVersion", RolloutTemplate)]),
    row("ec2", "ModifyLaunchTemplate", Consumer, Always, &[on("ec2:ModifyLaunchTemplate", RolloutTemplate)]),
    row("ec2", "DescribeLaunchTemplates", Consumer, CreatedTemplates, &[on("ec2:DescribeLaunchTemplates", Any)]),
    row("ec2", "DescribeLaunchTemplates", Consumer, TaggedTemplates, &[on("ec2:DescribeLaunchTemplates", Any)]),
    row("ec2", "CreateLaunchTemplate", Consumer, CreatedTemplates, &[
        on("ec2:CreateLaunchTemplate", NewTemplate),
        on("ec2:CreateTags", TagNewTemplate),
    ]),
    row("ec2", "DeleteLaunchTemplate", Consumer, CreatedTemplates, &[on("ec2:DeleteLaunchTemplate", CreatedTemplate)]),
    row("ec2", "DescribeSecurityGroups", Consumer, CreatedTemplates, &[on("ec2:DescribeSecurityGroups", Any)]),
    row("ec2", "DescribeVpcs", Consumer, ConsumerSecurityGroup, &[on("ec2:DescribeVpcs", Any)]),
    row("ec2", "CreateSecurityGroup", Consumer, ConsumerSecurityGroup, &[
        on("ec2:CreateSecurityGroup", NewSecurityGroup),
        on("ec2:CreateSecurityGroup", Vpc),
        on("ec2:CreateTags", TagNewSecurityGroup),
    ]),
    row("ec2", "DeleteSecurityGroup", Consumer, ConsumerSecurityGroup, &[on("ec2:DeleteSecurityGroup", GoldSecurityGroup)]),
    row("autoscaling", "DescribeAutoScalingGroups", Consumer, AutoScaling, &[on("autoscaling:DescribeAutoScalingGroups", Any)]),
    row("autoscaling", "DescribeInstanceRefreshes", Consumer, AutoScaling, &[on("autoscaling:DescribeInstanceRefreshes", Any)]),
    row("autoscaling", "StartInstanceRefresh", Consumer, AutoScaling, &[
        on("autoscaling:StartInstanceRefresh", Scope::AutoScalingGroup),
        on("ec2:RunInstances", RolloutTemplate),
        on("ec2:RunInstances", LaunchedImage),
        on("ec2:RunInstances", LaunchResources),
        on("iam:PassRole", PassLaunchRole),
        on("ec2:CreateTags", TagLaunched),
        on("ssm:GetParameters", Parameter),
    ]),
    // --- producer account: the build role and profile ------------------------------------
    row("iam", "GetRole", Producer, Always, &[on("iam:GetRole", Scope::BuildRole)]),
    row("iam", "ListAttachedRolePolicies", Producer, Always, &[on("iam:ListAttachedRolePolicies", Scope::BuildRole)]),
    row("iam", "GetInstanceProfile", Producer, Always, &[on("iam:GetInstanceProfile", BuildInstanceProfile)]),
    row("iam", "CreateRole", Producer, BuildRole, &[
        on("iam:CreateRole", Scope::BuildRole),
        on("iam:TagRole", Scope::BuildRole),
    ]),
    row("iam", "AttachRolePolicy", Producer, BuildRole, &[on("iam:AttachRolePolicy", BuildRolePolicy)]),
    row("iam", "CreateInstanceProfile", Producer, BuildRole, &[
        on("iam:CreateInstanceProfile", BuildInstanceProfile),
        on("iam:TagInstanceProfile", BuildInstanceProfile),
    ]),
    row("iam", "AddRoleToInstanceProfile", Producer, BuildRole, &[
        on("iam:AddRoleToInstanceProfile", BuildInstanceProfile),
        on("iam:PassRole", PassBuildRole),
    ]),
    row("iam", "RemoveRoleFromInstanceProfile", Producer, BuildRole, &[on("iam:RemoveRoleFromInstanceProfile", BuildInstanceProfile)]),
    row("iam", "DeleteInstanceProfile", Producer, BuildRole, &[on("iam:DeleteInstanceProfile", BuildInstanceProfile)]),
    row("iam", "DetachRolePolicy", Producer, BuildRole, &[on("iam:DetachRolePolicy", BuildRolePolicy)]),
    row("iam", "DeleteRole", Producer, BuildRole, &[on("iam:DeleteRole", Scope::BuildRole)]),
    // --- producer account: the build instances' security group ---------------------------
    row("ec2", "DescribeSecurityGroups", Producer, Always, &[on("ec2:DescribeSecurityGroups", Any)]),
    row("ec2", "DescribeVpcs", Producer, BuildDefaultVpc, &[on("ec2:DescribeVpcs", Any)]),
    row("ec2", "DescribeSubnets", Producer, BuildSubnet, &[on("ec2:DescribeSubnets", Any)]),
    row("ec2", "CreateSecurityGroup", Producer, BuildSecurityGroup, &[
        on("ec2:CreateSecurityGroup", NewSecurityGroup),
        on("ec2:CreateSecurityGroup", Vpc),
        on("ec2:CreateTags", TagNewSecurityGroup),
    ]),
    row("ec2", "RevokeSecurityGroupIngress", Producer, BuildSecurityGroup, &[on("ec2:RevokeSecurityGroupIngress", GoldSecurityGroup)]),
    row("ec2", "DeleteSecurityGroup", Producer, Always, &[on("ec2:DeleteSecurityGroup", GoldSecurityGroup)]),
    // --- producer account: AMIs (`destroy --images`) --------------------------------------
    row("ec2", "DescribeImages", Producer, Always, &[on("ec2:DescribeImages", Any)]),
    row("ec2", "DeregisterImage", Producer, Always, &[on("ec2:DeregisterImage", BuiltAmi)]),
    row("ec2", "DeleteSnapshot", Producer, Always, &[on("ec2:DeleteSnapshot", Snapshot)]),
    row("ec2", "CreateTags", Producer, Always, &[on("ec2:CreateTags", TagSnapshot)]),
    // --- producer account: Image Builder --------------------------------------------------
    row("imagebuilder", "ListComponents", Producer, Always, &[on("imagebuilder:ListComponents", Any)]),
    row("imagebuilder", "ListComponentBuildVersions", Producer, Always, &[on("imagebuilder:ListComponentBuildVersions", Component)]),
    row("imagebuilder", "GetComponent", Producer, Always, &[
        on("imagebuilder:GetComponent", Component),
        on("imagebuilder:GetComponent", RecipeComponent),
    ]),
    row("imagebuilder", "CreateComponent", Producer, Always, &[
        on("imagebuilder:CreateComponent", Component),
        on("imagebuilder:TagResource", Component),
    ]),
    row("imagebuilder", "DeleteComponent", Producer, Always, &[on("imagebuilder:DeleteComponent", Component)]),
    row("imagebuilder", "ListImageRecipes", Producer, Always, &[on("imagebuilder:ListImageRecipes", Any)]),
    row("imagebuilder", "GetImageRecipe", Producer, Always, &[on("imagebuilder:GetImageRecipe", Recipe)]),
    row("imagebuilder", "CreateImageRecipe", Producer, Always, &[
        on("imagebuilder:CreateImageRecipe", Recipe),
        on("imagebuilder:TagResource", Recipe),
        on("imagebuilder:GetComponent", Component),
        on("imagebuilder:GetComponent", RecipeComponent),
        on("imagebuilder:GetImage", ParentImage),
    ]),
    row("imagebuilder", "DeleteImageRecipe", Producer, Always, &[on("imagebuilder:DeleteImageRecipe", Recipe)]),
    row("imagebuilder", "ListInfrastructureConfigurations", Producer, Always, &[on("imagebuilder:ListInfrastructureConfigurations", Any)]),
    row("imagebuilder", "GetInfrastructureConfiguration", Producer, Always, &[on("imagebuilder:GetInfrastructureConfiguration", Infrastructure)]),
    row("imagebuilder", "CreateInfrastructureConfiguration", Producer, Always, &[
        on("imagebuilder:CreateInfrastructureConfiguration", Infrastructure),
        on("imagebuilder:TagResource", Infrastructure),
        on("iam:PassRole", PassBuildRole),
        on("sns:Publish", BuildTopic),
    ]),
    row("imagebuilder", "UpdateInfrastructureConfiguration", Producer, Always, &[
        on("imagebuilder:UpdateInfrastructureConfiguration", Infrastructure),
        on("iam:PassRole", PassBuildRole),
        on("sns:Publish", BuildTopic),
    ]),
    row("imagebuilder", "DeleteInfrastructureConfiguration", Producer, Always, &[on("imagebuilder:DeleteInfrastructureConfiguration", Infrastructure)]),
    row("imagebuilder", "ListDistributionConfigurations", Producer, Always, &[on("imagebuilder:ListDistributionConfigurations", Any)]),
    row("imagebuilder", "GetDistributionConfiguration", Producer, Always, &[on("imagebuilder:GetDistributionConfiguration", Distribution)]),
    row("imagebuilder", "CreateDistributionConfiguration", Producer, Always, &[
        on("imagebuilder:CreateDistributionConfiguration", Distribution),
        on("imagebuilder:TagResource", Distribution),
        on("ssm:GetParameter", DistributionParameter),
    ]),
    row("imagebuilder", "UpdateDistributionConfiguration", Producer, Always, &[
        on("imagebuilder:UpdateDistributionConfiguration", Distribution),
        on("ssm:GetParameter", DistributionParameter),
    ]),
    row("imagebuilder", "DeleteDistributionConfiguration", Producer, Always, &[on("imagebuilder:DeleteDistributionConfiguration", Distribution)]),
    row("imagebuilder", "ListImagePipelines", Producer, Always, &[on("imagebuilder:ListImagePipelines", Any)]),
    row("imagebuilder", "CreateImagePipeline", Producer, Always, &[
        on("imagebuilder:CreateImagePipeline", Pipeline),
        on("imagebuilder:TagResource", Pipeline),
        on("iam:CreateServiceLinkedRole", ImageBuilderServiceRole),
        on("imagebuilder:GetImageRecipe", Recipe),
        on("imagebuilder:GetInfrastructureConfiguration", Infrastructure),
        on("imagebuilder:GetDistributionConfiguration", Distribution),
    ]),
    row("imagebuilder", "UpdateImagePipeline", Producer, Always, &[
        on("imagebuilder:UpdateImagePipeline", Pipeline),
        on("imagebuilder:GetImageRecipe", Recipe),
        on("imagebuilder:GetInfrastructureConfiguration", Infrastructure),
        on("imagebuilder:GetDistributionConfiguration", Distribution),
    ]),
    row("imagebuilder", "DeleteImagePipeline", Producer, Always, &[on("imagebuilder:DeleteImagePipeline", Pipeline)]),
    row("imagebuilder", "StartImagePipelineExecution", Producer, Always, &[
        on("imagebuilder:StartImagePipelineExecution", Pipeline),
        on("imagebuilder:GetImagePipeline", Pipeline),
    ]),
    row("imagebuilder", "ListImages", Producer, Always, &[on("imagebuilder:ListImages", Any)]),
    row("imagebuilder", "ListImageBuildVersions", Producer, Always, &[
        on("imagebuilder:ListImageBuildVersions", BuiltImage),
        on("imagebuilder:ListImageBuildVersions", ParentImage),
    ]),
    row("imagebuilder", "GetImage", Producer, Always, &[
        on("imagebuilder:GetImage", BuiltImage),
        on("imagebuilder:GetImage", ParentImage),
    ]),
    row("imagebuilder", "CancelImageCreation", Producer, Always, &[on("imagebuilder:CancelImageCreation", BuiltImage)]),
    row("imagebuilder", "DeleteImage", Producer, Always, &[on("imagebuilder:DeleteImage", BuiltImage)]),
    row("imagebuilder", "ListWorkflowExecutions", Producer, Always, &[on("imagebuilder:ListWorkflowExecutions", BuiltImage)]),
    row("imagebuilder", "ListWorkflowStepExecutions", Producer, Always, &[on("imagebuilder:ListWorkflowStepExecutions", Any)]),
    row("imagebuilder", "TagResource", Producer, Always, &[
        on("imagebuilder:TagResource", BuiltImage),
        on("imagebuilder:TagResource", Component),
        on("imagebuilder:TagResource", Recipe),
        on("imagebuilder:TagResource", Infrastructure),
        on("imagebuilder:TagResource", Distribution),
        on("imagebuilder:TagResource", Pipeline),
    ]),
    // --- the organization: accounts discovered from OUs (`organizational_units`) ----------
    row("organizations", "ListOrganizationalUnitsForParent", OrganizationReader, Always, &[on("organizations:ListOrganizationalUnitsForParent", Any)]),
    row("organizations", "ListAccountsForParent", OrganizationReader, Always, &[on("organizations:ListAccountsForParent", Any)]),
    row("organizations", "ListAccounts", OrganizationReader, WholeOrganization, &[on("organizations:ListAccounts", Any)]),
    // --- retiring and pruning builds, SSM parameter targets, layered images through RAM --
    row("ec2", "EnableImageDeprecation", Producer, Retire, &[on("ec2:EnableImageDeprecation", BuiltAmi)]),
    row("ec2", "DisableImage", Producer, Retire, &[on("ec2:DisableImage", BuiltAmi)]),
    row("ec2", "CreateTags", Producer, Retire, &[on("ec2:CreateTags", BuiltAmi)]),
    row("ec2", "CreateImageUsageReport", Producer, Retire, &[
        on("ec2:CreateImageUsageReport", BuiltAmi),
        on("ec2:CreateImageUsageReport", UsageReport),
    ]),
    row("ec2", "DescribeImageUsageReports", Producer, Retire, &[on("ec2:DescribeImageUsageReports", Any)]),
    row("ec2", "DescribeImageUsageReportEntries", Producer, Retire, &[on("ec2:DescribeImageUsageReportEntries", Any)]),
    row("ec2", "DeleteLaunchTemplateVersions", Consumer, Retire, &[on("ec2:DeleteLaunchTemplateVersions", RolloutTemplate)]),
    row("ec2", "DescribeImageReferences", Consumer, Retire, &[on("ec2:DescribeImageReferences", Any)]),
    row("ec2", "DescribeInstances", Consumer, Retire, &[on("ec2:DescribeInstances", Any)]),
    row("ec2", "DescribeLaunchTemplates", Consumer, Retire, &[on("ec2:DescribeLaunchTemplates", Any)]),
    row("ec2", "DescribeLaunchTemplateVersions", Consumer, Retire, &[on("ec2:DescribeLaunchTemplateVersions", Any)]),
    row("ec2", "GetImageAncestry", Producer, SharedParent, &[on("ec2:GetImageAncestry", Any)]),
    row("autoscaling", "DescribeAutoScalingGroups", Consumer, Retire, &[on("autoscaling:DescribeAutoScalingGroups", Any)]),
    row("ssm", "GetParameter", Consumer, SsmParameters, &[on("ssm:GetParameter", Parameter)]),
    row("ssm", "GetParameterHistory", Consumer, SsmParameters, &[on("ssm:GetParameterHistory", Parameter)]),
    row("ssm", "PutParameter", Consumer, SsmParameters, &[
        on("ssm:PutParameter", Parameter),
        on("ssm:AddTagsToResource", Parameter),
        on("ec2:DescribeImages", Any),
    ]),
    row("ram", "GetResourceShares", Producer, RamSharing, &[on("ram:GetResourceShares", Any)]),
    row("ram", "GetResourceShareAssociations", Producer, RamSharing, &[on("ram:GetResourceShareAssociations", Any)]),
    row("ram", "CreateResourceShare", Producer, RamSharing, &[on("ram:CreateResourceShare", NewResourceShare)]),
    row("ram", "AssociateResourceShare", Producer, RamSharing, &[on("ram:AssociateResourceShare", ResourceShare)]),
    row("ram", "DisassociateResourceShare", Producer, RamSharing, &[on("ram:DisassociateResourceShare", ResourceShare)]),
    row("ram", "DeleteResourceShare", Producer, RamSharing, &[on("ram:DeleteResourceShare", ResourceShare)]),
    row("ram", "GetResourceShareInvitations", Producer, SharedResources, &[on("ram:GetResourceShareInvitations", Any)]),
    // --- release channels: their history, the scan gate, protected builds ---------------
    row("ssm", "GetParametersByPath", Producer, Channels, &[on("ssm:GetParametersByPath", ChannelLog)]),
    row("ssm", "PutParameter", Producer, Channels, &[
        on("ssm:PutParameter", ChannelLog),
        on("ssm:AddTagsToResource", ChannelLog),
    ]),
    row("ec2", "EnableImageDeregistrationProtection", Producer, Channels, &[on("ec2:EnableImageDeregistrationProtection", BuiltAmi)]),
    row("ec2", "DisableImageDeregistrationProtection", Producer, Channels, &[on("ec2:DisableImageDeregistrationProtection", BuiltAmi)]),
    row("imagebuilder", "ListImageScanFindings", Producer, Scanning, &[on("imagebuilder:ListImageScanFindings", BuiltImage)]),
    row("imagebuilder", "CreateImagePipeline", Producer, Scanning, &[
        on("imagebuilder:CreateImagePipeline", Pipeline),
        on("inspector2:BatchGetAccountStatus", Any),
    ]),
    row("imagebuilder", "UpdateImagePipeline", Producer, Scanning, &[
        on("imagebuilder:UpdateImagePipeline", Pipeline),
        on("inspector2:BatchGetAccountStatus", Any),
    ]),
    // --- encrypted images: EBS encryption by default, the key's policy, consumers' grants ---
    row("ec2", "GetEbsEncryptionByDefault", Producer, Always, &[on("ec2:GetEbsEncryptionByDefault", Any)]),
    row("ec2", "GetEbsDefaultKmsKeyId", Producer, Always, &[on("ec2:GetEbsDefaultKmsKeyId", Any)]),
    row("kms", "DescribeKey", Producer, Need::EncryptionKey, &[on("kms:DescribeKey", EncryptionKey)]),
    row("kms", "GetKeyPolicy", Producer, Need::EncryptionKey, &[on("kms:GetKeyPolicy", EncryptionKey)]),
    row("kms", "DescribeKey", Consumer, EncryptedAutoScaling, &[on("kms:DescribeKey", EncryptionKey)]),
    row("kms", "ListGrants", Consumer, EncryptedAutoScaling, &[on("kms:ListGrants", EncryptionKey)]),
    row("kms", "CreateGrant", Consumer, EncryptedAutoScaling, &[on("kms:CreateGrant", GrantKeyToAutoScaling)]),
    row("kms", "RetireGrant", Consumer, EncryptedAutoScaling, &[on("kms:RetireGrant", EncryptionKey)]),
];

/// The rows of `operation`, on whichever side.
pub fn of(operation: &str) -> impl Iterator<Item = &'static Permission> + '_ {
    PERMISSIONS.iter().filter(move |p| p.operation == operation)
}

/// The IAM actions `operation` needs, its own first, each once.
pub fn actions(operation: &str) -> Vec<&'static str> {
    let mut actions: Vec<&'static str> = Vec::new();
    for grant in of(operation).flat_map(|p| p.grants) {
        if !actions.contains(&grant.action) {
            actions.push(grant.action);
        }
    }
    actions
}

/// Which `gold iam` sub-commands print a policy holding `operation`.
pub fn sides(operation: &str) -> Vec<Side> {
    let mut sides: Vec<Side> = of(operation).map(|p| p.side).collect();
    sides.sort();
    sides.dedup();
    sides
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every operation an adapter names: the literal after `session,` in a `CallExt` call,
    /// in a `const OP`, or in an error gold reports for an operation (`failure("…"`).
    fn named_operations(text: &str) -> Vec<String> {
        let flat: String = text.split_whitespace().collect();
        let mut found = Vec::new();
        for marker in [
            ".call(session,\"",
            ".call_on(session,\"",
            ".call_found(session,\"",
            ".call_classified(session,\"",
            "every_page(pages,session,\"",
            ".every(session,\"",
            ".every_on(session,\"",
            "constOP:&str=\"",
            ".failure(\"",
            ".error(\"",
        ] {
            let mut rest = flat.as_str();
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                found.push(name);
            }
        }
        found
    }

    fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("a readable source folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                found.push((path.display().to_string(), text));
            }
        }
    }

    #[test]
    fn every_operation_an_adapter_calls_is_in_the_table() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws"),
            &mut files,
        );
        let mut named = 0;
        let mut missing = Vec::new();
        for (path, text) in &files {
            if path.ends_with("permissions.rs") {
                continue;
            }
            for operation in named_operations(text) {
                named += 1;
                if of(&operation).next().is_none() {
                    missing.push(format!("{path}: {operation}"));
                }
            }
        }
        assert!(named > 60, "the scan found only {named} call sites");
        assert!(
            missing.is_empty(),
            "operations missing from aws::permissions::PERMISSIONS:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn every_operation_in_the_table_is_one_an_adapter_calls() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws"),
            &mut files,
        );
        let called: Vec<String> = files
            .iter()
            .filter(|(path, _)| !path.ends_with("permissions.rs"))
            .flat_map(|(_, text)| named_operations(text))
            .collect();
        let unused: Vec<&str> = PERMISSIONS
            .iter()
            .map(|p| p.operation)
            .filter(|operation| !called.iter().any(|c| c == operation))
            .collect();
        assert!(
            unused.is_empty(),
            "rows for operations no adapter calls (their actions would be granted for nothing): {unused:?}"
        );
    }

    #[test]
    fn the_scan_sees_calls_split_over_lines_and_constants() {
        let text = "x.call_on(\n    session,\n    \"AttachRolePolicy\",\n)\nconst OP: &str = \"CreateImagePipeline\";\nsite.failure(\"GetCallerIdentity\", m)";
        assert_eq!(
            named_operations(text),
            [
                "AttachRolePolicy",
                "CreateImagePipeline",
                "GetCallerIdentity"
            ]
        );
    }

    #[test]
    fn each_action_is_the_services_and_each_operation_grants_its_own_action_first() {
        for permission in PERMISSIONS {
            let Some(first) = permission.grants.first() else {
                assert_eq!(permission.operation, "GetCallerIdentity");
                continue;
            };
            assert_eq!(
                first.action,
                format!("{}:{}", permission.service, permission.operation),
                "{}",
                permission.operation
            );
            for grant in permission.grants {
                let (prefix, name) = grant.action.split_once(':').expect("prefix:Action");
                assert!(!prefix.is_empty() && name.starts_with(char::is_uppercase));
            }
        }
    }

    #[test]
    fn an_operation_names_its_actions_and_sides() {
        assert_eq!(
            actions("CreateLaunchTemplate"),
            ["ec2:CreateLaunchTemplate", "ec2:CreateTags"]
        );
        assert_eq!(sides("DescribeImages"), [Side::Producer, Side::Consumer]);
        assert!(actions("GetCallerIdentity").is_empty());
    }
}
