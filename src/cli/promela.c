/*
 * promela.c - `stale export --promela FILE`: the scenario as a Promela
 * model whose assertion fails exactly when the scenario's condition can
 * hold (exists, ~exists) or can fail (forall).  docs/promela.md has the
 * mapping; tests/spin-crosscheck.sh compares SPIN's verdict with stale's.
 *
 * The model is stale's machine written out plainly, without any of the
 * reductions of docs/reductions.md: every instruction is a step, any line
 * of any cache may be evicted between any two steps, every victim of a
 * fill into a full set is tried, the final write-backs run in every
 * order.  The caches, the kernel's built-ins (for the profile's
 * architecture and the kernel version) and the FUSE connection are the
 * Promela rendering in promela_rt.h of cache.c, kmm.c, builtins.c,
 * arch_*.c, fuse.c and fault.c; this file adds the placement, the
 * threads' programs and the scheduler's rules of step.c.
 *
 * Each thread is one process whose steps are d_steps guarded by the
 * scheduling rule; the loads and stores of one thread share one step
 * (their arguments are picked by pc), and so do its calls, so that the
 * cache and kernel code is expanded once per thread.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "fuse.h"
#include "kmm.h"
#include "promela.h"
#include "promela_rt.h"

struct gen {
	const struct prog *p;
	const char *path;
	FILE *out;
	int forall;		/* the assertion checks forall (else exists) */
	int lazy;		/* some mapping is faulted in lazily */
	int victims;		/* fills may choose a victim */
	int lines, words;	/* capacity: lines per CPU, memory words */
	int eager;		/* register instructions share a step */
};

static void put(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(g->out, fmt, ap);
	va_end(ap);
}

/* A 32-bit word as a Promela int literal. */
static const char *lit(uint32_t v, char *buf)
{
	/* negative literals in parentheses: SPIN pastes inline arguments */
	if (v == 0x80000000u)
		strcpy(buf, "(-2147483647-1)");
	else if ((int32_t)v < 0)
		sprintf(buf, "(%d)", (int32_t)v);
	else
		sprintf(buf, "%d", (int32_t)v);
	return buf;
}

static const char *reg(int t, int r, char *buf)
{
	sprintf(buf, "r%d_%d", t, r);
	return buf;
}

