#!/usr/bin/env bash
# tests/spin-crosscheck.sh - SPIN's verdict on `stale export --promela`
# against stale's own observation, case by case.
#
# For each case: `stale run` gives the Observation; `stale export
# --promela` writes the model (docs/promela.md), which has none of stale's
# reductions; `spin -a`, a C compiler and `./pan` search it exhaustively
# (SPIN's default partial-order reduction, -DSAFETY).  They agree when
#     exists / ~exists:  Observation Never   <=>  pan reports errors: 0
#     forall:            Observation Always  <=>  pan reports errors: 0
# A disagreement fails and prints both witnesses: stale's (`stale run`
# with witnesses) and SPIN's (`spin -t -p` replaying pan's trail; the
# model also prints each step it takes, as stale's witness does).  A
# search that does not complete (memory or time limit, depth bound, the
# model's own capacity) fails too: an unfinished search is no verdict.
# A scenario whose mechanism the export does not render (it says
# "FILE:1:1: cannot export: ..."; DMA, the I-cache, interrupts, vmap,
# completions) is printed as SKIP and counted apart.
#
# The matrix (--full runs all of it):
#   A. every examples/*.litmus under its own settings, and under arm926,
#      xscale, sh4 and pipt (--cache) where stale accepts the combination
#      (not highmem on sh4, ...);
#   B. the five FUSE scenarios (lib/fuse/scenarios) with each of the six
#      strategy rows of the FUSE table, mode up (one CPU, no preemption),
#      under arm926, xscale, sh4 and pipt.
# The default set (make check) is the matrix with the exceptions listed
# in `slow` (exported --eager, see below) and `too_slow` (left out) below.
# It holds every example under its own settings and under the four
# profiles (133 cases, 6 of them --eager), and 66 of the 120 FUSE cases
# (45 unreduced, 21 --eager): each scenario under each profile at least
# once, except `request` under pipt (all six rows too slow).
#
# The pan binary: pan.c is compiled once per case by tcc when it is
# installed (a FUSE model's 1.5 MB of C takes tcc 0.05 s and gcc -O0 3 to
# 9 s; almost every case then searches in well under a second).  A search
# still running after TCC_SECONDS is stopped, pan.c is compiled by
# `cc -O2` and searched again (twice as fast per state).  Without tcc every
# case is compiled by `cc -O2`.  Nothing is cached between runs.
#
# --quick: only the examples under their own settings (the sanitizer build
# of make check: the sanitizers slow stale, not SPIN, but the cases are
# not made more thorough by a second pass).
#
# --eager: export with --eager (docs/promela.md: register instructions
# share the step of the instruction before them; bench/vs-spin's model).
#
# --only PATTERN: only the cases of the set whose label (as printed)
# matches the shell pattern.  --list: print the labels, run nothing.
#
# Usage: tests/spin-crosscheck.sh [--full | --quick] [--eager]
#        [--only PATTERN] [--keep DIR] [--list]
# Environment: STALE (the stale binary, default ./stale), PAN_TIMEOUT
# (seconds per search, default 300), PAN_MEMLIM (MB, default 6144),
# TCC_SECONDS (default 8), JOBS (parallel cases, default nproc).
# Ends with "N passed, M failed"; exits nonzero when M > 0.

set -u
cd "$(dirname "$0")/.." || exit 2

STALE=${STALE:-$PWD/stale}
PAN_TIMEOUT=${PAN_TIMEOUT:-300}
PAN_MEMLIM=${PAN_MEMLIM:-6144}
TCC_SECONDS=${TCC_SECONDS:-8}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${CC:-cc}
set_=default
keep=
list=0
eager=
only=
while [ $# -gt 0 ]; do
	case $1 in
	--full|--all) set_=full ;;
	--quick) set_=quick ;;
	--keep) keep=$2; shift ;;
	--list) list=1 ;;
	--eager) eager=--eager ;;
	--only) only=$2; shift ;;
	*) echo "usage: $0 [--full | --quick] [--eager] [--only PATTERN]" \
		"[--keep DIR] [--list]" >&2
	   exit 2 ;;
	esac
	shift
done

