#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-side.sh --kernel NAME=BZIMAGE:CPIO [--kernel ...] --logs DIR
#               [--runs N] TEST...
#
# Run the same benchmarks, the very same luo-selftests binary, on each
# kernel in turn, N times each (5 unless told), so that all of them see the
# same machine in the same sitting. The order alternates: odd runs go in
# the order given, even runs in the reverse one, so that no kernel is
# always first after a quiet spell. A test that fails in a run gives no
# figures for that run; the failures are counted and printed. Then prints
# each figure's median, minimum and maximum per kernel, and the ratio of
# the first kernel's median to each other's (below 1: the first is faster).
#
# The blackout (reboot syscall to the file readable, and to the whole file
# back in the page cache: "_filled") is split with the host's time of
# arrival of serial lines (run-tests.sh --bench writes them to
# <test>.log.ts) and the new kernel's own clocks:
#   shutdown    "luo-kexec:" (the test calls reboot) to "Starting new
#               kernel" (the old kernel's last line: freeze, serialization,
#               device shutdown)
#   early boot  that line to the new kernel's clock zero (purgatory,
#               decompression, early setup), the zero being the host time
#               of the "_new_kernel_boot_to_readable" line less its value
#   late boot   clock zero to the test's second stage starting (the
#               "_late_boot" figure: the kernel's boot, then /init)
#   retrieve    stage start to the file readable
# When a run has both bench_memfd_4m and a larger memfd benchmark, the
# "bare-kexec ratio" of each kernel is printed too: the larger memfd's
# blackout to filled over the 4 MiB one's, on the same kernel. With
# memfds of several GiB (bench_memfd_4k, bench_memfd_scale_*), a table of
# the cost per GiB by size follows. One kernel alone gives no ratios.
# The per-run logs are kept in DIR/<kernel>-<run>/.
set -uo pipefail

names=() specs=() logs= runs=5 tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel)
		names+=("${2%%=*}")
		specs+=("${2#*=}")
		shift
		;;
	--logs) logs=$2; shift ;;
	--runs) runs=$2; shift ;;
	*) tests+=("$1") ;;
	esac
	shift