static int pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int log2u(uint32_t v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int cannot(const char *path, const char *what)
{
	fprintf(stderr, "%s:1:1: cannot export: %s\n", path, what);
	return 2;
}

static int env_int(const char *name, int def)
{
	const char *s = getenv(name);
	int v;

	if (s == NULL || *s == '\0')
		return def;
	v = atoi(s);
	return v > 0 ? v : def;
}

/* ---- what the export cannot say ---------------------------------------- */

/* Instructions of one thread handled by one step of the model. */
#define CHUNK 48

static int is_mem(const struct insn *i)
{
	return i->op == OP_LOAD || i->op == OP_STORE;
}

static int expressible(const struct prog *p, const char *path)
{
	const struct profile *pr = &p->prof;
	int t, k;

	if (!pow2(pr->page_size))
		return cannot(path, "a page size that is not a power of two");
	if (pr->index != IDX_NONE) {
		if (!pow2(pr->line) || !pow2(profile_sets(pr)) ||
		    !pow2(profile_colours(pr)) || !pow2(pr->dirty_granule))
			return cannot(path, "a cache geometry that is not made "
				      "of powers of two");
		if (pr->line / 4 > MAX_LINE_WORDS)
			return cannot(path, "cache lines longer than 64 bytes");
	}
	if (p->nmaps > 32)
		return cannot(path, "more than 32 mappings");
	for (t = 0; t < p->nthreads; t++) {
		if (p->threads[t].kind == TK_IRQ)
			return cannot(path, "an interrupt handler (@irq)");
		if (p->threads[t].kind == TK_DEVICE)
			return cannot(path, "a device (@device)");
		/* pc is a short */
		if (p->threads[t].ncode > 30000)
			return cannot(path, "a thread of more than 30000 "
				      "instructions");
		for (k = 0; k < p->threads[t].ncode; k++) {
			const struct insn *i = &p->threads[t].code[k];

			if (i->op == OP_CALL && i->fn >= B_COUNT)
				return cannot(path, "an unknown built-in");
			/* the runtime renders the built-ins before these */
			if (i->op == OP_CALL && i->fn >= B_LOCAL_IRQ_DISABLE) {
				char what[96];

				snprintf(what, sizeof(what), "%s(), which the "
					 "Promela runtime does not render",
					 builtin_info[i->fn].name);
				return cannot(path, what);
			}
		}
	}
	return 0;
}

/* ---- per-thread facts --------------------------------------------------- */

/* The enabling condition of a call, or NULL when it is always enabled. */
static const char *call_enabled(struct gen *g, int t, const struct insn *i,
				char *buf, size_t n)
{
	const struct prog *p = g->p;
	char r[32], b[32];
	size_t len;
	int k, open = 0;

	switch (i->fn) {
	case B_SPIN_LOCK:
		reg(t, i->args[0], r);
		snprintf(buf, n, "(!(%s >= 0 && %s < NLK) || lock[%s] < 0)",
			 r, r, r);
		return buf;
	case B_FUSE_DEV_TAKE:
		snprintf(buf, n, "TAKE_ENABLED(%s)", reg(t, i->args[0], r));
		return buf;
	case B_FUSE_WAIT:
		/* request_wait_answer: the request it names is finished */
		reg(t, i->args[0], r);
		buf[0] = '\0';
		for (k = 0; k < FUSE_MAX_REQ; k++) {
			if (p->fuse_req_page[k] < 0)
				continue;
			len = strlen(buf);
			snprintf(buf + len, n - len, "(%s == %s -> WAIT_READY(%d) : ",
				 r, lit(kmm_lowmem(p, p->fuse_req_page[k]), b),
				 k);
			open++;
		}
		len = strlen(buf);
		snprintf(buf + len, n - len, "1");
		while (open-- > 0) {
			len = strlen(buf);
			snprintf(buf + len, n - len, ")");
		}
		return buf;
	default:
		return NULL;
	}
}

/* The switch rule: may the CPU of thread u leave it for another? */
static void emit_switchable(struct gen *g, int u)
{
	const struct prog *p = g->p;
	const struct tprog *tp = &p->threads[u];
	char buf[1024];
	int k, first = 1;

	put(g, "#define SW%d (done[%d] || !kern[%d]", u, u, u);
	if (g->lazy)
		put(g, " || (fst[%d] != 0 && !FAULT_ENABLED(%d))", u, u);
	for (k = 0; k < tp->ncode; k++) {
		const struct insn *i = &tp->code[k];

		if (i->op != OP_CALL || i->fn != B_SCHEDULE)
			continue;
		put(g, first ? " || (pre[%d] == 0 && (pc[%d] == %d" :
		    " || pc[%d] == %d", first ? u : u, u, k);
		if (first)
			first = 0;
	}
	if (!first)
		put(g, "))");
	for (k = 0; k < tp->ncode; k++) {
		const struct insn *i = &tp->code[k];

		if (i->op != OP_CALL || !builtin_sleeps((enum builtin)i->fn))
			continue;
		put(g, " || (pc[%d] == %d && !%s)", u, k,
		    call_enabled(g, u, i, buf, sizeof(buf)));
	}
	if (p->preempt)
		put(g, " || pre[%d] == 0", u);
	put(g, ")\n");
}

static void emit_sched(struct gen *g, int t)
{
	const struct prog *p = g->p;
	int c = p->threads[t].cpu, u;

	put(g, "#define SCHED%d (!done[%d]%s && (cur[%d] == %d || cur[%d] == -1",
	    t, t, g->forall ? "" : " && !halted", c, t, c);
	for (u = 0; u < p->nthreads; u++)
		if (u != t && p->threads[u].cpu == c)
			put(g, " || (cur[%d] == %d && SW%d)", c, u, u);
	put(g, "))\n");
}

/* ---- the instructions ---------------------------------------------------- */

static void err_text(const char *msg, char *buf, size_t n)
{
	size_t k = 0;

	for (; *msg && k + 2 < n; msg++)
		buf[k++] = (*msg == '"' || *msg == '\\' || *msg == '%') ?
			   '\'' : *msg;
	buf[k] = '\0';
}

/* The source statement an instruction starts, for SPIN's trail, or NULL. */
static const char *stmt_start(const struct tprog *tp, int k, char *buf,
			      size_t n)
{
	const struct insn *i = &tp->code[k];

	if (i->text == NULL || i->text[0] == '\0' ||
	    (k > 0 && tp->code[k - 1].text == i->text))
		return NULL;
	err_text(i->text, buf, n);
	return buf;
}

static void put_trace(struct gen *g, int t, int k)
{
	const struct tprog *tp = &g->p->threads[t];
	char buf[300];

	if (tp->code[k].op == OP_KENTER)
		put(g, "printf(\"  P%d: enters the kernel\\n\"); ", tp->index);
	else if (tp->code[k].op == OP_KEXIT)
		put(g, "printf(\"  P%d: leaves the kernel\\n\"); ", tp->index);
	else if (stmt_start(tp, k, buf, sizeof(buf)) != NULL)
		put(g, "printf(\"  P%d: %s\\n\"); ", tp->index, buf);
}

static const char *fault_outcome(const struct gen *g)
{
	return g->forall ?
	       "printf(\"    fault: this mode may not access %x\\n\", lva); "
	       "fault = 1; assert(!fault)" :
	       "printf(\"    fault: this mode may not access %x\\n\", lva); "
	       "halted = 1";
}

static const char *assert_outcome(const struct gen *g)
{
	return g->forall ?
	       "printf(\"    assertion fails\\n\"); assert_failed = 1; "
	       "assert(!assert_failed)" :
	       "printf(\"    assertion fails\\n\"); halted = 1";
}

static void emit_alu(struct gen *g, int t, int k, const struct insn *i)
{
	char a[32], b[32], c[32];

	reg(t, i->a, a);
	reg(t, i->b, b);
	reg(t, i->c, c);
	switch ((enum op)i->alu) {
	case OP_ADD: put(g, "%s = %s + %s", a, b, c); break;
	case OP_SUB: put(g, "%s = %s - %s", a, b, c); break;
	case OP_MUL: put(g, "%s = %s * %s", a, b, c); break;
	case OP_DIV:
	case OP_MOD:
		put(g, "if\n\t\t:: %s == 0 -> ERR(\"division by zero\\n\")\n"
		    "\t\t:: %s == -1 -> %s = ", c, c, a);
		if (i->alu == OP_DIV)
			put(g, "(%s == MINI -> %s : 0 - %s)", b, b, b);
		else
			put(g, "0");
		put(g, "\n\t\t:: else -> %s = %s %s %s\n\t\tfi", a, b,
		    i->alu == OP_DIV ? "/" : "%", c);
		break;
	case OP_AND: put(g, "%s = %s & %s", a, b, c); break;
	case OP_OR: put(g, "%s = %s | %s", a, b, c); break;
	case OP_XOR: put(g, "%s = %s ^ %s", a, b, c); break;
	case OP_SHL:
		put(g, "%s = ((%s < 0 || %s >= 32) -> 0 : %s << %s)", a, c, c,
		    b, c);
		break;
	case OP_SHR:
		put(g, "%s = ((%s < 0 || %s >= 32) -> (%s < 0 -> -1 : 0) : "
		    "%s >> %s)", a, c, c, b, b, c);
		break;
	case OP_EQ: put(g, "%s = (%s == %s -> 1 : 0)", a, b, c); break;
	case OP_NE: put(g, "%s = (%s != %s -> 1 : 0)", a, b, c); break;
	case OP_LT: put(g, "%s = (%s < %s -> 1 : 0)", a, b, c); break;
	case OP_LE: put(g, "%s = (%s <= %s -> 1 : 0)", a, b, c); break;
	case OP_GT: put(g, "%s = (%s > %s -> 1 : 0)", a, b, c); break;
	case OP_GE: put(g, "%s = (%s >= %s -> 1 : 0)", a, b, c); break;
	case OP_LAND:
		put(g, "%s = ((%s != 0 && %s != 0) -> 1 : 0)", a, b, c);
		break;
	case OP_LOR:
		put(g, "%s = ((%s != 0 || %s != 0) -> 1 : 0)", a, b, c);
		break;
	case OP_NEG: put(g, "%s = 0 - %s", a, b); break;
	case OP_NOT: put(g, "%s = (%s == 0 -> 1 : 0)", a, b); break;
	case OP_BNOT: put(g, "%s = ~%s", a, b); break;
	}
	put(g, ";\n\t\tpc[%d] = %d", t, k + 1);
}

/* One instruction that is neither a memory access nor a call. */
static void emit_simple(struct gen *g, int t, int k, const struct insn *i)
{
	char a[32], b[32], v[32], m[300];

	put(g, "\t\t:: pc[%d] == %d ->\n\t\t", t, k);
	put_trace(g, t, k);
	switch (i->op) {
	case OP_CONST:
		put(g, "%s = %s;\n\t\tpc[%d] = %d", reg(t, i->a, a),
		    lit((uint32_t)i->imm, v), t, k + 1);
		break;
	case OP_MOV:
		put(g, "%s = %s;\n\t\tpc[%d] = %d", reg(t, i->a, a),
		    reg(t, i->b, b), t, k + 1);
		break;
	case OP_ALU:
		emit_alu(g, t, k, i);
		break;
	case OP_JMP:
		put(g, "pc[%d] = %d", t, (int)i->imm);
		break;
	case OP_JZ:
		put(g, "pc[%d] = (%s == 0 -> %d : %d)", t, reg(t, i->a, a),
		    (int)i->imm, k + 1);
		break;
	case OP_KENTER:
		put(g, "kern[%d] = 1;\n\t\tpc[%d] = %d", t, t, k + 1);
		break;
	case OP_KEXIT:
		put(g, "if\n\t\t:: pre[%d] != 0 -> ERR(\"returning to user "
		    "mode with preemption disabled\\n\")\n\t\t:: else -> "
		    "kern[%d] = 0; pc[%d] = %d\n\t\tfi", t, t, t, k + 1);
		break;
	case OP_ASSERT:
		put(g, "if\n\t\t:: %s == 0 -> %s\n\t\t:: else -> pc[%d] = %d\n"
		    "\t\tfi", reg(t, i->a, a), assert_outcome(g), t, k + 1);
		break;
	case OP_END:
		put(g, "done[%d] = 1;\n\t\tndone++", t);
		break;
	case OP_FAIL:
		err_text(i->msg ? i->msg : "run-time error", m, sizeof(m));
		put(g, "ERR(\"%s\\n\")", m);
		break;
	default:
		break;
	}
	put(g, "\n");
}

/*
 * The loads (st == 0) or the stores (st == 1) of thread t: one step, its
 * arguments picked by pc.
 */
/* The kind of site an instruction is: 1 load, 2 store, 3 + built-in. */
static int site_kind(const struct insn *i)
{
	return i->op == OP_LOAD ? 1 : i->op == OP_STORE ? 2 :
	       i->op == OP_CALL ? 3 + i->fn : 0;
}

/*
 * The sites of one kind in thread t are handled SITES at a time by one
 * step: arg<t>_<kind>_<c>() picks the arguments of the site at pc,
 * res<t>_<kind>_<c>() stores its result.  Returns the number of chunks.
 */
#define SITES 96

static int chunk_bounds(const struct tprog *tp, int kind, int c, int *lo,
			int *hi)
{
	int k, n = 0;

	*lo = *hi = -1;
	for (k = 0; k < tp->ncode; k++) {
		if (site_kind(&tp->code[k]) != kind)
			continue;
		if (n / SITES == c) {
			if (*lo < 0)
				*lo = k;
			*hi = k;
		}
		n++;
	}
	return (n + SITES - 1) / SITES;
}

static void emit_site_inlines(struct gen *g, int t, int kind, int c)
{
	const struct tprog *tp = &g->p->threads[t];
	char a[300], b[32];
	int k, n, lo, hi;

	chunk_bounds(tp, kind, c, &lo, &hi);
	put(g, "inline arg%d_%d_%d() {\n\tif\n", t, kind, c);
	for (k = lo; k <= hi; k++) {
		const struct insn *i = &tp->code[k];

		if (site_kind(i) != kind)
			continue;
		put(g, "\t:: pc[%d] == %d -> ", t, k);
		put_trace(g, t, k);
		if (kind == 1)
			put(g, "lva = %s; lfix = %d", reg(t, i->b, b),
			    i->fixup ? (int)i->imm : -1);
		else if (kind == 2)
			put(g, "lva = %s; lval = %s; lfix = %d",
			    reg(t, i->a, a), reg(t, i->b, b),
			    i->fixup ? (int)i->imm : -1);
		else
			for (n = 0; n < i->nargs; n++)
				put(g, "%sca%d = %s", n ? "; " : "", n,
				    reg(t, i->args[n], b));
		if (kind > 2 && i->nargs == 0)
			put(g, "skip");
		put(g, "\n");
	}
	put(g, "\tfi\n}\n");
	if (kind == 2)
		return;
	put(g, "inline res%d_%d_%d() {\n\tif\n", t, kind, c);
	for (k = lo; k <= hi; k++) {
		const struct insn *i = &tp->code[k];

		if (site_kind(i) == kind)
			put(g, "\t:: pc[%d] == %d -> %s = %s\n", t, k,
			    reg(t, i->a, a), kind == 1 ? "lval" : "cres");
	}
	put(g, "\tfi\n}\n");
}

/*
 * The loads (st == 0) or the stores (st == 1) of thread t: count_*
 * (how many victims a fill could take) and body_* (the access).
 */
static int emit_mem_inlines(struct gen *g, int t, int st)
{
	const struct tprog *tp = &g->p->threads[t];
	const char *kind = st ? "st" : "ld";
	int k, c, lo, hi, any = 0;

	for (k = 0; k < tp->ncode; k++)
		if (tp->code[k].op == (st ? OP_STORE : OP_LOAD))
			any = 1;
	if (!any)
		return 0;
	put(g, "#define IS%s%d (kd%d[pc[%d]] == %d)\n", kind, t, t, t,
	    st ? 2 : 1);
	for (c = 0; c < chunk_bounds(tp, st ? 2 : 1, 0, &lo, &hi); c++)
		emit_site_inlines(g, t, st ? 2 : 1, c);
	/* how many victims a fill by this access could choose from */
	if (g->victims && (!st || g->p->prof.write_allocate))
		put(g, "inline %s_count%d() {\n"
		    "\tnvict = 0;\n"
		    "\tif\n"
		    "\t:: (lva & 3) == 0 ->\n"
		    "\t\txlate(%d, kern[%d], lva);\n"
		    "\t\tif\n"
		    "\t\t:: xok ->\n"
		    "\t\t\tkey_of(lva, xpa, xas);\n"
		    "\t\t\tcfind(%d);\n"
		    "\t\t\tif\n"
		    "\t\t\t:: fidx < 0 -> count_victims(%d)\n"
		    "\t\t\t:: else -> skip\n"
		    "\t\t\tfi\n"
		    "\t\t:: else -> skip\n"
		    "\t\tfi\n"
		    "\t:: else -> skip\n"
		    "\tfi\n}\n", kind, t, tp->proc, t, tp->cpu, tp->cpu);
	put(g, "inline %s_body%d() {\n"
	    "\tldok = 0;\n"
	    "\tif\n"
	    "\t:: (lva & 3) != 0 -> ERR(\"unaligned word access\\n\")\n"
	    "\t:: else ->\n"
	    "\t\txlate(%d, kern[%d], lva);\n"
	    "\t\tif\n"
	    "\t\t:: xok ->\n", kind, t, tp->proc, t);
	if (st)
		put(g, "\t\t\tprintf(\"    store va %%x pa %%x <- %%d\\n\", lva, "
		    "xpa, lval);\n"
		    "\t\t\tcache_store(%d, lva, xpa, xas, lval);\n", tp->cpu);
	else
		put(g, "\t\t\tcache_load(%d, lva, xpa, xas, lval);\n"
		    "\t\t\tprintf(\"    load va %%x pa %%x -> %%d\\n\", lva, "
		    "xpa, lval);\n"
		    "\t\t\tldok = 1;\n", tp->cpu);
	/* a load's pc moves on once its result is stored (res*) */
	if (st)
		put(g, "\t\t\tpc[%d] = pc[%d] + 1\n", t, t);
	put(g, "\t\t:: else ->\n"
	    "\t\t\tfault_map(%d, lva);\n"
	    "\t\t\tif\n"
	    "\t\t\t:: fm >= 0 && !ffail[%d] -> fst[%d] = 1; fmap[%d] = fm\n"
	    "\t\t\t:: else ->\n"
	    "\t\t\t\tffail[%d] = 0;\n"
	    "\t\t\t\tif\n"
	    "\t\t\t\t:: lfix >= 0 -> pc[%d] = lfix\n"
	    "\t\t\t\t:: else -> %s\n"
	    "\t\t\t\tfi\n"
	    "\t\t\tfi\n"
	    "\t\tfi\n"
	    "\tfi\n}\n", tp->proc, t, t, t, t, t, fault_outcome(g));
	return 1;
}

static int uses_fn(const struct tprog *tp, int fn)
{
	int k;

	for (k = 0; k < tp->ncode; k++)
		if (tp->code[k].op == OP_CALL && tp->code[k].fn == fn)
			return 1;
	return 0;
}

/* The body of one built-in, on ca0..ca5, into cres. */
static void emit_builtin(struct gen *g, int t, int fn)
{
	const struct prog *p = g->p;
	const struct tprog *tp = &p->threads[t];
	int c = tp->cpu, proc = tp->proc;
	enum kver v = p->kver;

	/* version_error(): the built-ins a kernel version lacks */
	if (fn == B_FLUSH_KERNEL_DCACHE_PAGE && v >= KV_6_12) {
		put(g, "ERR(\"flush_kernel_dcache_page() no longer exists in 6.12\\n\")");
		return;
	}
	if ((fn == B_FLUSH_KERNEL_VMAP_RANGE ||
	     fn == B_INVALIDATE_KERNEL_VMAP_RANGE) && v < KV_6_12) {
		put(g, "ERR(\"flush/invalidate_kernel_vmap_range() first appeared in 2.6.34\\n\")");
		return;
	}
	if ((fn == B_KMAP_LOCAL_PAGE || fn == B_KUNMAP_LOCAL) && v < KV_6_12) {
		put(g, "ERR(\"kmap_local_page() first appeared in 5.11\\n\")");
		return;
	}
	if (fn == B_GET_USER_PAGES_FAST && v < KV_6_12) {
		put(g, "ERR(\"the model renders get_user_pages_fast() as of 6.12 only\\n\")");
		return;
	}
	switch (fn) {
	case B_CLEAN_DCACHE_RANGE:
	case B_INV_DCACHE_RANGE:
	case B_FLUSH_DCACHE_RANGE:
		put(g, "if\n\t\t:: ULT(ca0, PKMAPB) -> maint_range(%d, %d, ca0, ca1, %s)\n"
		    "\t\t:: else -> maint_range(%d, -1, ca0, ca1, %s)\n\t\tfi",
		    c, proc, fn == B_CLEAN_DCACHE_RANGE ? "M_CLEAN" :
		    fn == B_INV_DCACHE_RANGE ? "M_INV" : "M_FLUSH", c,
		    fn == B_CLEAN_DCACHE_RANGE ? "M_CLEAN" :
		    fn == B_INV_DCACHE_RANGE ? "M_INV" : "M_FLUSH");
		break;
	case B_FLUSH_CACHE_ALL:
		put(g, "maint_all_cpus(%d, M_FLUSH)", c);
		break;
	case B_GET_USER_PAGES:
		put(g, "b_gup(%d, %d, %d, ca0, 1); cres = bret", t, c, proc);
		break;
	case B_GET_USER_PAGES_NOCACHE:
		put(g, "b_gup(%d, %d, %d, ca0, 0); cres = bret", t, c, proc);
		break;
	case B_GET_USER_PAGES_FAST:
		put(g, "b_gup(%d, %d, %d, ca0, !GUPFAST_SKIPS); cres = bret",
		    t, c, proc);
		break;
	case B_PUT_PAGE:
		put(g, "page_arg(ca0)");
		break;
	case B_PAGE_ADDRESS:
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "page_address(bpg); cres = bret\n\t\t:: else -> skip\n\t\tfi");
		break;
	case B_PAGE_SIZE:
		put(g, "cres = PS");
		break;
	case B_OFFSET_IN_PAGE:
		put(g, "cres = ca0 & (PS - 1)");
		break;
	case B_KMAP_ATOMIC:
		/* kmap_atomic disables preemption from 2.6.20 on */
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 -> ");
		if (v >= KV_2_6_20)
			put(g, "pre[%d]++; ", t);
		put(g, "do_kmap_local(%d, bpg); cres = bret\n\t\t:: else -> "
		    "skip\n\t\tfi", c);
		break;
	case B_KUNMAP_ATOMIC:
		put(g, "do_kunmap_local(%d, ca0)", c);
		if (v >= KV_2_6_20)
			put(g, ";\n\t\tif\n\t\t:: pre[%d] == 0 -> ERR(\"kunmap_atomic "
			    "without kmap_atomic\\n\")\n\t\t:: else -> pre[%d]--\n"
			    "\t\tfi", t, t);
		break;
	case B_KMAP_LOCAL_PAGE:
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "do_kmap_local(%d, bpg); cres = bret\n\t\t:: else -> skip\n"
		    "\t\tfi", c);
		break;
	case B_KUNMAP_LOCAL:
		put(g, "do_kunmap_local(%d, ca0)", c);
		break;
	case B_KMAP:
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 && !phigh[bpg] -> "
		    "cres = plow[bpg]\n\t\t:: bpg >= 0 && phigh[bpg] -> "
		    "pkmap[bpg]++; cres = PKMAPB + bpg * PS\n\t\t:: else -> skip\n"
		    "\t\tfi");
		break;
	case B_KUNMAP:
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 && phigh[bpg] && "
		    "pkmap[bpg] == 0 -> ERR(\"kunmap without kmap\\n\")\n"
		    "\t\t:: bpg >= 0 && phigh[bpg] && pkmap[bpg] > 0 -> "
		    "pkmap[bpg]--\n\t\t:: else -> skip\n\t\tfi");
		break;
	case B_FLUSH_ANON_PAGE:
		put(g, "page_arg(ca1);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_flush_anon_page(%d, %d, bpg, ca0)\n\t\t:: else -> skip\n"
		    "\t\tfi", c, proc);
		break;
	case B_FLUSH_DCACHE_PAGE:
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_flush_dcache_page(%d, %d, bpg)\n\t\t:: else -> skip\n"
		    "\t\tfi", c, proc);
		break;
	case B_FLUSH_KERNEL_DCACHE_PAGE:
		put(g, "page_arg(ca0);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_flush_kernel_dcache_page(%d, %d, bpg)\n\t\t:: else -> "
		    "skip\n\t\tfi", c, proc);
		break;
	case B_FLUSH_CACHE_PAGE:
		put(g, "page_arg(ca1);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_flush_cache_page(%d, %d, bpg, ca0)\n\t\t:: else -> skip\n"
		    "\t\tfi", c, proc);
		break;
	case B_FLUSH_KERNEL_VMAP_RANGE:
		put(g, "a_flush_vmap(%d, ca0, ca1)", c);
		break;
	case B_INVALIDATE_KERNEL_VMAP_RANGE:
		put(g, "a_inv_vmap(%d, ca0, ca1)", c);
		break;
	case B_CTUP_PRE:
		put(g, "page_arg(ca1);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_ctup_before(%d, %d, bpg, ca0, ca2); cres = aret\n"
		    "\t\t:: else -> skip\n\t\tfi", c, proc);
		break;
	case B_CTUP_POST:
		/* (uaddr, page, kaddr, src, len) */
		put(g, "page_arg(ca1);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_ctup_after(%d, %d, bpg, ca0, ca2, ca3, ca4)\n"
		    "\t\t:: else -> skip\n\t\tfi", c, proc);
		break;
	case B_CFUP_PRE:
		put(g, "page_arg(ca1);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_cfup_before(%d, %d, bpg, ca0, ca2); cres = aret\n"
		    "\t\t:: else -> skip\n\t\tfi", c, proc);
		break;
	case B_CFUP_POST:
		/* (uaddr, page, dst, kaddr, len): kaddr is the source */
		put(g, "page_arg(ca1);\n\t\tif\n\t\t:: bpg >= 0 -> "
		    "a_cfup_after(%d, %d, bpg, ca0, ca3, ca2, ca4)\n"
		    "\t\t:: else -> skip\n\t\tfi", c, proc);
		break;
	case B_PREEMPT_DISABLE:
		put(g, "pre[%d]++", t);
		break;
	case B_PREEMPT_ENABLE:
		put(g, "if\n\t\t:: pre[%d] == 0 -> ERR(\"preempt_enable() without "
		    "preempt_disable()\\n\")\n\t\t:: else -> pre[%d]--\n\t\tfi",
		    t, t);
		break;
	case B_SCHEDULE:
		put(g, "if\n\t\t:: pre[%d] > 0 -> ERR(\"schedule() while atomic"
		    "\\n\")\n\t\t:: else -> skip\n\t\tfi", t);
		break;
	case B_SPIN_LOCK:
		put(g, "lock[ca0] = %d; pre[%d]++", t, t);
		break;
	case B_SPIN_UNLOCK:
		put(g, "if\n\t\t:: lock[ca0] != %d -> ERR(\"spin_unlock() of a "
		    "lock this thread does not hold\\n\")\n\t\t:: else -> "
		    "lock[ca0] = -1; pre[%d]--\n\t\tfi", t, t);
		break;
	case B_FUSE_ABORT:
		put(g, "fuse_abort()");
		break;
	case B_LOCK_REQUEST:
		put(g, "lock_request(%d); cres = fret", t);
		break;
	case B_UNLOCK_REQUEST:
		put(g, "unlock_request(%d); cres = fret", t);
		break;
	case B_FUSE_RELEASE:
		put(g, "req_of(ca0);\n\t\tif\n\t\t:: rqi >= 0 -> put_request(rqi)\n"
		    "\t\t:: else -> skip\n\t\tfi");
		break;
	case B_FUSE_QUEUE:
		put(g, "req_of(ca0);\n\t\tif\n\t\t:: rqi >= 0 -> rstate[rqi] = "
		    "FR_PENDING\n\t\t:: else -> skip\n\t\tfi");
		break;
	case B_FUSE_REQ_LEN:
		put(g, "mem_read(ca0 - PAGEOFF, cres)");
		break;
	case B_FUSE_SCRATCH:
		put(g, "cres = plow[scratchpg] + %d", FUSE_SCRATCH * t);
		break;
	case B_FUSE_SEND:
		put(g, "fuse_send(%d, ca0, ca1); cres = fsret", t);
		break;
	case B_FUSE_WAIT:
		put(g, "fuse_wait(%d, ca0); cres = fret", c);
		break;
	case B_FUSE_DEV_TAKE:
		put(g, "fuse_take(%d, ca0); cres = fret", t);
		break;
	case B_FUSE_DEV_READ_END:
		put(g, "fuse_read_end(%d, ca0, ca1); cres = fret", t);
		break;
	case B_FUSE_DEV_FIND:
		put(g, "fuse_find(%d, %d, ca0, ca1); cres = fret", t, c);
		break;
	case B_FUSE_DEV_WRITE_END:
		put(g, "fuse_write_end(%d, ca0, ca1); cres = fret", t);
		break;
	default:
		put(g, "ERR(\"internal error: unknown built-in\\n\")");
		break;
	}
}

