/*
 * lower.c - check a scenario and lower it to per-thread step programs.
 *
 * Functions are inlined at each call (the language has no recursion), so
 * every thread is one flat program over its own registers.  Built-ins
 * that copy memory are expanded here into loops of one-word steps, so
 * that every word of a copy is a step other threads can interleave with.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtins.h"
#include "fuse.h"
#include "arch.h"
#include "lower.h"

struct var {
	const char *name;
	int reg;
	enum ast_type type;
	int depth;
	int is_static;		/* lives as long as the thread */
};

/* A `static` variable: one register per thread and name. */
struct static_var {
	const char *name;
	int reg;
};

struct patch {
	int *at;
	int n, cap;
};

struct cc {
	struct scenario *sc;
	struct prog *p;
	struct diag *err;
	int failed;

	struct tprog *tp;
	int cap;		/* of tp->code */
	int kernel;		/* statically in kernel mode */
	struct var vars[512];
	int nvars;
	int depth;
	int free_regs[MAX_REGS];
	int nfree;
	int temps[64];		/* temporaries of the current statement */
	int ntemps;
	const char *inl[32];	/* functions being inlined (recursion check) */
	int ninl;
	int ret_reg;		/* where `return e` puts e, -1 at top level */
	struct patch *ret_jumps;
	struct patch *brk, *cont;
	const char *text;	/* the statement being lowered */
	struct pos pos;
	struct static_var statics[64];
	int nstatics;
};

static void error_at(struct cc *c, struct pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_at(struct cc *c, struct pos pos, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = 1;
	snprintf(c->err->file, sizeof(c->err->file), "%s",
		 pos.file ? pos.file : "?");
	c->err->pos = pos;
	c->err->pos.file = c->err->file;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
}

const char *kver_name(enum kver v)
{
	static const char *const names[] = {
		[KV_2_6_19] = "2.6.19", [KV_2_6_20] = "2.6.20",
		[KV_6_12] = "6.12",
	};
	return names[v];
}

int kver_parse(const char *s)
{
	int v;

	for (v = KV_2_6_19; v <= KV_6_12; v++)
		if (strcmp(s, kver_name((enum kver)v)) == 0)
			return v;
	return -1;
}

/* ---- registers and code ---------------------------------------------- */

static int new_reg(struct cc *c, const char *name, enum ast_type type,
		   int visible)
{
	struct tprog *t = c->tp;
	int r;

	if (c->nfree > 0 && !visible) {
		r = c->free_regs[--c->nfree];
	} else {
		if (t->nregs >= MAX_REGS) {
			error_at(c, c->pos, "too many registers in this thread "
				 "(more than %d after inlining)", MAX_REGS);
			return 0;
		}
		r = t->nregs++;
		t->regs = realloc(t->regs, sizeof(*t->regs) * (size_t)t->nregs);
		if (t->regs == NULL)
			abort();
	}
	t->regs[r].name = name;
	t->regs[r].type = type;
	t->regs[r].visible = visible;
	return r;
}

static struct insn *emit(struct cc *c, enum opcode op)
{
	struct tprog *t = c->tp;
	struct insn *i;

	if (t->ncode >= 60000) {
		error_at(c, c->pos, "program too large after inlining");
		t->ncode = 0;
	}
	if (t->ncode == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		t->code = realloc(t->code, sizeof(*t->code) * (size_t)c->cap);
		if (t->code == NULL)
			abort();
	}
	i = &t->code[t->ncode++];
	memset(i, 0, sizeof(*i));
	i->op = (uint8_t)op;
	i->pos = c->pos;
	i->text = c->text;
	return i;
}

static int here(struct cc *c)
{
	return c->tp->ncode;
}

static int temp(struct cc *c)
{
	int r = new_reg(c, NULL, TY_INT, 0);

	if (c->ntemps < 64)
		c->temps[c->ntemps++] = r;
	return r;
}

/* Dead registers are zeroed so that they do not split equal states. */
static void release(struct cc *c, int r)
{
	struct insn *i = emit(c, OP_CONST);

	i->a = (int16_t)r;
	i->imm = 0;
	if (c->nfree < MAX_REGS)
		c->free_regs[c->nfree++] = r;
}

static void release_temps(struct cc *c, int from)
{
	while (c->ntemps > from)
		release(c, c->temps[--c->ntemps]);
}

static int konst(struct cc *c, int64_t v)
{
	int r = temp(c);
	struct insn *i = emit(c, OP_CONST);

	i->a = (int16_t)r;
	i->imm = v;
	return r;
}

static void mov(struct cc *c, int dst, int src)
{
	struct insn *i;

	if (dst == src)
		return;
	i = emit(c, OP_MOV);
	i->a = (int16_t)dst;
	i->b = (int16_t)src;
}

static int alu(struct cc *c, enum op op, int a, int b)
{
	int r = temp(c);
	struct insn *i = emit(c, OP_ALU);

	i->a = (int16_t)r;
	i->alu = (uint8_t)op;
	i->b = (int16_t)a;
	i->c = (int16_t)b;
	return r;
}

static int jz(struct cc *c, int r)
{
	struct insn *i = emit(c, OP_JZ);

	i->a = (int16_t)r;
	return here(c) - 1;
}

static int jmp(struct cc *c, int target)
{
	struct insn *i = emit(c, OP_JMP);

	i->imm = target;
	return here(c) - 1;
}

static void set_target(struct cc *c, int at, int target)
{
	c->tp->code[at].imm = target;
}

static void patch_add(struct patch *p, int at)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->at = realloc(p->at, sizeof(int) * (size_t)p->cap);
		if (p->at == NULL)
			abort();
	}
	p->at[p->n++] = at;
}

static void patch_all(struct cc *c, struct patch *p, int target)
{
	int i;

	for (i = 0; i < p->n; i++)
		set_target(c, p->at[i], target);
	free(p->at);
	memset(p, 0, sizeof(*p));
}

/* ---- names ------------------------------------------------------------ */

static struct var *lookup(struct cc *c, const char *name)
{
	int i;

	for (i = c->nvars - 1; i >= 0; i--)
		if (strcmp(c->vars[i].name, name) == 0)
			return &c->vars[i];
	return NULL;
}

static int declare(struct cc *c, const char *name, enum ast_type type,
		   struct pos pos, int visible)
{
	int i, r;

	for (i = c->nvars - 1; i >= 0 && c->vars[i].depth == c->depth; i--)
		if (strcmp(c->vars[i].name, name) == 0) {
			error_at(c, pos, "'%s' is already declared here", name);
			return 0;
		}
	if (c->nvars >= 512) {
		error_at(c, pos, "too many variables");
		return 0;
	}
	r = new_reg(c, name, type, visible);
	c->vars[c->nvars].name = name;
	c->vars[c->nvars].reg = r;
	c->vars[c->nvars].type = type;
	c->vars[c->nvars].depth = c->depth;
	c->vars[c->nvars].is_static = 0;
	c->nvars++;
	return r;
}

/*
 * `static` declares a thread-local variable: every `static` declaration
 * of one name in the functions a thread runs is the same variable, which
 * starts at 0 and keeps its value from call to call.  The FUSE strategies
 * keep fs/fuse/dev.c's struct fuse_copy_state in such variables: in the
 * kernel it lives in the caller's frame and spans the copies of one
 * message, shared by fuse_copy_{to,from}_daemon and fuse_copy_finish.
 */
