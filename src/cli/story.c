/*
 * story.c - a witness as the data of its picture.
 *
 * The search keeps only the path of choices; witness_replay() runs it
 * again and hands over the machine after each step.  The text the replay
 * writes says what each step did (which copy a load hit, which line was
 * filled or written back); the states say what every copy held after it.
 * Together they give the rows, the arrows and the step that went wrong:
 * a load that returns something other than the last value stored to its
 * word (a stale read), or the last value of a word vanishing from memory
 * and from every dirty copy (a lost write).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "story.h"

struct collect {
	struct story *st;
	size_t *off;		/* tr.len after each step */
	int cap;
};

static void *grow(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		abort();
	return p;
}

static void visit(void *arg, const struct prog *p, const struct state *s,
		  int step)
{
	struct collect *c = arg;
	struct story *st = c->st;

	if (step < 0)
		st->prog = *p;
	if (step + 2 > c->cap) {
		c->cap = 2 * c->cap + 16;
		st->snap = grow(st->snap, sizeof(*s) * (size_t)c->cap);
		c->off = grow(c->off, sizeof(size_t) * (size_t)c->cap);
	}
	st->snap[step + 1] = *s;
	c->off[step + 1] = st->tr.len;
}

/* ---- names ------------------------------------------------------------- */

static const struct pmap *map_of(const struct prog *p, uint32_t va)
{
	int i;

	for (i = 0; i < p->nmaps; i++)
		if (va - p->maps[i].va < p->prof.page_size)
			return &p->maps[i];
	return NULL;
}

void story_alias_name(const struct prog *p, uint32_t va, char *buf, size_t n)
{
	const struct pmap *m;

	if (va >= FIXADDR_START) {
		snprintf(buf, n, "the kmap_atomic alias %#x", va);
	} else if (va >= PAGE_OFFSET) {
		snprintf(buf, n, "the kernel alias %#x", va);
	} else if (va >= PKMAP_BASE) {
		snprintf(buf, n, "the kmap alias %#x", va);
	} else if ((m = map_of(p, va)) != NULL && m->name != NULL) {
		snprintf(buf, n, "the user alias %#x (%s of %s)", va, m->name,
			 m->proc >= 0 && p->procs[m->proc].name ?
			 p->procs[m->proc].name : "a process");
	} else {
		snprintf(buf, n, "the user alias %#x", va);
	}
}

void story_who(const struct prog *p, int t, char *buf, size_t n)
{
	if (t < 0)
		snprintf(buf, n, "the kernel");
	else if (p->threads[t].kind == TK_DEVICE)
		snprintf(buf, n, "the device P%d", p->threads[t].index);
	else if (p->threads[t].kind == TK_IRQ)
		snprintf(buf, n, "the interrupt handler P%d",
			 p->threads[t].index);
	else
		snprintf(buf, n, "P%d", p->threads[t].index);
}

void story_path(const struct prog *p, int t, uint32_t va, char *buf,
		size_t n)
{
	char a[160];

	/* a device addresses memory by bus (here: physical) address */
	if (t >= 0 && p->threads[t].kind == TK_DEVICE) {
		snprintf(buf, n, "by DMA at bus address %#x", va);
		return;
	}
	story_alias_name(p, va, a, sizeof(a));
	snprintf(buf, n, "through %s", a);
}

void story_cache_name(const struct story_copy *c, int possessive, char *buf,
		      size_t n)
{
	snprintf(buf, n, "cpu%d%s %s, set %u", c->cpu, possessive ? "'s" : "",
		 c->set & ISET ? "I-cache" : "cache", c->set & ~ISET);
}

void story_word_name(const struct prog *p, uint32_t pa, char *buf, size_t n)
{
	int i, k;

	for (i = 0; i < p->npages; i++) {
		if (pa - p->pages[i].pa >= p->prof.page_size)
			continue;
		for (k = 0; k < p->nmaps; k++)
			if (p->maps[k].page == i && p->maps[k].name != NULL) {
				snprintf(buf, n, "%s[%u]", p->maps[k].name,
					 (pa - p->pages[i].pa) / 4);
				return;
			}
		snprintf(buf, n, "%s[%u]", p->pages[i].name,
			 (pa - p->pages[i].pa) / 4);
		return;
	}
	snprintf(buf, n, "pa %#x", pa);
}

/* ---- the steps --------------------------------------------------------- */

