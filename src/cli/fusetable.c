/*
 * fusetable.c - every (strategy, kernel, profile, mode, scenario) cell of
 * the FUSE table, each an exhaustive check of lib/fuse/scenarios/ under
 * that strategy's copy code, grouped by the claim of the mail it settles.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fusetable.h"

struct row {
	const char *strategy;
	const char *kernel;
	const char *claim;
};

/* Which claim each strategy row speaks to (docs/fuse-2006.md). */
static const struct row rows[] = {
	{ "dev-2.6.19", "2.6.19", "the mail: gup + kmap_atomic is broken on VIVT/aliasing caches" },
	{ "dev-2.6.19", "2.6.20", "the merged fix (flush_anon_page): works on UP, not with preemption/SMP" },
	{ "dev-rmk", "2.6.19", "the mail's points 1-3: all the maintenance, still unsafe with threads" },
	{ "dev-6.12", "6.12", "today's fs/fuse/dev.c" },
	{ "copy-user-page", "2.6.20", "Miller: copy_{to,from}_user_page on the pinned page" },
	{ "uaccess", "2.6.19", "the mail's proposal: copy_{to,from}_user (and Szeredi's deadlock)" },
};

static const char *const profiles[] = {
	"arm926", "xscale", "sa1100", "arm1136", "sh4", "parisc",
	"mips-r4k", "sparc64", "vipt-nonaliasing", "pipt",
};

static const char *const modes[] = { "up", "up-preempt", "smp" };

static const char *const scenarios[] = {
	"reply", "request", "mt-reply", "mt-request",
};

#define NROWS (int)(sizeof(rows) / sizeof(rows[0]))
#define NPROF (int)(sizeof(profiles) / sizeof(profiles[0]))
#define NMODE (int)(sizeof(modes) / sizeof(modes[0]))
#define NSCEN (int)(sizeof(scenarios) / sizeof(scenarios[0]))

struct cell {
	const char *verdict;	/* safe, unsafe, n/a, error */
	const char *why;
	size_t states;
	double seconds;
};

static const char *find_lib(const struct run_opts *o, const char *rel,
			    char *buf, size_t n)
{
	const char *const *d;

	for (d = o->lo.libdirs; d && *d; d++) {
		FILE *f;

		snprintf(buf, n, "%s/%s", *d, rel);
		f = fopen(buf, "r");
		if (f != NULL) {
			fclose(f);
			return buf;
		}
	}
	return NULL;
}

static void check_cell(const struct run_opts *base, const char *strategy_path,
		       const char *kernel, const char *profile,
		       const char *mode, const char *scen_path,
		       struct cell *c, FILE *witness)
{
	const struct profile *pr = profile_find(profile);
	struct run_opts o = *base;
	struct verdict v;
	int st;

	memset(c, 0, sizeof(*c));
	if (strcmp(mode, "smp") == 0 && !pr->smp_hw) {
		c->verdict = "n/a";
		c->why = "no SMP hardware";
		return;
	}
	o.lo.cache = profile;
	o.lo.cache_extra = NULL;
	o.lo.kernel = kernel;
	o.lo.cpus = strcmp(mode, "smp") == 0 ? 2 : 1;
	o.lo.preempt = strcmp(mode, "up-preempt") == 0;
	o.lo.evict = -1;
	o.lo.fuse_strategy_file = strategy_path;
	o.expect = 0;
	o.json = 0;
	o.first_bad = 1;
	o.witness = witness != NULL;
	if (o.max_states == 0)
		o.max_states = 400000;
	if (witness)
		st = run_witness(scen_path, &o, witness);
	else
		st = run_file(scen_path, &o, NULL, &v);
	if (witness)
		return;
	c->states = v.states;
	c->seconds = v.seconds;
	if (st == 2 || v.error) {
		c->verdict = "unknown";
		c->why = "state limit or error (see stderr)";
	} else if (v.deadlock) {
		c->verdict = "unsafe";
		c->why = "deadlock";
	} else if (v.assert_failed) {
		c->verdict = "unsafe";
		c->why = "stale read";
	} else if (v.fault) {
		c->verdict = "unsafe";
		c->why = "fault";
	} else if (v.aliasing_only) {
		c->verdict = "unsafe";
		c->why = "lost write";
	} else {
		c->verdict = "safe";
		c->why = "-";
	}
}

static int want(const char *filter, const char *v)
{
	return filter == NULL || strcmp(filter, v) == 0;
}

static char mark(const struct cell *c)
{
	if (strcmp(c->verdict, "safe") == 0)
		return '.';
	if (strcmp(c->verdict, "n/a") == 0)
		return ' ';
	if (strcmp(c->verdict, "unknown") == 0)
		return '?';
	switch (c->why[0]) {
	case 'd': return 'D';
	case 's': return 'S';
	case 'l': return 'L';
	default: return 'F';
	}
}

