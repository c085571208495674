
use builtin;
use str;

set edit:completion:arg-completer[gold] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'gold'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'gold'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented starter manifest and `files/build.yml` into DIR (default: here)'
            cand validate 'Check the manifest and every component document, offline'
            cand schema 'Print a JSON Schema: the manifest''s (default), or that of `--output json` documents'
            cand plan 'Show what `gold up` and `gold rollout` would change, read from live state; changes nothing'
            cand up 'Create or update the producer''s IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`)'
            cand destroy 'Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`'
            cand build 'Start the pipeline''s image build; with `--wait`, follow it to the AMIs or a failure'
            cand rollout 'Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups'
            cand status 'Show each consumer target''s image, the newest available build and how far behind it is'
            cand rollback 'Move consumer launch templates back to the default version they had before gold''s last rollout'
            cand retire 'Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region'
            cand promote 'Move a build into a release channel, once it passed the channel''s gates (soak, scan)'
            cand channels 'Show each release channel: its build, since when, who promoted it, its history and the next candidate''s gates'
            cand prune 'Apply the manifest''s `[lifecycle]`: deprecate, then delete old builds no consumer uses'
            cand iam 'Print the least-privilege IAM documents gold needs for this manifest, as JSON'
            cand version 'Print gold''s version, the commit it was built from, whether its sources were modified, and its platform'
            cand completions 'Print a shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'gold;init'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --force 'Overwrite files that already exist'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;validate'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;schema'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;plan'= {
            cand --only 'Plan only this side: `producer` (what `gold up` changes; consumer accounts are not read, so none of them can make the plan fail) or `consumers` (what `gold rollout` changes)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --detailed-exitcode 'Exit 0 when nothing would change, 2 when something would, 1 on error (like `terraform plan`)'
            cand --strict 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;up'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;destroy'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --images 'Also deregister the AMIs the pipeline built (and delete their snapshots) and its Image Builder images'
            cand --force 'With `--images`: delete AMIs something still uses (each holder is named) or that an account gold cannot read might use'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;build'= {
            cand --attach 'Follow a build that is already running (one the schedule started, say) instead of starting one'
            cand --cancel 'Cancel the build `IMAGE_ARN` (Image Builder stops it; nothing else is touched)'
            cand --timeout 'Stop watching after this long (e.g. `90m`, `2h`); the build goes on. Default: `pipeline.build_timeout`, else 2h'
            cand --poll-min 'Shortest wait between two looks at the build'
            cand --poll-max 'Longest wait between two looks at the build'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --wait 'Follow the build until its AMIs are available (exit 0) or it fails (exit 1)'
            cand --rollout 'Once the AMIs are available, roll them out to every consumer target, as `gold rollout` does'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;rollout'= {
            cand --consumer 'Only this consumer (repeatable)'
            cand --region 'Only this region (repeatable)'
            cand --wave 'Only consumers of this wave (repeatable)'
            cand --image 'Roll out this build: its name (`1.0.0/5`, as `gold prune --dry-run` and `gold retire` print it), its number (`5`) or its Image Builder build version ARN (`…:image/sample/1.0.0/5`)'
            cand --ami 'Roll out this AMI (it must be owned by the producer); its copies in other regions are found by name'
            cand --channel 'Only the consumers that follow this release channel (each moves to its channel''s build)'
            cand --parallelism 'Targets of one wave worked on at once, across all accounts'
            cand --calls-per-account 'AWS calls in flight in one account at once (AWS limits each account''s request rate; throttled calls back off and retry)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --strict 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
            cand --dry-run 'Print the plan and change nothing'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;status'= {
            cand --consumer 'Only this consumer (repeatable)'
            cand --region 'Only this region (repeatable)'
            cand --wave 'Only consumers of this wave (repeatable)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --strict 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;rollback'= {
            cand --consumer 'Only this consumer (repeatable)'
            cand --region 'Only this region (repeatable)'
            cand --wave 'Only consumers of this wave (repeatable)'
            cand --parallelism 'Targets of one wave worked on at once, across all accounts'
            cand --calls-per-account 'AWS calls in flight in one account at once (AWS limits each account''s request rate; throttled calls back off and retry)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --strict 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
            cand --dry-run 'Print the plan and change nothing'
            cand --force 'Go back to a retired (deprecated) build too; a disabled or deregistered one never'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;retire'= {
            cand --reason 'Why, recorded on the producer''s AMIs and Image Builder image (tag `gold:retired`)'
            cand --to 'Move targets to this build instead of the newest one that is not retired'
            cand --parallelism 'Targets of one wave worked on at once'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --disable 'Also disable the AMIs (private, hidden, not launchable), once every target has moved'
            cand --dry-run 'Print the plan and change nothing'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;promote'= {
            cand --to 'The channel it goes to; it comes from the channel before that one'
            cand --accept 'Let this scan finding through (a vulnerability id such as `CVE-2026-1234`; repeatable); recorded with the promotion'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --dry-run 'Show the gates and change nothing'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;channels'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;prune'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --dry-run 'Print the plan and change nothing'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand consumer 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)'
            cand trust 'The trust policy of the consumer rollout role: who may assume it'
            cand producer 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)'
            cand organization 'The permissions policy that reads the organization''s OUs and accounts'
            cand instance-role 'The role and instance profile `gold up` creates for the build instances, for review'
            cand kms-key 'The key policy of `distribution.kms_key_id`: the key''s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)'
            cand allowed-amis 'The Allowed AMIs criterion that admits the producer''s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account''s criteria) and for an organization''s declarative policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'gold;iam;consumer'= {
            cand --principal 'The identity the role trusts (default: the one these credentials act as)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --cloudformation 'Print a CloudFormation template creating the role (trust and policy) instead, for a service-managed StackSet'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;trust'= {
            cand --principal 'The identity that runs gold (default: the one these credentials act as; a role session is trusted through its role)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;producer'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;organization'= {
            cand --principal 'The identity that runs gold (default: the one these credentials act as)'
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --trust 'Print the trust policy of the role `[organization]` names instead: who may assume it'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;instance-role'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;kms-key'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --cloudformation 'Print a CloudFormation template creating the key with that policy instead, for the producer account'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;allowed-amis'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;iam;help'= {
            cand consumer 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)'
            cand trust 'The trust policy of the consumer rollout role: who may assume it'
            cand producer 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)'
            cand organization 'The permissions policy that reads the organization''s OUs and accounts'
            cand instance-role 'The role and instance profile `gold up` creates for the build instances, for review'
            cand kms-key 'The key policy of `distribution.kms_key_id`: the key''s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)'
            cand allowed-amis 'The Allowed AMIs criterion that admits the producer''s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account''s criteria) and for an organization''s declarative policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'gold;iam;help;consumer'= {
        }
        &'gold;iam;help;trust'= {
        }
        &'gold;iam;help;producer'= {
        }
        &'gold;iam;help;organization'= {
        }
        &'gold;iam;help;instance-role'= {
        }
        &'gold;iam;help;kms-key'= {
        }
        &'gold;iam;help;allowed-amis'= {
        }
        &'gold;iam;help;help'= {
        }
        &'gold;version'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;completions'= {
            cand -f 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --manifest 'Manifest to use; without it `gold.toml` is searched in this directory and its parents'
            cand --output 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)'
            cand --propagation-timeout 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)'
            cand --yes 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -v 'Print more detail, such as every target of a long plan (repeat for more)'
            cand --verbose 'Print more detail, such as every target of a long plan (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'gold;help'= {
            cand init 'Write a commented starter manifest and `files/build.yml` into DIR (default: here)'
            cand validate 'Check the manifest and every component document, offline'
            cand schema 'Print a JSON Schema: the manifest''s (default), or that of `--output json` documents'
            cand plan 'Show what `gold up` and `gold rollout` would change, read from live state; changes nothing'
            cand up 'Create or update the producer''s IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`)'
            cand destroy 'Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`'
            cand build 'Start the pipeline''s image build; with `--wait`, follow it to the AMIs or a failure'
            cand rollout 'Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups'
            cand status 'Show each consumer target''s image, the newest available build and how far behind it is'
            cand rollback 'Move consumer launch templates back to the default version they had before gold''s last rollout'
            cand retire 'Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region'
            cand promote 'Move a build into a release channel, once it passed the channel''s gates (soak, scan)'
            cand channels 'Show each release channel: its build, since when, who promoted it, its history and the next candidate''s gates'
            cand prune 'Apply the manifest''s `[lifecycle]`: deprecate, then delete old builds no consumer uses'
            cand iam 'Print the least-privilege IAM documents gold needs for this manifest, as JSON'
            cand version 'Print gold''s version, the commit it was built from, whether its sources were modified, and its platform'
            cand completions 'Print a shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'gold;help;init'= {
        }
        &'gold;help;validate'= {
        }
        &'gold;help;schema'= {
        }
        &'gold;help;plan'= {
        }
        &'gold;help;up'= {
        }
        &'gold;help;destroy'= {
        }
        &'gold;help;build'= {
        }
        &'gold;help;rollout'= {
        }
        &'gold;help;status'= {
        }
        &'gold;help;rollback'= {
        }
        &'gold;help;retire'= {
        }
        &'gold;help;promote'= {
        }
        &'gold;help;channels'= {
        }
        &'gold;help;prune'= {
        }
        &'gold;help;iam'= {
            cand consumer 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)'
            cand trust 'The trust policy of the consumer rollout role: who may assume it'
            cand producer 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)'
            cand organization 'The permissions policy that reads the organization''s OUs and accounts'
            cand instance-role 'The role and instance profile `gold up` creates for the build instances, for review'
            cand kms-key 'The key policy of `distribution.kms_key_id`: the key''s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)'
            cand allowed-amis 'The Allowed AMIs criterion that admits the producer''s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account''s criteria) and for an organization''s declarative policy'
        }
        &'gold;help;iam;consumer'= {
        }
        &'gold;help;iam;trust'= {
        }
        &'gold;help;iam;producer'= {
        }
        &'gold;help;iam;organization'= {
        }
        &'gold;help;iam;instance-role'= {
        }
        &'gold;help;iam;kms-key'= {
        }
        &'gold;help;iam;allowed-amis'= {
        }
        &'gold;help;version'= {
        }
        &'gold;help;completions'= {
        }
        &'gold;help;help'= {
        }
    ]
    $completions[$command]
}
