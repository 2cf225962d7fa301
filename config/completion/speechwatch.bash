# bash completion for speechwatch(8): commands, each command's options, the
# events, sources and import subcommands and --state values, file names
# where a file is wanted.
# Plain bash (complete -F); the bash-completion package is not needed.
# `make install` puts it into $(PREFIX)/share/bash-completion/completions/.
# Keep in step with daemon/main.c (tests/e2e/test_completion.py checks).

# Options that take a value: the next word is that value, not a command.
_speechwatch_valued='-c --config --themes --jsonl --since --theme --ignore-label --state --channel --limit --from --to'

_speechwatch_options()
{
	case $1 in
	run | notify-test | reload) echo '-c --config' ;;
	once) echo '-c --config --dry-run' ;;
	check | discover | status | vacuum | sources) echo '-c --config --json' ;;
	import) echo '-c --config' ;;
	migrate) echo '--from --to' ;;
	preview) echo '-c --config --json --articles' ;;
	extract) echo '--json' ;;
	classify) echo '-c --config --json --jsonl --themes' ;;
	learn) echo '--ignore-label' ;;
	search) echo '-c --config --json --since --theme' ;;
	events) echo '-c --config --json --state --channel --since --limit --dead' ;;
	esac
	echo '-v --verbose -h --help'
}

_speechwatch()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd='' sub='' i word
	COMPREPLY=()

	case $prev in
	-c | --config | --themes | --jsonl | --from)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--state)
		COMPREPLY=($(compgen -W 'queued sending retrying delivered dead pending' -- "$cur"))
		return 0
		;;
	--since | --theme | --ignore-label | --channel | --limit | --to)
		return 0
		;;
	esac
	# The command is the first word that is neither an option nor its value.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ " $_speechwatch_valued " == *" $word "* ]]; then
			((i++))
		elif [[ $word != -* && -z $cmd ]]; then
			cmd=$word
		elif [[ $word != -* && -z $sub ]]; then
			sub=$word
		fi
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-c --config -v --verbose -h --help -V --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'run reload once check preview discover extract classify learn
				notify-test search status events sources import vacuum migrate' -- "$cur"))
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_speechwatch_options "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	extract | classify | learn)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	events)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W 'list show redeliver enable-channel' -- "$cur"))
		;;
	sources)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W 'enable disable' -- "$cur"))
		;;
	import)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W 'urlwatch opml' -- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	esac
	return 0
}

complete -F _speechwatch speechwatch