# The default set's exceptions (labels as printed; shell patterns),
# measured with --full and --full --eager under `tcc` with TCC_SECONDS=10
# on the two-core machine while others worked (load 6 to 9).
#   slow:      more than 10 s of search on the unreduced model, under 10 s
#              on the --eager one: the default set exports them --eager;
#   too_slow:  more than 10 s on both: only --full runs them.
# docs/promela.md ("The cross-check") says why they are slow.
slow="
fuse-read-in-function
fuse-read-in-function --cache xscale
fuse-read-in-function --cache pipt
fuse-wrong-unique
fuse-wrong-unique --cache sh4
fuse-wrong-unique --cache pipt
copy-user-page/2.6.20/arm926/up/mt-reply
copy-user-page/2.6.20/arm926/up/mt-request
copy-user-page/2.6.20/sh4/up/reply
copy-user-page/2.6.20/sh4/up/request
copy-user-page/2.6.20/xscale/up/reply
copy-user-page/2.6.20/xscale/up/request
dev-2.6.19/2.6.19/sh4/up/reply
dev-2.6.19/2.6.20/arm926/up/mt-reply
dev-2.6.19/2.6.20/sh4/up/reply
dev-2.6.19/2.6.20/xscale/up/request
dev-6.12/6.12/arm926/up/mt-reply
dev-6.12/6.12/arm926/up/request
dev-6.12/6.12/sh4/up/mt-reply
dev-6.12/6.12/xscale/up/reply
dev-rmk/2.6.19/arm926/up/mt-reply
dev-rmk/2.6.19/arm926/up/mt-request
dev-rmk/2.6.19/pipt/up/reply
dev-rmk/2.6.19/sh4/up/reply
dev-rmk/2.6.19/xscale/up/reply
dev-rmk/2.6.19/xscale/up/request
uaccess/2.6.19/arm926/up/mt-reply
"
too_slow="
copy-user-page/2.6.20/pipt/up/mt-reply
copy-user-page/2.6.20/pipt/up/mt-request
copy-user-page/2.6.20/pipt/up/reply
copy-user-page/2.6.20/pipt/up/request
copy-user-page/2.6.20/sh4/up/mt-reply
copy-user-page/2.6.20/sh4/up/mt-request
copy-user-page/2.6.20/xscale/up/mt-reply
copy-user-page/2.6.20/xscale/up/mt-request
dev-2.6.19/2.6.19/pipt/up/mt-reply
dev-2.6.19/2.6.19/pipt/up/mt-request
dev-2.6.19/2.6.19/pipt/up/reply
dev-2.6.19/2.6.19/pipt/up/request
dev-2.6.19/2.6.19/sh4/up/mt-reply
dev-2.6.19/2.6.19/sh4/up/mt-request
dev-2.6.19/2.6.19/sh4/up/request
dev-2.6.19/2.6.20/arm926/up/mt-request
dev-2.6.19/2.6.20/pipt/up/mt-reply
dev-2.6.19/2.6.20/pipt/up/mt-request
dev-2.6.19/2.6.20/pipt/up/reply
dev-2.6.19/2.6.20/pipt/up/request
dev-2.6.19/2.6.20/sh4/up/mt-reply
dev-2.6.19/2.6.20/sh4/up/mt-request
dev-2.6.19/2.6.20/sh4/up/request
dev-2.6.19/2.6.20/xscale/up/mt-reply
dev-2.6.19/2.6.20/xscale/up/mt-request
dev-6.12/6.12/arm926/up/mt-request
dev-6.12/6.12/pipt/up/mt-reply
dev-6.12/6.12/pipt/up/mt-request
dev-6.12/6.12/pipt/up/reply
dev-6.12/6.12/pipt/up/request
dev-6.12/6.12/xscale/up/mt-reply
dev-6.12/6.12/xscale/up/mt-request
dev-6.12/6.12/xscale/up/request
dev-rmk/2.6.19/pipt/up/mt-reply
dev-rmk/2.6.19/pipt/up/mt-request
dev-rmk/2.6.19/pipt/up/request
dev-rmk/2.6.19/sh4/up/mt-reply
dev-rmk/2.6.19/sh4/up/mt-request
dev-rmk/2.6.19/sh4/up/request
dev-rmk/2.6.19/xscale/up/mt-reply
dev-rmk/2.6.19/xscale/up/mt-request
uaccess/2.6.19/arm926/up/mt-request
uaccess/2.6.19/pipt/up/reply
uaccess/2.6.19/pipt/up/mt-reply
uaccess/2.6.19/pipt/up/mt-request
uaccess/2.6.19/pipt/up/request
uaccess/2.6.19/sh4/up/mt-reply
uaccess/2.6.19/sh4/up/mt-request
uaccess/2.6.19/sh4/up/reply
uaccess/2.6.19/sh4/up/request
uaccess/2.6.19/xscale/up/mt-reply
uaccess/2.6.19/xscale/up/mt-request
uaccess/2.6.19/xscale/up/reply
uaccess/2.6.19/xscale/up/request
"

