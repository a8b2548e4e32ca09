/*
 * fusetable.c - every (strategy, kernel, profile, mode, scenario) cell of
 * the FUSE table, each an exhaustive check of lib/fuse/scenarios/ under
 * that strategy's copy code, grouped by the claim of the mail it settles.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "fusetable.h"
#include "html.h"

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
	"reply", "request", "mt-reply", "mt-request", "self-mmap",
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

struct job {
	int r, p, m, s;
	char strat[1024];
	char scen[1024];
	struct cell c;
};

/* What a worker sends back for one cell. */
struct record {
	int idx;
	int verdict, why;
	size_t states;
	double seconds;
};

static const char *const verdicts[] = { "safe", "unsafe", "n/a", "unknown" };
static const char *const whys[] = {
	"-", "deadlock", "stale read", "fault", "lost write",
	"no SMP hardware", "state limit or error (see stderr)",
};

static int index_of(const char *const *names, int n, const char *v)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return 0;
}

static void run_one(const struct run_opts *o, const struct row *rs,
		    struct job *j)
{
	check_cell(o, j->strat, rs[j->r].kernel, profiles[j->p],
		   modes[j->m], j->scen, &j->c, NULL);
}

/*
 * Cells are independent: fork `jobs` workers, each takes every jobs-th
 * cell and writes one record per cell down a shared pipe (records are
 * smaller than PIPE_BUF, so writes do not interleave).
 */
static void run_jobs(const struct run_opts *o, const struct row *rs,
		     struct job *jobs, int n, int workers)
{
	int fd[2], w, k, started;
	struct record rec;

