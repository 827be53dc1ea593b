# fish completion for attune-approve
set -l subs request respond list show review expire
function __attune_approve_ids
    timeout 2 attune-approve list -f .request_id 2>/dev/null | string trim -c '"'
end
complete -c attune-approve -f
complete -c attune-approve -n "not __fish_seen_subcommand_from $subs" -a request -d 'ask for approval and wait'
complete -c attune-approve -n "not __fish_seen_subcommand_from $subs" -a respond -d 'answer a request'
complete -c attune-approve -n "not __fish_seen_subcommand_from $subs" -a list -d 'pending requests'
complete -c attune-approve -n "not __fish_seen_subcommand_from $subs" -a show -d 'a request and its answer'
complete -c attune-approve -n "not __fish_seen_subcommand_from $subs" -a review -d 'answer pending requests on a terminal'
complete -c attune-approve -n "not __fish_seen_subcommand_from $subs" -a expire -d 'mark overdue requests timed out'
complete -c attune-approve -n "__fish_seen_subcommand_from respond show" -a '(__attune_approve_ids)' -d 'pending request'
complete -c attune-approve -s s -l store -r -d 'store URL'
complete -c attune-approve -l namespace -r -d 'key prefix'
complete -c attune-approve -s a -l agent -r -n "__fish_seen_subcommand_from request" -d 'requester'
complete -c attune-approve -s t -l timeout -r -n "__fish_seen_subcommand_from request" -d 'how long to wait'
complete -c attune-approve -l poll -r -n "__fish_seen_subcommand_from request" -d 'look for answers every'
complete -c attune-approve -l approve -n "__fish_seen_subcommand_from respond" -d 'approve'
complete -c attune-approve -l reject -n "__fish_seen_subcommand_from respond" -d 'reject'
complete -c attune-approve -s r -l reason -r -n "__fish_seen_subcommand_from respond" -d 'why'
complete -c attune-approve -l as -r -n "__fish_seen_subcommand_from respond review" -d 'responder'
complete -c attune-approve -l type -r -n "__fish_seen_subcommand_from list" -d 'only requests of type'
complete -c attune-approve -s f -l filter -r -d 'jq program for each record'
complete -c attune-approve -s o -l format -x -a 'json text' -d 'output format'
complete -c attune-approve -s p -l pretty -d 'indented JSON'
complete -c attune-approve -s q -l quiet -d 'print nothing'
complete -c attune-approve -s h -l help -d 'show help'
complete -c attune-approve -s V -l version -d 'show version'
