#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh BUILD BZIMAGE OUT
#
# Pack the test initramfs: busybox, /init, luo-selftests, luo-bpf, the BPF
# objects of bpf/ (in /lib/luo-bpf), bpftool, and the kernel
# image(s) the guest kexecs into (/boot/bzImage; LUO_ALT_KERNEL, when set,
# adds /boot/alt-bzImage for interoperability tests). The guest passes its
# own initrd (kept by retain_initrd in /sys/firmware/initrd) to the next
# kernel, so every stage of a chain sees the same files.
#
# The archive is two: the kernel images, uncompressed (they are compressed
# already), then everything else, LZ4-compressed; the kernel unpacks both.
# /etc/luo-initrd-boot-bytes holds the length of the first, so that a
# test's last kexec can pass the second alone: a next kernel that kexecs
# no further needs no kernel image, and the purgatory hashes every byte of
# the initrd in the blackout (ours would otherwise carry its image twice).
set -euo pipefail

build=$1
bzimage=$2
out=$3
root=$build/initramfs

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,boot,proc,sys,dev,tmp,etc,root}
cp /bin/busybox "$root/bin/busybox"
# /init is luo-selftests itself (PID 1: mounts, runs the named test, powers off).
ln -s bin/luo-selftests "$root/init"
install -m 0755 "$build/selftests/luo-selftests" "$build/selftests/luo-kselftest" "$root/bin/"
for f in "$build"/tools/*; do
	[ -x "$f" ] && [ -f "$f" ] && install -m 0755 "$f" "$root/bin/"
done
# Their DWARF stays in build/: every boot and every kexec copies, hashes
# (purgatory) and unpacks this archive.
strip --strip-debug "$root"/bin/luo-*
for f in "$build"/bpf/*.bpf.o; do
	[ -f "$f" ] && install -D -m 0644 "$f" "$root/lib/luo-bpf/$(basename "$f")"
done
# Objects the tool's tests load by path, as a user would (not skeletons).
for f in "$build"/selftests/test_tool_*.bpf.o; do
	[ -f "$f" ] && install -D -m 0644 "$f" "$root/lib/luo-bpf/test/$(basename "$f")"
done
# bpftool, for "bpftool iter pin" and "bpftool struct_ops show" in tests:
# Debian's is dynamic, so its libraries come along.
if command -v bpftool >/dev/null; then
	bpftool=$(command -v bpftool)
	install -D -m 0755 "$(readlink -f "$bpftool")" "$root/sbin/bpftool"
	ldd "$bpftool" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' |
		while read -r lib; do
			install -D -m 0755 "$lib" "$root$lib"
		done
fi
boot=$build/initramfs-boot
rm -rf "$boot"
mkdir -p "$boot/boot"
cp "$bzimage" "$boot/boot/bzImage"
if [ -n "${LUO_ALT_KERNEL:-}" ]; then
	cp "$LUO_ALT_KERNEL" "$boot/boot/alt-bzImage"
fi
# Busybox's applets as links in /bin, as "busybox --install -s /bin" would
# make them at every boot.
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

cpio_of() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet -R 0:0)
}

# The images first: an LZ4 stream has no end mark the kernel could stop at
# before an uncompressed archive (early microcode goes first for the same
# reason). GNU cpio pads to 512 bytes, so the second archive starts aligned.
cpio_of "$boot" >"$out.tmp"
stat -c %s "$out.tmp" >"$root/etc/luo-initrd-boot-bytes"
# LZ4 (legacy frames, as the kernel reads them): every kexec copies and
# hashes the initrd in the blackout, and LZ4 unpacks fastest.
cpio_of "$root" | lz4 -l -q -c >>"$out.tmp"
mv "$out.tmp" "$out"
echo "  INITRD  $out ($(($(stat -c %s "$out") / 1024)) KiB)"