	if (workers < 1)
		workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (workers > n)
		workers = n;
	if (workers <= 1 || pipe(fd) < 0) {
		for (k = 0; k < n; k++)
			run_one(o, rs, &jobs[k]);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (started = 0; started < workers; started++) {
		pid_t pid = fork();

		w = started;
		if (pid < 0)
			break;
		if (pid > 0)
			continue;
		close(fd[0]);
		for (k = w; k < n; k += workers) {
			run_one(o, rs, &jobs[k]);
			rec.idx = k;
			rec.verdict = index_of(verdicts, 4, jobs[k].c.verdict);
			rec.why = index_of(whys, 7, jobs[k].c.why);
			rec.states = jobs[k].c.states;
			rec.seconds = jobs[k].c.seconds;
			if (write(fd[1], &rec, sizeof(rec)) != sizeof(rec))
				_exit(1);
		}
		_exit(0);
	}
	close(fd[1]);
	while (read(fd[0], &rec, sizeof(rec)) == sizeof(rec)) {
		if (rec.idx < 0 || rec.idx >= n)
			continue;
		jobs[rec.idx].c.verdict = verdicts[rec.verdict];
		jobs[rec.idx].c.why = whys[rec.why];
		jobs[rec.idx].c.states = rec.states;
		jobs[rec.idx].c.seconds = rec.seconds;
	}
	close(fd[0]);
	while (wait(NULL) > 0)
		;
	/* the cells of workers that could not be forked: here */
	for (k = 0; k < n; k++)
		if (k % workers >= started)
			run_one(o, rs, &jobs[k]);
	/* a cell no worker reported (a worker died) is not settled */
	for (k = 0; k < n; k++)
		if (jobs[k].c.verdict == NULL) {
			jobs[k].c.verdict = "unknown";
			jobs[k].c.why = whys[6];
		}
}

static int known(const char *const *names, int n, const char *v)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return 1;
	return 0;
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

/*
 * The page: the table, then a witness for each unsafe cell, computed
 * again here (the workers kept only the verdicts).
 */
static int html_page(const char *out, const struct run_opts *o,
		     const struct row *rs, const struct job *jobs, int n)
{
	struct html_cell *cells = calloc((size_t)n, sizeof(*cells));
	FILE *f = fopen(out, "w");
	int k;

	if (cells == NULL)
		abort();
	if (f == NULL) {
		fprintf(stderr, "command line:1:1: cannot write %s\n", out);
		free(cells);
		return 2;
	}
	for (k = 0; k < n; k++) {
		const struct job *j = &jobs[k];

		cells[k] = (struct html_cell){ rs[j->r].strategy,
			rs[j->r].kernel, rs[j->r].claim, profiles[j->p],
			modes[j->m], scenarios[j->s], j->c.verdict, j->c.why };
	}
	html_begin(f, "stale: the FUSE verdict table", "Each block is one copy "
		   "strategy under one kernel, titled with the claim of the "
		   "2006 mail (or of the thread) it settles; each row a "
		   "machine, each column a mode and a scenario.  An unsafe "
		   "cell links to its witness below.", 1);
	html_fuse_table(f, cells, n);
	fputs("<h2 id=\"witnesses\">Witnesses</h2>\n", f);
	for (k = 0; k < n; k++) {
		const struct job *j = &jobs[k];
		struct run_opts w = *o;
		char name[512], id[600], head[700];
		FILE *text;
		char *buf = NULL;
		size_t len = 0;
		struct cell c;

		if (!html_cell_unsafe(&cells[k]))
			continue;
		html_cell_name(name, sizeof(name), &cells[k]);
		html_id(id, sizeof(id), "w-", name);
		snprintf(head, sizeof(head), "%s: %s", name, j->c.why);
		text = open_memstream(&buf, &len);
		if (text == NULL)
			abort();
		w.html = f;
		w.html_id = id;
		w.html_heading = head;
		check_cell(&w, j->strat, rs[j->r].kernel, profiles[j->p],
			   modes[j->m], j->scen, &c, text);
		fclose(text);
		free(buf);
		html_id(id, sizeof(id), "c-", name);
		fprintf(f, "<p><a href=\"#%s\">back to the table</a></p>\n",
			id);
	}
	html_end(f);
	free(cells);
	if (fclose(f) != 0) {
		fprintf(stderr, "command line:1:1: cannot write %s\n", out);
		return 2;
	}
	return 0;
}

int fuse_table(const struct table_opts *t, const struct run_opts *o)
{
	struct row custom = { NULL, "6.12", "your strategy (--fuse-strategy)" };
	const struct row *rs = rows;
	int nrows = NROWS, r, p, m, s, k, njobs, status = 0;
	char spath[1024], cpath[1024];
	struct job *jobs;
	size_t max_states = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (t->strategy_file != NULL) {
		custom.strategy = t->strategy_file;
		rs = &custom;
		nrows = 1;
	}
	if (t->witness != NULL && t->html != NULL) {
		fprintf(stderr, "command line:1:1: --html draws the whole "
			"table; leave out --witness\n");
		return 2;
	}
	if (t->witness != NULL) {
		char buf[256], *f[5], *save = NULL;
		int n = 0;

		snprintf(buf, sizeof(buf), "%s", t->witness);
		for (char *tok = strtok_r(buf, "/", &save); tok && n < 5;
		     tok = strtok_r(NULL, "/", &save))
			f[n++] = tok;
		if (n != 5 || profile_find(f[2]) == NULL ||
		    kver_parse(f[1]) < 0 || !known(modes, NMODE, f[3])) {
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
	/* every wanted cell, computed (in parallel), then printed */
	njobs = 0;
	jobs = calloc((size_t)(nrows * NPROF * NMODE * NSCEN), sizeof(*jobs));
	if (jobs == NULL)
		abort();
	for (r = 0; r < nrows; r++) {
		char rel[256], sp[1024];

		if (!want(t->strategy, rs[r].strategy))
			continue;
		if (t->strategy_file == NULL) {
			snprintf(rel, sizeof(rel), "fuse/%s.litmus",
				 rs[r].strategy);
			if (find_lib(o, rel, sp, sizeof(sp)) == NULL) {
				fprintf(stderr, "stale: cannot find %s\n", rel);
				free(jobs);
				return 2;
			}
		} else {
			snprintf(sp, sizeof(sp), "%s", t->strategy_file);
		}
		for (p = 0; p < NPROF; p++)
			for (m = 0; m < NMODE; m++)
				for (s = 0; s < NSCEN; s++) {
					struct job *j = &jobs[njobs];

					if (!want(t->profile, profiles[p]) ||
					    !want(t->mode, modes[m]) ||
					    !want(t->scenario, scenarios[s]))
						continue;
					snprintf(rel, sizeof(rel),
						 "fuse/scenarios/%s.litmus",
						 scenarios[s]);
					if (find_lib(o, rel, j->scen,
						     sizeof(j->scen)) == NULL) {
						fprintf(stderr, "stale: cannot "
							"find %s\n", rel);
						free(jobs);
						return 2;
					}
					snprintf(j->strat, sizeof(j->strat),
						 "%s", sp);
					j->r = r;
					j->p = p;
					j->m = m;
					j->s = s;
					njobs++;
				}
	}
	if (njobs == 0) {
		fprintf(stderr, "command line:1:1: no cell matches --profile, "
			"--mode, --strategy and --scenario (profiles: arm926 "
			"... pipt; modes: up, up-preempt, smp; scenarios: "
			"reply, request, mt-reply, mt-request, self-mmap)\n");
		free(jobs);
		return 2;
	}
	run_jobs(o, rs, jobs, njobs, t->jobs);
	if (t->tsv)
		printf("strategy\tkernel\tprofile\tmode\tscenario\tverdict\twhy\tstates\tseconds\n");
	for (k = 0; k < njobs; k++) {
		const struct job *j = &jobs[k];
		const struct cell *c = &j->c;

		if (c->states > max_states)
			max_states = c->states;
		if (t->tsv) {
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%zu\t%.3f\n",
			       rs[j->r].strategy, rs[j->r].kernel,
			       profiles[j->p], modes[j->m], scenarios[j->s],
			       c->verdict, c->why, c->states, c->seconds);
			continue;
		}
		if (k == 0 || j->r != jobs[k - 1].r) {
			printf("%s%s under %s -- %s\n", k ? "\n\n" : "",
			       rs[j->r].strategy, rs[j->r].kernel,
			       rs[j->r].claim);
			printf("  %-17s", "");
			for (m = 0; m < NMODE; m++)
				if (want(t->mode, modes[m]))
					printf(" %-11s", modes[m]);
		}
		if (k == 0 || j->p != jobs[k - 1].p || j->r != jobs[k - 1].r)
			printf("\n  %-17s", profiles[j->p]);
		if (k == 0 || j->m != jobs[k - 1].m || j->p != jobs[k - 1].p ||
		    j->r != jobs[k - 1].r)
			printf(" ");
		putchar(mark(c));
		if (k + 1 == njobs || jobs[k + 1].m != j->m ||
		    jobs[k + 1].p != j->p || jobs[k + 1].r != j->r) {
			int used = 0, q;

			for (q = k; q >= 0 && jobs[q].m == j->m &&
			     jobs[q].p == j->p && jobs[q].r == j->r; q--)
				used++;
			printf("%*s", 11 - used, "");
		}
	}
	if (!t->tsv)
		printf("\n");
	if (t->html != NULL)
		status = html_page(t->html, o, rs, jobs, njobs);
	free(jobs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!t->tsv) {
		printf("\nEach cell: one mark per scenario (reply request "
		       "mt-reply mt-request self-mmap):\n"
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