static void add_event(struct story_step *sp, enum story_ev kind, int cpu,
		      uint32_t va, uint32_t pa, uint32_t val)
{
	struct story_event *e;

	sp->ev = grow(sp->ev, sizeof(*e) * (size_t)(sp->nev + 1));
	e = &sp->ev[sp->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->cpu = cpu;
	e->va = va;
	e->pa = pa;
	e->val = val;
	e->line = -1;
	e->copy = -1;
}

/* EV_HIT is internal: which copy the access before it used. */
#define EV_HIT ((enum story_ev)100)

static void parse_line(struct story_step *sp, const char *l)
{
	unsigned va, pa, set;
	int cpu, v;

	if (sscanf(l, " load va %x pa %x", &va, &pa) == 2) {
		add_event(sp, EV_LOAD, sp->cpu, va, pa, 0);
	} else if (sscanf(l, " fetch va %x pa %x", &va, &pa) == 2) {
		add_event(sp, EV_LOAD, sp->cpu, va, pa, 0);
		sp->ev[sp->nev - 1].fetch = 1;
	}
	else if (sscanf(l, " store va %x pa %x", &va, &pa) == 2)
		add_event(sp, EV_STORE, sp->cpu, va, pa, 0);
	else if (sscanf(l, " -> %d", &v) == 1 && sp->nev > 0 &&
		 sp->ev[sp->nev - 1].kind != EV_STORE) {
		int k = sp->nev - 1;

		while (k > 0 && sp->ev[k].kind != EV_LOAD)
			k--;
		if (sp->ev[k].kind == EV_LOAD)
			sp->ev[k].val = (uint32_t)v;
	} else if (sscanf(l, " cpu%d: miss, fill line va %x pa %x (set %u)",
			  &cpu, &va, &pa, &set) == 4 ||
		 sscanf(l, " cpu%d: miss, fill I-cache line va %x pa %x",
			&cpu, &va, &pa) == 3)
		add_event(sp, EV_FILL, cpu, va, pa, 0);
	else if (sscanf(l, " cpu%d: hit line va %x pa %x", &cpu, &va,
			&pa) == 3 ||
		 sscanf(l, " cpu%d: I-cache hit line va %x pa %x", &cpu, &va,
			&pa) == 3)
		add_event(sp, EV_HIT, cpu, va, pa, 0);
	else if (sscanf(l, " cpu%d: write back line va %x pa %x", &cpu, &va,
			&pa) == 3)
		add_event(sp, EV_WB, cpu, va, pa, 0);
	else if (sscanf(l, " cpu%d: evict line va %x pa %x", &cpu, &va,
			&pa) == 3 ||
		 sscanf(l, " cpu%d: clean+invalidate line va %x pa %x", &cpu,
			&va, &pa) == 3)
		add_event(sp, EV_DROP, cpu, va, pa, 0);
	else if (sscanf(l, " cpu%d: invalidate I-cache line va %x pa %x",
			&cpu, &va, &pa) == 3)
		add_event(sp, EV_DROP, cpu, va, pa, 0);
	else if (sscanf(l, " cpu%d: invalidate line va %x pa %x", &cpu, &va,
			&pa) == 3)
		add_event(sp, strstr(l, "discarded") ? EV_DISCARD : EV_DROP,
			  cpu, va, pa, 0);
}

static void parse_step(struct story *st, int k, uint32_t label)
{
	struct story_step *sp = &st->step[k];
	const struct state *before = &st->snap[k], *after = &st->snap[k + 1];
	const char *l = sp->text, *end = sp->text + sp->textlen;
	char buf[256];

	sp->thread = -1;
	sp->switched_from = -1;
	sp->cpu = (int)LBL_A(label);
	if (LBL_KIND(label) == LBL_STEP) {
		sp->thread = (int)LBL_A(label);
		sp->cpu = st->p->threads[sp->thread].cpu;
		/*
		 * The step's instruction runs first, then the thread's local
		 * ones (a return to user mode among them): its mode is the
		 * one before, or kernel when it enters the kernel.
		 */
		sp->kernel = before->t[sp->thread].kernel ||
			     after->t[sp->thread].kernel;
		/* a device runs beside the CPUs, not on one */
		if (before->c[sp->cpu].cur != sp->thread &&
		    st->p->threads[sp->thread].kind != TK_DEVICE)
			sp->switched_from = before->c[sp->cpu].cur;
	}
	while (l < end) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t len = (size_t)((nl ? nl : end) - l);

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, l, len);
		buf[len] = '\0';
		if (strstr(buf, "switch_mm:") != NULL)
			sp->switch_mm = 1;
		if (strstr(buf, "takes the interrupt") != NULL)
			sp->irq = 1;
		parse_line(sp, buf);
		l = nl ? nl + 1 : end;
	}
}

/* ---- the rows ---------------------------------------------------------- */

