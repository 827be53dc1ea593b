# fish completion for attune-stream
set -l subs publish consume recent list info trim delete
function __attune_stream_types
    timeout 2 attune-stream list -f .event_type 2>/dev/null | string trim -c '"'
end
complete -c attune-stream -f
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a publish -d 'publish one event, or one per JSON object on stdin'
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a consume -d 'print events oldest first, following new ones'
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a recent -d 'newest events, newest first'
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a list -d 'registered streams and their lengths'
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a info -d 'length, first and last id, groups and their lag'
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a trim -d 'keep about the newest N events'
complete -c attune-stream -n "not __fish_seen_subcommand_from $subs" -a delete -d 'delete a stream and unregister it'
complete -c attune-stream -n "__fish_seen_subcommand_from publish consume recent info trim delete" -a '(__attune_stream_types)' -d 'event type'
complete -c attune-stream -s s -l store -r -d 'store URL'
complete -c attune-stream -l namespace -r -d 'key prefix'
complete -c attune-stream -l each -n "__fish_seen_subcommand_from publish" -d 'one event per JSON object on stdin'
complete -c attune-stream -l source -r -n "__fish_seen_subcommand_from publish" -d "the events' source"
complete -c attune-stream -l maxlen -r -n "__fish_seen_subcommand_from publish trim" -d 'trim to about N events'
complete -c attune-stream -l from -x -a '$ 0' -n "__fish_seen_subcommand_from consume" -d 'start position'
complete -c attune-stream -l until-caught-up -n "__fish_seen_subcommand_from consume" -d 'exit once the backlog is printed'
complete -c attune-stream -l group -r -n "__fish_seen_subcommand_from consume" -d 'consumer group'
complete -c attune-stream -l consumer -r -n "__fish_seen_subcommand_from consume" -d 'member name'
complete -c attune-stream -l claim-idle -r -n "__fish_seen_subcommand_from consume" -d 'take over events unacknowledged that long'
complete -c attune-stream -s a -l agent -r -n "__fish_seen_subcommand_from consume" -d 'who I am (default consumer)'
complete -c attune-stream -s c -l count -r -n "__fish_seen_subcommand_from consume recent" -d 'stop after / show N events'
complete -c attune-stream -s t -l timeout -r -n "__fish_seen_subcommand_from consume" -d 'stop after'
complete -c attune-stream -s f -l filter -r -n "__fish_seen_subcommand_from consume recent list info" -d 'jq program for each event'
complete -c attune-stream -s p -l pretty -d 'indented JSON'
complete -c attune-stream -s q -l quiet -n "__fish_seen_subcommand_from publish trim delete" -d 'print nothing'
complete -c attune-stream -s h -l help -d 'show help'
complete -c attune-stream -s V -l version -d 'show version'
