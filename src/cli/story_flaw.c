/*
 * story_flaw.c - the step of a witness that went wrong, in one sentence.
 *
 * A coherent memory returns the last value stored to a word, whichever
 * address it is reached through.  So, walking the steps in order and
 * keeping the last value stored to each word the picture shows: a load
 * that returns anything else is a stale read; a last value that leaves
 * memory and every dirty copy, and never comes back, is a lost write.
 * Stores the text does not show (the kernel's own words, FUSE replies
 * written straight to memory) are seen as a copy or memory changing
 * without a fill or write-back.
 */
#include <stdio.h>
#include <string.h>

#include "story.h"

struct word {
	uint32_t latest;
	int wstep;		/* -1: the initial value */
	int wthread;		/* -1: no thread (the kernel) */
	uint32_t wva;		/* 0: written straight to memory */
	int lost;		/* the step the value vanished, -1 */
};

struct stale {
	int step, line, word, copy, fetch;
	uint32_t got, va;
	struct word w;		/* the word the read should have seen */
};

struct walk {
	struct story *st;
	struct word w[STORY_MAX_LINES][MAX_LINE_WORDS];
	int nw;			/* words per line */
	struct stale stale;	/* .step -1: none */
};

static int is_dirty(const struct story *st, const struct cline *l, int w)
{
	unsigned g = st->p->prof.dirty_granule / 4;

	return g != 0 && (l->dirty & (1u << (unsigned)w / g)) != 0;
}

/* Is word w of line li's last value in memory or a dirty copy after k? */
static int survives(const struct walk *k0, int k, int li, int w)
{
	const struct story *st = k0->st;
	const struct story_line *ln = &st->line[li];
	uint32_t v = k0->w[li][w].latest;
	int c;

	if (story_mem_at(st, k, ln->pa + 4u * (uint32_t)w) == v)
		return 1;
	for (c = 0; c < ln->ncopies; c++) {
		const struct cline *l = story_copy_at(st, k, li, c);

		if (l != NULL && is_dirty(st, l, w) && l->data[w] == v)
			return 1;
	}
	return 0;
}

static void wrote(struct word *w, uint32_t v, int k, int thread, uint32_t va)
{
	w->latest = v;
	w->wstep = k;
	w->wthread = thread;
	w->wva = va;
	w->lost = -1;
}

/* The events the text shows: stores set the last value, loads check it. */
static void shown_events(struct walk *wk, int k, uint32_t *stored)
{
	const struct story_step *sp = &wk->st->step[k];
	int i;

	for (i = 0; i < sp->nev; i++) {
		const struct story_event *e = &sp->ev[i];
		int w;

		if (e->line < 0)
			continue;
		w = (int)((e->pa - wk->st->line[e->line].pa) / 4);
		if (e->kind == EV_STORE) {
			wrote(&wk->w[e->line][w], e->val, k, sp->thread, e->va);
			stored[e->line] |= 1u << w;
		} else if (e->kind == EV_LOAD && wk->stale.step < 0 &&
			   e->val != wk->w[e->line][w].latest) {
			wk->stale.step = k;
			wk->stale.line = e->line;
			wk->stale.word = w;
			wk->stale.copy = e->copy;
			wk->stale.got = e->val;
			wk->stale.va = e->va;
			wk->stale.fetch = e->fetch;
			wk->stale.w = wk->w[e->line][w];
		}
	}
}

static int written_back(const struct story_step *sp, int li)
{
	int i;

	for (i = 0; i < sp->nev; i++)
		if (sp->ev[i].kind == EV_WB && sp->ev[i].line == li)
			return 1;
	return 0;
}

