#!/usr/bin/env bash
# tests/spin-crosscheck.sh - SPIN's verdict on `stale export --promela`
# against stale's own observation, case by case.
#
# For each case: `stale run` gives the Observation; `stale export
# --promela` writes the model (docs/promela.md), which has none of stale's
# reductions; `spin -a`, cc, `./pan` search it exhaustively.  They agree
# when
#     exists / ~exists:  Observation Never   <=>  pan reports errors: 0
#     forall:            Observation Always  <=>  pan reports errors: 0
# A disagreement fails and prints both witnesses: stale's (`stale run`
# with witnesses) and SPIN's (`spin -t` replaying pan's trail: the
# model prints each step it takes).  A search that does not complete
# (memory or time limit, depth bound, the model's own capacity) fails too:
# an unfinished search is no verdict.
#
# The cases.  Without stale's reductions the state spaces are large, so
# the default (CI) set is what SPIN finishes in seconds; --all adds the
# rest of the matrix (hours, and many gigabytes per case).
#   - every examples/*.litmus under its own settings (CI).  The largest are
#     fuse-read-in-function and fuse-wrong-unique on `pipt`: 1.2M and 0.6M
#     states, 23 s and 10 s, 3 GB and 1.5 GB; the others stay under 30k;
#   - every example under arm926, xscale, sh4 and pipt (--cache), where
#     stale accepts the combination (not highmem on sh4, ...).  CI: the
#     examples without the FUSE device (all under 30k states); --all: the
#     FUSE examples too;
#   - the FUSE table's scenarios with every strategy row of the table,
#     mode up, under arm926, xscale, sh4 and pipt.  CI: self-mmap under all
#     four (about 80 states: every execution faults or deadlocks, and pan
#     stops at its first error), reply and request under arm926 (up to
#     125k states, 1 s), and under xscale for dev-2.6.19/2.6.19 (21k
#     states, up to the first stale read).  Not
#     in CI: the other xscale rows (0.1M to over 3M states, 2 s to over a
#     minute: uaccess/request does not finish in 6 GB), sh4 (reply ~1M
#     states, 10 s) and pipt (reply passes 9M states and 20 GB: its 8-way
#     64-byte lines stay resident and every subset of them evicted is a
#     state of its own), and mt-reply / mt-request (three threads).
#
# --quick: only the examples under their own settings (tests/run uses it
# for the sanitizer build, where the full CI set would double its time).
#
# Usage: tests/spin-crosscheck.sh [--all | --quick] [--keep DIR]
# Environment: STALE (the stale binary, default ./stale), PAN_TIMEOUT
# (seconds per search, default 300), PAN_MEMLIM (MB, default 6144).
# Ends with "N passed, M failed"; exits nonzero when M > 0.

set -u
cd "$(dirname "$0")/.." || exit 2

STALE=${STALE:-$PWD/stale}
PAN_TIMEOUT=${PAN_TIMEOUT:-300}
PAN_MEMLIM=${PAN_MEMLIM:-6144}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
all=0
quick=0
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--all) all=1 ;;
	--quick) quick=1 ;;
	--keep) keep=$2; shift ;;
	*) echo "usage: $0 [--all | --quick] [--keep DIR]" >&2; exit 2 ;;
	esac
	shift
done

if ! command -v spin >/dev/null; then
	echo "spin is not installed"
	echo "0 passed, 1 failed"
	exit 1
fi
CC=${CC:-cc}

if [ -n "$keep" ]; then
	tmp=$keep
	mkdir -p "$tmp" || exit 2
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/stale-spin.XXXXXX") || exit 2
	trap 'rm -rf "$tmp"' EXIT
fi

passed=0
failed=0
n=0

