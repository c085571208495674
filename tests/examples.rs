//! Every example runs as it would on AWS: one localcloud per example, IAM evaluated and changes
//! propagating, gold run by an operator holding exactly `gold iam producer`, consumer accounts
//! holding exactly `gold iam consumer` and `gold iam trust` (see `common::organization`). Each
//! goes up, builds and rolls out (and retires, prunes or destroys where it uses them), checks
//! the result through the SDK, and ends by checking that the policies gold printed are exactly
//! what its calls needed. `examples/encrypted` runs the same way in `tests/encrypted.rs`, with
//! the KMS checks of its own.

mod common;

use common::organization::{Org, REGION, built_ami};
use common::{Localcloud, repo};
use serde_json::json;

const SHARED: &str = "111122223333";
const WORKLOAD: &str = "444455556666";

/// Operations an example's flow does not run: changing a resource in place, cancelling a
/// build, retiring one (the origin scenario's test in `tests/iam.rs` runs each).
const NOT_RUN: &[&str] = &[
    "UpdateInfrastructureConfiguration",
    "UpdateDistributionConfiguration",
    "UpdateImagePipeline",
    "RevokeSecurityGroupIngress",
    "CancelImageCreation",
    "EnableImageDeprecation",
    "DisableImage",
    "DeleteLaunchTemplateVersions",
    "GetAllowedImagesSettings",
];

#[test]
fn the_org_example_rolls_out_to_every_account_of_its_ous_through_a_stackset_role() {
    let cloud = Localcloud::start_with(Some(&repo().join("examples/org/localcloud.toml")));
    cloud.configure(json!({ "build_seconds": 2, "refresh_seconds": 1 }));
    let org = Org::new(&cloud);
    let dir = common::example("org");
    let (sandbox, prod, legacy) = ("666677778888", "555555555555", "444455559999");
    let members = [WORKLOAD, prod, sandbox, legacy];

    // The platform team: an operator in Shared, the rollout role in every member account from
    // one CloudFormation template (what the StackSet deploys), the reader in the management
    // account.
    let mut team = org.operator(dir.path(), SHARED);
    let manifest = dir.path().join("gold.toml");
    org.rollout_stacks(&mut team, &[&manifest], &members);
    org.reader_role(&mut team);
    org.enforce();

    team.ok(&["up", "--yes"]);
    team.assert_waited_for(
        "IAM: instance profile sample-imagebuilder is not visible to Image Builder yet",
    );
    let first = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));

    // The workload teams opt in by tagging their templates; Sandbox pins its group to a version
    // and gives its instances a role and a tag, so a refresh is a launch Auto Scaling checks.
    let follow = [("gold:follow", "sample")];
    org.meanwhile(|org| {
        let sandbox_lt = org.template(
            (sandbox, REGION),
            "app",
            &first,
            &follow,
            Some("app-instance"),
        );
        org.group((sandbox, REGION), "app", &sandbox_lt, "1", 1);
        for account in [WORKLOAD, prod, legacy] {
            let id = org.template((account, REGION), "app", &first, &follow, None);
            org.group((account, REGION), "app", &id, "$Default", 1);
        }
    });

    let second = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    let plan = team.ok(&["plan"]);
    assert!(plan.contains(&format!("-> {second}")), "{plan}");
    let out = team.ok(&["rollout", "--yes", "--output", "json"]);
    let last = common::organization::last_event(&out);
    assert_eq!(last["counts"]["done"], 3, "{out}");
    for account in [WORKLOAD, prod, sandbox] {
        assert_eq!(
            org.default_image((account, REGION), "app"),
            second,
            "{account}"
        );
        assert_eq!(
            org.group_images((account, REGION), "app"),
            std::slice::from_ref(&second),
            "{account}"
        );
    }
    assert_eq!(
        org.default_image((legacy, REGION), "app"),
        first,
        "the excluded account is left alone"
    );
    team.ok(&["status"]);
    let unchanged = team.gold(&["plan", "--detailed-exitcode"]);
    assert_eq!(unchanged.status.code(), Some(0), "{}", team.narration);
    team.ok(&["destroy", "--yes", "--images", "--force"]);

    // The reader was reached through its role in the management account, and every call of
    // gold was allowed by exactly the policies it printed.
    assert!(team.organization_policy.is_some());
    team.assert_policies_match_the_calls(NOT_RUN);
}

