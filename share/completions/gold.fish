# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gold_global_optspecs
    string join \n f/manifest= yes output= q/quiet v/verbose propagation-timeout= h/help V/version
end

function __fish_gold_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gold_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gold_using_subcommand
    set -l cmd (__fish_gold_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gold -n "__fish_gold_needs_command" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_needs_command" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_needs_command" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_needs_command" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_needs_command" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_needs_command" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_needs_command" -f -a "init" -d 'Write a commented starter manifest and `files/build.yml` into DIR (default: here)'
complete -c gold -n "__fish_gold_needs_command" -f -a "validate" -d 'Check the manifest and every component document, offline'
complete -c gold -n "__fish_gold_needs_command" -f -a "schema" -d 'Print a JSON Schema: the manifest\'s (default), or that of `--output json` documents'
complete -c gold -n "__fish_gold_needs_command" -f -a "plan" -d 'Show what `gold up` and `gold rollout` would change, read from live state; changes nothing'
complete -c gold -n "__fish_gold_needs_command" -f -a "up" -d 'Create or update the producer\'s IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`)'
complete -c gold -n "__fish_gold_needs_command" -f -a "destroy" -d 'Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`'
complete -c gold -n "__fish_gold_needs_command" -f -a "build" -d 'Start the pipeline\'s image build; with `--wait`, follow it to the AMIs or a failure'
complete -c gold -n "__fish_gold_needs_command" -f -a "rollout" -d 'Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups'
complete -c gold -n "__fish_gold_needs_command" -f -a "status" -d 'Show each consumer target\'s image, the newest available build and how far behind it is'
complete -c gold -n "__fish_gold_needs_command" -f -a "rollback" -d 'Move consumer launch templates back to the default version they had before gold\'s last rollout'
complete -c gold -n "__fish_gold_needs_command" -f -a "retire" -d 'Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region'
complete -c gold -n "__fish_gold_needs_command" -f -a "promote" -d 'Move a build into a release channel, once it passed the channel\'s gates (soak, scan)'
complete -c gold -n "__fish_gold_needs_command" -f -a "channels" -d 'Show each release channel: its build, since when, who promoted it, its history and the next candidate\'s gates'
complete -c gold -n "__fish_gold_needs_command" -f -a "prune" -d 'Apply the manifest\'s `[lifecycle]`: deprecate, then delete old builds no consumer uses'
complete -c gold -n "__fish_gold_needs_command" -f -a "iam" -d 'Print the least-privilege IAM documents gold needs for this manifest, as JSON'
complete -c gold -n "__fish_gold_needs_command" -f -a "version" -d 'Print gold\'s version, the commit it was built from, whether its sources were modified, and its platform'
complete -c gold -n "__fish_gold_needs_command" -f -a "completions" -d 'Print a shell completion script for SHELL'
complete -c gold -n "__fish_gold_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gold -n "__fish_gold_using_subcommand init" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand init" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand init" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand init" -l force -d 'Overwrite files that already exist'
complete -c gold -n "__fish_gold_using_subcommand init" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand init" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand init" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand init" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand validate" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand validate" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand validate" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand validate" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand validate" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand validate" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand validate" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand schema" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand schema" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand schema" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand schema" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand schema" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand schema" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand schema" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand plan" -l only -d 'Plan only this side: `producer` (what `gold up` changes; consumer accounts are not read, so none of them can make the plan fail) or `consumers` (what `gold rollout` changes)' -r -f -a "producer\t'The producer account: what `gold up` changes'
consumers\t'The consumer targets: what `gold rollout` changes'"
complete -c gold -n "__fish_gold_using_subcommand plan" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand plan" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand plan" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand plan" -l detailed-exitcode -d 'Exit 0 when nothing would change, 2 when something would, 1 on error (like `terraform plan`)'
complete -c gold -n "__fish_gold_using_subcommand plan" -l strict -d 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
complete -c gold -n "__fish_gold_using_subcommand plan" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand plan" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand plan" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand plan" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand up" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand up" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand up" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand up" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand up" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand up" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand up" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand destroy" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand destroy" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand destroy" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand destroy" -l images -d 'Also deregister the AMIs the pipeline built (and delete their snapshots) and its Image Builder images'
complete -c gold -n "__fish_gold_using_subcommand destroy" -l force -d 'With `--images`: delete AMIs something still uses (each holder is named) or that an account gold cannot read might use'
complete -c gold -n "__fish_gold_using_subcommand destroy" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand destroy" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand destroy" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand destroy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand destroy" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand build" -l attach -d 'Follow a build that is already running (one the schedule started, say) instead of starting one' -r
complete -c gold -n "__fish_gold_using_subcommand build" -l cancel -d 'Cancel the build `IMAGE_ARN` (Image Builder stops it; nothing else is touched)' -r
complete -c gold -n "__fish_gold_using_subcommand build" -l timeout -d 'Stop watching after this long (e.g. `90m`, `2h`); the build goes on. Default: `pipeline.build_timeout`, else 2h' -r
complete -c gold -n "__fish_gold_using_subcommand build" -l poll-min -d 'Shortest wait between two looks at the build' -r
complete -c gold -n "__fish_gold_using_subcommand build" -l poll-max -d 'Longest wait between two looks at the build' -r
complete -c gold -n "__fish_gold_using_subcommand build" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand build" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand build" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand build" -l wait -d 'Follow the build until its AMIs are available (exit 0) or it fails (exit 1)'
complete -c gold -n "__fish_gold_using_subcommand build" -l rollout -d 'Once the AMIs are available, roll them out to every consumer target, as `gold rollout` does'
complete -c gold -n "__fish_gold_using_subcommand build" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand build" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand build" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand build" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand rollout" -l consumer -d 'Only this consumer (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l region -d 'Only this region (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l wave -d 'Only consumers of this wave (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l image -d 'Roll out this build: its name (`1.0.0/5`, as `gold prune --dry-run` and `gold retire` print it), its number (`5`) or its Image Builder build version ARN (`…:image/sample/1.0.0/5`)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l ami -d 'Roll out this AMI (it must be owned by the producer); its copies in other regions are found by name' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l channel -d 'Only the consumers that follow this release channel (each moves to its channel\'s build)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l parallelism -d 'Targets of one wave worked on at once, across all accounts' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l calls-per-account -d 'AWS calls in flight in one account at once (AWS limits each account\'s request rate; throttled calls back off and retry)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand rollout" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand rollout" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand rollout" -l strict -d 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
complete -c gold -n "__fish_gold_using_subcommand rollout" -l dry-run -d 'Print the plan and change nothing'
complete -c gold -n "__fish_gold_using_subcommand rollout" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand rollout" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand rollout" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand rollout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand rollout" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand status" -l consumer -d 'Only this consumer (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand status" -l region -d 'Only this region (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand status" -l wave -d 'Only consumers of this wave (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand status" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand status" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand status" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand status" -l strict -d 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
complete -c gold -n "__fish_gold_using_subcommand status" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand status" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand status" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand status" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand rollback" -l consumer -d 'Only this consumer (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand rollback" -l region -d 'Only this region (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand rollback" -l wave -d 'Only consumers of this wave (repeatable)' -r
complete -c gold -n "__fish_gold_using_subcommand rollback" -l parallelism -d 'Targets of one wave worked on at once, across all accounts' -r
complete -c gold -n "__fish_gold_using_subcommand rollback" -l calls-per-account -d 'AWS calls in flight in one account at once (AWS limits each account\'s request rate; throttled calls back off and retry)' -r
complete -c gold -n "__fish_gold_using_subcommand rollback" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand rollback" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand rollback" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand rollback" -l strict -d 'Fail when a selector matches nothing (a `tag` no template carries, OUs without an active account) instead of warning'
complete -c gold -n "__fish_gold_using_subcommand rollback" -l dry-run -d 'Print the plan and change nothing'
complete -c gold -n "__fish_gold_using_subcommand rollback" -l force -d 'Go back to a retired (deprecated) build too; a disabled or deregistered one never'
complete -c gold -n "__fish_gold_using_subcommand rollback" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand rollback" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand rollback" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand retire" -l reason -d 'Why, recorded on the producer\'s AMIs and Image Builder image (tag `gold:retired`)' -r
complete -c gold -n "__fish_gold_using_subcommand retire" -l to -d 'Move targets to this build instead of the newest one that is not retired' -r
complete -c gold -n "__fish_gold_using_subcommand retire" -l parallelism -d 'Targets of one wave worked on at once' -r
complete -c gold -n "__fish_gold_using_subcommand retire" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand retire" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand retire" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand retire" -l disable -d 'Also disable the AMIs (private, hidden, not launchable), once every target has moved'
complete -c gold -n "__fish_gold_using_subcommand retire" -l dry-run -d 'Print the plan and change nothing'
complete -c gold -n "__fish_gold_using_subcommand retire" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand retire" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand retire" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand retire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand retire" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand promote" -l to -d 'The channel it goes to; it comes from the channel before that one' -r
complete -c gold -n "__fish_gold_using_subcommand promote" -l accept -d 'Let this scan finding through (a vulnerability id such as `CVE-2026-1234`; repeatable); recorded with the promotion' -r
complete -c gold -n "__fish_gold_using_subcommand promote" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand promote" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand promote" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand promote" -l dry-run -d 'Show the gates and change nothing'
complete -c gold -n "__fish_gold_using_subcommand promote" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand promote" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand promote" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand promote" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand channels" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand channels" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand channels" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand channels" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand channels" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand channels" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand channels" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand channels" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand prune" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand prune" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand prune" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand prune" -l dry-run -d 'Print the plan and change nothing'
complete -c gold -n "__fish_gold_using_subcommand prune" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand prune" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand prune" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand prune" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "consumer" -d 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "trust" -d 'The trust policy of the consumer rollout role: who may assume it'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "producer" -d 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "organization" -d 'The permissions policy that reads the organization\'s OUs and accounts'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "instance-role" -d 'The role and instance profile `gold up` creates for the build instances, for review'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "kms-key" -d 'The key policy of `distribution.kms_key_id`: the key\'s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "allowed-amis" -d 'The Allowed AMIs criterion that admits the producer\'s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account\'s criteria) and for an organization\'s declarative policy'
complete -c gold -n "__fish_gold_using_subcommand iam; and not __fish_seen_subcommand_from consumer trust producer organization instance-role kms-key allowed-amis help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -l principal -d 'The identity the role trusts (default: the one these credentials act as)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -l cloudformation -d 'Print a CloudFormation template creating the role (trust and policy) instead, for a service-managed StackSet'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from consumer" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -l principal -d 'The identity that runs gold (default: the one these credentials act as; a role session is trusted through its role)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from trust" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from producer" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -l principal -d 'The identity that runs gold (default: the one these credentials act as)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -l trust -d 'Print the trust policy of the role `[organization]` names instead: who may assume it'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from organization" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from instance-role" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -l cloudformation -d 'Print a CloudFormation template creating the key with that policy instead, for the producer account'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from kms-key" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from allowed-amis" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "consumer" -d 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "trust" -d 'The trust policy of the consumer rollout role: who may assume it'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "producer" -d 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "organization" -d 'The permissions policy that reads the organization\'s OUs and accounts'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "instance-role" -d 'The role and instance profile `gold up` creates for the build instances, for review'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "kms-key" -d 'The key policy of `distribution.kms_key_id`: the key\'s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "allowed-amis" -d 'The Allowed AMIs criterion that admits the producer\'s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account\'s criteria) and for an organization\'s declarative policy'
complete -c gold -n "__fish_gold_using_subcommand iam; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gold -n "__fish_gold_using_subcommand version" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand version" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand version" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand version" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand version" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand version" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand version" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand completions" -s f -l manifest -d 'Manifest to use; without it `gold.toml` is searched in this directory and its parents' -r -F
complete -c gold -n "__fish_gold_using_subcommand completions" -l output -d 'Output format: `human` text, or JSON for programs (one document, or one event per line; see docs/json.md)' -r -f -a "human\t'Text for people'
json\t'JSON for programs: one document, or one event per line'"
complete -c gold -n "__fish_gold_using_subcommand completions" -l propagation-timeout -d 'How long to wait at most for a change AWS propagates eventually (IAM, Parameter Store, RAM)' -r
complete -c gold -n "__fish_gold_using_subcommand completions" -l yes -d 'Answer yes to every confirmation; needed to change anything when stdin is not a terminal'
complete -c gold -n "__fish_gold_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c gold -n "__fish_gold_using_subcommand completions" -s v -l verbose -d 'Print more detail, such as every target of a long plan (repeat for more)'
complete -c gold -n "__fish_gold_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gold -n "__fish_gold_using_subcommand completions" -s V -l version -d 'Print version'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "init" -d 'Write a commented starter manifest and `files/build.yml` into DIR (default: here)'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "validate" -d 'Check the manifest and every component document, offline'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "schema" -d 'Print a JSON Schema: the manifest\'s (default), or that of `--output json` documents'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "plan" -d 'Show what `gold up` and `gold rollout` would change, read from live state; changes nothing'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "up" -d 'Create or update the producer\'s IAM role, security group, components, recipe, configurations and pipeline (and consumer launch templates marked `create`)'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "destroy" -d 'Delete what `gold up` created for this manifest: only resources tagged `gold:manifest=<name>`'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "build" -d 'Start the pipeline\'s image build; with `--wait`, follow it to the AMIs or a failure'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "rollout" -d 'Move every consumer launch template to the newest trusted AMI, wave by wave, refreshing Auto Scaling groups'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "status" -d 'Show each consumer target\'s image, the newest available build and how far behind it is'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "rollback" -d 'Move consumer launch templates back to the default version they had before gold\'s last rollout'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "retire" -d 'Retire builds: move every consumer target off them (in waves), then deprecate their AMIs in every region'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "promote" -d 'Move a build into a release channel, once it passed the channel\'s gates (soak, scan)'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "channels" -d 'Show each release channel: its build, since when, who promoted it, its history and the next candidate\'s gates'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "prune" -d 'Apply the manifest\'s `[lifecycle]`: deprecate, then delete old builds no consumer uses'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "iam" -d 'Print the least-privilege IAM documents gold needs for this manifest, as JSON'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "version" -d 'Print gold\'s version, the commit it was built from, whether its sources were modified, and its platform'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "completions" -d 'Print a shell completion script for SHELL'
complete -c gold -n "__fish_gold_using_subcommand help; and not __fish_seen_subcommand_from init validate schema plan up destroy build rollout status rollback retire promote channels prune iam version completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "consumer" -d 'The permissions policy of the rollout role in every consumer account (rollout, status, rollback, destroy, and templates marked `create`)'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "trust" -d 'The trust policy of the consumer rollout role: who may assume it'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "producer" -d 'The permissions policy of the identity that runs gold in the producer account (up, build, destroy, and assuming the consumer roles)'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "organization" -d 'The permissions policy that reads the organization\'s OUs and accounts'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "instance-role" -d 'The role and instance profile `gold up` creates for the build instances, for review'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "kms-key" -d 'The key policy of `distribution.kms_key_id`: the key\'s account administers it, the consumer accounts use it for EBS and grant it to their Auto Scaling role (for `aws kms put-key-policy`)'
complete -c gold -n "__fish_gold_using_subcommand help; and __fish_seen_subcommand_from iam" -f -a "allowed-amis" -d 'The Allowed AMIs criterion that admits the producer\'s AMIs: for `ReplaceImageCriteriaInAllowedImagesSettings` (add it to the account\'s criteria) and for an organization\'s declarative policy'
