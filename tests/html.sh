#!/usr/bin/env bash
# tests/html.sh - the pages of `stale fuse --html` and `stale run --html`,
# looked at in a real browser.
#
# Environment: STALE (the binary; default ./stale).  Prints one line per
# failure and ends with "N passed, M failed" (tests/run adds both numbers
# to its own); exits nonzero when M > 0.
#
#   1. bad command lines with --html exit 2 with a `command line:` message;
#   2. the pages are generated: a FUSE table for arm926 (every strategy:
#      stale reads, deadlocks, safe cells and cells without SMP), one for
#      copy-user-page on sh4 (its lost writes), a run page for
#      examples/seed-write-case.litmus (a stale read) and
#      examples/lost-write-two-dirty-aliases.litmus (a lost write), a
#      device's stale DMA read and a stale instruction fetch, and one for
#      a copy of the first whose name needs escaping;
#   3. each page is well-formed XML (xmllint --noout: the pages are
#      written as polyglot XHTML, so a missed escape is an error) and
#      refers to nothing outside itself;
#   4. headless Chromium loads each page: its DOM (--dump-dom) must show
#      the table cells with their verdict classes, the link of an unsafe
#      cell and its target, the highlighted step of a witness and its
#      sentence; its screenshot must show the verdict colours and the
#      colours of the timeline (counted with netpbm's ppmhist), not a
#      blank page; it prints to PDF.
#
# Chromium, xmllint and netpbm are installed by .ci/run.  Where one is
# missing, the checks that need it FAIL when CI is set (CI must run them)
# and are skipped with a SKIP line otherwise (a developer's `make check`).

set -u

cd "$(dirname "$0")/.." || exit 2

STALE=${STALE:-$PWD/stale}
NAME=html
. tests/checks.sh

# have TOOL: is it here?  Without it: a failure in CI, else a SKIP line.
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ -n "${CI:-}" ]; then
		fail "$1 is not installed (.ci/run installs it)"
	else
		printf 'SKIP html: %s is not installed\n' "$1"
	fi
	return 1
}

# ---- 1. bad command lines ------------------------------------------------
bad() {
	local what=$1
	shift
	"$STALE" "$@" >/dev/null 2>"$tmp/err"
	if [ $? -eq 2 ] && grep -q '^command line:' "$tmp/err"; then
		pass
	else
		fail "$what: $(head -n 1 "$tmp/err")"
	fi
}
bad "--html with --json" run --json --html "$tmp/x.html" \
	examples/seed-write-case.litmus
bad "--html with --witness" fuse --html "$tmp/x.html" \
	--witness dev-2.6.19/2.6.19/arm926/up/reply
bad "--html to a path that cannot be written" run --html \
	"$tmp/no/such/dir/x.html" examples/seed-write-case.litmus

# ---- 2. the pages ----------------------------------------------------------
# gen WHAT PAGE ARGS...: stale ARGS exits 0 and writes PAGE
gen() {
	local what=$1 page=$2
	shift 2
	if timeout 120 "$STALE" "$@" >"$tmp/out" 2>"$tmp/err" &&
	   [ -s "$page" ]; then
		pass
	else
		fail "$what: exit $?: $(head -n 1 "$tmp/err")"
	fi
}
gen "fuse --html (arm926)" "$tmp/fuse.html" fuse --html "$tmp/fuse.html" \
	--profile arm926
gen "fuse --html (copy-user-page on sh4)" "$tmp/lost.html" fuse --html "$tmp/lost.html" \
	--profile sh4 --strategy copy-user-page
gen "run --html" "$tmp/run.html" run --html "$tmp/run.html" \
	examples/seed-write-case.litmus \
	examples/lost-write-two-dirty-aliases.litmus \
	examples/history/B3-direct-io-write-before.litmus \
	examples/icache-kernel-code-no-flush.litmus
# the text output is still the herd-style result
check "run --html prints the result" \
	grep -q '^Observation seed-write-case Sometimes 1 1' "$tmp/out"
odd="$tmp/a&b<c>'d\".litmus"
cp examples/seed-write-case.litmus "$odd"
gen "run --html (a name to escape)" "$tmp/odd.html" run --html "$tmp/odd.html" "$odd"