/* Stores the text does not show: a copy or memory changed by itself. */
static void hidden_stores(struct walk *wk, int k, const uint32_t *stored)
{
	const struct story *st = wk->st;
	const struct story_step *sp = &st->step[k];
	int li, w, c;

	for (li = 0; li < st->nlines; li++) {
		const struct story_line *ln = &st->line[li];

		for (w = 0; w < wk->nw; w++) {
			uint32_t pa = ln->pa + 4u * (uint32_t)w;

			if (stored[li] & (1u << w))
				continue;
			for (c = 0; c < ln->ncopies; c++) {
				const struct cline *a, *b;

				b = story_copy_at(st, k - 1, li, c);
				a = story_copy_at(st, k, li, c);
				if (a && b && a->data[w] != b->data[w]) {
					wrote(&wk->w[li][w], a->data[w], k,
					      sp->thread, ln->copy[c].va);
					break;
				}
			}
			if (c == ln->ncopies && !written_back(sp, li) &&
			    story_mem_at(st, k - 1, pa) !=
			    story_mem_at(st, k, pa))
				wrote(&wk->w[li][w], story_mem_at(st, k, pa), k,
				      sp->thread, 0);
		}
	}
}

static void losses(struct walk *wk, int k, const uint32_t *stored)
{
	int li, w;

	for (li = 0; li < wk->st->nlines; li++)
		for (w = 0; w < wk->nw; w++)
			if (wk->w[li][w].wstep >= 0 && wk->w[li][w].wstep < k &&
			    !(stored[li] & (1u << w)) &&
			    survives(wk, k - 1, li, w) &&
			    !survives(wk, k, li, w))
				wk->w[li][w].lost = k;
}

/* ---- sentences --------------------------------------------------------- */

static void writer(const struct story *st, const struct word *w, char *buf,
		   size_t n)
{
	char a[180] = "straight to memory", who[48];

	if (w->wstep < 0) {
		snprintf(buf, n, "it held from the start");
		return;
	}
	story_who(st->p, w->wthread, who, sizeof(who));
	if (w->wva != 0)
		story_path(st->p, w->wthread, w->wva, a, sizeof(a));
	snprintf(buf, n, "written by %s at step %d %s", who, w->wstep + 1, a);
}

static int last_fill(const struct story *st, int k, int li, int c)
{
	int i;

	for (; k >= 0; k--)
		for (i = 0; i < st->step[k].nev; i++)
			if (st->step[k].ev[i].kind == EV_FILL &&
			    st->step[k].ev[i].line == li &&
			    st->step[k].ev[i].copy == c)
				return k;
	return -1;
}

/*
 * The event of step k that made the last value v of word w of line li
 * vanish: the invalidation of a dirty copy holding it, or the last
 * write-back of a copy holding something else.
 */
static const struct story_event *culprit(const struct story *st, int k,
					 int li, int w, uint32_t v)
{
	const struct story_step *sp = &st->step[k];
	const struct story_event *found = NULL;
	int i;

	for (i = 0; i < sp->nev; i++) {
		const struct story_event *e = &sp->ev[i];
		const struct cline *l;

		if (e->line != li || e->copy < 0 ||
		    (e->kind != EV_DISCARD && e->kind != EV_WB))
			continue;
		l = story_copy_at(st, k - 1, li, e->copy);
		if (l == NULL)
			continue;
		if (e->kind == EV_DISCARD && l->data[w] == v)
			return e;
		if (e->kind == EV_WB && l->data[w] != v)
			found = e;
	}
	return found;
}

/* The latest value vanished before the read: say where. */
static void lost_before(struct story *st, const struct stale *s, uint32_t pa,
			char *why, size_t n)
{
	const struct story_event *e = s->w.lost >= 0 ?
		culprit(st, s->w.lost, s->line, s->word, s->w.latest) : NULL;
	const struct story_line *ln = &st->line[s->line];
	char an[160];

	if (e == NULL || e->copy < 0) {
		snprintf(why, n, "No dirty copy holds that value and memory "
			 "has %d: it was lost before the read.",
			 (int32_t)story_mem_at(st, s->step, pa));
		return;
	}
	story_alias_name(st->p, ln->copy[e->copy].va, an, sizeof(an));
	if (e->kind == EV_DISCARD)
		snprintf(why, n, "That value was lost at step %d, when cpu%d "
			 "invalidated its dirty copy for %s without writing it "
			 "back.", s->w.lost + 1, e->cpu, an);
	else
		snprintf(why, n, "That value was lost at step %d, when cpu%d "
			 "wrote back its copy for %s, which still held the old "
			 "value %d, over it in memory.", s->w.lost + 1, e->cpu,
			 an, (int32_t)story_mem_at(st, s->w.lost, pa));
	st->holder_step = s->w.lost;
	st->holder_copy = e->copy;
}

