#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the luo-bpf test initramfs: luo-selftests --init mounts the usual
# filesystems and runs the test named on the command line (exit status 2:
# none named), then power off (QEMU runs with -no-reboot). Busybox's applet
# links are in the archive (scripts/mkinitramfs.sh): no process is spent
# here that need not be, as every benchmark's blackout ends in this script.
export PATH=/bin:/sbin
/bin/luo-selftests --init
rc=$?
exec </dev/console >/dev/console 2>&1
if [ $rc -ne 2 ]; then
	echo "luo-done: rc=$rc"
	poweroff -f
fi

echo "luo-bpf test initramfs: no luo.test= given; starting a shell"
exec /bin/sh
