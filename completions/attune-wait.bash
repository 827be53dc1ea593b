# bash completion for attune-wait
_attune_wait() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	case $prev in
	-s | --store)
		COMPREPLY=($(compgen -W "redis:// unix:// sqlite://" -- "$cur"))
		return ;;
	--type)
		COMPREPLY=($(compgen -W "ready task_complete abort checkpoint error approval_request
			approval_response" -- "$cur"))
		return ;;
	-a | --agent | --from | -f | --filter | -t | --timeout | -c | --count | --poll | --namespace)
		return ;;
	esac
	COMPREPLY=($(compgen -W "-h --help -V --version -s --store --namespace -a --agent --type --from
		-f --filter -t --timeout -c --count --follow --drain --peek --poll -p --pretty -q --quiet" -- "$cur"))
}
complete -F _attune_wait attune-wait
