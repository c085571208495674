//! `gold plan`, `gold up` and `gold destroy` against localcloud, through the real binary.
//! Results are checked through the AWS SDK acting in the producer account and through
//! localcloud's request log, not through gold's own output.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_imagebuilder::types::{Filter, Ownership};
use common::{Localcloud, edit};
use serde_json::{Value, json};

const PRODUCER: &str = "111122223333";
const REGION: &str = "ap-northeast-1";
const ORGANIZATION: &str = "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx";

/// A copy of `examples/seed` in a temporary directory, with the consumer reached through a
/// role (the dummy credentials act in the producer account).
fn seed() -> tempfile::TempDir {
    let dir = common::example("seed");
    let manifest = dir.path().join("gold.toml");
    let text = std::fs::read_to_string(&manifest).expect("the seed manifest");
    if text.contains("role_arn = \"arn:aws:iam::444455556666:") {
        return dir;
    }
    let text = text.replacen(
        "account = \"444455556666\"",
        "account = \"444455556666\"\nrole_arn = \"arn:aws:iam::444455556666:role/OrganizationAccountAccessRole\"",
        1,
    );
    std::fs::write(&manifest, text).expect("manifest written");
    dir
}

/// AWS calls that change something, by the verbs AWS names them with.
fn mutating(requests: &[Value]) -> Vec<String> {
    const VERBS: [&str; 16] = [
        "Create",
        "Update",
        "Put",
        "Delete",
        "Tag",
        "Untag",
        "Attach",
        "Detach",
        "Add",
        "Remove",
        "Authorize",
        "Revoke",
        "Modify",
        "Start",
        "Deregister",
        "Register",
    ];
    requests
        .iter()
        .filter_map(|r| r["action"].as_str())
        .filter(|action| VERBS.iter().any(|verb| action.starts_with(verb)))
        .map(str::to_owned)
        .collect()
}

fn up(localcloud: &Localcloud, dir: &Path) -> std::process::Output {
    let output = localcloud
        .gold(dir)
        .args(["up", "--yes"])
        .output()
        .expect("gold runs");
    assert!(
        output.status.success(),
        "gold up failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn plan_exit_code(localcloud: &Localcloud, dir: &Path) -> (i32, String) {
    let output = localcloud
        .gold(dir)
        .args(["plan", "--detailed-exitcode"])
        .output()
        .expect("gold runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn tag<'a>(
    tags: Option<&'a std::collections::HashMap<String, String>>,
    key: &str,
) -> Option<&'a str> {
    tags.and_then(|t| t.get(key)).map(String::as_str)
}

struct Producer {
    imagebuilder: aws_sdk_imagebuilder::Client,
    iam: aws_sdk_iam::Client,
    ec2: aws_sdk_ec2::Client,
}

impl Producer {
    /// The id of the producer region's default VPC.
    async fn default_vpc(&self) -> String {
        let vpcs = self
            .ec2
            .describe_vpcs()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("is-default")
                    .values("true")
                    .build(),
            )
            .send()
            .await
            .expect("DescribeVpcs");
        vpcs.vpcs()[0].vpc_id().expect("a VPC id").to_owned()
    }
}

async fn producer(localcloud: &Localcloud) -> Producer {
    let config = localcloud.sdk(PRODUCER, REGION).await;
    Producer {
        imagebuilder: aws_sdk_imagebuilder::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
        ec2: aws_sdk_ec2::Client::new(&config),
    }
}

fn by_name(name: &str) -> Filter {
    Filter::builder().name("name").values(name).build()
}

impl Producer {
    async fn pipeline(&self) -> aws_sdk_imagebuilder::types::ImagePipeline {
        let pipelines = self
            .imagebuilder
            .list_image_pipelines()
            .filters(by_name("sample"))
            .send()
            .await
            .expect("ListImagePipelines");
        pipelines.image_pipeline_list()[0].clone()
    }

    async fn infrastructure(&self) -> aws_sdk_imagebuilder::types::InfrastructureConfiguration {
        let arn = self
            .pipeline()
            .await
            .infrastructure_configuration_arn()
            .expect("an ARN")
            .to_owned();
        self.imagebuilder
            .get_infrastructure_configuration()
            .infrastructure_configuration_arn(arn)
            .send()
            .await
            .expect("GetInfrastructureConfiguration")
            .infrastructure_configuration()
            .expect("a configuration")
            .clone()
    }