static void declare_static(struct cc *c, const struct stmt *s)
{
	int i, r = -1;

	for (i = 0; i < c->nstatics; i++)
		if (strcmp(c->statics[i].name, s->name) == 0) {
			r = c->statics[i].reg;
			if (c->tp->regs[r].type != s->type) {
				error_at(c, s->pos, "static '%s' is declared "
					 "with another type elsewhere", s->name);
				return;
			}
		}
	if (r < 0) {
		if (c->nstatics >= 64) {
			error_at(c, s->pos, "too many static variables");
			return;
		}
		/*
		 * A fresh register: one freed earlier may be a temporary of
		 * a loop this static lives across, which would clobber it.
		 */
		r = new_reg(c, s->name, s->type, 1);
		c->tp->regs[r].visible = 0;
		c->statics[c->nstatics].name = s->name;
		c->statics[c->nstatics].reg = r;
		c->nstatics++;
	}
	for (i = c->nvars - 1; i >= 0 && c->vars[i].depth == c->depth; i--)
		if (strcmp(c->vars[i].name, s->name) == 0) {
			error_at(c, s->pos, "'%s' is already declared here",
				 s->name);
			return;
		}
	if (c->nvars >= 512) {
		error_at(c, s->pos, "too many variables");
		return;
	}
	c->vars[c->nvars].name = s->name;
	c->vars[c->nvars].reg = r;
	c->vars[c->nvars].type = s->type;
	c->vars[c->nvars].depth = c->depth;
	c->vars[c->nvars].is_static = 1;
	c->nvars++;
}

static void leave_scope(struct cc *c)
{
	while (c->nvars > 0 && c->vars[c->nvars - 1].depth == c->depth) {
		int r = c->vars[c->nvars - 1].reg;

		if (!c->tp->regs[r].visible && !c->vars[c->nvars - 1].is_static)
			release(c, r);
		c->nvars--;
	}
	c->depth--;
}

