#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# upstream.sh BUILD [selftest|matched]
#
# Build upstream Linux from Debian's linux-source-7.3 (trixie-backports), in
# one of two configurations:
#   selftest  (default) the kernel to test interoperability against:
#             upstream's own liveupdate selftest config on top of tinyconfig
#             plus what QEMU, the test initramfs and kexec need
#             (scripts/upstream-qemu.config); BUILD/upstream-7.3/.
#   matched   the side-by-side benchmark's anchor: tinyconfig plus our own
#             base and distribution-like fragments, then 7.3's live update
#             as ours is configured (scripts/upstream-matched.config); the
#             options that still differ from our distribution-like kernel's
#             .config (which must be built) are listed in
#             BUILD/upstream-7.3-matched/config-differences.
# Output: bzImage in that directory, and the time the build took in its
# build-time. Does nothing when the image is built from the same package
# and config.
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
variant=${2:-selftest}

build=$(realpath -m "$1")
# The package and its source are shared by both variants.
pkgdir=$build/upstream-$UVER
src=$pkgdir/$PKG
case "$variant" in
selftest)
	dir=$pkgdir
	FRAGMENT=scripts/upstream-qemu.config
	selftest=$src/tools/testing/selftests/liveupdate
	frags=("$selftest/config" "$selftest/config.x86_64" "$(realpath "$FRAGMENT")")
	;;
matched)
	dir=$build/upstream-$UVER-matched
	FRAGMENT=scripts/upstream-matched.config
	frags=("$(realpath kernel/configs/luo_bpf_base.config)"
	       "$(realpath kernel/configs/luo_bpf_distro.config)"
	       "$(realpath "$FRAGMENT")")
	ours_config=$build/obj-distro/.config
	if [ ! -f "$ours_config" ]; then
		echo "upstream: matched needs our distribution-like kernel's $ours_config (make distro-kernel)" >&2
		exit 1
	fi
	;;
*)
	echo "usage: $0 BUILD [selftest|matched]" >&2
	exit 2
	;;
esac
obj=$dir/obj
out=$dir/bzImage
stamp=$dir/.built

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

. "$(dirname "$0")/apt-source.sh"

# The .deb of linux-source-7.3, downloaded into $pkgdir once.
fetch_deb() {
	local deb
	deb=$(ls "$pkgdir"/${PKG}_*.deb 2>/dev/null | tail -n 1 || true)
	if [ -n "$deb" ]; then
		echo "$deb"
		return
	fi
	add_suite trixie-backports "$LIST" "$PREF" 100 >&2
	# Refresh only that source: the machine's other lists stay as they are.
	$SUDO apt-get update -qq -o Dir::Etc::SourceList="$LIST" \
		-o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=0 >&2
	# As root, apt warns that it downloads unsandboxed: expected here.
	(cd "$pkgdir" && apt-get download -qq "$PKG" 2>&1 | grep -v unsandboxed >&2) || true
	deb=$(ls "$pkgdir"/${PKG}_*.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$deb" ]; then
		echo "upstream: could not download $PKG from trixie-backports" >&2
		exit 1
	fi
	echo "$deb"
}

mkdir -p "$pkgdir" "$dir"
deb=$(fetch_deb)
version=$(dpkg-deb -f "$deb" Version)
if [ "$variant" = selftest ]; then
	want="$version $(sha256sum <"$FRAGMENT" | cut -c1-16)"
else
	want="$version $variant $(cat "${frags[@]}" | sha256sum | cut -c1-16)"
fi
if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "  UPSTREAM $out ($PKG $version, built in $(cat "$dir/build-time"))"
	exit 0
fi

if [ ! -f "$src/Makefile" ]; then
	echo "  UNPACK  $(basename "$deb")"
	rm -rf "$src" "$pkgdir/pkg"
	dpkg-deb -x "$deb" "$pkgdir/pkg"
	tar -xf "$pkgdir/pkg/usr/src/$PKG.tar.xz" -C "$pkgdir"
	rm -rf "$pkgdir/pkg"
fi

jobs=${JOBS:-$(nproc)}
# The same cache as our kernel (see the Makefile).
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/luo-bpf-ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
kmake() {
	make -s -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$jobs" "$@"
}

echo "  CONFIG  tinyconfig + ${frags[*]##*/} ($variant)"
mkdir -p "$obj"
kmake tinyconfig >/dev/null
(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" .config "${frags[@]}" >/dev/null)
kmake olddefconfig >/dev/null
if [ "$variant" = selftest ]; then
	# Upstream's liveupdate selftest fragments, then ours; all checked
	# after olddefconfig, so that an option Kconfig drops is an error,
	# not a surprise. An option our fragment redefines is checked as
	# ours asks.
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
else
	# Our fragments name options of ours that 7.3 does not have: only
	# the 7.3 fragment is checked strictly; what still differs from our
	# kernel is written down for the benchmark's report.
	scripts/check-config.sh "$FRAGMENT" "$obj/.config"
	scripts/config-compare.sh "$ours_config" "$obj/.config" >"$dir/config-differences"
	echo "  CONFIG  $(grep -c '^differs' "$dir/config-differences" || true) options differ from ours, $(grep -c '^absent' "$dir/config-differences" || true) of ours absent: $dir/config-differences"
fi

echo "  KERNEL  upstream $version bzImage (ccache in ${CCACHE_DIR:-default})"
start=$(date +%s)
kmake bzImage
secs=$(($(date +%s) - start))
cp "$obj/arch/x86/boot/bzImage" "$out"
printf '%dm%02ds on %d CPUs\n' $((secs / 60)) $((secs % 60)) "$(nproc)" >"$dir/build-time"
echo "$want" >"$stamp"
echo "  UPSTREAM $out ($PKG $version, built in $(cat "$dir/build-time"))"