# listed LABEL LIST: whether a pattern of LIST matches LABEL
listed() {
	local pat
	while IFS= read -r pat; do
		[ -n "$pat" ] || continue
		# shellcheck disable=SC2053  # $pat is a pattern
		[[ $1 == $pat ]] && return 0
	done <<<"$2"
	return 1
}

if [ $list -eq 0 ] && ! command -v spin >/dev/null; then
	echo "spin is not installed"
	echo "0 passed, 1 failed"
	exit 1
fi
tcc=
command -v tcc >/dev/null && tcc=tcc

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

# compile DIR COMPILER: pan.c of DIR into DIR/pan
compile() {
	local opt=-O2
	[ "$2" = tcc ] && opt=
	(cd "$1" && $2 $opt -w -DSAFETY -DVECTORSZ=16384 \
		-DMEMLIM="$PAN_MEMLIM" -o pan pan.c >cc.out 2>&1)
}

# search DIR SECONDS: ./pan into DIR/pan.out; returns timeout's status
search() {
	(cd "$1" && timeout "$2" ./pan -m1000000 >pan.out 2>&1)
}

# witnesses LABEL DIR ERRORS QUANT STATES [stale options...] FILE
witnesses() {
	local label=$1 d=$2 errors=$3 quant=$4 states=$5
	shift 5
	echo "  ---- stale's witness (stale run $*) ----"
	"$STALE" run "$@" 2>&1 | sed 's/^/  /' | head -n 400
	echo "  ---- SPIN's witness (spin -t -p on pan's trail) ----"
	if [ "$errors" -ne 0 ]; then
		grep -m1 '^pan:1:' "$d/pan.out" | sed 's/^/  /'
		(cd "$d" && spin -t -p m.pml 2>&1) | sed '/trail ends after/q' |
			sed 's/^/  /' | tail -n 400
	else
		echo "  (none: SPIN finds no execution that $([ "$quant" = forall ] &&
			echo "falsifies the condition, deadlocks, faults or fails an assert" ||
			echo "satisfies the condition"); $states states)"
	fi
}

# run_case DIR EXPORT_FLAG LABEL FILE [stale options...]: the verdict into
# DIR/result, and "ok" or "FAIL" into DIR/status
run_case() {
	local d=$1 flag=$2 label=$3 file=$4 obs quant want errors states secs
	local what rc how
	shift 4
	echo FAIL >"$d/status"
	"$STALE" run --no-witness "$@" "$file" >"$d/stale.out" 2>"$d/stale.err"
	if [ $? -eq 2 ]; then
		printf 'FAIL %s: stale run: %s\n' "$label" "$(head -n 1 "$d/stale.err")"
		return
	fi
	obs=$(sed -n 's/^Observation [^ ]* \([A-Za-z]*\) .*/\1/p' "$d/stale.out")
	quant=$(sed -n 's/^Condition \([^ ]*\) .*/\1/p' "$d/stale.out")
	[ -n "$quant" ] || quant=forall
	if ! "$STALE" export --promela $flag "$@" "$file" >"$d/m.pml" \
		2>"$d/export.err"; then
		# a mechanism promela_rt.h does not render (DMA, the I-cache,
		# interrupts, ...): the export says so, and the case is skipped
		if grep -q ':1:1: cannot export: ' "$d/export.err"; then
			echo skip >"$d/status"
			printf 'SKIP %s: %s\n' "$label" "$(head -n 1 "$d/export.err")"
			return
		fi
		printf 'FAIL %s: %s\n' "$label" "$(head -n 1 "$d/export.err")"
		return
	fi
	if ! (cd "$d" && spin -a m.pml >spin.out 2>&1); then
		printf 'FAIL %s: spin -a: %s\n' "$label" "$(grep -m1 -i error "$d/spin.out")"
		return
	fi
	secs=$SECONDS
	how=${tcc:-$CC -O2}
	compile "$d" "${tcc:-$CC}" && search "$d" "$([ -n "$tcc" ] &&
		echo "$TCC_SECONDS" || echo "$PAN_TIMEOUT")"
	rc=$?
	if [ -n "$tcc" ] && [ $rc -eq 124 ]; then
		how="$CC -O2 (tcc's pan over $TCC_SECONDS s)"
		compile "$d" "$CC" && search "$d" "$PAN_TIMEOUT"
		rc=$?
	fi
	secs=$((SECONDS - secs))
	if [ ! -x "$d/pan" ]; then
		printf 'FAIL %s: %s: %s\n' "$label" "$how" "$(grep -m1 -i error "$d/cc.out")"
		return
	fi
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$d/pan.out")
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$d/pan.out")
	what=$(grep -m1 '^pan:1:' "$d/pan.out")
	if [ -z "$errors" ] || [ $rc -eq 124 ] ||
	   grep -q 'reached -DMEMLIM\|out of memory' "$d/pan.out"; then
		printf 'FAIL %s: the search did not finish (%s s; %s)\n' "$label" \
		       "$secs" "$(tail -n 1 "$d/pan.out")"
		return
	fi
	if grep -q 'max search depth too small' "$d/pan.out"; then
		printf 'FAIL %s: depth bound reached: the search is incomplete\n' "$label"
		return
	fi
	case $what in
	*capacity_exceeded*|*scenario_error*)
		printf 'FAIL %s: %s\n' "$label" "$what"
		return ;;
	esac
	if [ "$quant" = forall ]; then want=Always; else want=Never; fi
	if { [ "$obs" = "$want" ] && [ "$errors" -eq 0 ]; } ||
	   { [ "$obs" != "$want" ] && [ "$errors" -ne 0 ]; }; then
		echo ok >"$d/status"
		printf 'ok %s: %s, stale %s, SPIN %s error%s (%s states, %s s, %s)\n' \
		       "$label" "$quant" "$obs" "$errors" \
		       "$([ "$errors" = 1 ] || echo s)" "$states" "$secs" "$how"
		return
	fi
	printf 'FAIL %s: %s, stale says %s, SPIN finds %s error%s\n' "$label" \
	       "$quant" "$obs" "$errors" "$([ "$errors" = 1 ] || echo s)"
	witnesses "$label" "$d" "$errors" "$quant" "$states" "$@" "$file"
}

