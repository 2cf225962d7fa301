#!/bin/sh
# Fleet bench: speechwatch against urlwatch on N list pages served by a local
# nginx. Builds build/speechwatch if needed, installs the Debian packages nginx
# and urlwatch if missing (the bench only; CI does not run it), then runs
# bench/fleet/fleet.py with the arguments given (--help lists them).
#   bench/fleet/run.sh                 # N=1000: three cycles and a 10-cycle run soak
#   bench/fleet/run.sh --quick         # N=100, 3-cycle soak: about a minute
#   bench/fleet/run.sh --n 10000 --cycles 2 --soak-cycles 0
set -e
cd "$(dirname "$0")/../.."
[ -x build/speechwatch ] || make -s build/speechwatch
if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/urlwatch ]; then
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	# policy-rc.d or not, the packaged nginx service is not what the bench uses;
	# the bench starts its own nginx with its own config.
	$SUDO apt-get install -y --no-install-recommends nginx urlwatch >&2
fi
exec /usr/bin/python3 bench/fleet/fleet.py "$@"