/* The calls of built-in fn by thread t: one step. */
static void emit_call_inlines(struct gen *g, int t, int fn)
{
	const struct tprog *tp = &g->p->threads[t];
	char buf[1024];
	const char *en;
	int k, c, lo, hi;

	put(g, "#define ISC%d_%d (kd%d[pc[%d]] == %d)\n", t, fn, t, t,
	    3 + fn);
	put(g, "#define CEN%d_%d (1", t, fn);
	for (k = 0; k < tp->ncode; k++) {
		const struct insn *i = &tp->code[k];

		if (i->op != OP_CALL || i->fn != fn)
			continue;
		en = call_enabled(g, t, i, buf, sizeof(buf));
		if (en != NULL)
			put(g, " && (pc[%d] != %d || %s)", t, k, en);
	}
	put(g, ")\n");
	for (c = 0; c < chunk_bounds(tp, 3 + fn, 0, &lo, &hi); c++)
		emit_site_inlines(g, t, 3 + fn, c);
	put(g, "inline ca_body%d_%d() {\t/* %s */\n\tcres = 0;\n\tbfault = 0;\n\t",
	    t, fn, builtin_info[fn].name);
	emit_builtin(g, t, fn);
	put(g, ";\n\tprintf(\"    %s -> %s\\n\", cres)\n}\n",
	    builtin_info[fn].name, builtin_info[fn].ret == TY_INT ||
	    builtin_info[fn].ret == TY_VOID ? "%d" : "%x");
}

