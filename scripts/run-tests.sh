#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh --kernel BZIMAGE [--alt-kernel BZIMAGE] --initrd CPIO --logs DIR
#              [--variant LABEL:BZIMAGE:CPIO:TEST...] [--bench] [--verbose]
#              [TEST...]
#
# Boot each test in QEMU (TCG), follow it across its kexec stages, and
# report KTAP lines and a final "N passed, N failed" line. A test passes
# only if every stage ran, its last stage reported ok, and the serial log
# shows no panic, oops, BUG, WARNING or lockdep report. The serial log of
# every test is kept in DIR/<test>.log.
#
# --alt-kernel is the other kernel of the interoperability tests (the
# upstream build that the initramfs carries as /boot/alt-bzImage): a test
# marked kernel "alt" boots its first stage on it, and every test gets
# luo.interop=1, so that an interop test fails rather than skips when the
# image is missing from the initramfs. Without --alt-kernel, tests marked
# "alt" are skipped.
#
# --variant runs the listed tests (blank-separated), those of them that are
# selected, a second time on another kernel of ours booted with its own
# initramfs (whose /boot/bzImage is that kernel), reported as TEST@LABEL.
set -uo pipefail

kernel= alt_kernel= initrd= logs= bench=0 verbose=0
mem_default=${LUO_MEM:-2G}
stage_timeout=${LUO_STAGE_TIMEOUT:-120}
names=() variants=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--alt-kernel) alt_kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--variant) variants+=("$2"); shift ;;
	--logs) logs=$2; shift ;;
	--bench) bench=1 ;;
	--verbose) verbose=1 ;;
	*) names+=("$1") ;;
	esac
	shift
done
selftests=$(dirname "$initrd")/selftests/luo-selftests
mkdir -p "$logs"

# name stages mem kind kernel cmdline qemu desc
mapfile -t all < <("$selftests" --list)

