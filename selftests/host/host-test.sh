#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# host-test.sh - the host_vm_update test, run in the Debian host by
# luo-host-test.service once the system is up (selftests/host/test_host_vm_update.c
# says what it proves). The stage is the kernel command line's luo.stage=N;
# what a stage learns for the next one is kept on the disk. It reports to
# the console in the runner's words ("luo-stage:", "luo-kexec:",
# "luo-result:", "# " diagnostics), and powers the machine off at the end.
set -uo pipefail

name=host_vm_update
serial=/var/log/luo-vm.serial
keep=/var/lib/luo-host-test
stage=$(sed -n 's/.*luo\.stage=\([0-9]*\).*/\1/p' /proc/cmdline)
kernel=/boot/vmlinuz-$(uname -r)
initrd=/boot/initrd.img-$(uname -r)

say() { echo "# $*"; }

finish() {
	echo "luo-result: $name $1 stage=$stage"
	sync
	poweroff -f
	sleep infinity
}

fail() {
	say "stage $stage: $*"
	say "luo-bpf-agent.service: $(journalctl -b -u luo-bpf-agent -o cat --no-pager | tail -n 8 | tr '\n' '|')"
	say "luo-vm.service: $(journalctl -b -u luo-vm -o cat --no-pager | tail -n 8 | tr '\n' '|')"
	finish fail
}