    async fn recipe(&self) -> aws_sdk_imagebuilder::types::ImageRecipe {
        let arn = self
            .pipeline()
            .await
            .image_recipe_arn()
            .expect("an ARN")
            .to_owned();
        self.imagebuilder
            .get_image_recipe()
            .image_recipe_arn(arn)
            .send()
            .await
            .expect("GetImageRecipe")
            .image_recipe()
            .expect("a recipe")
            .clone()
    }
}

#[tokio::test]
async fn the_origin_scenario_up_creates_every_producer_resource_and_a_second_up_changes_nothing() {
    let localcloud = Localcloud::start();
    let project = seed();
    let dir = project.path();
    // A schedule in a time zone, so the pipeline carries both to Image Builder and back.
    let manifest = dir.join("gold.toml");
    let mut text = std::fs::read_to_string(&manifest).expect("the seed manifest");
    text.push_str(
        "\n[pipeline]\nschedule = \"cron(0 4 ? * SUN *)\"\nschedule_timezone = \"Asia/Tokyo\"\n",
    );
    std::fs::write(&manifest, text).expect("manifest written");

    assert_plan_creates_everything(&localcloud, dir);
    up(&localcloud, dir);
    let aws = producer(&localcloud).await;
    assert_build_instance_identity(&aws).await;
    assert_build_instance_network(&aws).await;
    assert_recipe(&aws, dir).await;
    assert_distribution_and_pipeline(&aws).await;

    // Again: nothing to do, and nothing done.
    let mark = localcloud.requests().len();
    let output = up(&localcloud, dir);
    assert!(String::from_utf8_lossy(&output.stdout).contains("No changes"));
    assert_eq!(plan_exit_code(&localcloud, dir).0, 0);
    assert_eq!(
        mutating(&localcloud.requests()[mark..]),
        Vec::<String>::new()
    );
}