static const struct func *find_func(struct cc *c, const char *name)
{
	const struct func *f;

	for (f = c->sc->funcs; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static int find_lock(struct cc *c, const char *name)
{
	int i;

	for (i = 0; i < c->p->nlocks; i++)
		if (strcmp(c->p->locks[i], name) == 0)
			return i;
	if (c->p->nlocks >= MAX_LOCKS) {
		error_at(c, c->pos, "too many locks (at most %d)", MAX_LOCKS);
		return 0;
	}
	c->p->locks[c->p->nlocks] = name;
	return c->p->nlocks++;
}

/* ---- expressions ------------------------------------------------------ */

/* enum dma_data_direction, include/linux/dma-direction.h */
static const struct { const char *name; int64_t value; } kconsts[] = {
	{ "DMA_BIDIRECTIONAL", 0 },
	{ "DMA_TO_DEVICE", 1 },
	{ "DMA_FROM_DEVICE", 2 },
};

static int kernel_constant(const char *name, int64_t *value)
{
	size_t i;

	for (i = 0; i < sizeof(kconsts) / sizeof(kconsts[0]); i++)
		if (strcmp(kconsts[i].name, name) == 0) {
			*value = kconsts[i].value;
			return 1;
		}
	return 0;
}

static int is_ptr(enum ast_type t)
{
	return t == TY_INT_PTR || t == TY_VOID_PTR || t == TY_PAGE_PTR;
}

static int64_t scale_of(enum ast_type t)
{
	switch (t) {
	case TY_INT_PTR:
		return 4;
	case TY_PAGE_PTR:
		return STRUCT_PAGE_SIZE;
	default:
		return 1;
	}
}

static int expr(struct cc *c, const struct expr *e, enum ast_type *type);
static void stmt(struct cc *c, const struct stmt *s);

static int call(struct cc *c, const struct expr *e, enum ast_type *type);

/* The address of a memory word expression (E_INDEX / E_DEREF). */
static int address(struct cc *c, const struct expr *e)
{
	enum ast_type bt, it;
	int base, idx;

	if (e->kind == E_DEREF) {
		base = expr(c, e->lhs, &bt);
		if (!is_ptr(bt) && bt != TY_INT)
			error_at(c, e->pos, "cannot dereference this");
		if (bt == TY_PAGE_PTR)
			error_at(c, e->pos, "a struct page cannot be "
				 "dereferenced; use kmap or page_address");
		return base;
	}
	base = expr(c, e->lhs, &bt);
	idx = expr(c, e->rhs, &it);
	if (bt == TY_PAGE_PTR)
		error_at(c, e->pos, "a struct page cannot be indexed; use "
			 "kmap or page_address");
	if (is_ptr(it))
		error_at(c, e->rhs->pos, "an index must be an int");
	if (bt != TY_VOID_PTR)
		idx = alu(c, OP_MUL, idx, konst(c, 4));
	return alu(c, OP_ADD, base, idx);
}

static void check_user_access(struct cc *c, struct pos pos)
{
	(void)c;
	(void)pos;
}

static int expr(struct cc *c, const struct expr *e, enum ast_type *type)
{
	enum ast_type lt = TY_INT, rt = TY_INT;
	struct var *v;
	int a, b, r;

	*type = TY_INT;
	if (c->failed)
		return 0;
	switch (e->kind) {
	case E_NUM:
		return konst(c, e->num);
	case E_VAR:
		v = lookup(c, e->name);
		if (v == NULL) {
			int64_t k;

			if (kernel_constant(e->name, &k))
				return konst(c, k);
			error_at(c, e->pos, "'%s' is not declared", e->name);
			return 0;
		}
		*type = v->type;
		return v->reg;
	case E_UNARY:
		a = expr(c, e->lhs, &lt);
		return alu(c, e->op, a, a);
	case E_BINARY:
		if (e->op == OP_LAND || e->op == OP_LOR) {
			/* short-circuit: the right side may load memory */
			int res = temp(c), j1, j2;

			a = expr(c, e->lhs, &lt);
			mov(c, res, alu(c, OP_NE, a, konst(c, 0)));
			if (e->op == OP_LAND) {
				j1 = jz(c, res);
			} else {
				int n = alu(c, OP_NOT, res, res);

				j1 = jz(c, n);
			}
			b = expr(c, e->rhs, &rt);
			mov(c, res, alu(c, OP_NE, b, konst(c, 0)));
			j2 = here(c);
			set_target(c, j1, j2);
			return res;
		}
		a = expr(c, e->lhs, &lt);
		b = expr(c, e->rhs, &rt);
		if ((e->op == OP_ADD || e->op == OP_SUB) && is_ptr(lt) &&
		    !is_ptr(rt)) {
			if (scale_of(lt) != 1)
				b = alu(c, OP_MUL, b, konst(c, scale_of(lt)));
			*type = lt;
			return alu(c, e->op, a, b);
		}
		if (e->op == OP_ADD && is_ptr(rt) && !is_ptr(lt)) {
			if (scale_of(rt) != 1)
				a = alu(c, OP_MUL, a, konst(c, scale_of(rt)));
			*type = rt;
			return alu(c, e->op, a, b);
		}
		if (e->op == OP_SUB && is_ptr(lt) && lt == rt) {
			r = alu(c, OP_SUB, a, b);
			if (scale_of(lt) != 1)
				r = alu(c, OP_DIV, r, konst(c, scale_of(lt)));
			return r;
		}
		return alu(c, e->op, a, b);
	case E_INDEX:
	case E_DEREF: {
		struct insn *i;

		a = address(c, e);
		r = temp(c);
		i = emit(c, OP_LOAD);
		i->a = (int16_t)r;
		i->b = (int16_t)a;
		check_user_access(c, e->pos);
		return r;
	}
	case E_CALL:
		return call(c, e, type);
	case E_CAST:
		r = expr(c, e->lhs, &lt);
		*type = e->cast;
		return r;
	}
	return 0;
}

/* ---- calls ------------------------------------------------------------ */

static void kenter(struct cc *c, int *was)
{
	*was = c->kernel;
	if (!c->kernel) {
		emit(c, OP_KENTER);
		c->kernel = 1;
	}
}

static void kexit(struct cc *c, int was)
{
	if (!was) {
		emit(c, OP_KEXIT);
		c->kernel = 0;
	}
}

/*
 * A word-by-word copy: for (i = 0; i < n; i += 4) dst[i] = src[i].
 * With fixup, a faulting access ends the copy and res = n - i (the
 * bytes not copied, as copy_{to,from}_user return); else res = 0.
 */
static void copy_loop(struct cc *c, int dst, int src, int n, int fill,
		      int is_set, int res, int fixup)
{
	int i = temp(c), four = konst(c, 4), top, jout, v;
	struct insn *in;
	int fix_load = -1, fix_store = -1;

	mov(c, i, konst(c, 0));
	top = here(c);
	jout = jz(c, alu(c, OP_LT, i, n));
	if (is_set) {
		v = fill;
	} else {
		int a = alu(c, OP_ADD, src, i);

		v = temp(c);
		in = emit(c, OP_LOAD);
		in->a = (int16_t)v;
		in->b = (int16_t)a;
		if (fixup) {
			in->fixup = 1;
			fix_load = here(c) - 1;
		}
	}
	{
		int a = alu(c, OP_ADD, dst, i);

		in = emit(c, OP_STORE);
		in->a = (int16_t)a;
		in->b = (int16_t)v;
	}
	if (fixup) {
		in->fixup = 1;
		fix_store = here(c) - 1;
	}
	mov(c, i, alu(c, OP_ADD, i, four));
	jmp(c, top);
	set_target(c, jout, here(c));
	mov(c, res, konst(c, 0));
	if (fixup) {
		int jend = jmp(c, 0);
		int fix = here(c);

		mov(c, res, alu(c, OP_SUB, n, i));
		if (fix_load >= 0)
			c->tp->code[fix_load].imm = fix;
		c->tp->code[fix_store].imm = fix;
		set_target(c, jend, here(c));
	}
}

/* The int variable a local_irq_save()-style macro assigns to. */
static int flags_var(struct cc *c, const struct expr *e, const char *fn)
{
	struct var *v = e->kind == E_VAR ? lookup(c, e->name) : NULL;

	if (v == NULL || v->type != TY_INT) {
		error_at(c, e->pos, "%s() stores the interrupt state into its "
			 "last argument: name an int variable", fn);
		return -1;
	}
	return v->reg;
}

/* An internal built-in of register arguments; returns its result. */
static int call_internal(struct cc *c, enum builtin fn, int n,
			 const int *args)
{
	int r = temp(c), i;
	struct insn *in = emit(c, OP_CALL);

	in->fn = (uint16_t)fn;
	in->a = (int16_t)r;
	in->nargs = (uint8_t)n;
	for (i = 0; i < n; i++)
		in->args[i] = (int16_t)args[i];
	return r;
}

static int call_builtin(struct cc *c, const struct expr *e, int fn,
			enum ast_type *type)
{
	const struct builtin_info *bi = &builtin_info[fn];
	int args[MAX_ARGS], i, r, was;
	enum ast_type at;
	struct insn *in;

	if (e->nargs != bi->nargs) {
		error_at(c, e->pos, "%s() takes %d argument%s, not %d",
			 bi->name, bi->nargs, bi->nargs == 1 ? "" : "s",
			 e->nargs);
		return 0;
	}
	if ((bi->flags & BF_KERNEL) && !c->kernel) {
		error_at(c, e->pos, "%s() is kernel code: call it inside a "
			 "kernel { } block or from a @kernel thread", bi->name);
		return 0;
	}
	if (c->tp->kind == TK_DEVICE && !(bi->flags & BF_DEVICE)) {
		error_at(c, e->pos, "a @device thread only reads and writes "
			 "memory and calls complete(), wait_for_completion(), "
			 "page_to_phys() and virt_to_phys(), not %s()",
			 bi->name);
		return 0;
	}
	if (c->tp->kind == TK_IRQ && (fn == B_WAIT_FOR_COMPLETION ||
				      fn == B_SCHEDULE)) {
		error_at(c, e->pos, "%s() sleeps: an interrupt handler may "
			 "not call it", bi->name);
		return 0;
	}
	*type = bi->ret;
	for (i = 0; i < e->nargs; i++) {
		if (i == 0 && (bi->flags & BF_LOCKNAME)) {
			if (e->args[0]->kind != E_VAR) {
				error_at(c, e->args[0]->pos, "%s() takes the "
					 "name of a %s", bi->name,
					 fn == B_COMPLETE ||
					 fn == B_WAIT_FOR_COMPLETION ?
					 "completion" : "lock");
				return 0;
			}
			args[0] = konst(c, find_lock(c, e->args[0]->name));
		} else if (i == e->nargs - 1 && (bi->flags & BF_FLAGSOUT)) {
			args[i] = flags_var(c, e->args[i], bi->name);
			if (args[i] < 0)
				return 0;
		} else {
			args[i] = expr(c, e->args[i], &at);
		}
	}
	r = temp(c);
	switch (fn) {
	case B_LOCAL_IRQ_SAVE:
		/* the macro assigns the saved state to its argument */
		in = emit(c, OP_CALL);
		in->fn = (uint16_t)fn;
		in->a = (int16_t)args[0];
		return r;
	case B_SPIN_LOCK_IRQ:
	case B_SPIN_LOCK_IRQSAVE: {
		/* include/linux/spinlock_api_smp.h: irqs off, then the lock */
		struct insn *l;

		in = emit(c, OP_CALL);
		in->fn = fn == B_SPIN_LOCK_IRQ ? B_LOCAL_IRQ_DISABLE :
						 B_LOCAL_IRQ_SAVE;
		in->a = (int16_t)(fn == B_SPIN_LOCK_IRQ ? r : args[1]);
		l = emit(c, OP_CALL);
		l->fn = B_SPIN_LOCK;
		l->a = (int16_t)r;
		l->nargs = 1;
		l->args[0] = (int16_t)args[0];
		return r;
	}
	case B_SPIN_UNLOCK_IRQ:
	case B_SPIN_UNLOCK_IRQRESTORE:
		in = emit(c, OP_CALL);
		in->fn = B_SPIN_UNLOCK;
		in->a = (int16_t)r;
		in->nargs = 1;
		in->args[0] = (int16_t)args[0];
		in = emit(c, OP_CALL);
		in->a = (int16_t)r;
		if (fn == B_SPIN_UNLOCK_IRQ) {
			in->fn = B_LOCAL_IRQ_ENABLE;
		} else {
			in->fn = B_LOCAL_IRQ_RESTORE;
			in->nargs = 1;
			in->args[0] = (int16_t)args[1];
		}
		return r;
	case B_MEMCPY:
		copy_loop(c, args[0], args[1], args[2], 0, 0, r, 0);
		return r;
	case B_MEMSET:
		copy_loop(c, args[0], 0, args[2], args[1], 1, r, 0);
		return r;
	case B_COPY_TO_USER:
	case B_COPY_FROM_USER:
		copy_loop(c, args[0], args[1], args[2], 0, 0, r, 1);
		return r;
	case B_COPY_TO_USER_PAGE: {
		/*
		 * (uaddr, page, dst, src, len): the architecture's part
		 * before (which may choose another kernel address for the
		 * user page, e.g. kmap_coherent), the memcpy, its part after.
		 */
		int pre[4] = { args[0], args[1], args[2], args[4] };
		int d = call_internal(c, B_CTUP_PRE, 4, pre);
		int post[5] = { args[0], args[1], d, args[3], args[4] };

		copy_loop(c, d, args[3], args[4], 0, 0, r, 0);
		call_internal(c, B_CTUP_POST, 5, post);
		return r;
	}
	case B_COPY_FROM_USER_PAGE: {
		int pre[4] = { args[0], args[1], args[3], args[4] };
		int s = call_internal(c, B_CFUP_PRE, 4, pre);
		int post[5] = { args[0], args[1], args[2], s, args[4] };

		copy_loop(c, args[2], s, args[4], 0, 0, r, 0);
		call_internal(c, B_CFUP_POST, 5, post);
		return r;
	}
	default:
		break;
	}
	/*
	 * fuse_abort() is the fusectl `abort` file: a system call; an
	 * instruction fetch is the user's own.
	 */
	if (fn == B_FETCH_INSN) {
		in = emit(c, OP_CALL);
		in->fn = (uint16_t)fn;
		in->a = (int16_t)r;
		in->nargs = 1;
		in->args[0] = (int16_t)args[0];
		return r;
	}
	kenter(c, &was);
	in = emit(c, OP_CALL);
	in->fn = (uint16_t)fn;
	in->a = (int16_t)r;
	in->nargs = (uint8_t)e->nargs;
	for (i = 0; i < e->nargs; i++)
		in->args[i] = (int16_t)args[i];
	kexit(c, was);
	return r;
}

static int call(struct cc *c, const struct expr *e, enum ast_type *type)
{
	const struct func *f = find_func(c, e->name);
	int i, fn, r, saved_ret, saved_n, saved_nvars;
	struct patch rets = { 0 }, *saved_jumps;
	int argregs[16];
	enum ast_type at;

	*type = TY_INT;
	if (f == NULL) {
		fn = builtin_lookup(e->name);
		if (fn < 0) {
			error_at(c, e->pos, "unknown function '%s'", e->name);
			return 0;
		}
		return call_builtin(c, e, fn, type);
	}
	for (i = 0; i < c->ninl; i++)
		if (strcmp(c->inl[i], f->name) == 0) {
			error_at(c, e->pos, "recursive call to '%s' (the "
				 "language has no recursion)", f->name);
			return 0;
		}
	if (c->ninl >= 32) {
		error_at(c, e->pos, "calls nested too deeply");
		return 0;
	}
	if (e->nargs != f->nparams || f->nparams > 16) {
		error_at(c, e->pos, "%s() takes %d argument%s, not %d",
			 f->name, f->nparams, f->nparams == 1 ? "" : "s",
			 e->nargs);
		return 0;
	}
	for (i = 0; i < e->nargs; i++)
		argregs[i] = expr(c, e->args[i], &at);
	r = temp(c);
	*type = f->ret;
	/* a new scope holding the parameters */
	saved_nvars = c->nvars;
	c->depth++;
	for (i = 0; i < f->nparams; i++) {
		int p = declare(c, f->params[i].name, f->params[i].type,
				f->params[i].pos, 0);

		mov(c, p, argregs[i]);
	}
	c->inl[c->ninl++] = f->name;
	saved_ret = c->ret_reg;
	saved_jumps = c->ret_jumps;
	saved_n = c->ntemps;
	c->ret_reg = r;
	c->ret_jumps = &rets;
	stmt(c, f->body);
	patch_all(c, &rets, here(c));
	c->ret_reg = saved_ret;
	c->ret_jumps = saved_jumps;
	c->ninl--;
	(void)saved_n;
	leave_scope(c);
	(void)saved_nvars;
	return r;
}

/* ---- statements ------------------------------------------------------- */

static void assign(struct cc *c, const struct stmt *s)
{
	enum ast_type lt, rt;
	struct var *v;
	int val, addr;
	struct insn *i;

	if (s->lvalue->kind == E_VAR) {
		v = lookup(c, s->lvalue->name);
		if (v == NULL) {
			error_at(c, s->lvalue->pos, "'%s' is not declared",
				 s->lvalue->name);
			return;
		}
		val = expr(c, s->value, &rt);
		mov(c, v->reg, val);
		return;
	}
	if (s->lvalue->kind != E_INDEX && s->lvalue->kind != E_DEREF) {
		error_at(c, s->lvalue->pos, "cannot assign to this");
		return;
	}
	addr = address(c, s->lvalue);
	val = expr(c, s->value, &lt);
	i = emit(c, OP_STORE);
	i->a = (int16_t)addr;
	i->b = (int16_t)val;
}

static void block(struct cc *c, const struct stmt *s)
{
	c->depth++;
	for (; s != NULL && !c->failed; s = s->next)
		stmt(c, s);
	leave_scope(c);
}

static const char *stmt_text(struct cc *c, const struct stmt *s);

/*
 * Branch on a condition so that every temporary of it is zero on both
 * paths: the others are zeroed before the jump, and the condition itself
 * is zero when the jump is taken and zeroed on the way through.  A free
 * register is zero on every path; that keeps equal states equal, and a
 * `static` reusing a free register starts at 0.
 */
static int cond_jz(struct cc *c, int r, int saved)
{
	int i, j, is_temp = 0;

	for (i = saved; i < c->ntemps; i++)
		if (c->temps[i] != r)
			release(c, c->temps[i]);
		else
			is_temp = 1;
	c->ntemps = saved;
	j = jz(c, r);
	if (is_temp)
		release(c, r);
	return j;
}

static void stmt(struct cc *c, const struct stmt *s)
{
	enum ast_type t;
	int r, j, top, was, saved_temps = c->ntemps;
	struct patch brk = { 0 }, cont = { 0 }, *sb, *sc;
	const char *saved_text = c->text;
	struct pos saved_pos = c->pos;

	if (c->failed)
		return;
	c->pos = s->pos;
	c->text = stmt_text(c, s);
	switch (s->kind) {
	case S_DECL:
		if (s->type == TY_VOID) {
			error_at(c, s->pos, "a variable cannot be void");
			break;
		}
		if (s->is_static) {
			declare_static(c, s);
			break;
		}
		if (s->value != NULL) {
			r = expr(c, s->value, &t);
			mov(c, declare(c, s->name, s->type, s->pos,
				       c->ninl == 0), r);
		} else {
			declare(c, s->name, s->type, s->pos, c->ninl == 0);
		}
		break;
	case S_ASSIGN:
		assign(c, s);
		break;
	case S_EXPR:
		expr(c, s->value, &t);
		break;
	case S_IF:
		r = expr(c, s->cond, &t);
		j = cond_jz(c, r, saved_temps);
		stmt(c, s->body);
		if (s->orelse != NULL) {
			int jend = jmp(c, 0);

			set_target(c, j, here(c));
			stmt(c, s->orelse);
			set_target(c, jend, here(c));
		} else {
			set_target(c, j, here(c));
		}
		break;
	case S_WHILE:
	case S_FOR:
		c->depth++;
		if (s->kind == S_FOR && s->init != NULL)
			stmt(c, s->init);
		top = here(c);
		j = -1;
		if (s->cond != NULL) {
			r = expr(c, s->cond, &t);
			j = cond_jz(c, r, saved_temps);
		}
		sb = c->brk;
		sc = c->cont;
		c->brk = &brk;
		c->cont = &cont;
		stmt(c, s->body);
		c->brk = sb;
		c->cont = sc;
		patch_all(c, &cont, here(c));
		if (s->kind == S_FOR && s->step != NULL)
			stmt(c, s->step);
		c->pos = s->pos;
		jmp(c, top);
		if (j >= 0)
			set_target(c, j, here(c));
		/* the loop's exit zeroes its condition temporaries too */
		release_temps(c, saved_temps);
		patch_all(c, &brk, here(c));
		leave_scope(c);
		break;
	case S_BLOCK:
		block(c, s->body);
		break;
	case S_KERNEL:
		if (c->tp->proc < 0 || c->kernel) {
			/* already in kernel mode: a plain block */
			block(c, s->body);
			break;
		}
		kenter(c, &was);
		block(c, s->body);
		c->pos = s->pos;
		kexit(c, was);
		break;
	case S_RETURN:
		if (c->ret_reg < 0) {
			/* return from the thread body: end the thread */
			if (s->value != NULL)
				expr(c, s->value, &t);
			emit(c, OP_END);
			break;
		}
		if (s->value != NULL)
			mov(c, c->ret_reg, expr(c, s->value, &t));
		release_temps(c, saved_temps);
		patch_add(c->ret_jumps, jmp(c, 0));
		break;
	case S_ASSERT: {
		struct insn *i;

		r = expr(c, s->cond, &t);
		i = emit(c, OP_ASSERT);
		i->a = (int16_t)r;
		break;
	}
	case S_BREAK:
	case S_CONTINUE:
		if (c->brk == NULL) {
			error_at(c, s->pos, "%s outside a loop",
				 s->kind == S_BREAK ? "break" : "continue");
			break;
		}
		release_temps(c, saved_temps);
		patch_add(s->kind == S_BREAK ? c->brk : c->cont, jmp(c, 0));
		break;
	}
	release_temps(c, saved_temps);
	c->text = saved_text;
	c->pos = saved_pos;
}

/*
 * A one-line rendering of a statement for witnesses: the source line
 * itself, read back from the file and trimmed.
 */
static const char *stmt_text(struct cc *c, const struct stmt *s)
{
	static char none[] = "";
	FILE *f;
	char line[256];
	int n = 0;
	char *p, *e;

	if (s->pos.file == NULL)
		return none;
	f = fopen(s->pos.file, "r");
	if (f == NULL)
		return none;
	while (fgets(line, sizeof(line), f) != NULL)
		if (++n == s->pos.line)
			break;
	fclose(f);
	if (n != s->pos.line)
		return none;
	p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
			 e[-1] == '\t'))
		*--e = '\0';
	if ((p = strstr(p, "//")) != NULL && p != line)
		*p = '\0';
	p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return arena_strndup(c->sc->arena, p, strlen(p));
}

