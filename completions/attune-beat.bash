# bash completion for attune-beat
_attune_beat() {
	local cur prev i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	# After "--" complete the supervised command and its arguments.
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			COMPREPLY=($(compgen -c -- "$cur"))
			[[ $((i + 1)) -lt $COMP_CWORD ]] && COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi
	done
	case $prev in
	--status)
		COMPREPLY=($(compgen -W "running starting completed failed cancelled" -- "$cur"))
		return ;;
	-s | --store | -a | --agent | -T | --ttl | --progress | --task | --meta | --name | --every | --namespace)
		return ;;
	esac
	COMPREPLY=($(compgen -W "--agent --status --progress --task --meta --name --ttl --start --stop
		--every --store --namespace --pretty --quiet --help --version --" -- "$cur"))
}
complete -F _attune_beat attune-beat
