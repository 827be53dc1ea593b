# bash completion for attune-stale
_attune_stale() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-o | --format)
		COMPREPLY=($(compgen -W "json text prometheus" -- "$cur"))
		return ;;
	-s | --store | -t | --timeout | --interval | --alive | --forget | --namespace)
		return ;;
	esac
	COMPREPLY=($(compgen -W "--timeout --active --lost --alive --forget --watch --interval
		--exit-status --format --store --namespace --pretty --quiet --help --version" -- "$cur"))
}
complete -F _attune_stale attune-stale