# a bad file among good ones: exit 2, and the page still says so and goes on
"$STALE" run --html "$tmp/bad.html" tests/bad/bad-condition-register.litmus \
	examples/seed-write-case.litmus >/dev/null 2>&1
check "run --html with a bad file exits 2" test $? -eq 2
check "the page says the bad file could not be checked" grep -q \
	'could not be checked' "$tmp/bad.html"
check "and draws the good file's witness" grep -q \
	'<section class="witness" id="w-examples-seed-write-case-litmus-1">' \
	"$tmp/bad.html"

# ---- 3. well-formed ---------------------------------------------------------
if have xmllint; then
	for p in fuse lost run odd bad; do
		if xmllint --noout "$tmp/$p.html" 2>"$tmp/xml.err"; then
			pass
		else
			fail "$p.html is not well-formed: $(head -n 2 "$tmp/xml.err")"
		fi
	done
fi

# self-contained: no script, no style sheet or image fetched, no link
# leaving the page (the SVG namespace is a name, not a fetch)
for p in fuse lost run odd; do
	if grep -Eq '<script|<link|<img|<iframe|src=|href="[^#]|url\([^#]' \
		"$tmp/$p.html"; then
		fail "$p.html refers to something outside itself"
	else
		pass
	fi
done

# ---- 4. in the browser ------------------------------------------------------
# CI runs as root: Chromium's sandbox needs --no-sandbox there.
browse() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--hide-scrollbars "$@" 2>/dev/null
}

# cell DOM ID CLASS: the cell with this id has this verdict class
cell() {
	grep -o "<td class=\"$3[^\"]*\" id=\"$2\"" "$1" >/dev/null
}

# flaw DOM STEP WORDS: a witness highlights this step, labelled WORDS
flaw() {
	grep -A 2 "<g class=\"flaw\" data-step=\"$2\">" "$1" |
		grep -q ">$3</text>"
}

# pixels PPMHIST R G B: how many pixels of exactly this colour
pixels() {
	awk -v r="$2" -v g="$3" -v b="$4" \
		'$1 == r && $2 == g && $3 == b { n += $5 } END { print n + 0 }' "$1"
}

# seen WHAT PPMHIST R G B N: more than N pixels of this colour on screen
seen() {
	check "$1" test "$(pixels "$2" "$3" "$4" "$5")" -gt "$6"
}

# colours SHOT.png OUT: the screenshot's colour histogram
colours() {
	pngtopnm "$1" | ppmhist -noheader > "$2"
}