static void say_stale(struct walk *wk)
{
	struct story *st = wk->st;
	const struct stale *s = &wk->stale;
	const struct story_line *ln = &st->line[s->line];
	const struct story_step *sp = &st->step[s->step];
	uint32_t pa = ln->pa + 4u * (uint32_t)s->word;
	char wn[64], an[180], hn[160], wr[256], where[64], why[400], who[48];
	int c, f;

	story_word_name(st->p, pa, wn, sizeof(wn));
	story_path(st->p, sp->thread, s->va, an, sizeof(an));
	story_who(st->p, sp->thread, who, sizeof(who));
	writer(st, &s->w, wr, sizeof(wr));
	if (s->copy >= 0)
		story_cache_name(&ln->copy[s->copy], 1, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "memory");
	st->holder_step = s->step;
	st->holder_line = s->line;
	st->holder_copy = -2;
	lost_before(st, s, pa, why, sizeof(why));
	for (c = 0; c < ln->ncopies; c++) {
		const struct cline *l = story_copy_at(st, s->step, s->line, c);

		if (c == s->copy || l == NULL || !is_dirty(st, l, s->word) ||
		    l->data[s->word] != s->w.latest)
			continue;
		story_alias_name(st->p, ln->copy[c].va, hn, sizeof(hn));
		snprintf(why, sizeof(why), "That value is dirty in cpu%d's "
			 "copy for %s (set %u), which has not been written "
			 "back to memory: the two copies are different cache "
			 "lines for the one physical address %#x.",
			 ln->copy[c].cpu, hn, ln->copy[c].set, pa);
		st->holder_copy = c;
		break;
	}
	if (st->holder_copy == -2 &&
	    story_mem_at(st, s->step, pa) == s->w.latest && s->copy >= 0) {
		f = last_fill(st, s->step, s->line, s->copy);
		if (f >= 0)
			snprintf(why, sizeof(why), "Memory holds %d, but the "
				 "copy that was read was filled at step %d, "
				 "before that write, and nothing invalidated "
				 "it.", (int32_t)s->w.latest, f + 1);
		else
			snprintf(why, sizeof(why), "Memory holds %d, but the "
				 "copy that was read is older and nothing "
				 "invalidated it.", (int32_t)s->w.latest);
		st->holder_copy = -1;
	}
	snprintf(st->sentence, sizeof(st->sentence), "Stale read at step %d: "
		 "%s %s %d from %s %s (%s), but the latest value of %s is %d, "
		 "%s. %s", s->step + 1, who,
		 s->fetch ? "fetched the instruction" : "read", (int32_t)s->got,
		 wn, an, where, wn, (int32_t)s->w.latest, wr, why);
	st->flaw = FLAW_STALE;
	st->flaw_step = s->step;
	st->flaw_line = s->line;
	st->flaw_copy = s->copy;
}

