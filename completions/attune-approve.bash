# bash completion for attune-approve
_attune_approve()
{
	local cur prev words cword sub w
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	}
	case $prev in
	-s|--store) COMPREPLY=($(compgen -W 'redis:// unix:// sqlite://' -- "$cur")); return ;;
	-o|--format) COMPREPLY=($(compgen -W 'json text' -- "$cur")); return ;;
	-a|--agent|-t|--timeout|--poll|-r|--reason|--as|--type|-f|--filter|--namespace) return ;;
	esac
	for w in "${words[@]:1:cword-1}"; do
		case $w in request|respond|list|show|review|expire) sub=$w; break ;; esac
	done
	if [[ $cur == -* ]]; then
		local opts='--store --namespace --filter --format --pretty --quiet --help --version'
		case $sub in
		request) opts+=' --agent --timeout --poll' ;;
		respond) opts+=' --approve --reject --reason --as' ;;
		list) opts+=' --type' ;;
		review) opts+=' --as' ;;
		'') opts+=' --agent --timeout --poll --approve --reject --reason --as --type' ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W 'request respond list show review expire' -- "$cur"))
	elif [[ $sub == respond || $sub == show ]]; then
		COMPREPLY=($(compgen -W "$(timeout 2 attune-approve list -f .request_id 2>/dev/null | tr -d '"')" -- "$cur"))
	fi
}
complete -F _attune_approve attune-approve