# run_case DIR LABEL FILE [stale options...]: the verdict into DIR/result,
# first line "ok" or "FAIL"
run_case() {
	local d=$1 label=$2 file=$3 obs quant want errors states secs what
	shift 3
	"$STALE" run --no-witness "$@" "$file" >"$d/stale.out" 2>"$d/stale.err"
	if [ $? -eq 2 ]; then
		echo FAIL >"$d/status"
		printf 'FAIL %s: stale run: %s\n' "$label" "$(head -n 1 "$d/stale.err")"
		return
	fi
	obs=$(sed -n 's/^Observation [^ ]* \([A-Za-z]*\) .*/\1/p' "$d/stale.out")
	quant=$(sed -n 's/^Condition \([^ ]*\) .*/\1/p' "$d/stale.out")
	[ -n "$quant" ] || quant=forall
	if ! "$STALE" export --promela "$@" "$file" >"$d/m.pml" 2>"$d/export.err"; then
		echo FAIL >"$d/status"
		printf 'FAIL %s: %s\n' "$label" "$(head -n 1 "$d/export.err")"
		return
	fi
	# -O0 compiles small models fastest; large ones search faster at -O1
	if ! (cd "$d" && spin -a m.pml >spin.out 2>&1 &&
	      opt=-O0 && { [ "$(wc -c <pan.m)" -lt 700000 ] || opt=-O1; } &&
	      $CC $opt -fwrapv -w -DSAFETY -DVECTORSZ=16384 \
		  -DMEMLIM="$PAN_MEMLIM" -o pan pan.c >cc.out 2>&1); then
		echo FAIL >"$d/status"
		printf 'FAIL %s: spin -a or cc: %s\n' "$label" \
		       "$(cat "$d/spin.out" "$d/cc.out" 2>/dev/null | grep -m1 -i error)"
		return
	fi
	secs=$SECONDS
	(cd "$d" && timeout "$PAN_TIMEOUT" ./pan -m1000000 >pan.out 2>&1)
	secs=$((SECONDS - secs))
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$d/pan.out")
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$d/pan.out")
	what=$(grep -m1 '^pan:1:' "$d/pan.out")
	if [ -z "$errors" ] || grep -q 'reached -DMEMLIM\|out of memory' "$d/pan.out"; then
		echo FAIL >"$d/status"
		printf 'FAIL %s: the search did not finish (%s s; %s)\n' "$label" \
		       "$secs" "$(tail -n 1 "$d/pan.out")"
		return
	fi
	if grep -q 'max search depth too small' "$d/pan.out"; then
		echo FAIL >"$d/status"
		printf 'FAIL %s: depth bound reached: the search is incomplete\n' "$label"
		return
	fi
	case $what in
	*capacity_exceeded*|*scenario_error*)
		echo FAIL >"$d/status"
		printf 'FAIL %s: %s\n' "$label" "$what"
		return ;;
	esac
	if [ "$quant" = forall ]; then want=Always; else want=Never; fi
	if { [ "$obs" = "$want" ] && [ "$errors" -eq 0 ]; } ||
	   { [ "$obs" != "$want" ] && [ "$errors" -ne 0 ]; }; then
		echo ok >"$d/status"
		printf 'ok %s: %s, stale %s, SPIN %s error%s (%s states, %s s)\n' \
		       "$label" "$quant" "$obs" "$errors" \
		       "$([ "$errors" = 1 ] || echo s)" "$states" "$secs"
		return
	fi
	echo FAIL >"$d/status"
	printf 'FAIL %s: %s, stale says %s, SPIN finds %s error%s\n' "$label" \
	       "$quant" "$obs" "$errors" "$([ "$errors" = 1 ] || echo s)"
	echo "  ---- stale's witness (stale run $* $file) ----"
	"$STALE" run "$@" "$file" 2>&1 | sed 's/^/  /'
	echo "  ---- SPIN's witness ----"
	if [ "$errors" -ne 0 ]; then
		echo "  $what"
		(cd "$d" && spin -t m.pml 2>&1) | sed '/trail ends after/q' |
			sed 's/^/  /' | tail -n 300
	else
		echo "  (none: SPIN finds no execution that $([ "$quant" = forall ] &&
			echo "falsifies the condition, deadlocks, faults or fails an assert" ||
			echo "satisfies the condition"); $states states)"
	fi
}

# check LABEL FILE [stale options...]: run_case in the background, at most
# JOBS at a time; the results are printed in order at the end
check() {
	n=$((n + 1))
	mkdir -p "$tmp/$n"
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	run_case "$tmp/$n" "$@" >"$tmp/$n/result" 2>&1 &
}

# ---- examples, under their own settings ---------------------------------------
for f in examples/*.litmus; do
	[ -e "$f" ] || continue
	check "$(basename "$f" .litmus)" "$f"
done

# ---- examples under other caches ----------------------------------------------
for f in $([ $quick -eq 1 ] || echo examples/*.litmus); do
	[ -e "$f" ] || continue
	if [ $all -eq 0 ] && grep -q 'fuse_' "$f"; then
		continue
	fi
	for p in arm926 xscale sh4 pipt; do
		# combinations stale refuses (highmem on sh4, ...) are no case
		"$STALE" run --no-witness --cache $p "$f" >/dev/null 2>&1
		[ $? -eq 2 ] && continue
		check "$(basename "$f" .litmus) --cache $p" "$f" --cache $p
	done
done

# ---- the FUSE table's scenarios, mode up ----------------------------------------
rows="dev-2.6.19:2.6.19 dev-2.6.19:2.6.20 dev-rmk:2.6.19 dev-6.12:6.12
copy-user-page:2.6.20 uaccess:2.6.19"
[ $quick -eq 1 ] && rows=
for row in $rows; do
	s=${row%%:*}
	k=${row#*:}
	for p in arm926 xscale sh4 pipt; do
		for sc in reply request self-mmap mt-reply mt-request; do
			# the CI set: see the header
			case $all/$p/$sc in
			1/*|0/arm926/reply|0/arm926/request|0/*/self-mmap) ;;
			0/xscale/reply|0/xscale/request)
				[ "$s/$k" = dev-2.6.19/2.6.19 ] || continue ;;
			*) continue ;;
			esac
			check "$s/$k/$p/up/$sc" "lib/fuse/scenarios/$sc.litmus" \
			      --cache "$p" --kernel "$k" --cpus 1 --preempt off \
			      --fuse-strategy "lib/fuse/$s.litmus"
		done
	done
done

wait
for i in $(seq 1 "$n"); do
	cat "$tmp/$i/result"
	if [ "$(cat "$tmp/$i/status" 2>/dev/null)" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