int fuse_table(const struct table_opts *t, const struct run_opts *o)
{
	struct row custom = { NULL, "6.12", "your strategy (--fuse-strategy)" };
	const struct row *rs = rows;
	int nrows = NROWS, r, p, m, s, status = 0;
	char spath[1024], cpath[1024];
	size_t max_states = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (t->strategy_file != NULL) {
		custom.strategy = t->strategy_file;
		rs = &custom;
		nrows = 1;
	}
	if (t->witness != NULL) {
		char buf[256], *f[5], *save = NULL;
		int n = 0;

		snprintf(buf, sizeof(buf), "%s", t->witness);
		for (char *tok = strtok_r(buf, "/", &save); tok && n < 5;
		     tok = strtok_r(NULL, "/", &save))
			f[n++] = tok;
		if (n != 5 || profile_find(f[2]) == NULL) {
			fprintf(stderr, "command line:1:1: a cell is "
				"STRATEGY/KERNEL/PROFILE/MODE/SCENARIO, e.g. "
				"dev-2.6.19/2.6.19/arm926/up/reply\n");
			return 2;
		}
		snprintf(cpath, sizeof(cpath), "fuse/%s.litmus", f[0]);
		if (t->strategy_file == NULL &&
		    find_lib(o, cpath, spath, sizeof(spath)) == NULL) {
			fprintf(stderr, "command line:1:1: unknown strategy "
				"'%s'\n", f[0]);
			return 2;
		}
		snprintf(buf + 200, 56, "fuse/scenarios/%s.litmus", f[4]);
		if (find_lib(o, buf + 200, cpath, sizeof(cpath)) == NULL) {
			fprintf(stderr, "command line:1:1: unknown scenario "
				"'%s'\n", f[4]);
			return 2;
		}
		{
			struct cell c;

			printf("Cell %s\n", t->witness);
			check_cell(o, t->strategy_file ? t->strategy_file :
				   spath, f[1], f[2], f[3], cpath, &c, stdout);
		}
		return 0;
	}
	if (t->tsv)
		printf("strategy\tkernel\tprofile\tmode\tscenario\tverdict\twhy\tstates\tseconds\n");
	for (r = 0; r < nrows; r++) {
		char rel[256];
		const char *sp;

		if (!want(t->strategy, rs[r].strategy))
			continue;
		if (t->strategy_file == NULL) {
			snprintf(rel, sizeof(rel), "fuse/%s.litmus",
				 rs[r].strategy);
			sp = find_lib(o, rel, spath, sizeof(spath));
			if (sp == NULL) {
				fprintf(stderr, "stale: cannot find %s\n", rel);
				return 2;
			}
		} else {
			sp = t->strategy_file;
		}
		if (!t->tsv) {
			printf("\n%s under %s -- %s\n", rs[r].strategy,
			       rs[r].kernel, rs[r].claim);
			printf("  %-17s", "");
			for (m = 0; m < NMODE; m++)
				if (want(t->mode, modes[m]))
					printf(" %-11s", modes[m]);
			printf("\n");
		}
		for (p = 0; p < NPROF; p++) {
			if (!want(t->profile, profiles[p]))
				continue;
			if (!t->tsv)
				printf("  %-17s", profiles[p]);
			for (m = 0; m < NMODE; m++) {
				char cells[16];
				int k = 0;

				if (!want(t->mode, modes[m]))
					continue;
				for (s = 0; s < NSCEN; s++) {
					struct cell c;

					if (!want(t->scenario, scenarios[s]))
						continue;
					snprintf(rel, sizeof(rel),
						 "fuse/scenarios/%s.litmus",
						 scenarios[s]);
					if (find_lib(o, rel, cpath,
						     sizeof(cpath)) == NULL) {
						fprintf(stderr, "stale: cannot "
							"find %s\n", rel);
						return 2;
					}
					check_cell(o, sp, rs[r].kernel,
						   profiles[p], modes[m], cpath,
						   &c, NULL);
					if (c.states > max_states)
						max_states = c.states;
					if (t->tsv)
						printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%zu\t%.3f\n",
						       rs[r].strategy,
						       rs[r].kernel,
						       profiles[p], modes[m],
						       scenarios[s], c.verdict,
						       c.why, c.states,
						       c.seconds);
					else
						cells[k++] = mark(&c);
				}
				cells[k] = '\0';
				if (!t->tsv)
					printf(" %-11s", cells);
			}
			if (!t->tsv)
				printf("\n");
			fflush(stdout);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!t->tsv) {
		printf("\nEach cell: one mark per scenario (reply request "
		       "mt-reply mt-request):\n"
		       "  . safe   S stale read (a check failed)   L lost "
		       "write (aliasing-only final state)\n"
		       "  D deadlock   F fault   ? not settled (state limit)   blank: n/a (no SMP "
		       "hardware)\n");
		printf("Largest cell: %zu states; whole table: %.1f s.  "
		       "Witness of a cell: stale fuse --witness "
		       "STRATEGY/KERNEL/PROFILE/MODE/SCENARIO\n", max_states,
		       (double)(t1.tv_sec - t0.tv_sec) +
		       1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
	}
	return status;
}
