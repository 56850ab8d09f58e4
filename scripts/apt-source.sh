# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# apt-source.sh - sourced by deps.sh and upstream.sh.
#
# main_source prints "URI KEYRING" of the apt source that carries the
# bookworm main suite, so that other suites (bookworm-backports,
# trixie-backports) are fetched from whatever mirror the machine already
# uses, with the same keyring. It reads both the deb822 (*.sources) and the
# one-line (sources.list, *.list) formats.

main_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			/^[ \t]*$/ { if (uri && ok) { print uri, key; exit }
				     uri = key = ""; ok = 0; next }
			/^URIs:/ { uri = $2 }
			/^Signed-By:/ { key = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++)
					if ($i == "bookworm") ok = 1 }
			END { if (uri && ok) print uri, key }' "$f" | head -n 1
	done
	# One-line format: deb [signed-by=K] URI bookworm main
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" {
			key = ""; i = 2
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					if ($i ~ /signed-by=/) {
						key = $i; sub(/.*signed-by=/, "", key)
						sub(/\]$/, "", key)
					}
					if ($i ~ /\]$/) break
				}
				i++
			}
			if ($(i + 1) == "bookworm") { print $i, key; exit }
		}'
}

# add_suite SUITE LIST PREF PRIORITY [PKG...]
# Write a deb822 source for SUITE (derived from main_source) to LIST and a
# pin to PREF: every package of SUITE at PRIORITY, the named ones at 990.
# Does nothing if LIST exists.
add_suite() {
	local suite=$1 list=$2 pref=$3 prio=$4 uri key
	shift 4
	[ -f "$list" ] && return 0
	read -r uri key < <(main_source | head -n 1) || true
	if [ -z "${uri:-}" ]; then
		echo "$(basename "$0"): no bookworm apt source found to derive $suite from" >&2
		exit 1
	fi
	[ -n "${key:-}" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$suite" "$key" | $SUDO tee "$list" >/dev/null
	{
		printf 'Package: *\nPin: release n=%s\nPin-Priority: %s\n' "$suite" "$prio"
		[ $# -eq 0 ] ||
			printf '\nPackage: %s\nPin: release n=%s\nPin-Priority: 990\n' \
				"$*" "$suite"
	} | $SUDO tee "$pref" >/dev/null
	echo "$(basename "$0"): added $suite from $uri${*:+ (pinned: $*)}"
}
