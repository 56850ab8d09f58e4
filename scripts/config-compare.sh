#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# config-compare.sh OURS THEIRS
#
# Every option of .config OURS that .config THEIRS sets otherwise: "differs"
# when THEIRS has the option at another value, "absent" when THEIRS does not
# have it at all (not in that tree, or its dependencies are not met there).
# Options only THEIRS has are not listed: they are at that tree's defaults.
# Prints one line per option; the exit status is 0 either way.
set -euo pipefail

# OPTION VALUE lines of a .config, "n" for "is not set".
options() {
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)/\1 \2/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1 n/p' "$1"
}

declare -A theirs
while read -r opt val; do
	theirs[$opt]=$val
done < <(options "$2")

while read -r opt val; do
	if [ -z "${theirs[$opt]+set}" ]; then
		echo "absent  $opt (ours: $val)"
	elif [ "${theirs[$opt]}" != "$val" ]; then
		echo "differs $opt (ours: $val, theirs: ${theirs[$opt]})"
	fi
done < <(options "$1")
