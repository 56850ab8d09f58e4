#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the luo-bpf test initramfs: mount the usual filesystems, run the
# test named on the command line, then power off (QEMU runs with -no-reboot).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /run && mount -t tmpfs tmpfs /run
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mkdir -p /sys/fs/cgroup 2>/dev/null && mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
exec </dev/console >/dev/console 2>&1

if grep -q 'luo.test=' /proc/cmdline; then
	/bin/luo-selftests
	echo "luo-done: rc=$?"
	poweroff -f
fi

echo "luo-bpf test initramfs: no luo.test= given; starting a shell"
exec /bin/sh