static void emit_thread_macros(struct gen *g, int t)
{
	const struct prog *p = g->p;
	const struct tprog *tp = &p->threads[t];

	put(g, "\n/* P%d: process %s, cpu%d */\n", tp->index,
	    tp->proc < 0 ? "@kernel" : p->procs[tp->proc].name, tp->cpu);
	emit_switchable(g, t);
	emit_sched(g, t);
}

/*
 * --eager: constants, moves, arithmetic and jumps touch only the thread's
 * registers, so they commute with every step of every other process
 * (docs/reductions.md, reduction 1).  SPIN's partial-order reduction
 * cannot see that here (the registers and pc[] are globals, read by the
 * scheduling guards), so the export runs them in the step of the
 * instruction before them.
 */
static int is_register_insn(const struct insn *i)
{
	return i->op == OP_CONST || i->op == OP_MOV || i->op == OP_ALU ||
	       i->op == OP_JMP || i->op == OP_JZ;
}

/*
 * The end of an eager step: go on while the next pc is a register
 * instruction of the same group, at most 200 of them (a register loop
 * that never ends then still gives SPIN a state to stop at).
 */
static void emit_eager_tail(struct gen *g, int t, int base, int top)
{
	put(g, "\t\tif\n\t\t:: eag < 200 && pc[%d] >= %d && pc[%d] < %d && "
	    "REG%d -> eag++\n\t\t:: else -> break\n\t\tfi\n"
	    "\t\tod;\n\t\teag = 0;\n", t, base, t, top, t);
}

