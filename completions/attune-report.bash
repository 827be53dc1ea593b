# bash completion for attune-report
_attune_report()
{
	local cur prev words cword sub w
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	}
	case $prev in
	-o|--format) COMPREPLY=($(compgen -W 'text json csv prometheus html' -- "$cur")); return ;;
	--dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--provider) COMPREPLY=($(compgen -W 'anthropic openai google ollama' -- "$cur")); return ;;
	--file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--days|--hours|--limit|--period1|--period2|--namespace) return ;;
	esac
	for w in "${words[@]:1:cword-1}"; do
		case $w in usage|savings|cache|compare|models|sonnet-opus|tier1|routing|tests|file-tests|coverage|agents|export) sub=$w ;; esac
	done
	if [[ $cur == -* ]]; then
		local opts='--dir --format --pretty --help --version'
		case $sub in
		compare) opts+=' --period1 --period2' ;;
		usage) opts+=' --days --hours --limit' ;;
		models) opts+=' --days --hours --provider' ;;
		file-tests) opts+=' --days --hours --failed --stale --file --limit' ;;
		'') opts+=' --days --hours --limit --failed --stale --file --period1 --period2 --provider' ;;
		*) opts+=' --days --hours' ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W 'usage savings cache compare models sonnet-opus tier1 routing tests file-tests coverage agents export' -- "$cur"))
	fi
}
complete -F _attune_report attune-report
