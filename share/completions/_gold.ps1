
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'gold' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'gold'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'gold' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter manifest and `files/build.yml` into DIR (default: here)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the manifest and every component document, offline')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print a JSON Schema: the manifest''s (default), or that of `--output json` documents')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show what `gold up` and `gold rollout` would change, read from live state; changes nothing')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Create or update the producer''s IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`)')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Start the pipeline''s image build; with `--wait`, follow it to the AMIs or a failure')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each consumer target''s image, the newest available build and how far behind it is')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Move consumer launch templates back to the default version they had before gold''s last rollout')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Move a build into a release channel, once it passed the channel''s gates (soak, scan)')
            [CompletionResult]::new('channels', 'channels', [CompletionResultType]::ParameterValue, 'Show each release channel: its build, since when, who promoted it, its history and the next candidate''s gates')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Apply the manifest''s `[lifecycle]`: deprecate, then delete old builds no consumer uses')
            [CompletionResult]::new('iam', 'iam', [CompletionResultType]::ParameterValue, 'Print the least-privilege IAM documents gold needs for this manifest, as JSON')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print gold''s version, the commit it was built from, whether its sources were modified, and its platform')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script for SHELL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gold;init' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that already exist')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;validate' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;schema' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;plan' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Plan only this side: `producer` (what `gold up` changes; consumer accounts are not read, so none of them can make the plan fail) or `consumers` (what `gold rollout` changes)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'Exit 0 when nothing would change, 2 when something would, 1 on error (like `terraform plan`)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;up' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;destroy' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--images', '--images', [CompletionResultType]::ParameterName, 'Also deregister the AMIs the pipeline built (and delete their snapshots) and its Image Builder images')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With `--images`: delete AMIs something still uses (each holder is named) or that an account gold cannot read might use')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;build' {
            [CompletionResult]::new('--attach', '--attach', [CompletionResultType]::ParameterName, 'Follow a build that is already running (one the schedule started, say) instead of starting one')
            [CompletionResult]::new('--cancel', '--cancel', [CompletionResultType]::ParameterName, 'Cancel the build `IMAGE_ARN` (Image Builder stops it; nothing else is touched)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop watching after this long (e.g. `90m`, `2h`); the build goes on. Default: `pipeline.build_timeout`, else 2h')
            [CompletionResult]::new('--poll-min', '--poll-min', [CompletionResultType]::ParameterName, 'Shortest wait between two looks at the build')
            [CompletionResult]::new('--poll-max', '--poll-max', [CompletionResultType]::ParameterName, 'Longest wait between two looks at the build')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Follow the build until its AMIs are available (exit 0) or it fails (exit 1)')
            [CompletionResult]::new('--rollout', '--rollout', [CompletionResultType]::ParameterName, 'Once the AMIs are available, roll them out to every consumer target, as `gold rollout` does')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;rollout' {
            [CompletionResult]::new('--consumer', '--consumer', [CompletionResultType]::ParameterName, 'Only this consumer (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Only this region (repeatable)')
            [CompletionResult]::new('--wave', '--wave', [CompletionResultType]::ParameterName, 'Only consumers of this wave (repeatable)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Roll out this build: its name (`1.0.0/5`, as `gold prune --dry-run` and `gold retire` print it), its number (`5`) or its Image Builder build version ARN (`…:image/sample/1.0.0/5`)')
            [CompletionResult]::new('--ami', '--ami', [CompletionResultType]::ParameterName, 'Roll out this AMI (it must be owned by the producer); its copies in other regions are found by name')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'Only the consumers that follow this release channel (each moves to its channel''s build)')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Targets of one wave worked on at once, across all accounts')
            [CompletionResult]::new('--calls-per-account', '--calls-per-account', [CompletionResultType]::ParameterName, 'AWS calls in flight in one account at once (AWS limits each account''s request rate; throttled calls back off and retry)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;status' {
            [CompletionResult]::new('--consumer', '--consumer', [CompletionResultType]::ParameterName, 'Only this consumer (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Only this region (repeatable)')
            [CompletionResult]::new('--wave', '--wave', [CompletionResultType]::ParameterName, 'Only consumers of this wave (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;rollback' {
            [CompletionResult]::new('--consumer', '--consumer', [CompletionResultType]::ParameterName, 'Only this consumer (repeatable)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Only this region (repeatable)')
            [CompletionResult]::new('--wave', '--wave', [CompletionResultType]::ParameterName, 'Only consumers of this wave (repeatable)')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Targets of one wave worked on at once, across all accounts')
            [CompletionResult]::new('--calls-per-account', '--calls-per-account', [CompletionResultType]::ParameterName, 'AWS calls in flight in one account at once (AWS limits each account''s request rate; throttled calls back off and retry)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Go back to a retired (deprecated) build too; a disabled or deregistered one never')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;retire' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, recorded on the producer''s AMIs and Image Builder image (tag `gold:retired`)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Move targets to this build instead of the newest one that is not retired')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'Targets of one wave worked on at once')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Also disable the AMIs (private, hidden, not launchable), once every target has moved')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;promote' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The channel it goes to; it comes from the channel before that one')
            [CompletionResult]::new('--accept', '--accept', [CompletionResultType]::ParameterName, 'Let this scan finding through (a vulnerability id such as `CVE-2026-1234`; repeatable); recorded with the promotion')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the gates and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;channels' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;prune' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'The trust policy of the consumer rollout role: who may assume it')
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)')
            [CompletionResult]::new('organization', 'organization', [CompletionResultType]::ParameterValue, 'The permissions policy that reads the organization''s OUs and accounts')
            [CompletionResult]::new('instance-role', 'instance-role', [CompletionResultType]::ParameterValue, 'The role and instance profile `gold up` creates for the build instances, for review')
            [CompletionResult]::new('kms-key', 'kms-key', [CompletionResultType]::ParameterValue, 'The key policy of `distribution.kms_key_id`: the key''s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)')
            [CompletionResult]::new('allowed-amis', 'allowed-amis', [CompletionResultType]::ParameterValue, 'The Allowed AMIs criterion that admits the producer''s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account''s criteria) and for an organization''s declarative policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gold;iam;consumer' {
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'The identity the role trusts (default: the one these credentials act as)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--cloudformation', '--cloudformation', [CompletionResultType]::ParameterName, 'Print a CloudFormation template creating the role (trust and policy) instead, for a service-managed StackSet')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;trust' {
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'The identity that runs gold (default: the one these credentials act as; a role session is trusted through its role)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;producer' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;organization' {
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'The identity that runs gold (default: the one these credentials act as)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Print the trust policy of the role `[organization]` names instead: who may assume it')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;instance-role' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;kms-key' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--cloudformation', '--cloudformation', [CompletionResultType]::ParameterName, 'Print a CloudFormation template creating the key with that policy instead, for the producer account')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;allowed-amis' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;iam;help' {
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'The trust policy of the consumer rollout role: who may assume it')
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)')
            [CompletionResult]::new('organization', 'organization', [CompletionResultType]::ParameterValue, 'The permissions policy that reads the organization''s OUs and accounts')
            [CompletionResult]::new('instance-role', 'instance-role', [CompletionResultType]::ParameterValue, 'The role and instance profile `gold up` creates for the build instances, for review')
            [CompletionResult]::new('kms-key', 'kms-key', [CompletionResultType]::ParameterValue, 'The key policy of `distribution.kms_key_id`: the key''s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)')
            [CompletionResult]::new('allowed-amis', 'allowed-amis', [CompletionResultType]::ParameterValue, 'The Allowed AMIs criterion that admits the producer''s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account''s criteria) and for an organization''s declarative policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gold;iam;help;consumer' {
            break
        }
        'gold;iam;help;trust' {
            break
        }
        'gold;iam;help;producer' {
            break
        }
        'gold;iam;help;organization' {
            break
        }
        'gold;iam;help;instance-role' {
            break
        }
        'gold;iam;help;kms-key' {
            break
        }
        'gold;iam;help;allowed-amis' {
            break
        }
        'gold;iam;help;help' {
            break
        }
        'gold;version' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;completions' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--manifest', '--manifest', [CompletionResultType]::ParameterName, 'Manifest to use; without it `gold.toml` is searched in this directory and its parents')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)')
            [CompletionResult]::new('--propagation-timeout', '--propagation-timeout', [CompletionResultType]::ParameterName, 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail, such as every target of a long plan (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'gold;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented starter manifest and `files/build.yml` into DIR (default: here)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the manifest and every component document, offline')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print a JSON Schema: the manifest''s (default), or that of `--output json` documents')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show what `gold up` and `gold rollout` would change, read from live state; changes nothing')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Create or update the producer''s IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`)')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Start the pipeline''s image build; with `--wait`, follow it to the AMIs or a failure')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show each consumer target''s image, the newest available build and how far behind it is')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Move consumer launch templates back to the default version they had before gold''s last rollout')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Move a build into a release channel, once it passed the channel''s gates (soak, scan)')
            [CompletionResult]::new('channels', 'channels', [CompletionResultType]::ParameterValue, 'Show each release channel: its build, since when, who promoted it, its history and the next candidate''s gates')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Apply the manifest''s `[lifecycle]`: deprecate, then delete old builds no consumer uses')
            [CompletionResult]::new('iam', 'iam', [CompletionResultType]::ParameterValue, 'Print the least-privilege IAM documents gold needs for this manifest, as JSON')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print gold''s version, the commit it was built from, whether its sources were modified, and its platform')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script for SHELL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'gold;help;init' {
            break
        }
        'gold;help;validate' {
            break
        }
        'gold;help;schema' {
            break
        }
        'gold;help;plan' {
            break
        }
        'gold;help;up' {
            break
        }
        'gold;help;destroy' {
            break
        }
        'gold;help;build' {
            break
        }
        'gold;help;rollout' {
            break
        }
        'gold;help;status' {
            break
        }
        'gold;help;rollback' {
            break
        }
        'gold;help;retire' {
            break
        }
        'gold;help;promote' {
            break
        }
        'gold;help;channels' {
            break
        }
        'gold;help;prune' {
            break
        }
        'gold;help;iam' {
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'The trust policy of the consumer rollout role: who may assume it')
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)')
            [CompletionResult]::new('organization', 'organization', [CompletionResultType]::ParameterValue, 'The permissions policy that reads the organization''s OUs and accounts')
            [CompletionResult]::new('instance-role', 'instance-role', [CompletionResultType]::ParameterValue, 'The role and instance profile `gold up` creates for the build instances, for review')
            [CompletionResult]::new('kms-key', 'kms-key', [CompletionResultType]::ParameterValue, 'The key policy of `distribution.kms_key_id`: the key''s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)')
            [CompletionResult]::new('allowed-amis', 'allowed-amis', [CompletionResultType]::ParameterValue, 'The Allowed AMIs criterion that admits the producer''s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account''s criteria) and for an organization''s declarative policy')
            break
        }
        'gold;help;iam;consumer' {
            break
        }
        'gold;help;iam;trust' {
            break
        }
        'gold;help;iam;producer' {
            break
        }
        'gold;help;iam;organization' {
            break
        }
        'gold;help;iam;instance-role' {
            break
        }
        'gold;help;iam;kms-key' {
            break
        }
        'gold;help;iam;allowed-amis' {
            break
        }
        'gold;help;version' {
            break
        }
        'gold;help;completions' {
            break
        }
        'gold;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