#[test]
fn the_terraform_consumer_example_moves_the_workloads_parameter_through_a_least_privilege_role() {
    const PARAMETER: &str = "/gold/sample/ami";
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2, "refresh_seconds": 1 }));
    let org = Org::new(&cloud);
    let dir = common::example("terraform-consumer");
    let manifest = dir.path().join("gold.toml");
    let mut team = org.operator(dir.path(), SHARED);
    org.rollout_roles(&mut team, &[WORKLOAD]);
    org.enforce();

    team.ok(&["up", "--yes"]);
    let first = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    team.ok(&["rollout", "--yes"]);
    assert_eq!(
        org.parameter(WORKLOAD, PARAMETER),
        (first.clone(), "aws:ec2:image".to_owned())
    );
    // Parameter Store checks an `aws:ec2:image` value asynchronously: gold read it back.
    team.assert_waited_for(&format!(
        "Parameter Store: version 1 of SSM parameter {PARAMETER} is not readable yet"
    ));

    // The team applies its own Terraform (`workload/main.tf`): `app-lt` resolves the parameter
    // and the group `web` launches it. The manifest lists them so gold refreshes `web`.
    let workload = dir.path().join("workload");
    let team_terraform = org.meanwhile(|org| Terraform::new(org, &workload, WORKLOAD));
    team_terraform.run(&["init", "-input=false"]);
    team_terraform.run(&["apply", "-auto-approve", "-input=false"]);
    common::edit(
        &manifest,
        "# [[consumers.launch_templates]]\n# name = \"app-lt\"\n# auto_scaling_groups = [\"web\"]",
        "[[consumers.launch_templates]]\nname = \"app-lt\"\nauto_scaling_groups = [\"web\"]",
    );
    // The rollout role gets the policy of the changed manifest (Auto Scaling is new to it).
    org.meanwhile(|org| org.rollout_roles(&mut team, &[WORKLOAD]));

    let second = built_ami(&team.ok(&["build", "--wait", "--output", "json"]));
    team.ok(&["rollout", "--yes"]);
    assert_eq!(org.parameter(WORKLOAD, PARAMETER).0, second);
    assert_eq!(
        org.group_images((WORKLOAD, REGION), "web"),
        [second.clone(), second.clone()]
    );
    // The team's next `terraform plan` finds nothing to change: the rollout moved only the
    // parameter, which its configuration reads but never names.
    let plan = team_terraform.output(&["plan", "-detailed-exitcode", "-input=false"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&plan.stdout),
        String::from_utf8_lossy(&plan.stderr)
    );
    team.ok(&["status"]);
    team.ok(&["rollback", "--yes"]);
    assert_eq!(org.parameter(WORKLOAD, PARAMETER).0, first);
    team.ok(&["destroy", "--yes", "--images", "--force"]);
    // `app-lt` resolves the parameter, so gold moves it without new versions; whether a template
    // does is read at run time, so the policy lets gold move it either way. `retire` and `prune`
    // (not run here) list the templates to find who uses an AMI.
    let not_run = [
        NOT_RUN,
        &[
            "CreateLaunchTemplateVersion",
            "ModifyLaunchTemplate",
            "DescribeLaunchTemplates",
        ],
    ]
    .concat();
    team.assert_policies_match_the_calls(&not_run);
}