want() {
	local n
	[ ${#names[@]} -eq 0 ] && return 0
	for n in "${names[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	return 1
}

# A name that matches no test is an error, never an empty run.
for n in "${names[@]}"; do
	if ! printf '%s\n' "${all[@]}" | cut -f1 | grep -qxF -- "$n"; then
		echo "run-tests: no test named '$n' (luo-selftests --list shows them)" >&2
		exit 1
	fi
done

# Per selected run: the test's --list line, and its kernel, initrd, label.
selected=() sel_kernel=() sel_initrd=() sel_label=()
select_run() {
	selected+=("$1")
	sel_kernel+=("$2")
	sel_initrd+=("$3")
	sel_label+=("$4")
}
for line in "${all[@]}"; do
	IFS=$'\t' read -r name stages mem kind boot extra machine desc <<<"$line"
	if [ ${#names[@]} -gt 0 ]; then
		want "$name" && select_run "$line" "$kernel" "$initrd" ""
	elif [ $bench -eq 1 ] && [ "$kind" = bench ]; then
		select_run "$line" "$kernel" "$initrd" ""
	elif [ $bench -eq 0 ] && [ "$kind" = test ]; then
		select_run "$line" "$kernel" "$initrd" ""
	fi
done
nsel=${#selected[@]}
for v in "${variants[@]}"; do
	IFS=: read -r vlabel vkernel vinitrd vtests <<<"$v"
	for ((j = 0; j < nsel; j++)); do
		name=${selected[j]%%$'\t'*}
		for t in $vtests; do
			[ "$t" = "$name" ] &&
				select_run "${selected[j]}" "$vkernel" "$vinitrd" "@$vlabel"
		done
	done
done

# Kernel log lines that fail a test whatever the test itself said.
bad_re='Kernel panic|BUG:|WARNING:|Oops|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|Call Trace:'

if [ ${#selected[@]} -eq 0 ]; then
	echo "run-tests: no test selected" >&2
	exit 1
fi

echo "TAP version 13"
echo "1..${#selected[@]}"
pass=0 fail=0 skip=0 i=0
for line in "${selected[@]}"; do
	IFS=$'\t' read -r name stages mem kind boot extra machine desc <<<"$line"
	run_kernel=${sel_kernel[i]} run_initrd=${sel_initrd[i]} label=${sel_label[i]}
	i=$((i + 1))
	[ "$mem" = - ] && mem=$mem_default
	[ "$extra" = - ] && extra=
	[ "$machine" = - ] && machine=
	first=$run_kernel
	if [ "$boot" = alt ]; then
		if [ -z "$alt_kernel" ]; then
			echo "ok $i $name # SKIP boots the alternative kernel first: no --alt-kernel (make interop)"
			skip=$((skip + 1))
			continue
		fi
		first=$alt_kernel
	fi
	[ -n "$alt_kernel" ] && extra="$extra luo.interop=1"
	log=$logs/$name$label.log
	rm -f "$log"
	start=$(date +%s.%N)
	args=(-accel tcg -cpu max -smp 2 -m "$mem" -display none -monitor none
	      -no-reboot -serial "file:$log" -kernel "$first" -initrd "$run_initrd"
	      -append "console=ttyS0 retain_initrd panic=-1 oops=panic loglevel=6 luo.test=$name luo.stage=1 $extra")
	# shellcheck disable=SC2206 # the machine is a list of QEMU arguments
	[ -n "$machine" ] && args+=($machine)
	if [ $verbose -eq 1 ]; then
		touch "$log"
		tail -f "$log" & tailpid=$!
	fi
	timeout -k 5 $((stage_timeout * stages)) qemu-system-x86_64 "${args[@]}" >/dev/null 2>"$log.qemu"
	qrc=$?
	[ $verbose -eq 1 ] && { sleep 0.2; kill $tailpid 2>/dev/null; }
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

	reason=
	result=$(grep -a "^luo-result: $name " "$log" | tail -n 1 | awk '{print $3, $4}')
	if grep -aEq "$bad_re" "$log"; then
		reason="kernel reported: $(grep -aEm1 "$bad_re" "$log" | cut -c1-120)"
	elif [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
		reason="timeout after ${secs%.*}s (stage $(grep -a "^luo-stage: $name " "$log" | tail -n 1 | awk '{print $3}'))"
	elif grep -aq "^luo-result: $name fail" "$log"; then
		reason="test failed"
	elif [ -z "$result" ]; then
		reason="no result (qemu rc $qrc)"
	elif [ "${result%% *}" != skip ]; then
		for s in $(seq 1 "$stages"); do
			grep -aq "^luo-stage: $name $s " "$log" || reason="stage $s never reached"
		done
		if [ -z "$reason" ] && [ "$result" != "ok stage=$stages" ]; then
			reason="unexpected result: $result"
		fi
	fi

	# Diagnostics the test printed, and benchmark figures.
	grep -a '^# ' "$log" | sed 's/^/  /'
	grep -a '^luo-bench: ' "$log" | sed 's/^luo-bench: /# bench: /'
	# Kernel-side figures of the reboot path (freeze, serialization).
	[ $bench -eq 1 ] && grep -a 'liveupdate: live update #.*frozen in' "$log" |
		sed 's/^\[[^]]*\] /# kernel: /'
	if [ -n "$reason" ]; then
		echo "not ok $i $name$label # $reason (log: $log)"
		fail=$((fail + 1))
	elif [ "${result%% *}" = skip ]; then
		echo "ok $i $name$label # SKIP $(grep -a '^# SKIP' "$log" | head -n 1 | cut -c8-)"
		skip=$((skip + 1))
	else
		echo "ok $i $name$label # ${secs%.*}s"
		pass=$((pass + 1))
	fi
done

summary="$pass passed, $fail failed"
[ $skip -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary"
[ $fail -eq 0 ]