done
if [ ${#names[@]} -lt 1 ] || [ -z "$logs" ] || [ ${#tests[@]} -eq 0 ]; then
	echo "usage: $0 --kernel NAME=BZ:CPIO [--kernel NAME=BZ:CPIO...] --logs DIR [--runs N] TEST..." >&2
	exit 2
fi

# Figures of one run of one test: "name value unit" lines, the blackout
# split included.
figures() {
	local log=$1 ts=$1.ts
	grep -a '^luo-bench: ' "$log" | cut -d' ' -f2-
	[ -f "$ts" ] || return 0
	awk '
		$2 == "luo-kexec:" && !kexec { kexec = $1 }
		kexec && !start && / Starting new kernel/ { start = $1 }
		$2 == "luo-bench:" && $3 ~ /_new_kernel_boot_to_readable$/ {
			zero = $1 - $4 / 1000
			prefix = $3
			sub(/_new_kernel_boot_to_readable$/, "", prefix)
		}
		END {
			if (!kexec || !zero)
				exit
			if (start) {
				printf "%s_shutdown %.3f ms\n", prefix, (start - kexec) * 1000
				printf "%s_early_boot %.3f ms\n", prefix, (zero - start) * 1000
			} else {
				printf "%s_shutdown_and_early_boot %.3f ms\n", prefix, (zero - kexec) * 1000
			}
		}' "$ts"
}

# One run of every test on kernel number $1: DIR/<name>-<run>/figures
# gets "<kernel> <figure> <value> <unit>" lines of the tests that passed.
run_kernel() {
	local i=$1 r=$2 name=${names[$1]} spec=${specs[$1]} dir t
	dir=$logs/$name-$r
	mkdir -p "$dir"
	echo "# run $r/$runs on $name: ${spec%%:*}"
	scripts/run-tests.sh --bench --kernel "${spec%%:*}" \
		--initrd "${spec#*:}" --logs "$dir" "${tests[@]}" >"$dir/ktap"
	: >"$dir/figures"
	for t in "${tests[@]}"; do
		if grep -aq "^ok [0-9]* $t\b" "$dir/ktap"; then
			figures "$dir/$t.log" | sed "s/^/$name /" >>"$dir/figures"
		else
			echo "# run $r on $name: $t failed, its figures are left out"
			echo "$name $t" >>"$logs/failed"
		fi
	done
}

# Only this sitting's runs go into the medians.
for name in "${names[@]}"; do
	rm -rf "$logs/$name"-*
done
rm -f "$logs/failed"
mkdir -p "$logs"
for ((r = 1; r <= runs; r++)); do
	if ((r % 2)); then
		order=$(seq 0 $((${#names[@]} - 1)))
	else
		order=$(seq $((${#names[@]} - 1)) -1 0)
	fi
	for i in $order; do
		run_kernel "$i" "$r"
	done
done

echo
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, QEMU $(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}') TCG"
echo "# $runs runs per kernel, alternating; median (min-max); ratio = ${names[0]} / that kernel"
# The purgatory hashes the image in the early boot (~22 ms per MiB under
# TCG): its size explains much of the difference there.
for i in "${!names[@]}"; do
	spec=${specs[$i]}
	echo "# ${names[$i]}: ${spec%%:*}, image $(($(stat -c %s "${spec%%:*}") / 1024)) KiB"
done
for name in "${names[@]}"; do
	n=$(grep -c "^$name " "$logs/failed" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] && echo "# $name: $n failed test runs left out:" \
		"$(grep "^$name " "$logs/failed" | cut -d' ' -f2 | sort | uniq -c |
		   awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')"
done
status=0
[ -s "$logs/failed" ] && status=1
for name in "${names[@]}"; do
	cat "$logs/$name"-*/figures
done | awk -v kernels="${names[*]}" '
	function sort_list(list, a,   n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n
	}
	function median(list,   a, n) {
		n = sort_list(list, a)
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function cell(k, key,   a, n, m) {
		if (!((k, key) in vals))
			return "-"
		n = sort_list(vals[k, key], a)
		m = median(vals[k, key])
		return sprintf("%.1f (%.1f-%.1f) %s", m, a[1], a[n], unit[key])
	}
	{
		key = $2
		if (!(key in unit)) { order[++nkeys] = key; unit[key] = $4 }
		vals[$1, key] = vals[$1, key] " " $3
	}
	END {
		nk = split(kernels, kn, " ")
		printf "%-40s", "figure"
		for (j = 1; j <= nk; j++)
			printf " %28s%s", kn[j], (j > 1 ? sprintf(" %6s", "ratio") : "")
		printf "\n"
		for (i = 1; i <= nkeys; i++) {
			key = order[i]
			printf "%-40s", key
			for (j = 1; j <= nk; j++) {
				printf " %28s", cell(kn[j], key)
				if (j == 1)
					continue
				ratio = "-"
				if (((kn[1], key) in vals) && ((kn[j], key) in vals)) {
					o = median(vals[kn[1], key])
					u = median(vals[kn[j], key])
					if (u + 0 > 0)
						ratio = sprintf("%.2f", o / u)
				}
				printf " %6s", ratio
			}
			printf "\n"
		}
		# Per GiB by size, per kernel: is the cost flat? The blackout
		# is mostly boot: what a GiB adds is its excess over the bare
		# kexec (bench_memfd_4m), per GiB.
		base = "memfd_4m_4k_blackout_filled_tsc"
		for (j = 1; j <= nk; j++) {
			header = 0
			for (g = 1; g <= 64; g *= 2) {
				pre = "memfd_" g "g_4k_"
				if (!((kn[j], pre "preserve_fd") in vals))
					continue
				if (!header++)
					printf "# by size on %s: %4s %18s %18s %16s %20s\n",
						kn[j], "GiB", "PRESERVE_FD/GiB",
						"RETRIEVE_FD/GiB", "blackout-whole",
						"(that - bare)/GiB"
				whole = carry = "-"
				key = pre "blackout_filled_tsc"
				if ((kn[j], key) in vals) {
					whole = sprintf("%.1f ms", median(vals[kn[j], key]))
					if ((kn[j], base) in vals) {
						excess = median(vals[kn[j], key])
						excess -= median(vals[kn[j], base])
						carry = sprintf("%.1f ms", excess / g)
					}
				}
				printf "# by size on %s: %4d %15.1f ms %15.1f ms %16s %20s\n",
					kn[j], g, median(vals[kn[j], pre "preserve_fd"]) / g,
					median(vals[kn[j], pre "retrieve_fd"]) / g, whole, carry
			}
		}
		# The bare-kexec ratio: each larger memfd blackout to filled
		# over the 4 MiB one, per kernel.
		for (i = 1; i <= nkeys; i++) {
			key = order[i]
			if (key == base || key !~ /^memfd_[0-9]+g_4k_blackout_filled_tsc$/)
				continue
			for (j = 1; j <= nk; j++)
				if (((kn[j], key) in vals) && ((kn[j], base) in vals))
					printf "# bare-kexec ratio on %s: %s over %s = %.2f\n",
						kn[j], key, base,
						median(vals[kn[j], key]) / median(vals[kn[j], base])
		}
	}'
exit $status
