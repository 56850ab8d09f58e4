#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-config.sh FRAGMENT DOTCONFIG
#
# After olddefconfig, every option the fragment asks for must be set as
# asked; Kconfig silently drops options whose dependencies are not met.
set -euo pipefail

frag=$1
conf=$2
bad=0

while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		opt=${line%%=*}
		want=$line
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		want=$line
		;;
	*)
		continue
		;;
	esac
	got=$(grep -E "^($opt=|# $opt is not set)" "$conf" || true)
	# An unset option that is absent from .config is "not set" too.
	if [ -z "$got" ] && [ "$want" = "# $opt is not set" ]; then
		continue
	fi
	if [ "$got" != "$want" ]; then
		echo "check-config: $opt: asked '$want', got '${got:-absent}'" >&2
		bad=1
	fi
done <"$frag"

exit $bad
