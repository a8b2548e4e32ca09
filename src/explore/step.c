/*
 * step.c - the interpreter and the scheduler rules.
 *
 * Scheduling: each thread runs on its own CPU's placement.  A CPU runs
 * its current thread; it may switch to another of its threads when the
 * current one has ended, waits in a sleeping call, is in user mode (a
 * timer tick can preempt user code at any instruction), is at schedule(),
 * or, with `preempt on`, is in kernel code with a zero preempt count.
 * A switch to a thread of another address space runs switch_mm, which on
 * a flush-on-switch profile cleans and invalidates the whole D-cache.
 *
 * An @irq thread is a handler: it fires once, on its CPU, at any point
 * where the thread running there has interrupts enabled (an idle CPU
 * included), and runs to its end before the interrupted thread goes on;
 * it starts with interrupts disabled, as every handler has since 2.6.35
 * (and IRQF_DISABLED ones before), so it nests only where it enables
 * them.  A @device thread is a bus master on no CPU: it may step at any
 * time, and its accesses go to physical memory.
 */
#include <stdio.h>
#include <string.h>

#include "builtins.h"
#include "cache.h"
#include "fault.h"
#include "kmm.h"
#include "step.h"

static const struct insn *at(const struct prog *p, const struct state *s,
			     int t)
{
	return &p->threads[t].code[s->t[t].pc];
}

/* Instructions no other thread can observe: run eagerly when reducing. */
static int is_local(const struct insn *i)
{
	switch (i->op) {
	case OP_CONST:
	case OP_MOV:
	case OP_ALU:
	case OP_JMP:
	case OP_JZ:
	case OP_KEXIT:
	case OP_ASSERT:
	case OP_END:
	case OP_FAIL:
		return 1;
	case OP_CALL:
		return (builtin_info[i->fn].flags & BF_PURE) != 0;
	default:
		return 0;
	}
}

static int call_enabled(const struct prog *p, const struct state *s, int t)
{
	const struct insn *i = at(p, s, t);
	uint32_t args[MAX_ARGS];
	struct ctx c = { 0 };
	int k;

	c.p = p;
	c.s = (struct state *)s;
	c.thread = t;
	c.cpu = p->threads[t].cpu;
	if (s->t[t].fstate != FS_NONE)
		return fault_enabled(&c, t);
	if (i->op != OP_CALL)
		return 1;
	for (k = 0; k < i->nargs; k++)
		args[k] = s->t[t].regs[i->args[k]];
	return builtin_enabled(&c, (enum builtin)i->fn, args);
}

static int switchable(const struct prog *p, const struct state *s, int u)
{
	const struct tstate *ts;
	const struct insn *i;

	if (u < 0)
		return 1;
	ts = &s->t[u];
	if (ts->status == T_DONE || !ts->kernel)
		return 1;
	/* sleeping in lock_page or in request_wait_answer */
	if (ts->fstate != FS_NONE && !call_enabled(p, s, u))
		return 1;
	i = at(p, s, u);
	if (i->op == OP_CALL && i->fn == B_SCHEDULE && ts->preempt == 0)
		return 1;
	if (i->op == OP_CALL && builtin_sleeps((enum builtin)i->fn) &&
	    !call_enabled(p, s, u))
		return 1;
	return p->preempt && ts->preempt == 0;
}

/* Could an interrupt be taken on this CPU now? */
static int irq_enabled(const struct state *s, int cur)
{
	return cur < 0 || s->t[cur].status == T_DONE || !s->t[cur].irqoff;
}

int step_can_run(const struct prog *p, const struct state *s, int t)
{
	int cpu = p->threads[t].cpu;
	int cur = s->c[cpu].cur;

	if (s->t[t].status == T_DONE)
		return 0;
	/* taking an interrupt is a step of its own: the handler may spin */
	if (p->threads[t].kind == TK_IRQ && cur != t)
		return s->t[t].intr == 0 && irq_enabled(s, cur);
	if (!call_enabled(p, s, t))
		return 0;
	switch (p->threads[t].kind) {
	case TK_DEVICE:
		return 1;
	case TK_IRQ:
		return 1;
	default:
		if (cur >= 0 && p->threads[cur].kind == TK_IRQ && cur != t)
			return 0;	/* in interrupt context until it returns */
		return cur == t || switchable(p, s, cur);
	}
}

