/*
 * run.c - `stale run`: one file, two explorations (the configured
 * machine and the `none` reference), herd7-style output.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"
#include "run.h"

#ifndef STALE_LIBDIR
#define STALE_LIBDIR "/usr/local/share/stale/lib"
#endif

const char *const *default_libdirs(void)
{
	static char beside[PATH_MAX + 8], staged[PATH_MAX + 32];
	static const char *dirs[5];
	const char *env = getenv("STALE_LIB");
	char exe[PATH_MAX];
	ssize_t n;
	int k = 0;

	if (dirs[0] != NULL)
		return dirs;
	if (env != NULL && *env)
		dirs[k++] = env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(beside, sizeof(beside), "%s/lib", exe);
			if (access(beside, R_OK) == 0)
				dirs[k++] = beside;
			/* an installed tree, wherever it was copied (DESTDIR) */
			snprintf(staged, sizeof(staged), "%s/../share/stale/lib",
				 exe);
			if (access(staged, R_OK) == 0)
				dirs[k++] = staged;
		}
	}
	dirs[k++] = STALE_LIBDIR;
	dirs[k] = NULL;
	return dirs;
}

/* ---- values and outcomes --------------------------------------------- */

static void put_val(FILE *f, uint32_t v, enum ast_type t)
{
	if (t == TY_INT_PTR || t == TY_VOID_PTR || t == TY_PAGE_PTR)
		fprintf(f, "%#x", v);
	else
		fprintf(f, "%d", (int32_t)v);
}

static const struct symbol *sym_at(const struct prog *p, uint32_t pa)
{
	int i;

	for (i = 0; i < p->nsyms; i++)
		if (pa >= p->syms[i].pa &&
		    pa - p->syms[i].pa < p->prof.page_size &&
		    p->syms[i].type == TY_INT_PTR)
			return &p->syms[i];
	for (i = 0; i < p->nsyms; i++)
		if (pa >= p->syms[i].pa && pa - p->syms[i].pa < p->prof.page_size)
			return &p->syms[i];
	return NULL;
}

static void put_outcome(FILE *f, const struct prog *p, const struct outcome *o)
{
	int i, t, k;

	switch (o->kind) {
	case OK_DEADLOCK:
		fprintf(f, "Deadlock;");
		return;
	case OK_FAULT:
		fprintf(f, "Fault (%s:%d);", o->pos.file ? o->pos.file : "?",
			o->pos.line);
		return;
	case OK_ASSERT:
		fprintf(f, "Assertion failed (%s:%d);",
			o->pos.file ? o->pos.file : "?", o->pos.line);
		return;
	default:
		break;
	}
	if (!p->observe_all) {
		for (i = 0; i < p->nrefs; i++) {
			fprintf(f, "%s%s=", i ? " " : "", p->refs[i].label);
			put_val(f, o->vals[i], p->refs[i].type);
			fputc(';', f);
		}
		return;
	}
	i = 0;
	for (t = 0; t < p->nthreads; t++)
		for (k = 0; k < p->threads[t].nregs; k++) {
			if (!p->threads[t].regs[k].visible)
				continue;
			fprintf(f, "%s%d:%s=", i ? " " : "", t,
				p->threads[t].regs[k].name);
			put_val(f, o->vals[i++], p->threads[t].regs[k].type);
			fputc(';', f);
		}
	for (k = 0; k < o->nmem; k++) {
		const struct symbol *s = sym_at(p, o->mem[k].pa);
		uint32_t off = s ? (o->mem[k].pa - s->pa) / 4 : 0;

		if (s && off)
			fprintf(f, " [%s+%u]=%d;", s->name, off,
				(int32_t)o->mem[k].val);
		else if (s)
			fprintf(f, " [%s]=%d;", s->name, (int32_t)o->mem[k].val);
		else
			fprintf(f, " [pa %#x]=%d;", o->mem[k].pa,
				(int32_t)o->mem[k].val);
	}
}

/* ---- the condition ----------------------------------------------------- */

static uint32_t cval(const struct prog *p, const struct cond_val *v,
		     const struct outcome *o)
{
	int i;

	if (v->kind == V_NUM)
		return (uint32_t)v->num;
	i = prog_ref_index(p, v);
	return i < 0 ? 0 : o->vals[i];
}

