#!/usr/bin/env bash
# tests/install.sh - `make install` and `make uninstall`, and the installed
# stale run from where it was installed.
#
# Builds a fresh stale in a temporary build directory (the checkout's
# ./stale and build/ are left alone) with PREFIX set to a temporary
# directory, then:
#   1. installs it with DESTDIR (a staged install, as a package build
#      does) and runs the staged program with STALE_LIB pointing at the
#      staged library: an example with --expect, an example that needs the
#      FUSE library, and `stale fuse --profile arm926 --mode up` (checked
#      against tests/fuse-table.tsv).  Without STALE_LIB the staged program
#      must not find its library (it looks under PREFIX, not DESTDIR);
#   2. installs it again without DESTDIR, so the files are where the
#      program looks, and runs it with no STALE_LIB from a directory
#      outside the checkout;
#   3. checks the man pages are installed (and, with groff, render without
#      warnings), and stalefs with its page when stalefs/stalefs is built;
#   4. runs `make uninstall` for both installs and checks nothing is left.
# Prints one line per failure and ends with "N passed, M failed"; exits
# nonzero when M > 0.

set -u

cd "$(dirname "$0")/.." || exit 2
repo=$PWD

NAME=install
. tests/checks.sh

# The make of this test must not inherit the caller's variables (make
# check SAN=1, a PREFIX or DESTDIR in the environment of make check).
unset MAKEFLAGS MFLAGS MAKELEVEL DESTDIR PREFIX STALE_LIB
make=${MAKE:-make}
jobs=$(nproc 2>/dev/null || echo 2)
prefix=$tmp/prefix
dest=$tmp/dest
build=$tmp/build
mk() {
	"$make" -C "$repo" -j"$jobs" BUILD="$build" STALE="$build/stale" \
		PREFIX="$prefix" "$@" >>"$tmp/make.log" 2>&1
}

# The checkout's own program must be left as it is.
stamp() { stat -c '%Y %s' "$repo/stale" 2>/dev/null; }
before=$(stamp)

if ! mk install DESTDIR="$dest"; then
	fail "make install DESTDIR=$dest: $(tail -n 3 "$tmp/make.log")"
	printf '%d passed, %d failed\n' "$passed" "$failed"
	exit 1
fi
pass

staged=$dest$prefix
lib=$staged/share/stale/lib
ex=$staged/share/stale/examples
for f in bin/stale share/stale/lib/fuse/device.litmus \
	 share/stale/lib/fuse/dev-2.6.19.litmus \
	 share/stale/lib/fuse/scenarios/reply.litmus \
	 share/stale/examples/seed-write-case.litmus \
	 share/man/man1/stale.1 share/man/man5/stale-litmus.5; do
	check "not installed: $f" test -f "$staged/$f"
done
check "installed stale is not executable" test -x "$staged/bin/stale"
check "the library differs from lib/" diff -r "$repo/lib" "$lib"
check "the examples differ from examples/" diff -r "$repo/examples" "$ex"
if [ -x "$repo/stalefs/stalefs" ]; then
	check "stalefs not installed" test -x "$staged/sbin/stalefs"
	check "stalefs.8 not installed" test -f "$staged/share/man/man8/stalefs.8"
else
	check "stalefs installed without a build" test ! -e "$staged/sbin/stalefs"
fi

# The man pages render without warnings.
if command -v groff >/dev/null 2>&1; then
	for m in "$staged"/share/man/man*/*; do
		groff -ww -man -Tutf8 "$m" >/dev/null 2>"$tmp/groff.err"
		if [ -s "$tmp/groff.err" ]; then
			fail "groff warns on ${m##*/}: $(head -n 1 "$tmp/groff.err")"
		else
			pass
		fi
	done
fi

# 1. The staged program, told where its library is.  It runs from a
# directory outside the checkout, so only STALE_LIB can lead it there.
cd "$tmp" || exit 2
STALE_LIB=$lib "$staged/bin/stale" run --expect --no-witness \
	"$ex/seed-write-case.litmus" >"$tmp/out" 2>&1
check "staged: run --expect seed-write-case: $(tail -n 2 "$tmp/out")" \
	grep -q '^Observation seed-write-case Sometimes' "$tmp/out"
STALE_LIB=$lib "$staged/bin/stale" run --expect --no-witness \
	"$ex/fuse-short-buffer.litmus" >"$tmp/out" 2>&1
check "staged: run --expect fuse-short-buffer: $(tail -n 2 "$tmp/out")" \
	grep -q '^Observation fuse-short-buffer Sometimes' "$tmp/out"
STALE_LIB=$lib "$staged/bin/stale" fuse --profile arm926 --mode up \
	>"$tmp/table.txt" 2>&1
check "staged: fuse --profile arm926 --mode up: $(head -n 2 "$tmp/table.txt")" \
	grep -q '^  arm926            SSSS\.' "$tmp/table.txt"
STALE_LIB=$lib "$staged/bin/stale" fuse --tsv --profile arm926 --mode up \
	2>&1 | cut -f1-7 | sed 1d >"$tmp/table.tsv"
awk -F'\t' '$3 == "arm926" && $4 == "up"' "$repo/tests/fuse-table.tsv" \
	>"$tmp/want.tsv"
check "staged: the arm926/up cells differ from tests/fuse-table.tsv" \
	diff -u "$tmp/want.tsv" "$tmp/table.tsv"
"$staged/bin/stale" fuse --profile arm926 --mode up >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^  arm926            SSSS\.' "$tmp/out"; then
	pass
else
	fail "staged without STALE_LIB: expected the table from" \
	     "../share/stale/lib, got $rc: $(head -n 1 "$tmp/out")"
fi

# 2. Installed where it looks: no STALE_LIB needed.
cd "$repo" || exit 2
if mk install; then pass; else fail "make install: $(tail -n 3 "$tmp/make.log")"; fi
cd "$tmp" || exit 2
"$prefix/bin/stale" run --expect --no-witness \
	"$prefix/share/stale/examples/fuse-short-buffer.litmus" >"$tmp/out" 2>&1
rc=$?
check "installed: run --expect fuse-short-buffer: exit $rc: $(tail -n 2 "$tmp/out")" \
	test "$rc" -eq 0
"$prefix/bin/stale" fuse --tsv --profile arm926 --mode up 2>&1 |
	cut -f1-7 | sed 1d >"$tmp/table.tsv"
check "installed: the arm926/up cells differ from tests/fuse-table.tsv" \
	diff -u "$tmp/want.tsv" "$tmp/table.tsv"

# 3. make uninstall removes every file of both installs.
cd "$repo" || exit 2
if mk uninstall DESTDIR="$dest" && mk uninstall; then
	pass
else
	fail "make uninstall: $(tail -n 3 "$tmp/make.log")"
fi
left=$(find "$dest" "$prefix" -type f 2>/dev/null | head -n 3)
check "left after make uninstall: $left" test -z "$left"
check "the checkout's ./stale changed" test "$(stamp)" = "$before"

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
