#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh --kernel BZIMAGE [--alt-kernel BZIMAGE] --initrd CPIO --logs DIR
#              [--variant LABEL:BZIMAGE:CPIO:TEST...] [--host DIR] [--bench]
#              [--verbose] [TEST...]
#
# Boot each test in QEMU (TCG), follow it across its kexec stages, and
# report KTAP (header, plan, one result line per test, "# " diagnostics)
# ending with a "N passed, N failed[, N skipped]" line. A test passes only
# if every stage ran, each within LUO_STAGE_TIMEOUT seconds, its last stage
# reported ok, the serial log shows no panic, oops, BUG, WARNING or lockdep
# report, and its KHO/LUO log lines are exactly the ones it expects
# (luo-selftests --check-log). A skip must give its reason. The serial log
# of every test is kept in DIR/<test>.log.
#
# --alt-kernel is the other kernel of the interoperability tests (the
# upstream build that the initramfs carries as /boot/alt-bzImage): a test
# marked kernel "alt" boots its first stage on it, and every test gets
# luo.interop=1, so that an interop test fails rather than skips when the
# image is missing from the initramfs. Without --alt-kernel, tests marked
# "alt" are skipped.
#
# --host DIR is the Debian host of the tests marked kernel "host"
# (scripts/mkhost.sh: DIR/vmlinuz, DIR/initrd.img, DIR/disk.img): they boot
# it, from its virtio disk (a snapshot: the image is not written), and
# their serial lines get the host's time of arrival, from which the VM's
# pause at each update is printed. Without --host they fail.
#
# --variant runs the listed tests (blank-separated), those of them that are
# selected, a second time on another kernel of ours booted with its own
# initramfs (whose /boot/bzImage is that kernel), reported as TEST@LABEL.
#
# LUO_CMDLINE adds kernel arguments to every test's first boot (kept by
# later stages), e.g. LUO_CMDLINE=luo.fuzz_seed=7 to replay a fuzz test
# with another seed.
#
# LUO_MEM sets the guest RAM of tests that do not ask for their own (2G);
# LUO_MEM_MIN raises every test's to at least that much (make test-kasan:
# KASAN's shadow grows the KHO scratch areas past what 2 GiB holds).
#
# QEMU dying of a signal of its own (SIGSEGV, SIGBUS, SIGABRT, SIGILL,
# SIGFPE; not our timeout's kill) is an emulator crash, not the test's
# verdict: that test is booted once more, says so in a "# " line, and its
# crashed log is kept as DIR/<test>.log.crash. A second crash fails it;
# so does a crash after the guest reported a failure or a kernel bug. The
# summary counts the reruns.
#
# LUO_JOBS tests boot at a time (default 2: a TCG guest keeps about one
# host core busy; the tests share nothing on the host but the CPUs).
# Results are still printed in order. Benchmarks and --verbose run one at
# a time: figures must not share the machine, and the console is one.
set -uo pipefail

kernel= alt_kernel= initrd= logs= bench=0 verbose=0 host=
mem_default=${LUO_MEM:-2G}
mem_min=${LUO_MEM_MIN:-0G}
stage_timeout=${LUO_STAGE_TIMEOUT:-120}
names=() variants=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--alt-kernel) alt_kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--variant) variants+=("$2"); shift ;;
	--host) host=$2; shift ;;
	--logs) logs=$2; shift ;;
	--bench) bench=1 ;;
	--verbose) verbose=1 ;;
	*) names+=("$1") ;;
	esac
	shift
done
# Benchmarks fill and check up to 8 GiB under TCG: a longer stage limit.
[ $bench -eq 1 ] && stage_timeout=${LUO_STAGE_TIMEOUT:-600}
jobs=${LUO_JOBS:-2}
[ $bench -eq 1 ] || [ $verbose -eq 1 ] && jobs=1
if ! [ "$jobs" -ge 1 ] 2>/dev/null; then
	echo "run-tests: LUO_JOBS must be a number of at least 1" >&2
	exit 1
fi
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
	# A variant's test list is checked like TESTS: a typo is an error.
	for t in $vtests; do
		if ! printf '%s\n' "${all[@]}" | cut -f1 | grep -qxF -- "$t"; then
			echo "run-tests: --variant $vlabel names no test '$t'" >&2
			exit 1
		fi
	done
	for ((j = 0; j < nsel; j++)); do
		name=${selected[j]%%$'\t'*}
		for t in $vtests; do
			[ "$t" = "$name" ] &&
				select_run "${selected[j]}" "$vkernel" "$vinitrd" "@$vlabel"
		done
	done
done