static int eval(const struct prog *p, const struct cond *c,
		const struct outcome *o)
{
	switch (c->kind) {
	case C_TRUE:
		return 1;
	case C_ATOM: {
		uint32_t a = cval(p, &c->lhs, o), b = cval(p, &c->rhs, o);

		return c->op == OP_NE ? a != b : a == b;
	}
	case C_AND:
		return eval(p, c->a, o) && eval(p, c->b, o);
	case C_OR:
		return eval(p, c->a, o) || eval(p, c->b, o);
	case C_NOT:
		return !eval(p, c->a, o);
	}
	return 0;
}

static void put_cval(FILE *f, const struct cond_val *v)
{
	switch (v->kind) {
	case V_NUM:
		fprintf(f, "%lld", (long long)v->num);
		break;
	case V_REG:
		fprintf(f, "%d:%s", v->thread, v->name);
		break;
	case V_LOC:
		if (v->offset)
			fprintf(f, "[%s+%lld]", v->name, (long long)v->offset);
		else
			fprintf(f, "[%s]", v->name);
		break;
	}
}

static void put_cond_in(FILE *f, const struct cond *c, int top);

static void put_cond(FILE *f, const struct cond *c)
{
	put_cond_in(f, c, 0);
}

/* top: the whole condition, already inside the parentheses of exists */
static void put_cond_in(FILE *f, const struct cond *c, int top)
{
	switch (c->kind) {
	case C_TRUE:
		fprintf(f, "true");
		break;
	case C_ATOM:
		put_cval(f, &c->lhs);
		fprintf(f, c->op == OP_NE ? "!=" : "=");
		put_cval(f, &c->rhs);
		break;
	case C_AND:
	case C_OR:
		if (!top)
			fputc('(', f);
		put_cond(f, c->a);
		fprintf(f, c->kind == C_AND ? " /\\ " : " \\/ ");
		put_cond(f, c->b);
		if (!top)
			fputc(')', f);
		break;
	case C_NOT:
		fprintf(f, "~");
		put_cond(f, c->a);
		break;
	}
}

static int satisfies(const struct prog *p, const struct outcome *o)
{
	if (o->kind != OK_NORMAL)
		return 0;
	if (p->sc->cond == NULL)
		return 1;
	return eval(p, p->sc->cond, o);
}

/* ---- JSON -------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static char *outcome_str(const struct prog *p, const struct outcome *o);

static void json_outcome(FILE *f, const struct prog *p,
			 const struct outcome *o)
{
	char *buf = outcome_str(p, o);

	json_str(f, buf);
	free(buf);
}

/* ---- one file ---------------------------------------------------------- */

static const char *observation(int pos, int neg)
{
	if (neg == 0)
		return "Always";
	if (pos == 0)
		return "Never";
	return "Sometimes";
}

static const char *expect_name(enum expect e)
{
	switch (e) {
	case EXPECT_ALWAYS: return "Always";
	case EXPECT_SOMETIMES: return "Sometimes";
	case EXPECT_NEVER: return "Never";
	default: return NULL;
	}
}

/* The outcome as put_outcome prints it, in a string to free. */
static char *outcome_str(const struct prog *p, const struct outcome *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		abort();
	put_outcome(m, p, o);
	fclose(m);
	return buf;
}

/*
 * Outcome oc drawn on the page: n > 0 numbers the aliasing-only outcomes
 * of a file; n == 0 is the one witness of a FUSE cell.
 */
static void html_outcome(const struct run_opts *o, const struct prog *p,
			 const struct outcome *oc, uint64_t single, int n)
{
	char *text = outcome_str(p, oc), id[300], head[600];
	const char *base = o->html_id ? o->html_id : "w";

	if (n > 0) {
		snprintf(id, sizeof(id), "%s-%d", base, n);
		snprintf(head, sizeof(head), "Aliasing-only outcome %d: %s",
			 n, text);
	} else {
		snprintf(id, sizeof(id), "%s", base);
		snprintf(head, sizeof(head), "%s",
			 o->html_heading ? o->html_heading : text);
	}
	html_witness(o->html, id, head, p, oc, text, o->reduce, single);
	free(text);
}

static void put_trace(FILE *f, const struct prog *p, const struct outcome *o,
		      int reduce, uint64_t single)
{
	struct trace tr = { 0 };

	witness_trace(p, o->path, o->npath, reduce, single, &tr);
	if (tr.buf)
		fputs(tr.buf, f);
	trace_free(&tr);
}

static int ok_quant(enum quant q, int pos, int neg)
{
	switch (q) {
	case Q_EXISTS: return pos > 0;
	case Q_NOT_EXISTS: return pos == 0;
	case Q_FORALL: return neg == 0;
	default: return 1;
	}
}