/* ---- placement -------------------------------------------------------- */

static int proc_index(struct cc *c, const char *name, struct pos pos)
{
	struct prog *p = c->p;
	int i;

	for (i = 0; i < p->nprocs; i++)
		if (strcmp(p->procs[i].name, name) == 0)
			return i;
	if (p->nprocs >= MAX_PROCS) {
		error_at(c, pos, "too many processes (at most %d)", MAX_PROCS);
		return 0;
	}
	p->procs[p->nprocs].name = name;
	return p->nprocs++;
}

static struct symbol *sym_find(struct prog *p, const char *name)
{
	int i;

	for (i = 0; i < p->nsyms; i++)
		if (strcmp(p->syms[i].name, name) == 0)
			return &p->syms[i];
	return NULL;
}

static struct symbol *sym_add(struct cc *c, const char *name, struct pos pos)
{
	struct prog *p = c->p;

	if (sym_find(p, name) != NULL) {
		error_at(c, pos, "'%s' is already defined", name);
		return NULL;
	}
	p->syms = realloc(p->syms, sizeof(*p->syms) * (size_t)(p->nsyms + 1));
	if (p->syms == NULL)
		abort();
	memset(&p->syms[p->nsyms], 0, sizeof(p->syms[0]));
	p->syms[p->nsyms].name = name;
	p->syms[p->nsyms].pos = pos;
	return &p->syms[p->nsyms++];
}