# Kernel log lines that fail a test whatever the test itself said.
# The debug kernel adds kmemleak (the guest runner scans at the end of
# every stage and prints its report as "luo-kmemleak:" lines) and page
# poisoning ("pagealloc: memory corruption": a free page was written to).
bad_re='Kernel panic|BUG:|WARNING:|Oops|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|Call Trace:|suspected memory leak|^luo-kmemleak: unreferenced object|pagealloc: (memory corruption|single bit error)|kmemleak: .*(disabled|[Ee]rror)'

# LUO_DEBUG_ARGS: more arguments for the debug kernel only (not the
# distribution-like variant, not the other kernel of the interop tests),
# e.g. "page_poison=1 page_owner=on": built in, off by default for time.
debug_args=${LUO_DEBUG_ARGS-}

# The log without the stack dumps of failed allocations: the header line
# ("vmalloc error: ..." or "page allocation failure: ...") stays, and
# the test must name it in .expect_log or .allow_log (luo-selftests
# --check-log fails it otherwise), as the fault injection tests do.
without_alloc_dumps() {
	awk '/(vmalloc error|page allocation failure): / { print; skip = 1; next }
	     skip && /<\/TASK>/ { skip = 0; next }
	     !skip' "$1"
}

# The reason a skipping test gave ("# SKIP <reason>").
skip_reason() {
	grep -a '^# SKIP ' "$log" | head -n 1 | cut -c8-
}

if [ ${#selected[@]} -eq 0 ]; then
	echo "run-tests: no test selected" >&2
	exit 1
fi

# The VM's pause at each update of a host test, from the arrival times of
# its serial lines ($1: the .ts file), split at the kernel's "files frozen"
# (the kexec), the initramfs's first line, systemd's welcome and the VM
# unit's start: luo-qemu's "paused" (QMP stop) to its "resumed" (cont).
host_pauses() {
	awk '/vm: paused at / { p = $1 }
	     /live update #[0-9]*: files frozen/ { f = $1 }
	     /Loading, please wait/ { k = $1 }
	     /Welcome to / { w = $1 }
	     /Started .*luo-vm.service/ { v = $1 }
	     /vm: resumed at / && p {
		printf "# update %d: the VM paused %.2f s (QMP stop to cont): %.2f s shutdown to the freeze, %.2f s kernel, %.2f s initramfs, %.2f s systemd to the VM unit, %.2f s QEMU start and state load\n",
		       ++n, $1 - p, f - p, k - f, w - k, v - w, $1 - v
		p = 0 }' "$1"
}

# A guest size ("512M", "4G") in MiB.
mib() {
	case "$1" in
	*G) echo $((${1%G} * 1024)) ;;
	*M) echo "${1%M}" ;;
	*) echo "run-tests: guest size '$1' is not NM or NG" >&2; echo 0 ;;
	esac
}

# The functions below run one test; they share run_one()'s locals (bash
# scopes them dynamically): the test's fields, its log and the QEMU run.

# Where and how the test boots: its first kernel and initrd, the root and
# extra arguments, the machine. Returns 1 after its verdict when it cannot
# run here.
boot_setup() {
	first=$run_kernel
	if [ "$boot" = alt ]; then
		if [ -z "$alt_kernel" ]; then
			echo "ok $i $name # SKIP boots the alternative kernel first: no --alt-kernel (make interop)"
			echo skip >"$logs/.verdict.$i"
			return 1
		fi
		first=$alt_kernel
	fi
	if [ "$boot" = host ]; then
		if [ -z "$host" ]; then
			echo "not ok $i $name # boots the Debian host: no --host DIR (make test builds it)"
			echo fail >"$logs/.verdict.$i"
			return 1
		fi
		first=$host/vmlinuz run_initrd=$host/initrd.img root="root=/dev/vda rw"
		machine="$machine -drive file=$host/disk.img,if=virtio,format=raw,snapshot=on"
		stamp=1
	fi
	[ -n "$alt_kernel" ] && extra="$extra luo.interop=1"
	[ -z "$label" ] && [ "$boot" = - ] && extra="$extra $debug_args"
	# LUO_CMDLINE: more kernel parameters for every test (e.g.
	# luo.fuzz_seed=N, or earlyprintk=serial to see the decompressor).
	[ -n "${LUO_CMDLINE:-}" ] && extra="$extra $LUO_CMDLINE"
	return 0
}