#[test]
fn the_layered_example_builds_the_app_on_the_shared_base_with_each_team_holding_its_own_policy() {
    let cloud = Localcloud::start();
    cloud.configure(json!({ "build_seconds": 2 }));
    let org = Org::new(&cloud);
    let dir = common::example("layered");
    let (base_dir, app_dir) = (dir.path().join("base"), dir.path().join("app"));
    // The management account turns on RAM's sharing with the organization, once.
    let management = org.admin(common::organization::MANAGEMENT, REGION);
    org.rt.block_on(async {
        aws_sdk_ram::Client::new(&management)
            .enable_sharing_with_aws_organization()
            .send()
            .await
            .expect("EnableSharingWithAwsOrganization");
    });
    let mut base = org.operator(&base_dir, SHARED);
    let mut app = org.operator(&app_dir, WORKLOAD);
    org.enforce();

    base.ok(&["up", "--yes"]);
    base.ok(&["build", "--wait"]);
    // Each build joins the share; gold says it is shared once RAM has associated it.
    base.assert_waited_for("RAM: resource share base is still associating");
    // The app's recipe names the base's image and component: Image Builder reads both with
    // the app operator's permissions.
    app.ok(&["up", "--yes"]);
    app.ok(&["build", "--wait"]);
    let status = app.ok(&["status"]);
    assert!(status.contains("PARENT BUILD"), "{status}");
    base.ok(&["status"]);
    app.ok(&["destroy", "--yes", "--images", "--force"]);
    base.ok(&["destroy", "--yes", "--images", "--force"]);
    // Principals and resources leave the share only when the manifest drops them.
    base.assert_policies_match_the_calls(&[NOT_RUN, &["DisassociateResourceShare"]].concat());
    // The app reads RAM's invitations only to explain a shared resource it cannot see.
    app.assert_policies_match_the_calls(&[NOT_RUN, &["GetResourceShareInvitations"]].concat());
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "the fleet end to end: its producer's network, topic and bucket, three consumers in two waves and two regions, the checks"
)]
fn the_fleet_example_rolls_out_in_two_waves_and_two_regions_with_pinned_groups_and_auto_rollback() {
    const PRODUCTION: &str = "777788889999";
    const VIRGINIA: &str = "us-east-1";
    let cloud = Localcloud::start_with(Some(&repo().join("examples/fleet/localcloud.toml")));
    // A minute of a refresh lasts a fifth of a second: checkpoints of ten minutes take two.
    cloud.configure(json!({ "build_seconds": 2, "refresh_seconds": 0.2 }));
    let org = Org::new(&cloud);
    let dir = common::example("fleet");
    let manifest = dir.path().join("gold.toml");

    // The producer's network, its build notifications and its log bucket, as the platform team
    // has them: the manifest names them (here, the ids localcloud gave them).
    let shared = org.admin(SHARED, REGION);
    let (subnet, group) = org.rt.block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&shared);
        let vpc = ec2
            .describe_vpcs()
            .send()
            .await
            .expect("DescribeVpcs")
            .vpcs()[0]
            .vpc_id()
            .expect("the default VPC")
            .to_owned();
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block("172.31.200.0/24")
            .availability_zone(format!("{REGION}a"))
            .send()
            .await
            .expect("CreateSubnet")
            .subnet
            .and_then(|s| s.subnet_id)
            .expect("a subnet");
        let group = ec2
            .create_security_group()
            .group_name("image-builds")
            .description("build instances")
            .vpc_id(&vpc)
            .send()
            .await
            .expect("CreateSecurityGroup")
            .group_id
            .expect("a group");
        (subnet, group)
    });
    common::edit(&manifest, "subnet-0123456789abcdef0", &subnet);
    common::edit(&manifest, "sg-0123456789abcdef0", &group);
    org.boto3(
        &org.admin_of(SHARED),
        REGION,
        "import boto3\nboto3.client('sns').create_topic(Name='image-builds')\nboto3.client('s3').create_bucket(Bucket='fleet-image-builds', CreateBucketConfiguration={'LocationConstraint': 'ap-northeast-1'})\n",
        "",
    );

    let mut team = org.operator(dir.path(), SHARED);
    org.rollout_roles(&mut team, &[WORKLOAD, PRODUCTION]);
    // `production-batch` reaches Production through a profile of the operator's AWS config.
    let config = dir.path().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile production]\nrole_arn = arn:aws:iam::{PRODUCTION}:role/GoldRollout\ncredential_source = Environment\nregion = {VIRGINIA}\n"
        ),
    )
    .expect("the AWS config written");
    team.env
        .push(("AWS_CONFIG_FILE".to_owned(), config.display().to_string()));
    org.enforce();

    team.ok(&["up", "--yes"]);
    let first = team.ok(&["build", "--wait", "--output", "json"]);
    let (tokyo_first, virginia_first) = (
        common::organization::built_ami_in(&first, REGION),
        common::organization::built_ami_in(&first, VIRGINIA),
    );
    // Now that an AMI exists, `up` creates Staging's `web-staging` on it.
    team.ok(&["up", "--yes"]);

    // The workload teams: Staging's group on gold's template; Production's own template `web`
    // (tagged for the manifest) in both regions with groups pinned to a version, and the batch
    // template gold names by id.
    let batch = org.meanwhile(|org| {
        let staging = org.default_template_id((WORKLOAD, REGION), "web-staging");
        org.group((WORKLOAD, REGION), "web-staging", &staging, "$Default", 1);
        for (region, image) in [(REGION, &tokyo_first), (VIRGINIA, &virginia_first)] {
            let web = org.template(
                (PRODUCTION, region),
                "web",
                image,
                &[("gold:manifest", "fleet")],
                None,
            );
            for name in ["web-a", "web-c"] {
                org.group((PRODUCTION, region), name, &web, "1", 1);
            }
        }
        let batch = org.template((PRODUCTION, VIRGINIA), "batch", &virginia_first, &[], None);
        org.group(
            (PRODUCTION, VIRGINIA),
            "batch-workers",
            &batch,
            "$Default",
            1,
        );
        batch
    });
    common::edit(&manifest, "lt-0abcdef1234567890", &batch);
    // gold names the template by id in the rollout role's policy: the role gets the new one.
    org.meanwhile(|org| org.rollout_roles(&mut team, &[WORKLOAD, PRODUCTION]));

    let second = team.ok(&["build", "--wait", "--output", "json"]);
    let (tokyo, virginia) = (
        common::organization::built_ami_in(&second, REGION),
        common::organization::built_ami_in(&second, VIRGINIA),
    );
    let out = team.ok(&["rollout", "--yes", "--output", "json"]);
    let last = common::organization::last_event(&out);
    assert_eq!(last["counts"]["done"], 4, "{out}");
    assert_eq!(
        org.group_images((WORKLOAD, REGION), "web-staging"),
        std::slice::from_ref(&tokyo)
    );
    for (region, image) in [(REGION, &tokyo), (VIRGINIA, &virginia)] {
        assert_eq!(&org.default_image((PRODUCTION, region), "web"), image);
        for name in ["web-a", "web-c"] {
            assert_eq!(
                org.group_images((PRODUCTION, region), name),
                std::slice::from_ref(image),
                "{name} in {region}"
            );
        }
    }
    assert_eq!(
        org.group_images((PRODUCTION, VIRGINIA), "batch-workers"),
        std::slice::from_ref(&virginia)
    );
    team.ok(&["status"]);
    team.ok(&["destroy", "--yes", "--images", "--force"]);
    // The producer's policy lets `destroy` delete a build security group gold made, which this
    // manifest (naming its own groups) has none of.
    team.assert_policies_match_the_calls(&[NOT_RUN, &["DeleteSecurityGroup"]].concat());
}

