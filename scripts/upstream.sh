#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# upstream.sh BUILD
#
# Build an upstream Linux kernel to test interoperability against: Debian's
# linux-source-7.3, from trixie-backports, configured with upstream's own
# liveupdate selftest config on top of tinyconfig plus what QEMU, the test
# initramfs and kexec need (scripts/upstream-qemu.config). Output:
# BUILD/upstream-7.3/bzImage; the time the build took is in
# BUILD/upstream-7.3/build-time. Does nothing when the image is built from
# the same package and config.
#
# trixie-backports is added like bookworm-backports in deps.sh: from the
# machine's own bookworm source (same URI and keyring), pinned low so that
# nothing is ever upgraded from it. The package is only downloaded and
# unpacked with dpkg-deb, never installed (its dependencies are trixie's).
set -euo pipefail

UVER=7.3
PKG=linux-source-$UVER
LIST=/etc/apt/sources.list.d/luo-bpf-trixie-backports.sources
PREF=/etc/apt/preferences.d/luo-bpf-trixie-backports
FRAGMENT=scripts/upstream-qemu.config

build=$(realpath -m "$1")
dir=$build/upstream-$UVER
src=$dir/$PKG
obj=$dir/obj
out=$dir/bzImage
stamp=$dir/.built

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

. "$(dirname "$0")/apt-source.sh"

# The .deb of linux-source-7.3, downloaded into $dir once.
fetch_deb() {
	local deb
	deb=$(ls "$dir"/${PKG}_*.deb 2>/dev/null | tail -n 1 || true)
	if [ -n "$deb" ]; then
		echo "$deb"
		return
	fi
	add_suite trixie-backports "$LIST" "$PREF" 100 >&2
	# Refresh only that source: the machine's other lists stay as they are.
	$SUDO apt-get update -qq -o Dir::Etc::SourceList="$LIST" \
		-o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0 >&2
	# As root, apt warns that it downloads unsandboxed: expected here.
	(cd "$dir" && apt-get download -qq "$PKG" 2>&1 | grep -v unsandboxed >&2) || true
	deb=$(ls "$dir"/${PKG}_*.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$deb" ]; then
		echo "upstream: could not download $PKG from trixie-backports" >&2
		exit 1
	fi
	echo "$deb"
}

mkdir -p "$dir"
deb=$(fetch_deb)
version=$(dpkg-deb -f "$deb" Version)
want="$version $(sha256sum <"$FRAGMENT" | cut -c1-16)"
if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "  UPSTREAM $out ($PKG $version, built in $(cat "$dir/build-time"))"
	exit 0
fi

if [ ! -f "$src/Makefile" ]; then
	echo "  UNPACK  $(basename "$deb")"
	rm -rf "$src" "$dir/pkg"
	dpkg-deb -x "$deb" "$dir/pkg"
	tar -xf "$dir/pkg/usr/src/$PKG.tar.xz" -C "$dir"
	rm -rf "$dir/pkg"
fi

jobs=${JOBS:-$(nproc)}
# The same cache as our kernel (see the Makefile).
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/luo-bpf-ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
kmake() {
	make -s -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$jobs" "$@"
}

# Upstream's liveupdate selftest fragments, then ours; all checked after
# olddefconfig, so that an option Kconfig drops is an error, not a surprise.
selftest=$src/tools/testing/selftests/liveupdate
frags=("$selftest/config" "$selftest/config.x86_64" "$(realpath "$FRAGMENT")")
echo "  CONFIG  tinyconfig + upstream liveupdate selftest config + $FRAGMENT"
mkdir -p "$obj"
kmake tinyconfig >/dev/null
(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" .config "${frags[@]}" >/dev/null)
kmake olddefconfig >/dev/null
# An option our fragment redefines is checked as ours asks.
ours=$(grep -oE '^(# )?CONFIG_[A-Z0-9_]+' "$FRAGMENT" | sed 's/^# //')
bad=0
for f in "${frags[@]}"; do
	if [ "$f" != "${frags[-1]}" ]; then
		grep -vwF "$ours" "$f" >"$obj/.frag" || true
		f=$obj/.frag
	fi
	scripts/check-config.sh "$f" "$obj/.config" || bad=1
done
rm -f "$obj/.frag"
[ $bad -eq 0 ] || exit 1

echo "  KERNEL  upstream $version bzImage (ccache in ${CCACHE_DIR:-default})"
start=$(date +%s)
kmake bzImage
secs=$(($(date +%s) - start))
cp "$obj/arch/x86/boot/bzImage" "$out"
printf '%dm%02ds on %d CPUs\n' $((secs / 60)) $((secs % 60)) "$(nproc)" >"$dir/build-time"
echo "$want" >"$stamp"
echo "  UPSTREAM $out ($PKG $version, built in $(cat "$dir/build-time"))"
