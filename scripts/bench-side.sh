#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-side.sh --ours BZIMAGE:CPIO --upstream BZIMAGE:CPIO --logs DIR
#               [--runs N] TEST...
#
# Run the same benchmarks, the very same luo-selftests binary, on our
# kernel and on upstream's, alternately (ours, upstream, ours, ...) so that
# both see the same machine, N times each; then print every figure's median
# for both kernels and their ratio (ours / upstream: below 1 is faster).
#
# The blackout (reboot syscall to the file readable in the new kernel) is
# split with the host's time of arrival of serial lines (run-tests.sh
# --bench writes them to <test>.log.ts) and the new kernel's own clocks:
#   shutdown    "luo-kexec:" (the test calls reboot) to "Starting new
#               kernel" (the old kernel's last line: freeze, serialization,
#               device shutdown)
#   early boot  that line to the new kernel's clock zero (purgatory,
#               decompression, early setup), the zero being the host time
#               of the "_new_kernel_boot_to_readable" line less its value
#   late boot   clock zero to the test's second stage starting (the
#               "_late_boot" figure: the kernel's boot, then /init)
#   retrieve    stage start to the file readable
# The per-run logs are kept in DIR/<kernel>-<run>/.
set -uo pipefail

ours= upstream= logs= runs=3 tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ours) ours=$2; shift ;;
	--upstream) upstream=$2; shift ;;
	--logs) logs=$2; shift ;;
	--runs) runs=$2; shift ;;
	*) tests+=("$1") ;;
	esac
	shift
done
if [ -z "$ours" ] || [ -z "$upstream" ] || [ -z "$logs" ] || [ ${#tests[@]} -eq 0 ]; then
	echo "usage: $0 --ours BZ:CPIO --upstream BZ:CPIO --logs DIR [--runs N] TEST..." >&2
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

# Only this sitting's runs go into the medians.
rm -rf "$logs"/ours-* "$logs"/upstream-*
status=0
for ((r = 1; r <= runs; r++)); do
	for k in ours upstream; do
		spec=${!k}
		dir=$logs/$k-$r
		mkdir -p "$dir"
		echo "# run $r/$runs on $k: ${spec%%:*}"
		if ! scripts/run-tests.sh --bench --kernel "${spec%%:*}" \
			--initrd "${spec#*:}" --logs "$dir" "${tests[@]}" >"$dir/ktap"; then
			echo "# run $r on $k failed: $(grep -a '^not ok' "$dir/ktap" | head -n 3)"
			status=1
		fi
		for t in "${tests[@]}"; do
			figures "$dir/$t.log" | sed "s/^/$k /"
		done >"$dir/figures"
	done
done

echo
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, QEMU $(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}') TCG"
echo "# medians of $runs runs; ratio = ours / upstream"
# The purgatory hashes the image in the early boot (~22 ms per MiB under
# TCG): its size explains much of the difference there.
for k in ours upstream; do
	spec=${!k}
	echo "# $k: image $(($(stat -c %s "${spec%%:*}") / 1024)) KiB"
done
cat "$logs"/*-*/figures | awk -v runs="$runs" '
	function median(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		key = $2
		if (!(key in unit)) { order[++nkeys] = key; unit[key] = $4 }
		vals[$1, key] = vals[$1, key] " " $3
	}
	END {
		printf "%-44s %14s %14s %8s\n", "figure", "ours", "upstream", "ratio"
		for (i = 1; i <= nkeys; i++) {
			k = order[i]
			o = ((("ours", k) in vals)) ? median(vals["ours", k]) : ""
			u = ((("upstream", k) in vals)) ? median(vals["upstream", k]) : ""
			ratio = (o != "" && u != "" && u + 0 > 0) ? sprintf("%.2f", o / u) : "-"
			printf "%-44s %14s %14s %8s\n", k,
				o == "" ? "-" : sprintf("%.1f %s", o, unit[k]),
				u == "" ? "-" : sprintf("%.1f %s", u, unit[k]), ratio
		}
	}'
exit $status