if have chromium && have pngtopnm; then
	for p in fuse lost run odd; do
		browse --dump-dom "file://$tmp/$p.html" > "$tmp/$p.dom"
	done
	d=$tmp/fuse.dom
	s=dev-2-6-19-2-6-19-arm926
	# the mail's block: the cells a person reads off the table
	check "a stale-read cell" cell "$d" "c-$s-up-reply" v-stale
	check "a safe cell" cell "$d" "c-$s-up-self-mmap" v-safe
	check "a cell without SMP" cell "$d" "c-$s-smp-reply" v-na
	check "Szeredi's deadlock cell" cell "$d" \
		c-uaccess-2-6-19-arm926-up-self-mmap v-deadlock
	check "the lost-write cell" cell "$tmp/lost.dom" \
		c-copy-user-page-2-6-20-sh4-up-preempt-mt-reply v-lost
	check "the claim heads the block" grep -q \
		'Settles: the mail: gup + kmap_atomic is broken' "$d"
	# an unsafe cell links to its witness, which is on the page
	check "an unsafe cell links to its witness" grep -q \
		"id=\"c-$s-up-reply\"[^>]*><a href=\"#w-$s-up-reply\">S</a>" "$d"
	check "the link's target exists" grep -q \
		"<section class=\"witness\" id=\"w-$s-up-reply\">" "$d"
	check "a safe cell has no link" grep -q \
		"id=\"c-$s-up-self-mmap\"[^>]*>\\.</td>" "$d"
	check "the lanes shade user mode" grep -q '<rect class="user"' "$d"
	check "the lanes shade kernel mode" grep -q '<rect class="kernel"' "$d"
	check "a preemption is marked" grep -q '<rect class="preempt"' "$d"
	check "the deadlock says who waits for what" grep -q \
		'Deadlock: no thread can run: P0 waits for the READ of its page fault; P1 waits in lock_page(x), held by P0' "$d"
	check "one witness per unsafe cell" test \
		"$(grep -o '<a href="#w-' "$d" | wc -l)" -eq \
		"$(grep -o '<section class="witness"' "$d" | wc -l)"

	# the run page: the stale read of the mail's write case
	d=$tmp/run.dom
	check "the herd-style result" grep -q \
		'Observation seed-write-case Sometimes 1 1' "$d"
	check "the highlighted step is the stale read" flaw "$d" 6 "stale read"
	check "the sentence names the step, the alias and the values" grep -q \
		'Stale read at step 6: P0 read 0 from buf\[0\] through the kernel alias 0xc0100000 (cpu0.s cache, set 0), but the latest value of buf\[0\] is 1' "$d"
	check "the sentence says where the value is" grep -q \
		"dirty in cpu0.s copy for the user alias 0x10000 (buf of daemon) (set 0), which has not been written back" "$d"
	check "a row per copy: the user alias" grep -q \
		'cpu0 cache, set 0: user alias 0x10000' "$d"
	check "a row per copy: the kernel alias" grep -q \
		'cpu0 cache, set 0: kernel alias 0xc0100000' "$d"
	check "the fill arrows" test "$(grep -c '<line class="fill"' "$d")" -ge 2
	check "the dirty copy" grep -q '<rect class="dirty"' "$d"
	check "the text witness beneath" grep -q \
		'flush_anon_page: ARM has none in 2.6.19' "$d"
	check "the lost write is highlighted" flaw "$d" 5 "lost write"
	check "the lost write's sentence" grep -q \
		'Lost write at step 5: cpu0 wrote back its copy for the kernel alias 0xc0100000, which held the old value 0 of buf\[0\], over the value 1' "$d"
	check "a device reads memory by DMA" grep -q \
		'Stale read at step 8: the device P1 read 0 from buf\[0\] by DMA at bus address 0x100000 (memory), but the latest value of buf\[0\] is 42' "$d"
	check "the device has its lane" grep -q '>P1 (device)</text>' "$d"
	check "the device's lane has its colour" grep -q \
		'<rect class="device"[^>]*><title>P1: device</title>' "$d"
	check "a stale instruction fetch" grep -q \
		'P0 fetched the instruction 1 from text\[0\] through the kernel alias 0xc0100000 (cpu0.s I-cache, set 0)' "$d"
	check "the I-cache has its row" grep -q \
		'>cpu0 I-cache, set 0: kernel alias 0xc0100000</text>' "$d"
	# a file name with &, <, >, ' and " arrives whole
	check "a name that needs escaping" grep -q \
		"a&amp;b&lt;c&gt;'d\".litmus</h2>" "$tmp/odd.dom"

	# what the screen shows: the verdict colours and the picture
	browse --screenshot="$tmp/fuse.png" --window-size=1300,2300 \
		"file://$tmp/fuse.html" >/dev/null
	browse --screenshot="$tmp/run.png" --window-size=1300,1000 \
		"file://$tmp/run.html" >/dev/null
	# and on paper
	browse --print-to-pdf="$tmp/run.pdf" "file://$tmp/run.html" >/dev/null
	check "the run page prints" grep -aq '^%PDF' "$tmp/run.pdf"
	colours "$tmp/fuse.png" "$tmp/fuse.hist"
	colours "$tmp/run.png" "$tmp/run.hist"
	h=$tmp/fuse.hist
	# a legend swatch is ~350 pixels, a cell ~1000: more means cells
	seen "stale-read cells are red on screen" "$h" 232 85 62 3000
	seen "safe cells are green on screen" "$h" 184 224 176 3000
	seen "deadlock cells are dark on screen" "$h" 64 64 64 1500
	h=$tmp/run.hist
	check "the run page is not blank" test "$(wc -l < "$h")" -gt 50
	seen "the dirty copy is drawn" "$h" 252 146 114 1000
	seen "the clean copies are drawn" "$h" 199 233 192 500
	seen "the kernel mode is shaded" "$h" 244 162 89 1000
	seen "the step that went wrong is outlined" "$h" 204 0 0 100
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