/// `plan --output json` before anything exists: valid JSON listing every resource to create.
fn assert_plan_creates_everything(localcloud: &Localcloud, dir: &Path) {
    let output = localcloud
        .gold(dir)
        .args(["plan", "--output", "json"])
        .output()
        .expect("gold runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_slice(&output.stdout).expect("the JSON plan is valid JSON");
    assert_eq!(plan["has_changes"], true);
    let kinds: Vec<&str> = plan["changes"]
        .as_array()
        .expect("a list of changes")
        .iter()
        .filter(|c| c["action"]["type"] == "create")
        .filter_map(|c| c["resource"]["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "role",
            "instance_profile",
            "security_group",
            "component",
            "image_recipe",
            "infrastructure_configuration",
            "distribution_configuration",
            "image_pipeline"
        ]
    );
    assert!(
        mutating(&localcloud.requests()).is_empty(),
        "plan changed something"
    );
}

/// The IAM role (trusting EC2, with the three managed policies) and its instance profile.
async fn assert_build_instance_identity(aws: &Producer) {
    let role = aws
        .iam
        .get_role()
        .role_name("sample-imagebuilder")
        .send()
        .await
        .expect("the role exists");
    let role = role.role().expect("a role");
    let trust = urlencoding_decode(role.assume_role_policy_document().unwrap_or_default());
    assert!(trust.contains("ec2.amazonaws.com"), "trust policy: {trust}");
    assert!(
        role.tags()
            .iter()
            .any(|t| t.key() == "gold:manifest" && t.value() == "sample")
    );
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name("sample-imagebuilder")
        .send()
        .await
        .expect("ListAttachedRolePolicies");
    let mut policies: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    policies.sort_unstable();
    assert_eq!(
        policies,
        [
            "AmazonSSMManagedInstanceCore",
            "EC2InstanceProfileForImageBuilder",
            "EC2InstanceProfileForImageBuilderECRContainerBuilds"
        ]
    );
    let profile = aws
        .iam
        .get_instance_profile()
        .instance_profile_name("sample-imagebuilder")
        .send()
        .await
        .expect("the instance profile exists");
    let roles: Vec<&str> = profile
        .instance_profile()
        .expect("a profile")
        .roles()
        .iter()
        .map(aws_sdk_iam::types::Role::role_name)
        .collect();
    assert_eq!(roles, ["sample-imagebuilder"]);
}

/// The infrastructure configuration and its egress-only security group in the default VPC.
async fn assert_build_instance_network(aws: &Producer) {
    let infrastructure = aws.infrastructure().await;
    assert_eq!(infrastructure.instance_types(), ["t3.small"]);
    assert_eq!(
        infrastructure.instance_profile_name(),
        Some("sample-imagebuilder")
    );
    assert_eq!(infrastructure.terminate_instance_on_failure(), Some(true));
    assert_eq!(tag(infrastructure.tags(), "gold:manifest"), Some("sample"));
    let groups = aws
        .ec2
        .describe_security_groups()
        .set_group_ids(Some(infrastructure.security_group_ids().to_vec()))
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let group = &groups.security_groups()[0];
    assert_eq!(group.group_name(), Some("sample-imagebuilder"));
    assert!(
        group.ip_permissions().is_empty(),
        "the group allows inbound traffic"
    );
    assert_eq!(group.ip_permissions_egress().len(), 1);
    assert_eq!(group.vpc_id(), Some(aws.default_vpc().await.as_str()));
}

/// The recipe and the component it uses, with the manifest's document.
async fn assert_recipe(aws: &Producer, dir: &Path) {
    let recipe = aws.recipe().await;
    assert_eq!(recipe.version(), Some("1.0.0"));
    assert_eq!(
        recipe.parent_image(),
        Some("arn:aws:imagebuilder:ap-northeast-1:aws:image/amazon-linux-2-x86/x.x.x")
    );
    let device = &recipe.block_device_mappings()[0];
    assert_eq!(device.device_name(), Some("/dev/xvdb"));
    let ebs = device.ebs().expect("an EBS volume");
    assert_eq!(ebs.volume_size(), Some(100));
    assert_eq!(
        ebs.volume_type()
            .map(aws_sdk_imagebuilder::types::EbsVolumeType::as_str),
        Some("gp3")
    );
    assert_eq!(ebs.delete_on_termination(), Some(true));
    let component_arn = recipe.components()[0].component_arn().to_owned();
    let component = aws
        .imagebuilder
        .get_component()
        .component_build_version_arn(&component_arn)
        .send()
        .await
        .expect("GetComponent");
    let component = component.component().expect("a component");
    assert_eq!(component.name(), Some("sample-build"));
    assert_eq!(component.version(), Some("1.0.0"));
    assert_eq!(
        component
            .platform()
            .map(aws_sdk_imagebuilder::types::Platform::as_str),
        Some("Linux")
    );
    let document = std::fs::read_to_string(dir.join("files/build.yml")).expect("build.yml");
    assert_eq!(component.data(), Some(document.as_str()));
    assert!(tag(component.tags(), "gold:hash").is_some());
}

/// The distribution shares with the Organization, tags the AMI, names it as the manifest says;
/// the pipeline ties everything together, with tests on.
async fn assert_distribution_and_pipeline(aws: &Producer) {
    let pipeline = aws.pipeline().await;
    let distribution = aws
        .imagebuilder
        .get_distribution_configuration()
        .distribution_configuration_arn(pipeline.distribution_configuration_arn().expect("an ARN"))
        .send()
        .await
        .expect("GetDistributionConfiguration");
    let distributions = distribution
        .distribution_configuration()
        .expect("a configuration")
        .distributions();
    assert_eq!(distributions.len(), 1);
    assert_eq!(distributions[0].region(), REGION);
    let ami = distributions[0]
        .ami_distribution_configuration()
        .expect("AMI settings");
    assert_eq!(
        ami.name(),
        Some("sample_v{{imagebuilder:buildVersion}}_{{imagebuilder:buildDate}}")
    );
    assert_eq!(tag(ami.ami_tags(), "ImageBuilder"), Some("true"));
    assert_eq!(
        ami.launch_permission()
            .expect("launch permissions")
            .organization_arns(),
        [ORGANIZATION]
    );

    let recipe = aws.recipe().await;
    let infrastructure = aws.infrastructure().await;
    assert_eq!(pipeline.image_recipe_arn(), recipe.arn());
    assert_eq!(
        pipeline.infrastructure_configuration_arn(),
        infrastructure.arn()
    );
    assert_eq!(
        pipeline
            .image_tests_configuration()
            .and_then(aws_sdk_imagebuilder::types::ImageTestsConfiguration::image_tests_enabled),
        Some(true)
    );
    assert_eq!(
        pipeline
            .status()
            .map(aws_sdk_imagebuilder::types::PipelineStatus::as_str),
        Some("ENABLED")
    );
    assert_eq!(tag(pipeline.tags(), "gold:manifest"), Some("sample"));
    let schedule = pipeline.schedule().expect("the manifest's schedule");
    assert_eq!(schedule.schedule_expression(), Some("cron(0 4 ? * SUN *)"));
    assert_eq!(schedule.timezone(), Some("Asia/Tokyo"));
}

/// IAM returns trust policies URL-encoded.
fn urlencoding_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_changed_document_makes_new_versions_and_an_instance_type_updates_in_place() {
    let localcloud = Localcloud::start();
    let project = seed();
    let dir = project.path();
    up(&localcloud, dir);
    let aws = producer(&localcloud).await;
    let infrastructure_before = aws.infrastructure().await.arn().map(str::to_owned);

    edit(
        &dir.join("files/build.yml"),
        "yum install jq -y",
        "yum install jq git -y",
    );
    edit(
        &dir.join("gold.toml"),
        "instance_types = [\"t3.small\"]",
        "instance_types = [\"t3.medium\"]",
    );
    let mark = localcloud.requests().len();
    let (code, plan) = plan_exit_code(&localcloud, dir);
    assert_eq!(code, 2, "{plan}");
    insta::assert_snapshot!("plan_after_document_and_instance_type_change", plan);
    assert!(
        mutating(&localcloud.requests()[mark..]).is_empty(),
        "plan changed something"
    );

    up(&localcloud, dir);
    let recipe = aws.recipe().await;
    assert_eq!(recipe.version(), Some("1.0.1"));
    let component = aws
        .imagebuilder
        .get_component()
        .component_build_version_arn(recipe.components()[0].component_arn())
        .send()
        .await
        .expect("GetComponent");
    let component = component.component().expect("a component");
    assert_eq!(component.version(), Some("1.0.1"));
    assert!(
        component
            .data()
            .unwrap_or_default()
            .contains("yum install jq git -y")
    );
    let infrastructure = aws.infrastructure().await;
    assert_eq!(infrastructure.instance_types(), ["t3.medium"]);
    assert_eq!(
        infrastructure.arn().map(str::to_owned),
        infrastructure_before,
        "not updated in place"
    );

    // Both versions remain (immutable), the pipeline builds the new one.
    let versions = aws
        .imagebuilder
        .list_components()
        .owner(Ownership::SelfValue)
        .filters(by_name("sample-build"))
        .send()
        .await
        .expect("ListComponents");
    let mut versions: Vec<&str> = versions
        .component_version_list()
        .iter()
        .filter_map(|c| c.version())
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, ["1.0.0", "1.0.1"]);
    assert_eq!(plan_exit_code(&localcloud, dir).0, 0);
}