/*
 * --eager, after a load, a store or a built-in: loc<t>() runs the register
 * instructions that follow it in the same step.  It expands every register
 * instruction of the thread into each such step, so a thread with more
 * than REGRUN of them goes without (SPIN's d_steps have at most 2048 jump
 * targets): its register instructions then wait for the next step.
 * Returns whether loc<t>() exists.
 */
#define REGRUN 200

static int emit_register_run(struct gen *g, int t)
{
	const struct tprog *tp = &g->p->threads[t];
	int k, n = 0;

	for (k = 0; k < tp->ncode; k++)
		n += is_register_insn(&tp->code[k]);
	if (!g->eager || n == 0 || n > REGRUN)
		return 0;
	put(g, "inline loc%d() {\n\tdo\n\t:: !halted && eag < 200 && REG%d ->"
	    "\n\t\teag++;\n\t\tif\n", t, t);
	for (k = 0; k < tp->ncode; k++)
		if (is_register_insn(&tp->code[k]))
			emit_simple(g, t, k, &tp->code[k]);
	put(g, "\t\tfi\n\t:: else -> break\n\tod;\n\teag = 0\n}\n");
	return 1;
}

static void emit_thread(struct gen *g, int t)
{
	const struct prog *p = g->p;
	const struct tprog *tp = &p->threads[t];
	char fg[32], tail[32] = "";
	int k, fn, st, mem[2], base;

	put(g, "\n/* ---- P%d ---- */\n", tp->index);
	for (st = 0; st < 2; st++)
		mem[st] = emit_mem_inlines(g, t, st);
	for (fn = 0; fn < B_COUNT; fn++)
		if (uses_fn(tp, fn))
			emit_call_inlines(g, t, fn);

	if (emit_register_run(g, t))
		snprintf(tail, sizeof(tail), " loc%d();", t);
	put(g, "proctype P%d() {\n", tp->index);
	/* exists: a thread that waits forever is a valid end (a deadlock
	 * satisfies no condition); forall: it is SPIN's invalid end state */
	put(g, "%s\tdo\n", g->forall ? "" : "end:\n");
	/* the other instructions, in steps of up to CHUNK pcs each */
	for (base = 0; base < tp->ncode; base += CHUNK) {
		int top = base + CHUNK < tp->ncode ? base + CHUNK : tp->ncode;
		int any = 0;

		for (k = base; k < top; k++)
			if (!is_mem(&tp->code[k]) && tp->code[k].op != OP_CALL)
				any = 1;
		if (!any)
			continue;
		put(g, "\t:: d_step { kd%d[pc[%d]] == 0 && pc[%d] >= %d && "
		    "pc[%d] < %d && SCHED%d ->\n\t\tdo_switch(%d, %d, %d);\n",
		    t, t, t, base, t, top, t, t, tp->cpu, tp->proc);
		put(g, g->eager ? "\t\tdo\n\t\t:: if\n" : "\t\tif\n");
		for (k = base; k < top; k++) {
			const struct insn *i = &tp->code[k];

			if (!is_mem(i) && i->op != OP_CALL)
				emit_simple(g, t, k, i);
		}
		put(g, "\t\tfi;\n");
		if (g->eager)
			emit_eager_tail(g, t, base, top);
		put(g, "\t\tskip\n\t}\n");
	}
	/* while a page fault is handled, the instruction waits for it */
	if (g->lazy)
		snprintf(fg, sizeof(fg), " && fst[%d] == 0", t);
	else
		fg[0] = '\0';
	for (st = 0; st < 2; st++) {
		const char *kind = st ? "st" : "ld";
		int kd = st ? 2 : 1, nc, c, lo, hi;
		char res[128];

		if (!mem[st])
			continue;
		nc = chunk_bounds(tp, kd, 0, &lo, &hi);
		for (c = 0; c < nc; c++) {
			chunk_bounds(tp, kd, c, &lo, &hi);
			if (st)
				res[0] = '\0';
			else
				snprintf(res, sizeof(res), " if :: ldok -> "
					 "res%d_%d_%d(); pc[%d] = pc[%d] + 1 "
					 ":: else -> skip fi;", t, kd, c, t, t);
			if (g->victims && (!st || p->prof.write_allocate))
				put(g, "\t:: atomic { IS%s%d%s && pc[%d] >= %d && "
				    "pc[%d] <= %d && SCHED%d ->\n"
				    "\t\td_step { do_switch(%d, %d, %d); "
				    "arg%d_%d_%d(); %s_count%d(); skip };\n"
				    "\t\tchoose_victim();\n"
				    "\t\td_step { arg%d_%d_%d(); %s_body%d();%s "
				    "victim = 0; nvict = 0;%s skip }\n\t}\n",
				    kind, t, fg, t, lo, t, hi, t, t, tp->cpu,
				    tp->proc, t, kd, c, kind, t, t, kd, c,
				    kind, t, res, tail);
			else
				put(g, "\t:: d_step { IS%s%d%s && pc[%d] >= %d && "
				    "pc[%d] <= %d && SCHED%d ->\n"
				    "\t\tdo_switch(%d, %d, %d); arg%d_%d_%d(); "
				    "%s_body%d();%s%s skip\n\t}\n", kind, t, fg,
				    t, lo, t, hi, t, t, tp->cpu, tp->proc, t,
				    kd, c, kind, t, res, tail);
		}
	}
	for (fn = 0; fn < B_COUNT; fn++) {
		int nc, c, lo, hi;

		if (!uses_fn(tp, fn))
			continue;
		nc = chunk_bounds(tp, 3 + fn, 0, &lo, &hi);
		for (c = 0; c < nc; c++) {
			chunk_bounds(tp, 3 + fn, c, &lo, &hi);
			put(g, "\t:: d_step { ISC%d_%d%s && pc[%d] >= %d && "
			    "pc[%d] <= %d && CEN%d_%d && SCHED%d ->\n"
			    "\t\tdo_switch(%d, %d, %d); arg%d_%d_%d(); "
			    "ca_body%d_%d(); res%d_%d_%d();\n"
			    "\t\tif\n\t\t:: bfault -> fst[%d] = 1; fmap[%d] = "
			    "bfault - 1\n"
			    "\t\t:: else -> pc[%d] = pc[%d] + 1\n\t\tfi;%s\n"
			    "\t\tskip\n\t}\n", t, fn, fg, t, lo, t, hi, t, fn,
			    t, t, tp->cpu, tp->proc, t, 3 + fn, c, t, fn, t,
			    3 + fn, c, t, t, t, t, tail);
		}
	}
	if (g->lazy)
		put(g, "\t:: d_step { fst[%d] != 0 && FAULT_ENABLED(%d) && "
		    "SCHED%d ->\n\t\tdo_switch(%d, %d, %d); fault_step(%d, %d); skip\n"
		    "\t}\n", t, t, t, t, tp->cpu, tp->proc, t, tp->cpu);
	put(g, "\t:: done[%d] -> break\n\tod\n}\n", t);
}