# The guest's ticks so far (the last complete "vm: tick" line's counter).
ticks() {
	local c
	c=$(grep -a '^vm: tick ' "$serial" 2>/dev/null | grep -a ' sum ' | tail -n 1 | cut -d' ' -f3)
	echo $((16#${c:-0}))
}

# Wait until the guest has counted past $1 by at least $2 ticks.
wait_ticks() {
	local from=$1 more=$2 deadline=$((SECONDS + 240))

	while [ "$(ticks)" -lt $((from + more)) ]; do
		[ $SECONDS -lt $deadline ] ||
			fail "the VM did not count from $from to $((from + more)) in 240 s (at $(ticks))"
		sleep 1
	done
}

# The whole serial log, one stream across every QEMU that ran the VM: one
# boot, every tick exactly one more than the one before, one checksum. Its
# last line is left out: the running guest may be half-way through it.
check_serial() {
	local boots sum='' prev=0 n=0 word cnt s val rest

	boots=$(grep -ac '^vm: boot ' "$serial")
	[ "$boots" -eq 1 ] || fail "the guest booted $boots times: it was not resumed"
	sum=$(grep -a '^vm: boot ' "$serial" | cut -d' ' -f5)
	while read -r word cnt s val rest; do
		[ "$word $s" = "tick sum" ] || continue
		[ -z "$rest" ] || fail "tick $cnt: '$rest' (the guest's memory changed)"
		[ "$val" = "$sum" ] || fail "tick $cnt: checksum $val, $sum at boot"
		[ $((16#$cnt)) -eq $((prev + 1)) ] ||
			fail "tick $((16#$cnt)) follows tick $prev: the counter did not go on"
		prev=$((16#$cnt)) n=$((n + 1))
	done < <(sed '$d' "$serial" | grep -a '^vm: tick ' | sed 's/^vm: //')
	say "the guest counted 1..$prev without a gap, $n ticks, checksum $sum throughout, booted once"
}

# What luo-qemu said in boot $1 (0 this one, -1 the one before).
vm_log() {
	journalctl -b "$1" -u luo-vm -o cat --no-pager 2>/dev/null
}

# Wait (up to 120 s: journald lags on a busy machine) until unit $2
# (default luo-vm) said something matching $1 in this boot.
wait_vm_log() {
	local i

	for i in $(seq 120); do
		journalctl -b -u "${2:-luo-vm}" -o cat --no-pager 2>/dev/null |
			grep -q "$1" && return 0
		sleep 1
	done
	return 1
}

# The VM came through the update into this kernel: the same RAM bytes
# (luo-qemu's digest before the kexec and after the retrieve), resumed,
# preserved again through the VM-RAM handler.
check_resumed() {
	local before after paused resumed

	wait_vm_log "guest RAM preserved for the next kernel" ||
		fail "luo-qemu did not resume the VM and preserve its RAM again"
	before=$(vm_log -1 | sed -n 's/.*guest RAM kept in place: .*fnv64 \([0-9a-f]*\).*/\1/p' | tail -n 1)
	after=$(vm_log 0 | sed -n 's/.*guest RAM retrieved: .*fnv64 \([0-9a-f]*\);.*/\1/p' | tail -n 1)
	[ -n "$before" ] || fail "the previous boot's luo-qemu did not save the VM"
	[ -n "$after" ] || fail "luo-qemu did not retrieve the VM's RAM"
	[ "$before" = "$after" ] || fail "guest RAM digest $before before the kexec, $after after"
	paused=$(vm_log -1 | sed -n 's/.*paused at \([0-9]*\) ms.*/\1/p' | tail -n 1)
	resumed=$(vm_log 0 | sed -n 's/.*resumed at \([0-9]*\) ms.*/\1/p' | tail -n 1)
	[ -n "$resumed" ] || fail "luo-qemu did not resume the VM"
	say "guest RAM 64 MiB, fnv64 $after before and after the kexec"
	# Where the update into this kernel spent its time, on one clock.
	luo-bpf timeline | sed 's/^/# timeline: /'
	say "VM paused for $((resumed - paused)) ms by the guest's clock (the new kernel reads the RTC: +-1 s)"
	luo-bpf file list | grep -q "^0:vm .*bpf:vmram-v1 .*outgoing" ||
		fail "the VM's RAM is not preserved again through bpf:vmram-v1: $(luo-bpf file list | tr '\n' '|')"
}

# Before the kexec into stage $1: what the next stage checks against.
next_stage() {
	echo "luo-kexec: stage $stage -> $1"
	ticks >"$keep/ticks"
	cp "$serial" "$keep/serial.$stage"
	sync
}

# The serial log as the previous stage left it is still the log's start:
# without it, a guest booted again on new RAM would look like the first.
check_history() {
	local prev=$keep/serial.$((stage - 1))

	[ -s "$prev" ] || fail "no copy of stage $((stage - 1))'s serial log"
	cmp -s -n "$(stat -c %s "$prev")" "$prev" "$serial" ||
		fail "the serial log does not start with stage $((stage - 1))'s ($(stat -c %s "$prev") bytes then, $(stat -c %s "$serial") now; first line now: $(head -n 1 "$serial"))"
}

# QEMU dies unsaved: luo-qemu says the VM is lost and has the agent discard
# its session; the RAM's pages go back (Shmem falls by at least the memfd's).
check_killed() {
	local qemu lq bytes before after

	qemu=$(pidof qemu-system-x86_64) || fail "no QEMU running"
	lq=$(pidof luo-qemu) || fail "no luo-qemu running"
	bytes=$(($(stat -L -c %b "/proc/$lq/fd/10") * 512))
	before=$(awk '/^Shmem:/ { print $2 }' /proc/meminfo)
	kill -9 "$qemu"
	for _ in $(seq 60); do
		systemctl -q is-active luo-vm && sleep 1
	done
	systemctl -q is-active luo-vm && fail "luo-vm.service still runs after QEMU was killed"
	wait_vm_log "QEMU killed by signal 9 without saving the VM: the VM is lost, its memory is released (session discarded)" ||
		fail "luo-qemu did not report the killed QEMU"
	wait_vm_log "discard '0:vm': 1 files unpreserved" luo-bpf-agent ||
		fail "the agent did not discard the VM's session"
	luo-bpf file list | grep -q "^0:vm .*outgoing" && fail "files of session 0:vm remain: $(luo-bpf file list | tr '\n' '|')"
	after=$(awk '/^Shmem:/ { print $2 }' /proc/meminfo)
	[ $(((before - after) * 1024)) -ge $((bytes - 1048576)) ] ||
		fail "Shmem fell by $((before - after)) KiB after the VM's $((bytes / 1024)) KiB were released"
	say "QEMU killed: reported, session discarded, Shmem -$((before - after)) KiB for $((bytes / 1024)) KiB of guest RAM"
}

echo "luo-stage: $name $stage boot_id=$(cat /proc/sys/kernel/random/boot_id)"
mkdir -p "$keep"
systemctl -q is-active luo-bpf-agent || fail "luo-bpf-agent.service is not active"
say "kernel $(uname -r), $(systemctl --version | head -n 1), $(qemu-system-x86_64 --version | head -n 1)"

case "$stage" in
1)
	wait_ticks 0 3
	check_serial
	luo-bpf file list | grep -q "^0:vm .*bpf:vmram-v1 .*outgoing" ||
		fail "the VM's RAM is not preserved through bpf:vmram-v1: $(luo-bpf file list | tr '\n' '|')"
	next_stage 2
	luo-bpf update --kernel "$kernel" --initrd "$initrd" --append luo.stage=2 \
		--handlers /etc/luo-bpf/handlers.d || fail "luo-bpf update failed"
	sleep infinity	# systemd stops us on its way to the kexec
	;;
2)
	check_history
	wait_ticks "$(cat "$keep/ticks")" 3
	check_serial
	check_resumed
	next_stage 3
	cmdline=$(sed 's/luo\.stage=[0-9]*/luo.stage=3/' /proc/cmdline)
	kexec -s -l "$kernel" --initrd="$initrd" --append="$cmdline" ||
		fail "kexec -s -l failed"
	systemctl kexec || fail "systemctl kexec failed"
	sleep infinity
	;;
3)
	check_history
	wait_ticks "$(cat "$keep/ticks")" 3
	check_serial
	check_resumed
	check_killed
	luo-bpf check --kernel "$kernel" | grep -q "^0 outgoing files" ||
		fail "files still outgoing: $(luo-bpf check --kernel "$kernel" | tr '\n' '|')"
	next_stage 4
	luo-bpf update --kernel "$kernel" --initrd "$initrd" --append luo.stage=4 ||
		fail "luo-bpf update failed"
	sleep infinity
	;;
4)
	# Nothing of the killed VM came over: no session, a VM started afresh.
	luo-bpf session list | grep -Eq "^0:vm +(incoming|retrieved|finished) " &&
		fail "a session of the killed VM came over: $(luo-bpf session list | tr '\n' '|')"
	wait_vm_log "started with 64 MiB of guest RAM" ||
		fail "the VM was not started afresh"
	say "after the update nothing of the killed VM was handed over; its unit started a new VM"
	finish ok
	;;
*)
	fail "no stage on the command line"
	;;
esac