static int line_of(const struct story *st, uint32_t pa)
{
	uint32_t la = pa & ~(st->p->prof.line - 1);
	int i;

	for (i = 0; i < st->nlines; i++)
		if (st->line[i].pa == la)
			return i;
	return -1;
}

static int copy_index(const struct story_line *ln, int cpu,
		      const struct cline *l)
{
	int i;

	for (i = 0; i < ln->ncopies; i++) {
		const struct story_copy *c = &ln->copy[i];

		if (c->cpu == cpu && c->set == l->set && c->tag == l->tag &&
		    c->asid == l->asid)
			return i;
	}
	return -1;
}

static void add_copies(struct story *st, const struct state *s)
{
	int cpu, i;

	for (cpu = 0; cpu < st->p->ncpus; cpu++)
		for (i = 0; i < s->nlines[cpu]; i++) {
			const struct cline *l = &s->lines[cpu][i];
			int li = line_of(st, l->pa);
			struct story_line *ln;
			struct story_copy *c;

			if (li < 0) {
				if (st->nlines == STORY_MAX_LINES)
					continue;
				li = st->nlines++;
				st->line[li].pa = l->pa;
			}
			ln = &st->line[li];
			if (copy_index(ln, cpu, l) >= 0 ||
			    ln->ncopies == STORY_MAX_COPIES)
				continue;
			c = &ln->copy[ln->ncopies++];
			c->cpu = cpu;
			c->set = l->set;
			c->tag = l->tag;
			c->asid = l->asid;
			c->va = l->va;
		}
}

const struct cline *story_copy_at(const struct story *st, int k, int li,
				  int c)
{
	const struct state *s = &st->snap[k + 1];
	const struct story_copy *sc = &st->line[li].copy[c];
	int i;

	for (i = 0; i < s->nlines[sc->cpu]; i++) {
		const struct cline *l = &s->lines[sc->cpu][i];

		if (l->set == sc->set && l->tag == sc->tag &&
		    l->asid == sc->asid)
			return l;
	}
	return NULL;
}

uint32_t story_mem_at(const struct story *st, int k, uint32_t pa)
{
	return mem_read(&st->snap[k + 1], pa);
}

/* The row of a line (cpu, va, pa) as a snapshot of step k shows it. */
static int copy_in(const struct story *st, int k, int li, int cpu,
		   uint32_t va, uint32_t pa)
{
	const struct state *s = &st->snap[k + 1];
	uint32_t la = pa & ~(st->p->prof.line - 1);
	uint32_t lva = va & ~(st->p->prof.line - 1);
	int i;

	for (i = 0; i < s->nlines[cpu]; i++) {
		const struct cline *l = &s->lines[cpu][i];

		if (l->pa == la && l->va == lva)
			return copy_index(&st->line[li], cpu, l);
	}
	/* a VIPT hit through another address of the same colour */
	for (i = 0; i < s->nlines[cpu]; i++) {
		const struct cline *l = &s->lines[cpu][i];

		if (l->pa == la && (l->va - lva) % (st->p->prof.size /
		    st->p->prof.ways) == 0)
			return copy_index(&st->line[li], cpu, l);
	}
	return -1;
}

/* Give each event its row; an access takes the copy its hit or fill. */
static void place_events(struct story *st, int k)
{
	struct story_step *sp = &st->step[k];
	int i, j, c;

	for (i = 0; i < sp->nev; i++) {
		struct story_event *e = &sp->ev[i];

		e->line = line_of(st, e->pa);
		if (e->line < 0)
			continue;
		switch ((int)e->kind) {
		case EV_FILL:
		case EV_HIT:
			e->copy = copy_in(st, k, e->line, e->cpu, e->va, e->pa);
			break;
		case EV_WB:
		case EV_DROP:
		case EV_DISCARD:
			c = copy_in(st, k - 1, e->line, e->cpu, e->va, e->pa);
			e->copy = c >= 0 ? c :
				  copy_in(st, k, e->line, e->cpu, e->va, e->pa);
			break;
		}
	}
	for (i = 0; i < sp->nev; i++) {
		struct story_event *e = &sp->ev[i];

		if (e->line < 0 || (e->kind != EV_LOAD && e->kind != EV_STORE))
			continue;
		for (j = i + 1; j < sp->nev; j++) {
			int kd = (int)sp->ev[j].kind;

			if (kd == EV_LOAD || kd == EV_STORE)
				break;
			if ((kd == EV_HIT || kd == EV_FILL) &&
			    sp->ev[j].cpu == e->cpu &&
			    sp->ev[j].line == e->line) {
				e->copy = sp->ev[j].copy;
				break;
			}
		}
		/* a store's value, and a fetch's (no "->" line): the copy */
		if (e->kind == EV_STORE || e->fetch) {
			const struct cline *l = e->copy >= 0 ?
				story_copy_at(st, k, e->line, e->copy) : NULL;

			e->val = l ? l->data[(e->pa - l->pa) / 4] :
				 story_mem_at(st, k, e->pa);
		}
	}
}