static void fail(struct ctx *c, enum outcome_kind k, const char *msg)
{
	const struct insn *i = at(c->p, c->s, c->thread);

	c->end = k;
	c->msg = msg;
	c->errpos = i->pos;
}

static uint32_t alu(struct ctx *c, enum op op, uint32_t a, uint32_t b)
{
	int32_t sa = (int32_t)a, sb = (int32_t)b;

	switch (op) {
	case OP_ADD: return a + b;
	case OP_SUB: return a - b;
	case OP_MUL: return a * b;
	case OP_DIV:
	case OP_MOD:
		if (b == 0) {
			fail(c, OK_ERROR, "division by zero");
			return 0;
		}
		if (sa == INT32_MIN && sb == -1)
			return op == OP_DIV ? a : 0;
		return op == OP_DIV ? (uint32_t)(sa / sb) : (uint32_t)(sa % sb);
	case OP_AND: return a & b;
	case OP_OR: return a | b;
	case OP_XOR: return a ^ b;
	case OP_SHL: return b >= 32 ? 0 : a << b;
	case OP_SHR: return b >= 32 ? (sa < 0 ? 0xffffffffu : 0) :
			    (uint32_t)(sa >> b);
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return sa < sb;
	case OP_LE: return sa <= sb;
	case OP_GT: return sa > sb;
	case OP_GE: return sa >= sb;
	case OP_LAND: return a && b;
	case OP_LOR: return a || b;
	case OP_NEG: return 0u - a;
	case OP_NOT: return !a;
	case OP_BNOT: return ~a;
	}
	return 0;
}

static void do_switch(struct ctx *c, int t)
{
	const struct prog *p = c->p;
	struct cpustate *cs = &c->s->c[c->cpu];
	int proc = p->threads[t].proc;

	if (cs->cur == t || p->threads[t].kind == TK_DEVICE)
		return;
	if (p->threads[t].kind == TK_IRQ) {
		struct tstate *ts = &c->s->t[t];

		if (cs->cur >= 0 && c->s->t[cs->cur].status != T_DONE)
			TR(c, "  cpu%d takes the interrupt P%d (P%d interrupted)\n",
			   c->cpu, p->threads[t].index,
			   p->threads[cs->cur].index);
		else
			TR(c, "  cpu%d takes the interrupt P%d\n", c->cpu,
			   p->threads[t].index);
		ts->intr = (int8_t)(cs->cur + 2);
		ts->irqoff = 1;
		cs->cur = (int8_t)t;
		return;
	}
	TR(c, "  cpu%d switches to P%d\n", c->cpu, p->threads[t].index);
	cs->cur = (int8_t)t;
	/* kernel threads borrow the previous mm (lazy TLB) */
	if (proc < 0 || cs->mm == proc)
		return;
	if (p->prof.flush_on_switch && cs->mm >= 0) {
		TR(c, "  switch_mm: clean+invalidate the whole D-cache of cpu%d\n",
		   c->cpu);
		cache_maint_all(c, c->cpu, M_FLUSH);
	}
	cs->mm = (int8_t)proc;
}

