#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# apply-patches.sh SRCDIR PATCHDIR STATEDIR
#
# Apply our numbered patch series to the 6.12 tree. The applied series is
# remembered in STATEDIR: when the series changes, the old one is reversed
# (last patch first) and the new one applied, so the tree never carries
# stale hunks. Files no patch touches keep their timestamps, and so do
# patched files that come out of it as they were: changing one patch
# rebuilds what that change touches, not everything the series patches.
set -euo pipefail

src=$1
pdir=$(cd "$2" && pwd)
state=$3
applied=$state/applied-patches

mkdir -p "$applied"

same=1
if ! diff -qr "$pdir" "$applied" >/dev/null 2>&1; then
	same=0
fi
[ $same -eq 1 ] && exit 0

# The files the old and the new series touch, as they are now (with their
# timestamps), to give back the timestamp of each that ends up unchanged.
keep=$(mktemp -d)
trap 'rm -rf "$keep"' EXIT
touched=$(for p in "$applied"/*.patch "$pdir"/*.patch; do
		[ -f "$p" ] && sed -n 's|^+++ b/\([^	]*\).*|\1|p' "$p"
	done | sort -u)
for f in $touched; do
	if [ -f "$src/$f" ]; then
		mkdir -p "$keep/$(dirname "$f")"
		cp -p "$src/$f" "$keep/$f"
	fi
done
keep_times() {
	local f
	for f in $touched; do
		if [ -f "$keep/$f" ] && cmp -s "$keep/$f" "$src/$f"; then
			touch -r "$keep/$f" "$src/$f"
		fi
	done
}

# Reverse what is applied, newest first.
for p in $(ls -r "$applied"/*.patch 2>/dev/null); do
	if ! patch -d "$src" -p1 -R -s -f --no-backup-if-mismatch <"$p" >/dev/null; then
		echo "apply-patches: cannot reverse $(basename "$p"); re-unpack the tree (make distclean)" >&2
		exit 1
	fi
	rm -f "$p"
done

for p in "$pdir"/*.patch; do
	[ -f "$p" ] || continue
	if ! out=$(patch -d "$src" -p1 -s -f -N --no-backup-if-mismatch <"$p" 2>&1); then
		echo "apply-patches: $(basename "$p") does not apply:" >&2
		echo "$out" | grep -E 'FAILED|Hunk|patching|malformed|can.t find' >&2 || echo "$out" >&2
		# Undo the partial application so the tree stays consistent.
		patch -d "$src" -p1 -R -s -f --no-backup-if-mismatch <"$p" >/dev/null 2>&1 || true
		for q in $(ls -r "$applied"/*.patch 2>/dev/null); do
			patch -d "$src" -p1 -R -s -f --no-backup-if-mismatch <"$q" >/dev/null
			rm -f "$q"
		done
		exit 1
	fi
	cp "$p" "$applied/"
	echo "  PATCH   $(basename "$p")"
done
keep_times
