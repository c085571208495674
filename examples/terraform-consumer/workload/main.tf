# The Workload account's own Terraform. gold moves the SSM parameter `/gold/sample/ami` to each
# new golden AMI, wave by wave; this configuration never names an AMI, so `terraform plan`
# shows no drift after a gold rollout and `terraform apply` never moves instances back.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = "ap-northeast-1"
}

# Option 1: the launch template resolves the parameter when an instance launches. The template
# never changes when gold moves the parameter; gold refreshes the groups listed under this
# template in its manifest (`[[consumers.launch_templates]] name = "app-lt"`).
resource "aws_launch_template" "app" {
  name                   = "app-lt"
  image_id               = "resolve:ssm:/gold/sample/ami"
  instance_type          = "t3.small"
  ebs_optimized          = true
  update_default_version = true

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 50
      volume_type = "gp3"
    }
  }
}

# Option 2: read the AMI id at plan time, for resources that need a literal id. `insecure_value`
# keeps the value out of Terraform's sensitive handling (it is an AMI id, not a secret). Such a
# resource changes on the `terraform apply` after each gold rollout, so prefer option 1 for
# anything gold should roll out in waves.
data "aws_ssm_parameter" "golden_ami" {
  name = "/gold/sample/ami"
}

# Outputs are compared by `terraform plan`: an output of the AMI id itself would show as a change
# (exit 2 with `-detailed-exitcode`) after every gold rollout. Output the parameter, which never
# moves; `aws ssm get-parameter --name /gold/sample/ami` reads the AMI it holds now.
output "golden_ami_parameter" {
  value = data.aws_ssm_parameter.golden_ami.arn
}

resource "aws_autoscaling_group" "web" {
  name                = "web"
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = var.subnet_ids

  launch_template {
    id      = aws_launch_template.app.id
    version = "$Default"
  }

  # gold starts the instance refresh after it moves the parameter; Terraform leaves it alone.
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the web group."
}
