# bash completion for attune-signal
_attune_signal() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	case $prev in
	-s | --store)
		COMPREPLY=($(compgen -W "redis:// unix:// sqlite://" -- "$cur"))
		return ;;
	-a | --agent | --to | -T | --ttl | --namespace)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-h --help -V --version -s --store --namespace -a --agent
			-T --ttl -p --pretty -q --quiet --to --all --each" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "ready task_complete abort checkpoint error" -- "$cur"))
	fi
}
complete -F _attune_signal attune-signal
