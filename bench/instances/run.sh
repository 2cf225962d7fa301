#!/bin/sh
# The daemon on PostgreSQL (issue 20): one `speechwatch run` on SQLite, then
# two instances on one throw-away PostgreSQL, over bench/fleet's synthetic
# site. Builds build/speechwatch if it is missing, installs nginx if absent
# (the bench only; CI does not run it), then runs bench/instances/instances.py
# with the arguments given (--help lists them).
#   bench/instances/run.sh                 # N=1000: first + 3 quiet + 5 % changed + quiet (~5 min)
#   bench/instances/run.sh --quick         # N=50: about 2 minutes
set -e
cd "$(dirname "$0")/../.."
[ -x build/speechwatch ] || make -s build/speechwatch
if [ ! -x /usr/sbin/nginx ]; then
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get install -y --no-install-recommends nginx >&2
fi
exec /usr/bin/python3 bench/instances/instances.py "$@"
