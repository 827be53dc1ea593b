# bash completion for attune-feedback
_attune_feedback()
{
	local cur prev words cword sub w n=0
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	}
	case $prev in
	-s|--store) COMPREPLY=($(compgen -W 'redis:// unix:// sqlite://' -- "$cur")); return ;;
	-o|--format) COMPREPLY=($(compgen -W 'json text' -- "$cur")); return ;;
	--sort) COMPREPLY=($(compgen -W 'lower_bound confidence n' -- "$cur")); return ;;
	--tier) COMPREPLY=($(compgen -W 'cheap capable premium' -- "$cur")); return ;;
	-c|--count|--meta|--threshold|--source|--mode|--duration-ms|--days|--namespace) return ;;
	esac
	# the subcommand, and how many operands follow it before the word being completed
	for w in "${words[@]:1:cword-1}"; do
		if [[ -n $sub && $w != -* ]]; then
			n=$((n + 1))
		elif [[ -z $sub ]]; then
			case $w in rate|confidence|list|import|export|score|history|stats|recommend|underperforming|clear|query|queries) sub=$w ;; esac
		fi
	done
	if [[ $cur == -* ]]; then
		local opts='--store --namespace --format --pretty --quiet --help --version'
		case $sub in
		list) opts+=' --sort --count' ;;
		score) opts+=' --meta' ;;
		history) opts+=' --tier --count' ;;
		stats|recommend) opts+=' --tier' ;;
		underperforming) opts+=' --threshold' ;;
		query) opts+=' --source --mode --found --not-found --duration-ms --meta' ;;
		queries) opts+=' --days --count' ;;
		'') opts+=' --count --sort --tier --meta --threshold --source --mode --found --not-found --duration-ms --days' ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W 'rate confidence list import export score history stats recommend underperforming clear query queries' -- "$cur"))
	elif [[ ($sub == rate || $sub == confidence) && $n == 0 ]]; then
		COMPREPLY=($(compgen -W "$(timeout 2 attune-feedback list -o text 2>/dev/null | tail -n +2 | cut -d' ' -f1)" -- "$cur"))
	elif [[ $sub == rate && $n == 1 ]]; then
		COMPREPLY=($(compgen -W 'good bad' -- "$cur"))
	elif [[ $sub == score && $n == 2 ]]; then
		COMPREPLY=($(compgen -W 'cheap capable premium' -- "$cur"))
	elif [[ $sub == import ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _attune_feedback attune-feedback