static int add_page(struct cc *c, const char *name, int file, int highmem,
		    int kmalloc, struct pos pos)
{
	struct prog *p = c->p;
	static uint32_t next_low, next_high;
	struct ppage *pg;

	if (p->npages == 0) {
		next_low = 0x100;
		next_high = HIGHMEM_PA / p->prof.page_size;
	}
	if (p->npages >= MAX_PAGES) {
		error_at(c, pos, "too many pages (at most %d)", MAX_PAGES);
		return 0;
	}
	pg = &p->pages[p->npages];
	pg->name = name;
	pg->file = file;
	pg->highmem = highmem;
	pg->kmalloc = kmalloc;
	pg->pa = (highmem ? next_high++ : next_low++) * p->prof.page_size;
	return p->npages++;
}

static uint32_t colour_of(const struct prog *p, uint32_t va)
{
	return (va / p->prof.page_size) % profile_colours(&p->prof);
}

/* The worst case: a colour no alias of the page placed so far has. */
static uint32_t free_colour(const struct prog *p, int page)
{
	uint32_t ncol = profile_colours(&p->prof), used = 0, col;
	int i;

	if (!p->pages[page].highmem)
		used |= 1u << (colour_of(p, kmm_lowmem(p, page)) % 32);
	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].page == page)
			used |= 1u << (colour_of(p, p->maps[i].va) % 32);
	for (col = 0; col < ncol && col < 32; col++)
		if (!(used & (1u << col)))
			return col;
	return (uint32_t)p->nmaps % ncol;
}

static uint32_t pick_va(struct cc *c, int proc, int page, int64_t want)
{
	struct prog *p = c->p;
	uint32_t sz = p->prof.page_size, ncol = profile_colours(&p->prof);
	uint32_t va, col;
	int tries;

	col = want >= 0 ? (uint32_t)want % ncol : free_colour(p, page);
	va = USER_BASE + (uint32_t)proc * 0x01000000u;
	for (tries = 0; tries < 1 << 20; tries++, va += sz) {
		if (colour_of(p, va) != col)
			continue;
		if (kmm_user_map(p, proc, va) >= 0)
			continue;
		return va;
	}
	return USER_BASE;
}

static int page_named(struct cc *c, const char *name, int64_t index,
		      struct pos pos)
{
	struct prog *p = c->p;
	size_t n = strlen(name);
	int i;