# Start QEMU on the test in the background: qpid.
start_qemu() {
	local args

	args=(-accel tcg -cpu max -smp 2 -m "$mem" -display none -monitor none
	      -no-reboot -kernel "$first" -initrd "$run_initrd"
	      -append "$root console=ttyS0 retain_initrd panic=-1 oops=panic loglevel=6 luo.test=$name luo.stage=1 $extra")
	# A benchmark's serial lines also get the host's time of arrival
	# (DIR/<test>.log.ts, "<seconds> <line>"): scripts/bench-side.sh
	# splits the blackout with them.
	# Benchmarks get their guest RAM backed up front (-mem-prealloc), as
	# RAM is on a machine: otherwise the host backs each page at its first
	# touch (huge pages, compaction), inside whichever kernel touches it
	# first (one boot spent 0.64 s in mem_init() instead of 0.07 s).
	if [ $stamp -eq 1 ]; then
		[ $bench -eq 1 ] && args+=(-mem-prealloc)
		args+=(-chardev "stdio,id=ser0,signal=off,logfile=$log"
		       -serial chardev:ser0)
	else
		args+=(-serial "file:$log")
	fi
	# shellcheck disable=SC2206 # the machine is a list of QEMU arguments
	[ -n "$machine" ] && args+=($machine)
	if [ $stamp -eq 1 ]; then
		qemu-system-x86_64 "${args[@]}" </dev/null 2>"$log.qemu" \
			> >(perl -MTime::HiRes=time -ne \
				'BEGIN { $| = 1 } printf "%.3f %s", time, $_' >"$log.ts") &
		qpid=$!
	else
		qemu-system-x86_64 "${args[@]}" >/dev/null 2>"$log.qemu" & qpid=$!
	fi
}

# Wait for QEMU to end: kexecs, timed_out, qrc. The clock restarts at
# every kexec ("luo-kexec:" line): each stage gets LUO_STAGE_TIMEOUT
# seconds, a hang in stage 1 is not waited out for the whole test.
watch_qemu() {
	local n deadline

	kexecs=0 deadline=$((SECONDS + stage_timeout)) timed_out=0
	while kill -0 $qpid 2>/dev/null; do
		n=$(grep -ac '^luo-kexec: ' "$log")
		if [ "$n" -gt "$kexecs" ]; then
			kexecs=$n deadline=$((SECONDS + stage_timeout))
		elif [ $SECONDS -ge $deadline ]; then
			timed_out=1
			kill $qpid 2>/dev/null
			sleep 2
			kill -9 $qpid 2>/dev/null
			break
		fi
		sleep 0.5
	done
	wait $qpid
	qrc=$?
}

# The console interleaves kernel lines with the test's output: a kernel
# line ("[ 8.64] ...") that starts inside a line of ours is moved before
# it, and the split line of ours is joined again, so that "luo-stage:" and
# "luo-result:" lines start their line.
tidy_log() {
	tr -d '\r' <"$log" | awk '
		{
			line = pending $0; pending = ""
			if (match(line, /\[ *[0-9]+\.[0-9]+\] /) && RSTART > 1) {
				pending = substr(line, 1, RSTART - 1)
				print substr(line, RSTART)
				next
			}
			print line
		}
		END { if (pending != "") print pending }' >"$log.tmp" &&
		mv "$log.tmp" "$log"
}

# QEMU died of a signal of its own (see the top), in a run whose log shows
# no failure of the test or the kernel: print why, and return 0.
emulator_crashed() {
	local sig

	[ $timed_out -eq 0 ] || return 1
	case $qrc in
	132) sig=SIGILL ;;
	134) sig=SIGABRT ;;
	135) sig=SIGBUS ;;
	136) sig=SIGFPE ;;
	139) sig=SIGSEGV ;;
	*) return 1 ;;
	esac
	grep -aq "^luo-result: $name fail" "$log" && return 1
	without_alloc_dumps "$log" | grep -aEq "$bad_re" && return 1
	echo "$sig"
}

# Why the test failed, from its log and the QEMU run: reason (empty if it
# did not); result and logcheck for the report.
judge() {
	local s

	reason= logcheck=
	result=$(grep -a "^luo-result: $name " "$log" | tail -n 1 | awk '{print $3, $4}')
	if without_alloc_dumps "$log" | grep -aEq "$bad_re"; then
		reason="kernel reported: $(without_alloc_dumps "$log" | grep -aEm1 "$bad_re" | cut -c1-120)"
	elif [ $timed_out -eq 1 ]; then
		reason="timeout: stage $((kexecs + 1)) ran over ${stage_timeout}s"
	elif ! logcheck=$("$selftests" --check-log "$name" "$log"); then
		reason="kernel log: $(echo "$logcheck" | head -n 1 | cut -c3-122)"
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
}

# The test's diagnostics and its KTAP line; its verdict to the file.
report() {
	# Diagnostics the test printed, the log check's, benchmark figures.
	grep -a '^# ' "$log"
	[ -n "$logcheck" ] && echo "$logcheck"
	grep -a '^luo-bench: ' "$log" | sed 's/^luo-bench: /# bench: /'
	[ "$boot" = host ] && host_pauses "$log.ts"
	# Kernel-side figures of the reboot path (freeze, serialization).
	[ $bench -eq 1 ] && grep -a 'liveupdate: live update #.*frozen in' "$log" |
		sed 's/^\[[^]]*\] /# kernel: /'
	if [ -n "$reason" ]; then
		echo "not ok $i $name$label # $reason (log: $log)"
		echo fail >"$logs/.verdict.$i"
	elif [ "${result%% *}" = skip ] && [ -z "$(skip_reason)" ]; then
		echo "not ok $i $name$label # skipped without a reason (log: $log)"
		echo fail >"$logs/.verdict.$i"
	elif [ "${result%% *}" = skip ]; then
		echo "ok $i $name$label # SKIP $(skip_reason)"
		echo skip >"$logs/.verdict.$i"
	else
		echo "ok $i $name$label # ${secs%.*}s"
		echo pass >"$logs/.verdict.$i"
	fi
}

