#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkhost.sh BUILD KERNEL_DEB - the Debian host of the host_* tests.
#
# A bookworm root file system from Debian's packages (mmdebstrap, through
# the machine's own apt mirror): systemd as PID 1, QEMU 10 from
# bookworm-backports (pinned by name, like the build's own backports),
# kexec-tools, initramfs-tools; our distribution-like kernel installed from
# its Debian package (KERNEL_DEB, "make host-deb"), so its initramfs is
# Debian's; luo-bpf, luo-qemu and the agent's unit; the VM-RAM handler in
# /etc/luo-bpf/handlers.d; the test's VM and its script (selftests/host/).
# Writes BUILD/host/disk.img (ext4, the root file system) and, for QEMU's
# direct boot, BUILD/host/vmlinuz and BUILD/host/initrd.img. The packages
# are kept in ~/.cache/luo-bpf/host-debs: a second build downloads nothing.
set -euo pipefail

build=$1 deb=$2
here=$(cd "$(dirname "$0")/.." && pwd)
out=$build/host
root=$out/root
cache=${XDG_CACHE_HOME:-$HOME/.cache}/luo-bpf/host-debs
# QEMU 10 and what it needs at a newer version than bookworm's.
backports="qemu-system-x86 qemu-system-common qemu-system-data seabios"
pkgs="systemd,systemd-sysv,udev,dbus,kexec-tools,initramfs-tools,zstd,e2fsprogs,procps,qemu-system-x86"

. "$here/scripts/apt-source.sh"
read -r uri _ < <(main_source | head -n 1) || true
if [ -z "${uri:-}" ]; then
	echo "mkhost: no bookworm apt source found" >&2
	exit 1
fi

# mmdebstrap's root mode, chroot and ownership in the image need root.
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

mkdir -p "$out" "$cache"
printf 'Package: %s\nPin: release n=bookworm-backports\nPin-Priority: 990\n' \
	"$backports" >"$out/backports.pref"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$out/fstab"
as --32 -o "$out/vm-guest.o" "$here/selftests/host/vm-guest.s"
ld -m elf_i386 -Ttext=0x100000 -e _start -o "$out/vm-guest.elf" "$out/vm-guest.o"

# kexec-tools must not load a kernel of its own at shutdown (LOAD_KEXEC):
# the update decides which kernel comes next.
units="$here/tools/luo-bpf/luo-bpf-agent.service
$here/selftests/host/luo-vm.service
$here/selftests/host/luo-host-test.service"

$SUDO rm -rf "$root"
echo "  HOST    Debian bookworm root file system (mmdebstrap)"
$SUDO mmdebstrap --quiet --variant=minbase --mode=root --format=directory \
	--include="$pkgs" \
	--aptopt='APT::Install-Recommends "false"' \
	--setup-hook='mkdir -p "$1"/etc/apt/preferences.d "$1"/var/cache/apt/archives' \
	--setup-hook="copy-in $out/backports.pref /etc/apt/preferences.d/" \
	--setup-hook="sync-in $cache /var/cache/apt/archives/" \
	--customize-hook="sync-out /var/cache/apt/archives $cache" \
	--skip=download/empty \
	--customize-hook="copy-in $deb /tmp/" \
	--customize-hook='chroot "$1" sh -c "dpkg -i /tmp/*.deb >/dev/null 2>/tmp/dpkg.log || { cat /tmp/dpkg.log; exit 1; }; rm /tmp/*.deb /tmp/dpkg.log"' \
	--customize-hook="copy-in $build/tools/luo-bpf $build/tools/luo-qemu /usr/sbin/" \
	--customize-hook='mkdir -p "$1"/etc/luo-bpf/handlers.d "$1"/usr/lib/luo-host-test "$1"/usr/share/doc/luo-bpf "$1"/var/log/journal' \
	--customize-hook="copy-in $build/bpf/vmram.bpf.o /etc/luo-bpf/handlers.d/" \
	--customize-hook="copy-in $here/selftests/host/host-test.sh $out/vm-guest.elf /usr/lib/luo-host-test/" \
	--customize-hook="copy-in $here/tools/luo-bpf/Documentation/luo-bpf.rst /usr/share/doc/luo-bpf/" \
	--customize-hook="copy-in $(echo "$units" | tr '\n' ' ') /etc/systemd/system/" \
	--customize-hook="copy-in $out/fstab /etc/" \
	--customize-hook='sed -i "s/^LOAD_KEXEC=.*/LOAD_KEXEC=false/" "$1"/etc/default/kexec' \
	--customize-hook='echo luo-host >"$1"/etc/hostname && chroot "$1" passwd -qd root' \
	--customize-hook='chroot "$1" systemctl -q enable luo-bpf-agent.service luo-vm.service luo-host-test.service' \
	--customize-hook='chroot "$1" systemctl -q mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service' \
	bookworm "$root" "deb $uri bookworm main" "deb $uri bookworm-backports main"

vmlinuz=$(ls "$root"/boot/vmlinuz-* | head -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | head -n 1)
cp "$vmlinuz" "$out/vmlinuz"
cp "$initrd" "$out/initrd.img"
echo "  HOST    $(basename "$vmlinuz"), $($SUDO chroot "$root" dpkg-query -W -f='${Version}' qemu-system-x86 | sed 's/^/QEMU /'), $(du -sm "$root" | cut -f1) MiB"
rm -f "$out/disk.img"
$SUDO mkfs.ext4 -q -F -L luo-host -d "$root" "$out/disk.img" 3G
$SUDO rm -rf "$root"