static void say_lost(struct walk *wk, int li, int w)
{
	struct story *st = wk->st;
	const struct word *wd = &wk->w[li][w];
	const struct story_line *ln = &st->line[li];
	uint32_t pa = ln->pa + 4u * (uint32_t)w;
	int k = wd->lost, last = st->nsteps - 1;
	const struct story_event *e = culprit(st, k, li, w, wd->latest);
	char wn[64], an[160], wr[256];

	story_word_name(st->p, pa, wn, sizeof(wn));
	writer(st, wd, wr, sizeof(wr));
	st->flaw = FLAW_LOST;
	st->flaw_step = k;
	st->flaw_line = li;
	st->flaw_copy = e ? e->copy : -1;
	st->holder_step = k;
	st->holder_line = li;
	st->holder_copy = -2;
	if (e != NULL && e->copy >= 0)
		story_alias_name(st->p, ln->copy[e->copy].va, an, sizeof(an));
	if (e != NULL && e->copy >= 0 && e->kind == EV_DISCARD)
		snprintf(st->sentence, sizeof(st->sentence), "Lost write at "
			 "step %d: cpu%d invalidated its copy for %s (set %u) "
			 "while it was dirty, discarding the value %d of %s "
			 "(%s); memory keeps %d, so that write is lost.", k + 1,
			 e->cpu, an, ln->copy[e->copy].set,
			 (int32_t)wd->latest, wn, wr,
			 (int32_t)story_mem_at(st, last, pa));
	else if (e != NULL && e->copy >= 0)
		snprintf(st->sentence, sizeof(st->sentence), "Lost write at "
			 "step %d: cpu%d wrote back its copy for %s, which "
			 "held the old value %d of %s, over the value %d (%s): "
			 "memory ends with %d, so that write is lost.", k + 1,
			 e->cpu, an, (int32_t)story_mem_at(st, k, pa), wn,
			 (int32_t)wd->latest, wr,
			 (int32_t)story_mem_at(st, last, pa));
	else
		snprintf(st->sentence, sizeof(st->sentence), "Lost write at "
			 "step %d: the value %d of %s (%s) is gone: memory has "
			 "%d and no dirty copy holds it, so that write is lost.",
			 k + 1, (int32_t)wd->latest, wn, wr,
			 (int32_t)story_mem_at(st, k, pa));
}

/* The value the stale read missed may have vanished in its own step. */
static void lost_in_read(struct walk *wk)
{
	const struct word *x = &wk->w[wk->stale.line][wk->stale.word];

	if (wk->stale.w.lost < 0 && x->wstep == wk->stale.w.wstep &&
	    x->lost == wk->stale.step)
		wk->stale.w.lost = x->lost;
}

void story_find_flaw(struct story *st, const struct outcome *o)
{
	static struct walk wk;
	uint32_t stored[STORY_MAX_LINES];
	int k, li, w, lost_li = -1, lost_w = 0;

	memset(&wk, 0, sizeof(wk));
	wk.st = st;
	wk.nw = (int)(st->p->prof.line / 4);
	if (wk.nw > MAX_LINE_WORDS || wk.nw < 1)
		wk.nw = wk.nw < 1 ? 1 : MAX_LINE_WORDS;
	wk.stale.step = -1;
	st->flaw = FLAW_NONE;
	st->flaw_step = -1;
	for (li = 0; li < st->nlines; li++)
		for (w = 0; w < wk.nw; w++) {
			wrote(&wk.w[li][w], story_mem_at(st, -1,
			      st->line[li].pa + 4u * (uint32_t)w), -1, -1, 0);
		}
	for (k = 0; k < st->nsteps; k++) {
		memset(stored, 0, sizeof(stored));
		shown_events(&wk, k, stored);
		hidden_stores(&wk, k, stored);
		losses(&wk, k, stored);
		if (wk.stale.step == k)
			lost_in_read(&wk);
	}
	for (li = 0; li < st->nlines && lost_li < 0; li++)
		for (w = 0; w < wk.nw; w++)
			if (wk.w[li][w].lost >= 0 &&
			    !survives(&wk, st->nsteps - 1, li, w)) {
				lost_li = li;
				lost_w = w;
				break;
			}
	if (lost_li >= 0 && (o->kind == OK_NORMAL || wk.stale.step < 0))
		say_lost(&wk, lost_li, lost_w);
	else if (wk.stale.step >= 0)
		say_stale(&wk);
}