/* ---- the condition -------------------------------------------------------- */

static void emit_cval(struct gen *g, const struct cond_val *v)
{
	const struct prog *p = g->p;
	char b[32];
	int i;

	if (v->kind == V_NUM) {
		put(g, "%s", lit((uint32_t)v->num, b));
		return;
	}
	i = prog_ref_index(p, v);
	if (i < 0)
		put(g, "0");
	else if (p->refs[i].is_reg)
		put(g, "%s", reg(p->refs[i].thread, p->refs[i].reg, b));
	else
		put(g, "cv%d", i);
}

static void emit_cond(struct gen *g, const struct cond *c)
{
	switch (c->kind) {
	case C_TRUE:
		put(g, "1");
		break;
	case C_ATOM:
		put(g, "(");
		emit_cval(g, &c->lhs);
		put(g, c->op == OP_NE ? " != " : " == ");
		emit_cval(g, &c->rhs);
		put(g, ")");
		break;
	case C_AND:
	case C_OR:
		put(g, "(");
		emit_cond(g, c->a);
		put(g, c->kind == C_AND ? " && " : " || ");
		emit_cond(g, c->b);
		put(g, ")");
		break;
	case C_NOT:
		put(g, "!");
		emit_cond(g, c->a);
		break;
	}
}

/* ---- the whole model ------------------------------------------------------ */

