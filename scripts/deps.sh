#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages luo-bpf needs to build and test, idempotently.
#
# linux-source-6.12, libbpf and bpftool come from bookworm-backports. The
# archive URI and keyring of that suite are derived from the machine's
# existing apt sources (whatever mirror the machine already uses), and the
# suite is pinned so that only the packages named in PINNED come from it.
set -euo pipefail

PKGS="build-essential bc bison flex libelf-dev libssl-dev dwarves ccache cpio
zstd xz-utils qemu-system-x86 busybox-static clang llvm lld libfdt-dev rsync
libbpf-dev bpftool linux-source-6.12 python3 libzstd-dev zlib1g-dev liblzma-dev
device-tree-compiler"
PINNED="linux-source-6.12 libbpf-dev libbpf1 bpftool"
LIST=/etc/apt/sources.list.d/luo-bpf-backports.sources
PREF=/etc/apt/preferences.d/luo-bpf-backports

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing() {
	local p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || echo "$p"
	done
}

# Print "URI KEYRING" of the source that carries the bookworm main suite.
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

add_backports() {
	local uri key
	[ -f "$LIST" ] && return 0
	read -r uri key < <(main_source | head -n 1) || true
	if [ -z "${uri:-}" ]; then
		echo "deps: no bookworm apt source found to derive backports from" >&2
		exit 1
	fi
	[ -n "${key:-}" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$key" | $SUDO tee "$LIST" >/dev/null
	{
		printf 'Package: *\nPin: release n=bookworm-backports\nPin-Priority: 100\n\n'
		printf 'Package: %s\nPin: release n=bookworm-backports\nPin-Priority: 990\n' \
			"$PINNED"
	} | $SUDO tee "$PREF" >/dev/null
	echo "deps: added bookworm-backports from $uri (pinned: $PINNED)"
}

need=$(missing)
# libbpf-dev must be the backports one (1.4+): 1.1 cannot load .struct_ops.link.
if dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null | grep -q '^1:1\.1'; then
	need="$need libbpf-dev"
fi
[ -n "$need" ] || exit 0

add_backports
echo "deps: installing" $need
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	$need >/dev/null
