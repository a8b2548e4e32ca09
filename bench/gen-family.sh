#!/usr/bin/env bash
# bench/gen-family.sh FAMILY N [DIR]
#
# Writes the litmus scenario of FAMILY at size N to DIR/FAMILY-N.litmus
# (DIR defaults to the current directory) and prints its path.  The
# families grow with one parameter each; see bench/README.md.
#
#   copies N   one daemon thread fills N words of its buffer, then in
#              writev() on /dev/fuse copies them out through
#              get_user_pages + kmap_atomic and a memcpy, which the model
#              performs word by word (fuse_dev_write);
#              a second thread of the daemon touches a word of the same
#              line.  arm926, 2.6.20, preempt on.
#   threads N  N threads of one process each store to and load from their
#              own word of a shared page, then read it back through the
#              kernel alias (get_user_pages + kmap_atomic).  arm926,
#              2.6.20, preempt on.
#   pages N    the daemon's buffer spans N pages; it writes one word in
#              each, then the kernel copies the first word of each page
#              out, one get_user_pages + kmap_atomic per page as
#              fs/fuse/dev.c walks the iovec; a second thread touches the
#              first page.  arm926, 2.6.20, preempt on.
set -euo pipefail

usage() {
	echo "usage: $0 copies|threads|pages N [DIR]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
family=$1
n=$2
dir=${3:-.}
case $n in ''|*[!0-9]*) usage ;; esac
[ "$n" -ge 1 ] || usage
mkdir -p "$dir"
out=$dir/$family-$n.litmus

machine() {
	cat <<EOF
cache arm926
kernel 2.6.20
cpus 1
preempt on
EOF
}

copies() {
	local last=$((n - 1)) touch=$((n < 8 ? n - 1 : 7))
	cat <<EOF
C bench-copies-$n

(*
 * bench family "copies", size $n: the daemon writes a reply of $n words into
 * its buffer (each line read first, so the stores leave it dirty under
 * the user address), then writev() on /dev/fuse pins the page, maps it
 * with kmap_atomic and memcpy()s the $n words out (one step a word), as
 * fuse_dev_write() did.  P1, another thread of the daemon, touches a word
 * of the same line; with CONFIG_PREEMPT it can run inside the copy's
 * get_user_pages window.
 *)

$(machine)

{
	page p;
	daemon: int *buf = map(p);
	kernel: int *kb = kmalloc($((4 * n)));
}

P0@daemon(int *buf, int *kb)
{
	struct page *pg;
	int *k;
	int i;
	int t;

	for (i = 0; i < $n; i = i + 1) {
		t = READ_ONCE(buf[i]);
		WRITE_ONCE(buf[i], i + 1);
	}
	kernel {
		pg = get_user_pages(buf, 0);
		k = kmap_atomic(pg);
		memcpy(kb, k, $((4 * n)));  // word by word, one step a word
		kunmap_atomic(k);
		put_page(pg);
	}
}

P1@daemon(int *buf)
{
	int t;

	t = READ_ONCE(buf[$touch]);
	WRITE_ONCE(buf[$touch], $((touch + 1)));
}

exists ([kb+$last]=0)
EOF
}

threads() {
	local i cond=""
	cat <<EOF
C bench-threads-$n

(*
 * bench family "threads", size $n: $n threads of one process each store
 * to and load back their own word of a shared page, then read the word
 * through the kernel alias (get_user_pages + kmap_atomic) in a system
 * call.
 *)

$(machine)

{
	page p;
	app: int *buf = map(p);
}
EOF
	for ((i = 0; i < n; i++)); do
		cat <<EOF

P$i@app(int *buf)
{
	int r0;
	int r1;
	struct page *pg;
	int *k;

	WRITE_ONCE(buf[$i], $((i + 1)));
	r0 = READ_ONCE(buf[$i]);
	kernel {
		pg = get_user_pages(buf, 0);
		k = kmap_atomic(pg);
		r1 = READ_ONCE(k[$i]);
		kunmap_atomic(k);
		put_page(pg);
	}
}
EOF
		cond="$cond${cond:+ \\/ }$i:r1=0"
	done
	printf '\nexists (%s)\n' "$cond"
}

pages() {
	local i last=$((n - 1))
	cat <<EOF
C bench-pages-$n

(*
 * bench family "pages", size $n: the daemon's reply buffer spans $n
 * pages; it writes the first word of each (read first, so the line is
 * dirty under the user address), then writev() on /dev/fuse walks the
 * buffer page by page as fs/fuse/dev.c does: get_user_pages,
 * kmap_atomic, copy, kunmap_atomic, put_page.  P1, another daemon
 * thread, touches the first page.
 *)

$(machine)

{
EOF
	# separate pages: a page array holds at most 16
	for ((i = 0; i < n; i++)); do
		echo "	page p$i;"
		echo "	daemon: int *b$i = map(p$i);"
	done
	echo "	kernel: int *kb = kmalloc($((4 * n)));"
	echo "}"
	printf '\nP0@daemon('
	for ((i = 0; i < n; i++)); do printf 'int *b%d, ' "$i"; done
	cat <<EOF
int *kb)
{
	struct page *pg;
	int *k;
	int t;

EOF
	for ((i = 0; i < n; i++)); do
		echo "	t = READ_ONCE(b${i}[0]);"
		echo "	WRITE_ONCE(b${i}[0], $((i + 1)));"
	done
	echo "	kernel {"
	for ((i = 0; i < n; i++)); do
		cat <<EOF
		pg = get_user_pages(b$i, 0);
		k = kmap_atomic(pg);
		kb[$i] = READ_ONCE(k[0]);
		kunmap_atomic(k);
		put_page(pg);
EOF
	done
	cat <<EOF
	}
}

P1@daemon(int *b0)
{
	int t;

	t = READ_ONCE(b0[1]);
	WRITE_ONCE(b0[1], t);
}

exists ([kb+$last]=0)
EOF
}

case $family in
copies) copies >"$out" ;;
threads) threads >"$out" ;;
pages) pages >"$out" ;;
*) usage ;;
esac
echo "$out"