static void report_error(const char *path, const struct prog *p,
			 const struct result *r, const struct run_opts *o)
{
	fprintf(stderr, "%s:%d:%d: %s\n",
		r->errpos.file ? r->errpos.file : path,
		r->errpos.line ? r->errpos.line : 1,
		r->errpos.col ? r->errpos.col : 1, r->errmsg);
	if (o->witness && r->errpath) {
		struct trace tr = { 0 };

		witness_trace(p, r->errpath, r->nerrpath, o->reduce,
			      r->single_alias, &tr);
		if (tr.buf)
			fprintf(stderr, "The execution that led there:\n%s",
				tr.buf);
		trace_free(&tr);
	}
}

/* The first outcome of kind k (-1: any), only the aliasing-only ones. */
static int pick(const struct result *r, const struct result *rr, int k,
		int alias_only)
{
	int i;

	for (i = 0; i < r->nouts; i++)
		if ((k < 0 || (int)r->outs[i].kind == k) &&
		    (!alias_only || !result_has(rr, &r->outs[i])))
			break;
	return i;
}

static int explore(const char *path, const struct run_opts *o, FILE *out,
		   struct verdict *v, int witness_only)
{
	struct diag err;
	struct scenario *sc;
	struct prog p, ref;
	struct result r, rr;
	struct search_opts so = { .reduce = o->reduce, .max_states = o->max_states };
	int i, pos = 0, neg = 0, alias = 0, status = 0, first = 1;
	const char *obs;

	memset(v, 0, sizeof(*v));
	sc = parse_file(path, o->lo.libdirs, &err);
	if (sc == NULL) {
		diag_print(&err);
		v->error = 1;
		return 2;
	}
	if (lower(sc, &o->lo, &p, &err) < 0) {
		diag_print(&err);
		prog_free(&p);
		scenario_free(sc);
		v->error = 1;
		return 2;
	}
	/* the coherent reference first: same placement, no cache */
	ref = p;
	ref.prof = *profile_find("none");
	ref.prof.page_size = p.prof.page_size;
	ref.evict_any = 0;
	if (search(&ref, &so, &rr) < 0) {
		report_error(path, &ref, &rr, o);
		result_free(&rr);
		prog_free(&p);
		scenario_free(sc);
		v->error = 1;
		return 2;
	}
	so.stop_at_bad = o->first_bad;
	so.reference = &rr;
	if (search(&p, &so, &r) < 0) {
		report_error(path, &p, &r, o);
		result_free(&r);
		result_free(&rr);
		prog_free(&p);
		scenario_free(sc);
		v->error = 1;
		return 2;
	}
	v->stopped = r.stopped;
	for (i = 0; i < r.nouts; i++) {
		struct outcome *oc = &r.outs[i];

		oc->satisfies = satisfies(&p, oc);
		if (oc->satisfies)
			pos++;
		else
			neg++;
		if (!result_has(&rr, oc))
			alias++;
		if (oc->kind == OK_DEADLOCK)
			v->deadlock = 1;
		if (oc->kind == OK_FAULT && !result_has(&rr, oc))
			v->fault = 1;
		if (oc->kind == OK_ASSERT)
			v->assert_failed = 1;
	}
	for (i = 0; i < rr.nouts; i++)
		if (rr.outs[i].kind == OK_DEADLOCK)
			v->deadlock_ref = 1;
	obs = observation(pos, neg);
	v->observation = obs;
	v->positive = pos;
	v->negative = neg;
	v->aliasing_only = alias;
	v->states = r.states + rr.states;
	v->seconds = r.seconds + rr.seconds;
	v->expect_ok = sc->expect == EXPECT_NONE ||
		       strcmp(expect_name(sc->expect), obs) == 0;
	if (o->expect && !v->expect_ok)
		status = 1;

