# tests/checks.sh - sourced by the test scripts that count their own
# checks (tests/install.sh, tests/html.sh): the counters, a temporary
# directory removed at exit, and the helpers.  Set NAME before sourcing:
# it names the temporary directory.

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stale-$NAME.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
# check WHAT CMD...: one test, passed when CMD succeeds
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}