/* Execute one instruction of thread c->thread. */
static void exec(struct ctx *c)
{
	const struct prog *p = c->p;
	struct tstate *ts = &c->s->t[c->thread];
	const struct insn *i = at(p, c->s, c->thread);
	uint32_t *r = ts->regs, pa, args[MAX_ARGS];
	int asid, k;

	ts->pc++;
	switch (i->op) {
	case OP_CONST:
		r[i->a] = (uint32_t)i->imm;
		break;
	case OP_MOV:
		r[i->a] = r[i->b];
		break;
	case OP_ALU:
		r[i->a] = alu(c, (enum op)i->alu, r[i->b], r[i->c]);
		break;
	case OP_JMP:
		ts->pc = (uint16_t)i->imm;
		break;
	case OP_JZ:
		if (r[i->a] == 0)
			ts->pc = (uint16_t)i->imm;
		break;
	case OP_LOAD:
	case OP_STORE: {
		uint32_t va = r[i->op == OP_LOAD ? i->b : i->a];

		if (va % 4 != 0) {
			fail(c, OK_ERROR, "unaligned word access");
			break;
		}
		if (kmm_translate(c, va, &pa, &asid) < 0) {
			int m = kmm_fault_map(c, va);

			if (m >= 0 && !ts->ffail) {
				c->fault_map = m + 1;
				break;
			}
			ts->ffail = 0;
			if (i->fixup) {
				TR(c, "    fault at %#x: fixup\n", va);
				ts->pc = (uint16_t)i->imm;
				break;
			}
			TR(c, "    fault: %s mode may not access %#x\n",
			   ts->kernel ? "kernel" : "user", va);
			fail(c, OK_FAULT, "bad access");
			break;
		}
		TR(c, "    %s va %#x pa %#x\n",
		   i->op == OP_LOAD ? "load" : "store", va, pa);
		if (p->threads[c->thread].kind == TK_DEVICE) {
			if (i->op == OP_LOAD)
				r[i->a] = cache_dma_read(c, pa);
			else
				cache_dma_write(c, pa, r[i->b]);
			break;
		}
		if (i->op == OP_LOAD) {
			r[i->a] = cache_load(c, va, pa, asid);
			TR(c, "    -> %d\n", (int32_t)r[i->a]);
		} else {
			cache_store(c, va, pa, asid, r[i->b]);
		}
		break;
	}
	case OP_KENTER:
		ts->kernel = 1;
		break;
	case OP_KEXIT:
		if (ts->preempt != 0) {
			fail(c, OK_ERROR, "returning to user mode with "
			     "preemption disabled (a lock or kmap_atomic "
			     "still held)");
			break;
		}
		ts->kernel = 0;
		break;
	case OP_CALL:
		for (k = 0; k < i->nargs; k++)
			args[k] = r[i->args[k]];
		r[i->a] = builtin_call(c, (enum builtin)i->fn, args);
		if (c->end == OK_ERROR)
			c->errpos = i->pos;
		break;
	case OP_ASSERT:
		if (r[i->a] == 0) {
			TR(c, "    assertion fails\n");
			fail(c, OK_ASSERT, "assertion failed");
		}
		break;
	case OP_END:
		ts->pc--;
		ts->status = T_DONE;
		if (p->threads[c->thread].kind == TK_IRQ && ts->intr != 0) {
			/* return from interrupt */
			c->s->c[c->cpu].cur = (int8_t)(ts->intr - 2);
			TR(c, "  cpu%d returns from the interrupt\n", c->cpu);
		}
		break;
	case OP_FAIL:
		fail(c, OK_ERROR, i->msg);
		break;
	}
	if (c->end != OK_NORMAL)
		c->errpos = i->pos;	/* the pc has moved on */
	if (c->fault_map) {
		/* the instruction runs again once the fault is handled */
		ts->pc--;
		ts->fstate = FS_LOCK;
		ts->fmap = (uint8_t)(c->fault_map - 1);
		c->fault_map = 0;
		TR(c, "    page fault: %#x is not mapped yet\n",
		   p->maps[ts->fmap].va);
	}
}

static void run_locals(struct ctx *c, int t)
{
	const struct prog *p = c->p;
	long n = 0;

	while (c->end == OK_NORMAL && c->s->t[t].status != T_DONE &&
	       is_local(at(p, c->s, t))) {
		if (++n > p->max_steps) {
			fail(c, OK_ERROR, "a loop runs more than --max-steps "
			     "steps (does it terminate?)");
			return;
		}
		if (c->tr && at(p, c->s, t)->op == OP_ASSERT)
			TR(c, "  P%d: %s\n", p->threads[t].index,
			   at(p, c->s, t)->text);
		exec(c);
	}
}

