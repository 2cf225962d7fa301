# zsh tests/zsh_complete.zsh DIR 'LINE' ...: for each LINE, the matches an
# interactive zsh (on a pty, completion functions from DIR first in $fpath)
# offers for LINE<TAB>: a line "== N" (N counts the LINEs from 1), then the
# matches, one a line (a match may repeat).
# compadd is wrapped to also write its matches to a file; ZLE reads the
# keys in order, so the marker printed after the TAB comes after them.
zmodload zsh/zpty || exit 2
dir=$1; shift
out=$(mktemp)

wait_for() {
	local i
	for i in {1..400}; do
		grep -qx -- "$1" $out && return 0
		sleep 0.05
	done
	return 1
}

zpty z zsh -f -i
zpty -w z "PROMPT=''; fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd () { builtin compadd -O __hits \"\$@\"; (( \$#__hits )) && print -rl -- \$__hits >> $out; builtin compadd \"\$@\" }"
# TAB completes, then writes "__tab__ N": the next key is typed only once
# the completion has ended (keys typed while it runs, under load, were
# seen to cut its matches short)
zpty -w z "integer __t=0; __tab () { zle expand-or-complete; print -r -- \"__tab__ \$((++__t))\" >> $out }; zle -N __tab; bindkey '^I' __tab"
zpty -w z "print -r -- __mark__ >> $out"
wait_for __mark__ || exit 3
integer n=0
for line in "$@"; do
	zpty -w z "print -r -- '== $((++n))' >> $out"
	wait_for "== $n" || exit 3
	zpty -n -w z "$line"$'\t'
	wait_for "__tab__ $n" || exit 3
	zpty -n -w z $'\x15'
done
zpty -w z "print -r -- __done__ >> $out"
wait_for __done__ || exit 3
zpty -d z
grep -vx -e __mark__ -e __done__ -e '__tab__ [0-9]*' $out
rm -f $out