# check LABEL FILE [stale options...]: run_case in the background, at most
# JOBS at a time, unless the set leaves it out; the results are printed in
# order at the end
check() {
	local flag=$eager label=$1
	shift
	# shellcheck disable=SC2053  # $only is a pattern
	if [ -n "$only" ] && [[ $label != $only ]]; then
		return
	fi
	if [ "$set_" = default ]; then
		listed "$label" "$too_slow" && return
		listed "$label" "$slow" && flag=--eager
	fi
	[ -n "$flag" ] && label="$label (--eager)"
	if [ $list -eq 1 ]; then
		echo "$label"
		return
	fi
	n=$((n + 1))
	mkdir -p "$tmp/$n"
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	run_case "$tmp/$n" "$flag" "$label" "$@" >"$tmp/$n/result" 2>&1 &
}

# ---- A. examples, under their own settings and under the four caches ----
for f in examples/*.litmus; do
	[ -e "$f" ] || continue
	check "$(basename "$f" .litmus)" "$f"
done
for f in examples/*.litmus; do
	[ -e "$f" ] && [ "$set_" != quick ] || continue
	for p in arm926 xscale sh4 pipt; do
		# combinations stale refuses (highmem on sh4, ...) are no case
		"$STALE" run --no-witness --cache $p "$f" >/dev/null 2>&1
		[ $? -eq 2 ] && continue
		check "$(basename "$f" .litmus) --cache $p" "$f" --cache $p
	done
done

# ---- B. the FUSE table's scenarios, mode up -------------------------------
rows="dev-2.6.19:2.6.19 dev-2.6.19:2.6.20 dev-rmk:2.6.19 dev-6.12:6.12
copy-user-page:2.6.20 uaccess:2.6.19"
[ "$set_" = quick ] && rows=
for row in $rows; do
	s=${row%%:*}
	k=${row#*:}
	for p in arm926 xscale sh4 pipt; do
		for sc in reply request self-mmap mt-reply mt-request; do
			check "$s/$k/$p/up/$sc" "lib/fuse/scenarios/$sc.litmus" \
			      --cache "$p" --kernel "$k" --cpus 1 --preempt off \
			      --fuse-strategy "lib/fuse/$s.litmus"
		done
	done
done

[ $list -eq 1 ] && exit 0
wait
skipped=0
for i in $(seq 1 "$n"); do
	cat "$tmp/$i/result"
	case $(cat "$tmp/$i/status" 2>/dev/null) in
	ok) passed=$((passed + 1)) ;;
	skip) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
[ "$skipped" -eq 0 ] ||
	printf '%d skipped: the export refuses them (SKIP lines above)\n' "$skipped"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