	for (i = 0; i < p->npages; i++) {
		const char *pn = p->pages[i].name;

		if (p->pages[i].kmalloc)
			continue;
		if (strcmp(pn, name) == 0 && index == 0)
			return i;
		if (strncmp(pn, name, n) == 0 && pn[n] == '[' &&
		    strtoll(pn + n + 1, NULL, 10) == index)
			return i;
	}
	error_at(c, pos, "no page '%s'%s", name, index ? " at that index" : "");
	return -1;
}

/* The physical word NAME[index] of an init-block symbol. */
static int word_pa(struct cc *c, const char *name, int64_t index,
		   struct pos pos, const char *what, uint32_t *pa)
{
	const struct symbol *s = sym_find(c->p, name);

	if (s == NULL) {
		error_at(c, pos, "'%s' is not defined in the init block", name);
		return -1;
	}
	if (index < 0 || index * 4 >= c->p->prof.page_size) {
		error_at(c, pos, "%s %lld is outside the page", what,
			 (long long)index);
		return -1;
	}
	*pa = s->pa + (uint32_t)index * 4;
	return 0;
}

static void place(struct cc *c)
{
	struct prog *p = c->p;
	const struct init *in;
	struct symbol *s;
	int i, page;

	for (in = c->sc->inits; in != NULL && !c->failed; in = in->next) {
		c->pos = in->pos;
		switch (in->kind) {
		case I_PAGE: {
			const char *why;

			if (in->highmem &&
			    (why = arch_no_highmem_why(p)) != NULL) {
				error_at(c, in->pos, "%s", why);
				return;
			}
			if (in->count < 1 || in->count > 16) {
				error_at(c, in->pos, "a page array has 1 to 16 pages");
				return;
			}
			s = sym_add(c, in->name, in->pos);
			if (s == NULL)
				return;
			for (i = 0; i < in->count; i++) {
				char buf[80];
				const char *nm = in->name;

				if (in->is_array) {
					snprintf(buf, sizeof(buf), "%s[%d]",
						 in->name, i);
					nm = arena_strndup(c->sc->arena, buf,
							   strlen(buf));
				}
				page = add_page(c, nm, in->file || in->fuse,
						in->highmem, 0, in->pos);
				p->pages[page].fuse = in->fuse;
				if (i == 0) {
					s->type = TY_PAGE_PTR;
					s->value = page_struct(page);
					s->page = page;
					s->pa = p->pages[page].pa;
				}
			}
			break;
		}
		case I_KMALLOC: {
			uint32_t n = (uint32_t)((in->bytes + p->prof.page_size - 1) /
						p->prof.page_size);

			if (in->bytes < 1 || in->bytes > 8 * (int64_t)p->prof.page_size) {
				error_at(c, in->pos, "kmalloc size must be 1 to 8 pages");
				return;
			}
			s = sym_add(c, in->name, in->pos);
			if (s == NULL)
				return;
			for (i = 0; i < (int)n; i++) {
				page = add_page(c, in->name, 0, 0, 1, in->pos);
				if (i == 0) {
					s->type = TY_INT_PTR;
					s->page = page;
					s->pa = p->pages[page].pa;
					s->value = kmm_lowmem(p, page);
				}
			}
			break;
		}
		case I_MAP: {
			int proc = proc_index(c, in->proc, in->pos);
			struct pmap *m;
			int64_t want = -1;
			uint32_t va;

			if (strcmp(in->proc, "kernel") == 0 ||
			    strcmp(in->proc, "irq") == 0 ||
			    strcmp(in->proc, "device") == 0) {
				error_at(c, in->pos, "map() makes a user mapping; "
					 "'%s' has no user address space",
					 in->proc);
				return;
			}
			page = page_named(c, in->page, in->page_index, in->pos);
			if (page < 0)
				return;
			if (p->nmaps >= MAX_MAPS) {
				error_at(c, in->pos, "too many mappings");
				return;
			}
			if (in->shared && !p->pages[page].file) {
				error_at(c, in->pos, "map(..., shared) needs a "
					 "`file` page (page NAME file;)");
				return;
			}
			switch (in->how) {
			case MAP_ADDR:
				va = (uint32_t)in->addr;
				if (in->addr < 0 || in->addr >= PKMAP_BASE ||
				    in->addr % p->prof.page_size != 0) {
					error_at(c, in->pos, "address %#llx is "
						 "not a page-aligned user address",
						 (unsigned long long)in->addr);
					return;
				}
				if (kmm_user_map(p, proc, va) >= 0) {
					error_at(c, in->pos, "address %#x is "
						 "already mapped in %s", va,
						 in->proc);
					return;
				}
				break;
			case MAP_COLOUR:
				if (in->colour < 0 ||
				    in->colour >= profile_colours(&p->prof)) {
					error_at(c, in->pos, "colour %lld: the "
						 "profile has %u colour(s)",
						 (long long)in->colour,
						 profile_colours(&p->prof));
					return;
				}
				want = in->colour;
				va = pick_va(c, proc, page, want);
				break;
			case MAP_AFTER: {
				int k;

				for (k = 0; k < p->nmaps; k++)
					if (strcmp(p->maps[k].name, in->after) == 0)
						break;
				if (k == p->nmaps || p->maps[k].proc != proc) {
					error_at(c, in->pos, "after=%s: no earlier "
						 "mapping of that name in %s",
						 in->after, in->proc);
					return;
				}
				va = p->maps[k].va + p->prof.page_size;
				if (va >= PKMAP_BASE ||
				    kmm_user_map(p, proc, va) >= 0) {
					error_at(c, in->pos, "the page after %s "
						 "is already mapped", in->after);
					return;
				}
				break;
			}
			case MAP_COLOUR_KERNEL:
				if (p->pages[page].highmem) {
					error_at(c, in->pos, "a highmem page has "
						 "no kernel colour");
					return;
				}
				want = colour_of(p, kmm_lowmem(p, page));
				va = pick_va(c, proc, page, want);
				break;
			default:
				va = pick_va(c, proc, page, -1);
				break;
			}
			m = &p->maps[p->nmaps++];
			m->proc = proc;
			m->page = page;
			m->va = va;
			m->shared = in->shared;
			m->lazy = in->lazy || in->late;
			m->late = in->late;
			m->exec = in->exec;
			m->name = in->name;
			p->pages[page].user_mapped = 1;
			if (in->shared)
				p->pages[page].shared_mapped = 1;
			s = sym_add(c, in->name, in->pos);
			if (s == NULL)
				return;
			s->type = TY_INT_PTR;
			s->value = va;
			s->page = page;
			s->pa = p->pages[page].pa;
			break;
		}
		case I_STORE:
			break;
		}
	}
	/* initial contents, through physical memory */
	for (in = c->sc->inits; in != NULL && !c->failed; in = in->next) {
		uint32_t pa;

		if (in->kind != I_STORE)
			continue;
		if (word_pa(c, in->name, in->index, in->pos, "index", &pa) < 0)
			return;
		p->init = realloc(p->init, sizeof(*p->init) * (size_t)(p->ninit + 1));
		if (p->init == NULL)
			abort();
		p->init[p->ninit].pa = pa;
		p->init[p->ninit].value = (uint32_t)in->value;
		p->ninit++;
	}
}

