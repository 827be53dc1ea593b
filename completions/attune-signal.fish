# fish completion for attune-signal
complete -c attune-signal -f
complete -c attune-signal -s h -l help -d 'print usage'
complete -c attune-signal -s V -l version -d 'print the version'
complete -c attune-signal -s s -l store -r -a 'redis:// unix:// sqlite://' -d 'store URL'
complete -c attune-signal -l namespace -r -d 'key prefix'
complete -c attune-signal -s a -l agent -r -d 'sender'
complete -c attune-signal -s T -l ttl -r -d 'lifetime (duration)'
complete -c attune-signal -s p -l pretty -d 'indented JSON'
complete -c attune-signal -s q -l quiet -d 'print nothing'
complete -c attune-signal -l to -r -d 'send to one agent'
complete -c attune-signal -l all -d 'broadcast to every agent'
complete -c attune-signal -l each -d 'one signal per JSON object on stdin'
complete -c attune-signal -n 'not __fish_seen_subcommand_from ready task_complete abort checkpoint error' -a 'ready task_complete abort checkpoint error' -d 'signal type'