static void emit_header(struct gen *g)
{
	const struct prog *p = g->p;
	const struct profile *pr = &p->prof;
	const struct scenario *sc = p->sc;
	int none = pr->index == IDX_NONE;
	uint32_t line = none ? 4 : pr->line, sets = none ? 1 : profile_sets(pr);
	uint32_t gran = none ? 4 : pr->dirty_granule;
	char b[32];

	put(g, "/*\n * %s: scenario %s exported by `stale export --promela`.\n"
	    " * Machine: %s (%s), %d cpu%s, kernel %s, preempt %s, evict %s.\n",
	    g->path, sc->name, pr->name, index_name(pr->index), p->ncpus,
	    p->ncpus > 1 ? "s" : "", kver_name(p->kver),
	    p->preempt ? "on" : "off", p->evict_any ? "any" : "none");
	put(g, " *\n * %s\n",
	    g->forall ?
	    "forall: SPIN finds an error iff some execution ends with the\n"
	    " * condition false, or in a deadlock (an invalid end state), a fault\n"
	    " * or a failed assert(): iff stale's observation is not Always." :
	    "exists / ~exists: SPIN finds an error (the assertion at the end)\n"
	    " * iff some execution ends with the condition true: iff stale's\n"
	    " * observation is not Never.  Deadlocks, faults and failed asserts\n"
	    " * satisfy no condition: they are valid end states here.");
	put(g, " *\n * Run: spin -a FILE.pml && cc -O2 -fwrapv -DSAFETY "
	    "-DVECTORSZ=16384 -o pan pan.c && ./pan -m1000000\n"
	    " * An error named capacity_exceeded means the model's fixed "
	    "arrays are too\n * small (STALE_PROMELA_LINES, STALE_PROMELA_WORDS); "
	    "scenario_error, a\n * run-time error stale reports too.\n */\n\n");
	put(g, "#define NT %d\n#define NC %d\n#define L %d\n#define W %u\n"
	    "#define K %d\n#define NP %d\n#define NM %d\n#define NLK %d\n",
	    p->nthreads, p->ncpus, g->lines, line / 4, g->words, p->npages,
	    p->nmaps > 0 ? p->nmaps : 1, p->nlocks > 0 ? p->nlocks : 1);
	put(g, "#define PS %u\n#define PSSHIFT %d\n#define LINE %u\n"
	    "#define LSHIFT %d\n#define LMASK (%d)\n#define SETS %u\n"
	    "#define WAYS %u\n#define GW %u\n#define NGRAN %u\n",
	    pr->page_size, log2u(pr->page_size), line, log2u(line),
	    -(int)line, sets, none ? 1 : pr->ways, gran / 4, line / gran);
	put(g, "#define WB %d\n#define WALLOC %d\n#define IDX %d\n"
	    "#define COH %d\n#define ASIDON %d\n#define COLOURS %u\n"
	    "#define BCAST %d\n#define FLUSHSWITCH %d\n",
	    none ? 0 : pr->write_back, none ? 0 : pr->write_allocate,
	    (int)pr->index, (int)pr->coherence, pr->asid,
	    profile_colours(pr), pr->maint_broadcast, pr->flush_on_switch);
	put(g, "#define ARCH_COHERENT %d\n#define ARCH_ARM %d\n"
	    "#define ARCH_PARISC %d\n#define ARCH_SH %d\n#define ARCH_MIPS %d\n"
	    "#define ARCH_SPARC64 %d\n#define ARCH %d\n#define KVER %d\n"
	    "#define PREEMPT %d\n", ARCH_COHERENT, ARCH_ARM, ARCH_PARISC,
	    ARCH_SH, ARCH_MIPS, ARCH_SPARC64, (int)pr->arch, (int)p->kver,
	    p->preempt);
	put(g, "#define MINREAD %d\n#define HDRLEN %u\n",
	    p->kver >= KV_6_12 ? 8192 : 0,
	    fuse_in_hdr_len(p->kver, FUSE_READ));
	put(g, "#define FIXADDR %s\n", lit(FIXADDR_START, b));
	put(g, "#define KCOHB %s\n", lit(KCOH_BASE, b));
	put(g, "#define PAGEOFF %s\n", lit(PAGE_OFFSET, b));
	put(g, "#define PKMAPB %s\n", lit(PKMAP_BASE, b));
	put(g, "#define MEMMAP %s\n", lit(MEM_MAP_BASE, b));
	put(g, "#define HIGHPA %s\n\n", lit(HIGHMEM_PA, b));
}

static void emit_globals(struct gen *g)
{
	const struct prog *p = g->p;
	int t, k, i;

	put(g, "\n/* ---- the threads' registers ---- */\n");
	for (t = 0; t < p->nthreads; t++) {
		const struct tprog *tp = &p->threads[t];

		for (k = 0; k < tp->nregs; k++)
			if (tp->regs[k].name)
				put(g, "int r%d_%d;\t/* P%d %s */\n", t, k,
				    tp->index, tp->regs[k].name);
			else
				put(g, "int r%d_%d;\n", t, k);
	}
	for (i = 0; i < p->nrefs; i++)
		if (!p->refs[i].is_reg)
			put(g, "int cv%d;\t/* %s */\n", i, p->refs[i].label);
	/* what each pc holds: 0 other, 1 load, 2 store, 3 + built-in */
	for (t = 0; t < p->nthreads; t++)
		put(g, "hidden byte kd%d[%d];\n", t, p->threads[t].ncode);
	/* --eager: the pcs of kind 0 that are not register instructions
	 * (they are few: init sets them one by one), and a bound on how
	 * many register instructions one step runs */
	for (t = 0; g->eager && t < p->nthreads; t++)
		put(g, "hidden byte nr%d[%d];\n#define REG%d (kd%d[pc[%d]] == 0 "
		    "&& !nr%d[pc[%d]])\n", t, p->threads[t].ncode, t, t, t, t, t);
	if (g->eager)
		put(g, "hidden byte eag;\n");
	put(g, "byte evi;\t/* the line an eviction or a final write-back takes */\n");
	put(g, "hidden int lva, lval, lfix, ldok;\n"
	    "hidden int cfn, cres, ca0, ca1, ca2, ca3, ca4, ca5;\n");
	if (g->victims) {
		put(g, "inline choose_victim() {\n\tif\n\t:: victim = 0\n");
		for (k = 1; k < (int)p->prof.ways; k++)
			put(g, "\t:: nvict > %d -> victim = %d\n", k, k);
		put(g, "\tfi\n}\n");
	}
}