/* ---- settings --------------------------------------------------------- */

static int settings(struct cc *c, const struct lower_opts *o)
{
	struct scenario *sc = c->sc;
	struct prog *p = c->p;
	const char *name = o->cache ? o->cache :
			   sc->cache.set ? sc->cache.str : "arm926";
	const struct profile *pr = profile_find(name);
	const struct cache_override *ov;
	int v;

	if (pr == NULL) {
		error_at(c, o->cache ? (struct pos){ "command line", 1, 1 } :
			 sc->cache.pos, "unknown cache profile '%s' "
			 "(`stale profiles` lists them)", name);
		return -1;
	}
	p->prof = *pr;
	if (!o->cache) {
		for (ov = sc->overrides; ov != NULL; ov = ov->next) {
			const char *why = profile_override(&p->prof, ov->key,
							   ov->value);
			if (why != NULL) {
				error_at(c, ov->pos, "%s", why);
				return -1;
			}
		}
	}
	if (o->cache_extra != NULL) {
		char buf[256], *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", o->cache_extra);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');
			const char *why;

			if (eq == NULL) {
				error_at(c, (struct pos){ "command line", 1, 1 },
					 "expected key=value, not '%s'", tok);
				return -1;
			}
			*eq = '\0';
			why = profile_override(&p->prof, tok, eq + 1);
			if (why != NULL) {
				error_at(c, (struct pos){ "command line", 1, 1 },
					 "%s", why);
				return -1;
			}
		}
	}
	p->ncpus = o->cpus > 0 ? o->cpus : sc->cpus.set ? (int)sc->cpus.num : 1;
	if (p->ncpus < 1 || p->ncpus > MAX_CPUS) {
		error_at(c, sc->cpus.pos, "cpus must be 1 to %d", MAX_CPUS);
		return -1;
	}
	if (o->preempt >= 0)
		p->preempt = o->preempt;
	else
		p->preempt = sc->preempt.set && strcmp(sc->preempt.str, "on") == 0;
	if (o->evict >= 0)
		p->evict_any = o->evict;
	else
		p->evict_any = !sc->evict.set || strcmp(sc->evict.str, "any") == 0;
	name = o->kernel ? o->kernel : sc->kernel.set ? sc->kernel.str : "6.12";
	v = kver_parse(name);
	if (v < 0) {
		error_at(c, o->kernel ? (struct pos){ "command line", 1, 1 } :
			 sc->kernel.pos, "unknown kernel version '%s' "
			 "(2.6.19, 2.6.20 or 6.12)", name);
		return -1;
	}
	p->kver = (enum kver)v;
	p->max_steps = o->max_steps > 0 ? o->max_steps : 100000;
	return 0;
}

static int file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

static int uses_fuse(const struct expr *e);

static int stmt_uses_fuse(const struct stmt *s)
{
	for (; s != NULL; s = s->next) {
		if ((s->value && uses_fuse(s->value)) ||
		    (s->cond && uses_fuse(s->cond)) ||
		    (s->lvalue && uses_fuse(s->lvalue)) ||
		    stmt_uses_fuse(s->init) || stmt_uses_fuse(s->step) ||
		    stmt_uses_fuse(s->body) || stmt_uses_fuse(s->orelse))
			return 1;
	}
	return 0;
}

static int uses_fuse(const struct expr *e)
{
	int i;

	if (e == NULL)
		return 0;
	if (e->kind == E_CALL) {
		if (strncmp(e->name, "fuse_", 5) == 0)
			return 1;
		for (i = 0; i < e->nargs; i++)
			if (uses_fuse(e->args[i]))
				return 1;
	}
	return uses_fuse(e->lhs) || uses_fuse(e->rhs);
}

/* Pull in lib/fuse/device.litmus and the copy strategy. */
static int fuse_libraries(struct cc *c, const struct lower_opts *o)
{
	struct scenario *sc = c->sc;
	const struct thread *t;
	const char *strategy;
	char path[1024];
	int i, found;

	const struct func *fn;

	for (t = sc->threads; t != NULL; t = t->next)
		if (stmt_uses_fuse(t->body))
			break;
	for (fn = sc->funcs; fn != NULL && t == NULL; fn = fn->next)
		if (strncmp(fn->name, "fuse_", 5) != 0 &&
		    stmt_uses_fuse(fn->body))
			break;
	if (t == NULL && fn == NULL && !sc->fuse.set &&
	    o->fuse_strategy_file == NULL) {
		const struct init *in;

		for (in = sc->inits; in != NULL; in = in->next)
			if (in->kind == I_PAGE && in->fuse)
				break;
		if (in == NULL)
			return 0;
	}
	c->p->uses_fuse = 1;
	if (find_func(c, "fuse_dev_read") == NULL) {
		for (i = 0, found = 0; o->libdirs && o->libdirs[i]; i++) {
			snprintf(path, sizeof(path), "%s/fuse/device.litmus",
				 o->libdirs[i]);
			if (file_exists(path)) {
				found = 1;
				break;
			}
		}
		if (!found) {
			error_at(c, sc->fuse.set ? sc->fuse.pos :
				 (struct pos){ sc->path, 1, 1 },
				 "cannot find the FUSE device library "
				 "fuse/device.litmus");
			return -1;
		}
		if (parse_library(sc, path, o->libdirs, c->err) < 0) {
			c->failed = 1;
			return -1;
		}
	}
	if (find_func(c, "fuse_copy_to_daemon") != NULL)
		return 0;
	if (o->fuse_strategy_file != NULL) {
		if (parse_library(sc, o->fuse_strategy_file, o->libdirs,
				  c->err) < 0) {
			c->failed = 1;
			return -1;
		}
	} else {
		strategy = sc->fuse.set ? sc->fuse.str :
			   c->p->kver >= KV_6_12 ? "dev-6.12" : "dev-2.6.19";
		for (i = 0, found = 0; o->libdirs && o->libdirs[i]; i++) {
			snprintf(path, sizeof(path), "%s/fuse/%s.litmus",
				 o->libdirs[i], strategy);
			if (file_exists(path)) {
				found = 1;
				break;
			}
		}
		if (!found) {
			error_at(c, sc->fuse.set ? sc->fuse.pos :
				 (struct pos){ sc->path, 1, 1 },
				 "unknown FUSE strategy '%s' (dev-2.6.19, "
				 "dev-rmk, dev-6.12, copy-user-page, uaccess)",
				 strategy);
			return -1;
		}
		if (parse_library(sc, path, o->libdirs, c->err) < 0) {
			c->failed = 1;
			return -1;
		}
	}
	if (find_func(c, "fuse_copy_to_daemon") == NULL ||
	    find_func(c, "fuse_copy_from_daemon") == NULL ||
	    find_func(c, "fuse_copy_finish") == NULL) {
		error_at(c, (struct pos){ sc->path, 1, 1 }, "the FUSE strategy "
			 "must define fuse_copy_to_daemon, "
			 "fuse_copy_from_daemon and fuse_copy_finish");
		return -1;
	}
	return 0;
}

static void fuse_pages(struct cc *c)
{
	struct prog *p = c->p;
	int i;

	for (i = 0; i < 4; i++)
		p->fuse_req_page[i] = -1;
	p->fuse_scratch_page = -1;
	if (!p->uses_fuse)
		return;
	for (i = 0; i < 4; i++)
		p->fuse_req_page[i] = add_page(c, "fuse_req", 0, 0, 1, c->pos);
	p->fuse_scratch_page = add_page(c, "fuse_scratch", 0, 0, 1, c->pos);
}