	if (witness_only && out) {
		/*
		 * What makes a cell unsafe, in the table's order: a deadlock,
		 * a failed check, an aliasing-only outcome; else any outcome
		 * that falsifies the condition.
		 */
		i = pick(&r, &rr, OK_DEADLOCK, 0);
		if (i == r.nouts)
			i = pick(&r, &rr, OK_ASSERT, 0);
		if (i == r.nouts)
			i = pick(&r, &rr, -1, 1);
		if (i == r.nouts)
			for (i = 0; i < r.nouts; i++)
				if (r.outs[i].kind != OK_NORMAL ||
				    (sc->cond && !r.outs[i].satisfies))
					break;
		if (i < r.nouts) {
			fprintf(out, "Outcome: ");
			put_outcome(out, &p, &r.outs[i]);
			fprintf(out, "\n");
			if (o->html != NULL)
				html_outcome(o, &p, &r.outs[i], r.single_alias,
					     0);
			else
				put_trace(out, &p, &r.outs[i], o->reduce,
					  r.single_alias);
		} else {
			fprintf(out, "No aliasing-only outcome, deadlock or "
				"failed check: nothing to show.\n");
		}
	} else if (out && o->json) {
		fprintf(out, "{\"test\": ");
		json_str(out, sc->name);
		fprintf(out, ", \"profile\": ");
		json_str(out, p.prof.name);
		fprintf(out, ", \"kernel\": \"%s\", \"states\": %zu, "
			"\"outcomes\": [", kver_name(p.kver), r.states);
		for (i = 0; i < r.nouts; i++) {
			fprintf(out, "%s", i ? ", " : "");
			json_outcome(out, &p, &r.outs[i]);
		}
		fprintf(out, "], \"positive\": %d, \"negative\": %d, "
			"\"observation\": \"%s\", \"ok\": %s, "
			"\"aliasing_only\": [", pos, neg, obs,
			ok_quant(sc->quant, pos, neg) ? "true" : "false");
		for (i = 0; i < r.nouts; i++) {
			struct trace tr = { 0 };

			if (result_has(&rr, &r.outs[i]))
				continue;
			fprintf(out, "%s{\"outcome\": ", first ? "" : ", ");
			first = 0;
			json_outcome(out, &p, &r.outs[i]);
			if (o->witness) {
				witness_trace(&p, r.outs[i].path,
					      r.outs[i].npath, o->reduce,
					      r.single_alias, &tr);
				fprintf(out, ", \"witness\": ");
				json_str(out, tr.buf ? tr.buf : "");
				trace_free(&tr);
			}
			fprintf(out, "}");
		}
		fprintf(out, "], \"bytes\": %zu, \"time\": %.3f}\n", r.bytes,
			r.seconds + rr.seconds);
	} else if (out) {
		fprintf(out, "Test %s %s\n", sc->name,
			sc->quant == Q_FORALL ? "Required" : "Allowed");
		fprintf(out, "States %d\n", r.nouts);
		for (i = 0; i < r.nouts; i++) {
			put_outcome(out, &p, &r.outs[i]);
			fputc('\n', out);
		}
		fprintf(out, "%s\n", ok_quant(sc->quant, pos, neg) ? "Ok" : "No");
		fprintf(out, "Witnesses\nPositive: %d Negative: %d\n", pos, neg);
		if (sc->cond) {
			fprintf(out, "Condition %s (",
				sc->quant == Q_FORALL ? "forall" :
				sc->quant == Q_NOT_EXISTS ? "~exists" : "exists");
			put_cond_in(out, sc->cond, 1);
			fprintf(out, ")\n");
		}
		fprintf(out, "Observation %s %s %d %d\n", sc->name, obs, pos,
			neg);
		fprintf(out, "Aliasing-only %d\n", alias);
		for (i = 0, first = 1; i < r.nouts; i++) {
			if (result_has(&rr, &r.outs[i]))
				continue;
			if (o->html != NULL)
				html_outcome(o, &p, &r.outs[i], r.single_alias,
					     first++);
			fprintf(out, "  ");
			put_outcome(out, &p, &r.outs[i]);
			fputc('\n', out);
			if (o->witness) {
				fprintf(out, "  Witness (%s, %s, kernel %s, "
					"%d cpu%s, preempt %s):\n",
					p.prof.name, index_name(p.prof.index),
					kver_name(p.kver), p.ncpus,
					p.ncpus > 1 ? "s" : "",
					p.preempt ? "on" : "off");
				put_trace(out, &p, &r.outs[i], o->reduce, r.single_alias);
			}
		}
		fprintf(out, "Explored %zu states (%zu on the reference)\n",
			r.states, rr.states);
		fprintf(out, "Time %s %.2f\n", sc->name, r.seconds + rr.seconds);
		if (o->expect && !v->expect_ok)
			fprintf(out, "Expected %s, observed %s\n",
				expect_name(sc->expect), obs);
		fputc('\n', out);
	}
	result_free(&r);
	result_free(&rr);
	prog_free(&p);
	scenario_free(sc);
	return status;
}

int run_file(const char *path, const struct run_opts *o, FILE *out,
	     struct verdict *v)
{
	return explore(path, o, out, v, 0);
}

int run_witness(const char *path, const struct run_opts *o, FILE *out)
{
	struct verdict v;

	return explore(path, o, out, &v, 1);
}