static void emit_evictor_final(struct gen *g)
{
	const struct prog *p = g->p;
	const struct scenario *sc = p->sc;
	int c, i;

	if (p->evict_any && p->prof.index != IDX_NONE) {
		put(g, "\n/* evict any: any line of any CPU, between any two steps */\n"
		    "proctype Evict() {\nend:\n\tdo\n");
		for (c = 0; c < p->ncpus; c++) {
			put(g, "\t:: atomic { ndone < NT%s && nl[%d] > 0 ->\n"
			    "\t\tif\n\t\t:: evi = 0\n", g->forall ? "" :
			    " && !halted", c);
			for (i = 1; i < g->lines; i++)
				put(g, "\t\t:: nl[%d] > %d -> evi = %d\n", c, i, i);
			put(g, "\t\tfi;\n\t\td_step { printf(\"  eviction on "
			    "cpu%d:\\n\"); evict(%d, evi); evi = 0; skip }\n"
			    "\t}\n", c, c);
		}
		put(g, "\tod\n}\n");
	}
	put(g, "\n/* the end: the dirty lines written back in every order, "
	    "then the condition */\nproctype Final() {\n%s\t(ndone == NT);\n"
	    "\tdo\n", g->forall ? "" : "end:\n");
	if (p->prof.index != IDX_NONE)
		for (c = 0; c < p->ncpus; c++) {
			put(g, "\t:: atomic { nl[%d] > 0 && (0", c);
			for (i = 0; i < g->lines; i++)
				put(g, " || ldirty[LI(%d, %d)] != 0", c, i);
			put(g, ") ->\n\t\tif\n");
			for (i = 0; i < g->lines; i++)
				put(g, "\t\t:: ldirty[LI(%d, %d)] != 0 -> evi = %d\n",
				    c, i, i);
			put(g, "\t\tfi;\n\t\td_step { printf(\"  final write-back "
			    "on cpu%d:\\n\"); wback(%d, evi); evi = 0; skip }\n"
			    "\t}\n", c, c);
		}
	put(g, "\t:: else -> break\n\tod;\n\tatomic {\n");
	for (i = 0; i < p->nrefs; i++)
		if (!p->refs[i].is_reg)
			put(g, "\t\tmem_read(%d, cv%d);\n", (int)p->refs[i].pa, i);
	put(g, "\t\tskip\n\t};\n");
	if (sc->cond == NULL) {
		put(g, "\tskip\t/* no condition: every final state is fine */\n");
	} else if (g->forall) {
		put(g, "\tassert(");
		emit_cond(g, sc->cond);
		put(g, ")\n");
	} else {
		put(g, "\tassert(!");
		emit_cond(g, sc->cond);
		put(g, ")\n");
	}
	put(g, "}\n");
}

static void emit_init(struct gen *g)
{
	const struct prog *p = g->p;
	char b[32], b2[32];
	int i, t, k;

	put(g, "\ninit {\n\td_step {\n");
	for (i = 0; i < p->npages; i++) {
		const struct ppage *pg = &p->pages[i];

		put(g, "\t\t/* page %d: %s */\n", i, pg->name);
		put(g, "\t\tppa[%d] = %s; ", i, lit(pg->pa, b));
		put(g, "plow[%d] = %s; pfile[%d] = %d; phigh[%d] = %d; "
		    "pkmalloc[%d] = %d; pumapped[%d] = %d;\n", i,
		    lit(kmm_lowmem(p, i), b), i, pg->file, i, pg->highmem, i,
		    pg->kmalloc, i, pg->user_mapped);
		put(g, "\t\tpgflags[%d] = %d; pglock[%d] = -1;\n", i,
		    (pg->user_mapped ? (0x04 | 0x02) : 0) |
		    (pg->fuse ? 0 : 0x08), i);
	}
	for (i = 0; i < p->nmaps; i++) {
		const struct pmap *m = &p->maps[i];

		put(g, "\t\tmproc[%d] = %d; mva[%d] = %s; mpage[%d] = %d; "
		    "mshared[%d] = %d;\t/* %s */\n", i, m->proc, i,
		    lit(m->va, b), i, m->page, i, m->shared,
		    m->name ? m->name : "");
	}
	if (p->nmaps == 0)
		put(g, "\t\tmproc[0] = -2;\n");
	for (i = 0; i < FUSE_MAX_REQ; i++)
		put(g, "\t\trqpage[%d] = %d;\n", i, p->fuse_req_page[i]);
	put(g, "\t\tscratchpg = %d;\n", p->fuse_scratch_page);
	put(g, "\t\tpresent = 0");
	for (i = 0; i < p->nmaps; i++)
		if (!p->maps[i].lazy)
			put(g, " | (1 << %d)", i);
	put(g, ";\n");
	for (i = 0; i < p->ncpus; i++)
		put(g, "\t\tcur[%d] = -1; mm[%d] = -1; kcoh[%d] = -1; "
		    "kslot[%d] = -1; kslot[%d] = -1; kslot[%d] = -1; "
		    "kslot[%d] = -1;\n", i, i, i, i * 4, i * 4 + 1, i * 4 + 2,
		    i * 4 + 3);
	for (i = 0; i < (p->nlocks > 0 ? p->nlocks : 1); i++)
		put(g, "\t\tlock[%d] = -1;\n", i);
	for (t = 0; t < p->nthreads; t++)
		put(g, "\t\tkern[%d] = %d; fltreq[%d] = -1; fcur[%d] = -1;\n", t,
		    p->threads[t].proc < 0, t, t);
	for (i = 0; i < p->ninit; i++)
		put(g, "\t\tmem_write(%s, %s);\n", lit(p->init[i].pa, b),
		    lit(p->init[i].value, b2));
	for (t = 0; t < p->nthreads; t++)
		for (k = 0; k < p->threads[t].ncode; k++) {
			const struct insn *in = &p->threads[t].code[k];
			int kd = in->op == OP_LOAD ? 1 : in->op == OP_STORE ? 2 :
				 in->op == OP_CALL ? 3 + in->fn : 0;

			if (kd != 0)
				put(g, "\t\tkd%d[%d] = %d;\n", t, k, kd);
			if (g->eager && kd == 0 && !is_register_insn(in))
				put(g, "\t\tnr%d[%d] = 1;\n", t, k);
		}
	put(g, "\t\tskip\n\t};\n\tatomic {\n");
	for (t = 0; t < p->nthreads; t++)
		put(g, "\t\trun P%d();\n", p->threads[t].index);
	if (p->evict_any && p->prof.index != IDX_NONE)
		put(g, "\t\trun Evict();\n");
	put(g, "\t\trun Final()\n\t}\n}\n");
}

int export_promela(const char *path, const struct run_opts *o, FILE *out)
{
	struct diag err;
	struct scenario *sc;
	struct prog p;
	struct gen g = { 0 };
	int t, k, st;

	sc = parse_file(path, o->lo.libdirs, &err);
	if (sc == NULL) {
		diag_print(&err);
		return 2;
	}
	if (lower(sc, &o->lo, &p, &err) < 0) {
		diag_print(&err);
		prog_free(&p);
		scenario_free(sc);
		return 2;
	}
	st = expressible(&p, path);
	if (st != 0) {
		prog_free(&p);
		scenario_free(sc);
		return st;
	}
	g.p = &p;
	g.path = path;
	g.out = out;
	g.forall = sc->cond == NULL || sc->quant == Q_FORALL;
	for (k = 0; k < p.nmaps; k++)
		if (p.maps[k].lazy)
			g.lazy = 1;
	g.victims = p.prof.index != IDX_NONE && p.prof.ways > 1;
	g.lines = 1;
	if (p.prof.index != IDX_NONE) {
		uint32_t all = profile_sets(&p.prof) * p.prof.ways;

		g.lines = env_int("STALE_PROMELA_LINES", 16);
		if ((uint32_t)g.lines > all)
			g.lines = (int)all;
	}
	g.words = env_int("STALE_PROMELA_WORDS", 64);
	g.eager = o->eager;

	emit_header(&g);
	for (k = 0; promela_rt[k] != NULL; k++)
		put(&g, "%s\n", promela_rt[k]);
	emit_globals(&g);
	for (t = 0; t < p.nthreads; t++)
		emit_thread_macros(&g, t);
	for (t = 0; t < p.nthreads; t++)
		emit_thread(&g, t);
	emit_evictor_final(&g);
	emit_init(&g);
	prog_free(&p);
	scenario_free(sc);
	return ferror(out) ? 2 : 0;
}