#[tokio::test]
async fn credentials_of_another_account_are_refused_before_any_change() {
    let localcloud = Localcloud::start();
    let project = seed();
    let dir = project.path();
    edit(
        &dir.join("gold.toml"),
        "account = \"111122223333\"",
        "account = \"999999999999\"",
    );
    let output = localcloud
        .gold(dir)
        .args(["up", "--yes"])
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("999999999999") && stderr.contains("111122223333"),
        "{stderr}"
    );
    assert_eq!(mutating(&localcloud.requests()), Vec::<String>::new());
}

#[tokio::test]
async fn without_a_terminal_up_needs_yes_and_changes_nothing() {
    let localcloud = Localcloud::start();
    let project = seed();
    let output = localcloud
        .gold(project.path())
        .arg("up")
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--yes"));
    assert_eq!(mutating(&localcloud.requests()), Vec::<String>::new());
}

#[tokio::test]
async fn a_resource_gold_did_not_create_is_not_taken_over() {
    let localcloud = Localcloud::start();
    let project = seed();
    let aws = producer(&localcloud).await;
    let vpc = aws.default_vpc().await;
    aws.ec2
        .create_security_group()
        .group_name("sample-imagebuilder")
        .description("made by hand")
        .vpc_id(vpc)
        .send()
        .await
        .expect("CreateSecurityGroup");
    let mark = localcloud.requests().len();
    let output = localcloud
        .gold(project.path())
        .args(["up", "--yes"])
        .output()
        .expect("gold runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sample-imagebuilder") && stderr.contains("not created by gold"),
        "{stderr}"
    );
    assert_eq!(
        mutating(&localcloud.requests()[mark..]),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn up_converges_through_throttling_and_server_errors() {
    let localcloud = Localcloud::start();
    let project = seed();
    let dir = project.path();
    localcloud.configure(json!({ "throttle_rate": 0.2 }));
    up(&localcloud, dir);
    edit(
        &dir.join("files/build.yml"),
        "yum install jq -y",
        "yum install jq git -y",
    );
    localcloud.configure(json!({ "throttle_rate": 0.0, "error_rate": 0.05 }));
    up(&localcloud, dir);
    let requests = localcloud.requests();
    assert!(
        requests
            .iter()
            .any(|r| r["status"].as_u64().is_some_and(|s| s == 400 || s >= 500)),
        "no fault was injected, so the test proves nothing"
    );
    localcloud.configure(json!({ "error_rate": 0.0 }));
    assert_eq!(plan_exit_code(&localcloud, dir).0, 0);
    let aws = producer(&localcloud).await;
    assert_eq!(aws.recipe().await.version(), Some("1.0.1"));
}

#[tokio::test]
async fn after_a_build_up_creates_consumer_templates_and_destroy_removes_everything_tagged() {
    let localcloud = Localcloud::start();
    let project = seed();
    let dir = project.path();
    up(&localcloud, dir);
    let aws = producer(&localcloud).await;
    let ami = build_once(&aws).await;

    // With an AMI to put in it, `up` creates the consumer's launch template marked `create`.
    let output = up(&localcloud, dir);
    assert!(String::from_utf8_lossy(&output.stdout).contains("launch template sample-lt"));
    let workload = aws_sdk_ec2::Client::new(&localcloud.sdk("444455556666", REGION).await);
    let versions = workload
        .describe_launch_template_versions()
        .launch_template_name("sample-lt")
        .versions("$Default")
        .send()
        .await
        .expect("the launch template exists");
    let data = versions.launch_template_versions()[0]
        .launch_template_data()
        .expect("template data");
    assert_eq!(data.image_id(), Some(ami.as_str()));
    assert_eq!(
        data.instance_type()
            .map(aws_sdk_ec2::types::InstanceType::as_str),
        Some("t3.small")
    );
    assert_eq!(plan_exit_code(&localcloud, dir).0, 0);

    let output = localcloud
        .gold(dir)
        .args(["destroy", "--yes"])
        .output()
        .expect("gold runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_nothing_tagged_but_images(&aws).await;
    assert_consumer_side_destroyed(&output, &workload).await;
    let amis = aws
        .ec2
        .describe_images()
        .image_ids(&ami)
        .send()
        .await
        .expect("DescribeImages");
    assert_eq!(amis.images().len(), 1, "the AMI went without --images");

    let output = localcloud
        .gold(dir)
        .args(["destroy", "--yes", "--images"])
        .output()
        .expect("gold runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tagged_amis = aws
        .ec2
        .describe_images()
        .owners("self")
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:gold:manifest")
                .values("sample")
                .build(),
        )
        .send()
        .await
        .expect("DescribeImages");
    assert!(tagged_amis.images().is_empty());
    let amis = aws.ec2.describe_images().image_ids(&ami).send().await;
    assert!(
        amis.map_or(true, |a| a.images().is_empty()),
        "the AMI is still there"
    );
    assert!(
        aws.imagebuilder
            .list_images()
            .owner(Ownership::SelfValue)
            .send()
            .await
            .expect("list")
            .image_version_list()
            .is_empty()
    );

    let mark = localcloud.requests().len();
    let output = localcloud
        .gold(dir)
        .args(["destroy", "--yes", "--images"])
        .output()
        .expect("gold runs");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Nothing to destroy"));
    assert_eq!(
        mutating(&localcloud.requests()[mark..]),
        Vec::<String>::new()
    );
}

/// `destroy` planned the consumer's template and group, and the workload account holds neither
/// gold's template nor a security group tagged for `sample` any more.
async fn assert_consumer_side_destroyed(
    output: &std::process::Output,
    workload: &aws_sdk_ec2::Client,
) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("444455556666 (ap-northeast-1):\n  - launch template sample-lt\n  - security group sample-egress-only (sg-"),
        "{stdout}"
    );
    let templates = workload
        .describe_launch_templates()
        .send()
        .await
        .expect("DescribeLaunchTemplates");
    assert!(
        templates
            .launch_templates()
            .iter()
            .all(|t| t.launch_template_name() != Some("sample-lt")),
        "sample-lt is still there"
    );
    let groups = workload
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:gold:manifest")
                .values("sample")
                .build(),
        )
        .send()
        .await
        .expect("DescribeSecurityGroups");
    assert!(
        groups.security_groups().is_empty(),
        "{:?}",
        groups.security_groups()
    );
}