struct ctx step_init(const struct prog *p, struct state *s, int reduce)
{
	struct ctx c = { 0 };
	int i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < p->ncpus; i++) {
		s->c[i].cur = -1;
		s->c[i].mm = -1;
		s->k.kdepth[i] = 0;
		s->k.kcoh[i] = -1;
		for (j = 0; j < KM_SLOTS; j++)
			s->k.kslot[i][j] = -1;
	}
	for (i = 0; i < MAX_LOCKS; i++)
		s->k.lock[i] = -1;
	for (i = 0; i < 8; i++)
		s->k.fuse.cur[i] = -1;
	for (i = 0; i < p->ninit; i++)
		mem_write(s, p->init[i].pa, p->init[i].value);
	/* a page some VMA maps: ever mapped, its flushes done */
	for (i = 0; i < p->nmaps; i++)
		if (!p->maps[i].late)
			s->k.pgflags[p->maps[i].page] |= PGF_MAPPED |
							 PGF_DCACHE_CLEAN;
	for (i = 0; i < p->npages; i++) {
		if (!p->pages[i].fuse)
			s->k.pgflags[i] |= PGF_UPTODATE;
		s->k.pglock[i] = -1;
	}
	for (i = 0; i < p->nmaps; i++)
		if (!p->maps[i].lazy)
			s->k.present |= 1u << i;
	for (i = 0; i < p->nthreads; i++) {
		s->t[i].kernel = p->threads[i].proc < 0;
		s->t[i].freq = -1;
	}
	c.p = p;
	c.s = s;
	if (!reduce)
		return c;
	for (i = 0; i < p->nthreads && c.end == OK_NORMAL; i++) {
		c.thread = i;
		c.cpu = p->threads[i].cpu;
		run_locals(&c, i);
	}
	return c;
}

void step_thread(struct ctx *c, int t, int reduce)
{
	const struct prog *p = c->p;

	c->thread = t;
	c->cpu = p->threads[t].cpu;
	if (p->threads[t].kind == TK_IRQ && c->s->c[c->cpu].cur != t) {
		do_switch(c, t);
		return;
	}
	do_switch(c, t);
	if (c->s->t[t].fstate != FS_NONE) {
		fault_step(c, t);
		return;
	}
	if (c->tr) {
		const struct insn *i = at(p, c->s, t);

		if (i->op == OP_KENTER)
			TR(c, "  P%d: enters the kernel (%s)\n",
			   p->threads[t].index, i->text);
		else if (i->text[0] != '\0')
			TR(c, "  P%d: %s\n", p->threads[t].index, i->text);
	}
	exec(c);
	if (reduce && c->end == OK_NORMAL)
		run_locals(c, t);
}

int step_footprint(const struct prog *p, const struct state *s, int t,
		   uint32_t *pa_line)
{
	const struct insn *i = at(p, s, t);
	int cpu = p->threads[t].cpu, proc = p->threads[t].proc;
	struct ctx c = { 0 };

	if (s->t[t].fstate != FS_NONE)
		return -1;
	if (p->threads[t].kind == TK_IRQ && s->c[cpu].cur != t)
		return 0;	/* taking the interrupt */
	uint32_t va, pa;
	int asid;

	if (s->c[cpu].cur != t && proc >= 0 && s->c[cpu].mm != proc &&
	    s->c[cpu].mm >= 0 && p->prof.flush_on_switch)
		return -1;
	switch (i->op) {
	case OP_LOAD:
	case OP_STORE:
		va = s->t[t].regs[i->op == OP_LOAD ? i->b : i->a];
		c.p = p;
		c.s = (struct state *)s;
		c.thread = t;
		if (kmm_translate(&c, va, &pa, &asid) < 0)
			return 0;
		*pa_line = pa & ~(p->prof.line - 1);
		return 1;
	case OP_CALL:
		return builtin_info[i->fn].flags & BF_NOCACHE ? 0 : -1;
	default:
		return 0;
	}
}

const char *step_text(const struct prog *p, const struct state *s, int t)
{
	return at(p, s, t)->text;
}
