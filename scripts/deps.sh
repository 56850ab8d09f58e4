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
zstd lz4 xz-utils qemu-system-x86 busybox-static clang llvm lld libfdt-dev rsync
libbpf-dev bpftool linux-source-6.12 python3 libzstd-dev zlib1g-dev liblzma-dev
liblz4-dev libbz2-dev liblzo2-dev
device-tree-compiler mmdebstrap dpkg-dev debhelper kmod e2fsprogs"
PINNED="linux-source-6.12 libbpf-dev libbpf1 bpftool"
LIST=/etc/apt/sources.list.d/luo-bpf-backports.sources
PREF=/etc/apt/preferences.d/luo-bpf-backports

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

. "$(dirname "$0")/apt-source.sh"

missing() {
	local p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || echo "$p"
	done
}

add_backports() {
	add_suite bookworm-backports "$LIST" "$PREF" 100 $PINNED
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
