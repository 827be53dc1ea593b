# bash completion for attune-stream
_attune_stream()
{
	local cur prev words cword sub w
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	}
	case $prev in
	-s|--store) COMPREPLY=($(compgen -W 'redis:// unix:// sqlite://' -- "$cur")); return ;;
	--from) COMPREPLY=($(compgen -W '$ 0' -- "$cur")); return ;;
	-a|--agent|-t|--timeout|-c|--count|-f|--filter|--namespace|--source|--maxlen|--group|--consumer|--claim-idle) return ;;
	esac
	for w in "${words[@]:1:cword-1}"; do
		case $w in publish|consume|recent|list|info|trim|delete) sub=$w; break ;; esac
	done
	if [[ $cur == -* ]]; then
		local opts='--store --namespace --help --version'
		case $sub in
		publish) opts+=' --each --source --maxlen --pretty --quiet' ;;
		consume) opts+=' --from --until-caught-up --group --consumer --claim-idle --agent --count --timeout --filter --pretty' ;;
		recent) opts+=' --count --filter --pretty' ;;
		list|info) opts+=' --filter --pretty' ;;
		trim) opts+=' --maxlen --pretty --quiet' ;;
		delete) opts+=' --pretty --quiet' ;;
		'') opts+=' --each --source --maxlen --from --until-caught-up --group --consumer --claim-idle --agent --count --timeout --filter --pretty --quiet' ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W 'publish consume recent list info trim delete' -- "$cur"))
	elif [[ $sub != list ]]; then
		COMPREPLY=($(compgen -W "$(timeout 2 attune-stream list -f .event_type 2>/dev/null | tr -d '"')" -- "$cur"))
	fi
}
complete -F _attune_stream attune-stream