/* ---- threads and the condition ---------------------------------------- */

static void thread(struct cc *c, const struct thread *th, int idx)
{
	struct prog *p = c->p;
	struct tprog *t = &p->threads[idx];
	int i;

	t->index = th->index;
	t->pos = th->pos;
	t->kind = strcmp(th->proc, "irq") == 0 ? TK_IRQ :
		  strcmp(th->proc, "device") == 0 ? TK_DEVICE : TK_TASK;
	t->proc = t->kind != TK_TASK || strcmp(th->proc, "kernel") == 0 ? -1 :
		  proc_index(c, th->proc, th->pos);
	if (t->kind == TK_DEVICE && th->cpu >= 0) {
		error_at(c, th->pos, "a @device thread runs on no CPU");
		return;
	}
	t->cpu = th->cpu >= 0 ? th->cpu : idx % p->ncpus;
	if (t->kind == TK_DEVICE)
		t->cpu = 0;
	if (t->cpu >= p->ncpus) {
		error_at(c, th->pos, "cpu%d does not exist (cpus %d)", t->cpu,
			 p->ncpus);
		return;
	}
	c->tp = t;
	c->cap = 0;
	c->kernel = t->proc < 0;
	c->nvars = 0;
	c->depth = 0;
	c->nfree = 0;
	c->ntemps = 0;
	c->ninl = 0;
	c->nstatics = 0;
	c->ret_reg = -1;
	c->brk = c->cont = NULL;
	c->pos = th->pos;
	c->text = "";
	for (i = 0; i < th->nparams; i++) {
		const struct symbol *s = sym_find(p, th->params[i].name);
		struct insn *in;
		int r;

		if (s == NULL) {
			error_at(c, th->params[i].pos, "parameter '%s' names "
				 "nothing in the init block", th->params[i].name);
			return;
		}
		if (s->type == TY_INT_PTR && p->maps[0].name != NULL) {
			int m;

			for (m = 0; m < p->nmaps; m++)
				if (p->maps[m].name == s->name ||
				    strcmp(p->maps[m].name, s->name) == 0)
					break;
			/*
			 * A kernel thread may name another process's address:
			 * get_user_pages_remote() reaches it, as
			 * access_process_vm() does.
			 */
			if (m < p->nmaps && p->maps[m].proc != t->proc &&
			    t->proc >= 0) {
				error_at(c, th->params[i].pos, "'%s' is mapped "
					 "in process '%s', not in this thread's",
					 s->name, p->procs[p->maps[m].proc].name);
				return;
			}
		}
		r = declare(c, th->params[i].name, th->params[i].type,
			    th->params[i].pos, 0);
		in = emit(c, OP_CONST);
		in->a = (int16_t)r;
		in->imm = s->value;
	}
	c->depth++;
	stmt(c, th->body);
	emit(c, OP_END);
}

static int visible_reg(const struct tprog *t, const char *name)
{
	int i;

	for (i = 0; i < t->nregs; i++)
		if (t->regs[i].visible && t->regs[i].name &&
		    strcmp(t->regs[i].name, name) == 0)
			return i;
	return -1;
}

void cond_val_label(const struct cond_val *v, char *buf, size_t n)
{
	if (v->kind == V_REG)
		snprintf(buf, n, "%d:%s", v->thread, v->name);
	else if (v->offset)
		snprintf(buf, n, "[%s+%lld]", v->name, (long long)v->offset);
	else
		snprintf(buf, n, "[%s]", v->name);
}

int prog_ref_index(const struct prog *p, const struct cond_val *v)
{
	char buf[128];
	int i;

	cond_val_label(v, buf, sizeof(buf));
	for (i = 0; i < p->nrefs; i++)
		if (strcmp(p->refs[i].label, buf) == 0)
			return i;
	return -1;
}

static void add_ref(struct cc *c, const struct cond_val *v)
{
	struct prog *p = c->p;
	struct cref r = { 0 };
	char buf[128];

	if (v->kind == V_NUM)
		return;
	if (v->kind == V_REG) {
		if (v->thread < 0 || v->thread >= p->nthreads) {
			error_at(c, v->pos, "there is no thread P%d", v->thread);
			return;
		}
		r.is_reg = 1;
		r.thread = v->thread;
		r.reg = visible_reg(&p->threads[v->thread], v->name);
		if (r.reg < 0) {
			error_at(c, v->pos, "P%d has no local '%s'", v->thread,
				 v->name);
			return;
		}
		r.type = p->threads[v->thread].regs[r.reg].type;
	} else {
		if (word_pa(c, v->name, v->offset, v->pos, "offset", &r.pa) < 0)
			return;
	}
	if (prog_ref_index(p, v) >= 0)
		return;
	cond_val_label(v, buf, sizeof(buf));
	r.label = strdup(buf);
	p->refs = realloc(p->refs, sizeof(*p->refs) * (size_t)(p->nrefs + 1));
	if (p->refs == NULL || r.label == NULL)
		abort();
	p->refs[p->nrefs++] = r;
}

static void cond_refs(struct cc *c, const struct cond *k)
{
	if (k == NULL || c->failed)
		return;
	if (k->kind == C_ATOM) {
		add_ref(c, &k->lhs);
		add_ref(c, &k->rhs);
	}
	cond_refs(c, k->a);
	cond_refs(c, k->b);
}

int lower(struct scenario *sc, const struct lower_opts *o, struct prog *p,
	  struct diag *err)
{
	struct cc c = { 0 };
	const struct thread *th;
	int i;

	memset(p, 0, sizeof(*p));
	p->sc = sc;
	c.sc = sc;
	c.p = p;
	c.err = err;
	c.pos = (struct pos){ sc->path, 1, 1 };
	if (settings(&c, o) < 0)
		return -1;
	if (sc->threads == NULL) {
		error_at(&c, c.pos, "the scenario has no threads");
		return -1;
	}
	if (fuse_libraries(&c, o) < 0 || c.failed)
		return -1;
	place(&c);
	fuse_pages(&c);
	if (c.failed)
		return -1;
	/* vmap() addresses: the worst colour once every mapping is placed */
	for (i = 0; i < p->npages; i++)
		p->vmap_colour[i] = (uint16_t)free_colour(p, i);
	for (th = sc->threads, i = 0; th != NULL && !c.failed; th = th->next) {
		if (i >= MAX_THREADS) {
			error_at(&c, th->pos, "too many threads (at most %d)",
				 MAX_THREADS);
			break;
		}
		p->nthreads = i + 1;
		thread(&c, th, i++);
	}
	if (c.failed)
		return -1;
	if (sc->cond != NULL)
		cond_refs(&c, sc->cond);
	else
		p->observe_all = 1;
	return c.failed ? -1 : 0;
}

void prog_free(struct prog *p)
{
	int i;

	for (i = 0; i < p->nthreads; i++) {
		free(p->threads[i].code);
		free(p->threads[i].regs);
	}
	for (i = 0; i < p->nrefs; i++)
		free(p->refs[i].label);
	free(p->refs);
	free(p->syms);
	free(p->init);
	memset(p, 0, sizeof(*p));
}