/// The Terraform CLI in a directory of the Workload team's, acting as its administrator against
/// localcloud; the AWS provider comes from a local mirror (`GOLD_TERRAFORM_PLUGINS`, default
/// `/opt/tf-plugins`), as CI machines have no registry to download it from.
struct Terraform {
    dir: std::path::PathBuf,
    env: Vec<(String, String)>,
}

impl Terraform {
    fn new(org: &Org<'_>, dir: &std::path::Path, account: &str) -> Self {
        let plugins = std::env::var("GOLD_TERRAFORM_PLUGINS")
            .unwrap_or_else(|_| "/opt/tf-plugins".to_owned());
        let cli = dir.join("terraform.tfrc");
        std::fs::write(
            &cli,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path = \"{plugins}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n"
            ),
        )
        .expect("the CLI configuration written");
        // localcloud stands in for the account: no account id lookup, no instance metadata; and
        // `apply` need not poll the group until its instances are in service.
        std::fs::write(
            dir.join("override.tf"),
            "provider \"aws\" {\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  skip_metadata_api_check     = true\n}\n\nresource \"aws_autoscaling_group\" \"web\" {\n  wait_for_capacity_timeout = \"0\"\n}\n",
        )
        .expect("the provider override written");
        let credentials = org.admin_of(account);
        let admin = org.admin(account, REGION);
        let subnets: Vec<String> = org.rt.block_on(async {
            aws_sdk_ec2::Client::new(&admin)
                .describe_subnets()
                .send()
                .await
                .expect("DescribeSubnets")
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_id().map(str::to_owned))
                .take(1)
                .collect()
        });
        let env = [
            ("AWS_ENDPOINT_URL", org.cloud.url.clone()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", credentials.access_key_id().to_owned()),
            (
                "AWS_SECRET_ACCESS_KEY",
                credentials.secret_access_key().to_owned(),
            ),
            (
                "AWS_SESSION_TOKEN",
                credentials.session_token().unwrap_or_default().to_owned(),
            ),
            ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("TF_CLI_CONFIG_FILE", cli.display().to_string()),
            ("TF_IN_AUTOMATION", "1".to_owned()),
            ("TF_VAR_subnet_ids", json!(subnets).to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Self {
            dir: dir.to_owned(),
            env,
        }
    }

    fn output(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("terraform")
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .arg(args[0])
            .arg("-no-color")
            .args(&args[1..])
            .output()
            .expect("terraform runs (the Terraform CLI on PATH)")
    }

    fn run(&self, args: &[&str]) {
        let output = self.output(args);
        assert!(
            output.status.success(),
            "terraform {args:?}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