# Run the I-th selected test (from 1). Its KTAP lines go to stdout, its
# verdict (pass, fail or skip) to the file $logs/.verdict.I.
run_one() {
	local i=$1 line name stages mem kind boot extra machine desc
	local run_kernel run_initrd label first log start qpid tailpid
	local kexecs timed_out qrc secs reason logcheck result attempt crash
	local root= stamp=$bench

	line=${selected[i - 1]}
	IFS=$'\t' read -r name stages mem kind boot extra machine desc <<<"$line"
	run_kernel=${sel_kernel[i - 1]} run_initrd=${sel_initrd[i - 1]}
	label=${sel_label[i - 1]}
	[ "$mem" = - ] && mem=$mem_default
	[ "$(mib "$mem")" -lt "$(mib "$mem_min")" ] && mem=$mem_min
	[ "$extra" = - ] && extra=
	[ "$machine" = - ] && machine=
	boot_setup || return
	log=$logs/$name$label.log
	rm -f "$log"
	: >"$log"
	for attempt in 1 2; do
		start=$(date +%s.%N)
		if [ $verbose -eq 1 ]; then
			tail -f "$log" & tailpid=$!
		fi
		start_qemu
		watch_qemu
		[ $verbose -eq 1 ] && { sleep 0.2; kill $tailpid 2>/dev/null; }
		secs=$(echo "$(date +%s.%N) - $start" | bc)
		tidy_log
		[ $attempt -eq 1 ] && crash=$(emulator_crashed) || break
		echo "# QEMU died of $crash (rc $qrc), an emulator crash: booting the test once more; that run's log: $log.crash"
		mv "$log" "$log.crash"
		mv "$log.qemu" "$log.crash.qemu"
		touch "$logs/.rerun.$i"
		: >"$log"
	done
	judge
	report
}

# Print, in order, the results of the tests that have finished, from
# test $printed + 1 on; count them.
flush_done() {
	local v
	while [ $printed -lt $total ] && [ -e "$logs/.verdict.$((printed + 1))" ]; do
		printed=$((printed + 1))
		cat "$logs/.out.$printed"
		v=$(cat "$logs/.verdict.$printed")
		case "$v" in
		pass) pass=$((pass + 1)) ;;
		skip) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)) ;;
		esac
		[ -e "$logs/.rerun.$printed" ] && reruns=$((reruns + 1))
		rm -f "$logs/.out.$printed" "$logs/.verdict.$printed" \
			"$logs/.rerun.$printed"
	done
}

echo "KTAP version 1"
echo "1..${#selected[@]}"
pass=0 fail=0 skip=0 reruns=0 printed=0 running=0 total=${#selected[@]}
rm -f "$logs"/.out.* "$logs"/.verdict.* "$logs"/.rerun.*
for ((i = 1; i <= total; i++)); do
	if [ $running -ge $jobs ]; then
		wait -n
		running=$((running - 1))
		flush_done
	fi
	# A test that died without a verdict (the runner was killed) fails.
	{ run_one $i >"$logs/.out.$i"; [ -e "$logs/.verdict.$i" ] ||
		echo fail >"$logs/.verdict.$i"; } &
	running=$((running + 1))
done
wait
flush_done
# A test whose subshell itself was killed left no verdict at all: it
# fails, and so do the tests after it print theirs.
for ((i = printed + 1; i <= total; i++)); do
	if [ ! -e "$logs/.verdict.$i" ]; then
		echo "not ok $i ${selected[i - 1]%%$'\t'*} # no verdict: its runner died" \
			>>"$logs/.out.$i"
		echo fail >"$logs/.verdict.$i"
	fi
done
flush_done

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
summary="$pass passed, $fail failed"
[ $skip -gt 0 ] && summary="$summary, $skip skipped"
[ $reruns -gt 0 ] && summary="$summary ($reruns booted twice after a QEMU crash)"
echo "$summary"
# Every selected test has exactly one verdict, or the run fails.
if [ $((pass + fail + skip)) -ne $total ]; then
	echo "run-tests: $((pass + fail + skip)) verdicts for $total tests" >&2
	exit 1
fi
[ $fail -eq 0 ]