/* The deadlock lines: "    P1 waits in lock_page(x), held by P0". */
static void parse_waits(struct story *st)
{
	const char *l = st->tr.buf ? st->tr.buf + st->epilogue : "";
	int t, idx, n;

	while (*l) {
		const char *nl = strchr(l, '\n');

		if (sscanf(l, " P%d %n", &idx, &n) == 1)
			for (t = 0; t < st->p->nthreads; t++)
				if (st->p->threads[t].index == idx) {
					st->wait[t] = l + n;
					st->waitlen[t] = (size_t)((nl ? nl :
						l + strlen(l)) - (l + n));
				}
		l = nl ? nl + 1 : l + strlen(l);
	}
}

/* The words a person wants to see: those the steps load or store. */
static void choose_words(struct story *st)
{
	int k, i;

	for (k = 0; k < st->nsteps; k++)
		for (i = 0; i < st->step[k].nev; i++) {
			const struct story_event *e = &st->step[k].ev[i];

			uint32_t w;

			if (e->line < 0 ||
			    (e->kind != EV_LOAD && e->kind != EV_STORE))
				continue;
			w = (e->pa - st->line[e->line].pa) / 4;
			st->line[e->line].shown |= (uint16_t)(1u << w);
		}
	for (i = 0; i < st->nlines; i++)
		if (st->line[i].shown == 0)
			st->line[i].shown = 1;
}

/*
 * The search writes back a dirty copy that is alone in its physical line
 * without a label (their order does not matter), so a path ends before
 * those write-backs.  The picture shows them as the last steps.
 */
static int final_writebacks(struct story *st, struct collect *c,
			    uint32_t *labels, int n)
{
	struct state *s = malloc(sizeof(*s));
	int cpu, i;

	if (s == NULL)
		abort();
	*s = st->snap[n];
	for (cpu = 0; cpu < st->p->ncpus; cpu++)
		for (i = 0; i < s->nlines[cpu]; i++) {
			struct ctx x = { 0 };

			if (s->lines[cpu][i].dirty == 0)
				continue;
			x.p = st->p;
			x.s = s;
			x.thread = -1;
			x.cpu = cpu;
			x.tr = &st->tr;
			trace_printf(&st->tr, "  final write-back on cpu%d:\n",
				     cpu);
			cache_writeback(&x, cpu, i);
			labels[n] = LBL(LBL_WB, cpu, i);
			visit(c, st->p, s, n++);
		}
	free(s);
	return n;
}

int story_build(struct story *st, const struct prog *p,
		const struct outcome *o, int reduce, uint64_t single)
{
	struct collect c = { st, NULL, 0 };
	struct witness_visit v = { visit, &c };
	uint32_t *labels;
	int k;

	memset(st, 0, sizeof(*st));
	labels = malloc(sizeof(*labels) *
			((size_t)o->npath + MAX_CPUS * MAX_LINES + 1));
	if (labels == NULL)
		abort();
	if (o->npath > 0)
		memcpy(labels, o->path, sizeof(*labels) * (size_t)o->npath);
	witness_replay(p, o->path, o->npath, reduce, single, &st->tr, &v);
	st->p = &st->prog;
	st->epilogue = c.off[o->npath];
	st->nsteps = o->npath;
	if (o->kind == OK_NORMAL)
		st->nsteps = final_writebacks(st, &c, labels, o->npath);
	st->step = calloc((size_t)st->nsteps + 1, sizeof(*st->step));
	if (st->step == NULL)
		abort();
	for (k = 0; k < st->nsteps; k++) {
		st->step[k].text = st->tr.buf ? st->tr.buf + c.off[k] : "";
		st->step[k].textlen = c.off[k + 1] - c.off[k];
		parse_step(st, k, labels[k]);
	}
	free(labels);
	free(c.off);
	for (k = 0; k <= st->nsteps; k++)
		add_copies(st, &st->snap[k]);
	for (k = 0; k < st->nsteps; k++)
		place_events(st, k);
	choose_words(st);
	parse_waits(st);
	story_find_flaw(st, o);
	return 0;
}

void story_free(struct story *st)
{
	int k;

	for (k = 0; k < st->nsteps; k++)
		free(st->step[k].ev);
	free(st->step);
	free(st->snap);
	trace_free(&st->tr);
	memset(st, 0, sizeof(*st));
}