#[tokio::test]
async fn an_adopted_template_survives_destroy_and_an_unreachable_consumer_fails_it_at_the_end() {
    let localcloud = Localcloud::start();
    let project = seed();
    let dir = project.path();
    let workload = aws_sdk_ec2::Client::new(&localcloud.sdk("444455556666", REGION).await);
    let adopted = workload
        .create_launch_template()
        .launch_template_name("sample-lt")
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id("ami-12c6146b")
                .build(),
        )
        .send()
        .await
        .expect("CreateLaunchTemplate")
        .launch_template()
        .and_then(|t| t.launch_template_id())
        .expect("a template id")
        .to_owned();
    up(&localcloud, dir);

    // The consumer cannot be reached: the producer side is destroyed all the same, then the
    // command fails naming the account.
    localcloud.configure(json!({ "deny_accounts": ["444455556666"] }));
    let output = localcloud
        .gold(dir)
        .args(["destroy", "--yes"])
        .output()
        .expect("gold runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("444455556666"), "{stderr}");
    assert_nothing_tagged_but_images(&producer(&localcloud).await).await;

    localcloud.configure(json!({ "deny_accounts": [] }));
    localcloud.reset_requests();
    let output = localcloud
        .gold(dir)
        .args(["destroy", "--yes"])
        .output()
        .expect("gold runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("Nothing to destroy"), "{said}");
    assert!(said.contains("Keeping launch template sample-lt"), "{said}");
    assert_eq!(mutating(&localcloud.requests()), Vec::<String>::new());
    let templates = workload
        .describe_launch_templates()
        .launch_template_names("sample-lt")
        .send()
        .await
        .expect("the adopted template is still there");
    assert_eq!(
        templates.launch_templates()[0].launch_template_id(),
        Some(adopted.as_str())
    );
}

/// Runs the pipeline once through the SDK and waits for its AMI, so there is one to keep (and
/// then to delete).
async fn build_once(aws: &Producer) -> String {
    let pipeline_arn = aws.pipeline().await.arn().expect("an ARN").to_owned();
    let image_arn = aws
        .imagebuilder
        .start_image_pipeline_execution()
        .image_pipeline_arn(&pipeline_arn)
        .send()
        .await
        .expect("StartImagePipelineExecution")
        .image_build_version_arn()
        .expect("an image ARN")
        .to_owned();
    let deadline = Instant::now() + Duration::from_mins(2);
    loop {
        let image = aws
            .imagebuilder
            .get_image()
            .image_build_version_arn(&image_arn)
            .send()
            .await
            .expect("GetImage");
        let image = image.image().expect("an image");
        let status = image
            .state()
            .and_then(|s| s.status())
            .map(|s| s.as_str().to_owned());
        if status.as_deref() == Some("AVAILABLE") {
            let amis = image.output_resources().expect("outputs").amis();
            return amis[0].image().expect("an AMI id").to_owned();
        }
        assert!(
            !matches!(status.as_deref(), Some("FAILED" | "CANCELLED")),
            "the build ended {status:?}"
        );
        assert!(
            Instant::now() < deadline,
            "the build did not finish in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// After `destroy`: no pipeline, recipe, component, configuration, role, profile or tagged group.
async fn assert_nothing_tagged_but_images(aws: &Producer) {
    assert!(
        aws.imagebuilder
            .list_image_pipelines()
            .send()
            .await
            .expect("list")
            .image_pipeline_list()
            .is_empty()
    );
    assert!(
        aws.imagebuilder
            .list_image_recipes()
            .owner(Ownership::SelfValue)
            .send()
            .await
            .expect("list")
            .image_recipe_summary_list()
            .is_empty()
    );
    assert!(
        aws.imagebuilder
            .list_components()
            .owner(Ownership::SelfValue)
            .send()
            .await
            .expect("list")
            .component_version_list()
            .is_empty()
    );
    assert!(
        aws.imagebuilder
            .list_infrastructure_configurations()
            .send()
            .await
            .expect("list")
            .infrastructure_configuration_summary_list()
            .is_empty()
    );
    assert!(
        aws.imagebuilder
            .list_distribution_configurations()
            .send()
            .await
            .expect("list")
            .distribution_configuration_summary_list()
            .is_empty()
    );
    assert!(
        aws.iam
            .get_role()
            .role_name("sample-imagebuilder")
            .send()
            .await
            .is_err()
    );
    assert!(
        aws.iam
            .get_instance_profile()
            .instance_profile_name("sample-imagebuilder")
            .send()
            .await
            .is_err()
    );
    let tagged_groups = aws
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:gold:manifest")
                .values("sample")
                .build(),
        )
        .send()
        .await
        .expect("DescribeSecurityGroups");
    assert!(tagged_groups.security_groups().is_empty());
}

/// An instance profile the manifest names and gold did not make: when Image Builder cannot find
/// it, that is the manifest's mistake, not IAM catching up, so `up` fails at once (no wait) with
/// AWS's message and the fix; with changes propagating, a profile gold just made is waited for.
#[test]
fn a_missing_instance_profile_fails_at_once_and_one_gold_just_made_is_waited_for() {
    let localcloud = Localcloud::start();
    localcloud.configure(json!({ "propagation_seconds": 2 }));
    let dir = seed();
    let manifest = dir.path().join("gold.toml");
    edit(
        &manifest,
        "instance_profile = \"create\"",
        "instance_profile = \"no-such-profile\"",
    );
    let output = localcloud
        .gold(dir.path())
        .args(["up", "--yes"])
        .output()
        .expect("gold runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("The provided instance profile does not exist")
            && stderr.contains("check its name in `infrastructure.instance_profile`"),
        "{stderr}"
    );
    assert!(!stderr.contains("waiting for "), "{stderr}");

    edit(
        &manifest,
        "instance_profile = \"no-such-profile\"",
        "instance_profile = \"create\"",
    );
    let output = up(&localcloud, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "waiting for IAM: instance profile sample-imagebuilder is not visible to Image Builder yet"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_role_someone_creates_while_up_waits_for_its_answer_is_not_adopted() {
    let localcloud = Localcloud::start();
    let project = seed();
    let aws = producer(&localcloud).await;
    let mut terminal = localcloud.gold_in_terminal(project.path(), &["up"], 40, 200);
    terminal.wait_for("[y/N]");
    // The plan saw no role; someone makes one by that name, untagged, before the answer.
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    });
    aws.iam
        .create_role()
        .role_name("sample-imagebuilder")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .expect("CreateRole");
    let mark = localcloud.requests().len();
    terminal.type_line("y");
    let (code, screen) = terminal.finish();

    assert_eq!(code, Some(1), "{screen}");
    assert!(
        screen.contains("EntityAlreadyExists")
            && screen.contains("hint: it exists without the tag `gold:manifest=sample`: gold adopts only what it created"),
        "{screen}"
    );
    let attached: Vec<Value> = localcloud.requests()[mark..]
        .iter()
        .filter(|r| r["action"] == "AttachRolePolicy")
        .cloned()
        .collect();
    assert_eq!(
        attached,
        Vec::<Value>::new(),
        "policies attached to someone else's role"
    );
    let tags = aws
        .iam
        .list_role_tags()
        .role_name("sample-imagebuilder")
        .send()
        .await
        .expect("ListRoleTags");
    assert!(tags.tags().is_empty());
}
