/*
 * main.c - the stale command: `run`, `fuse` (the default), `profiles`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fusetable.h"
#include "membudget.h"
#include "html.h"
#include "promela.h"
#include "run.h"

#define STALE_VERSION "0.1"

static void usage(FILE *f)
{
	fputs("usage: stale [fuse] [--tsv] [--witness CELL] [--profile P]"
	      " [--mode M]\n"
	      "             [--strategy S] [--scenario N] [--fuse-strategy FILE]\n"
	      "             [--html OUT.html]\n"
	      "       stale run [options] FILE...\n"
	      "       stale export --promela [--eager] [run options] FILE\n"
	      "       stale profiles\n"
	      "\n"
	      "run options:\n"
	      "  --expect            exit 1 unless each file gives its Result:\n"
	      "  --cache P[,k=v...]  machine profile (and overrides)\n"
	      "  --cpus N            number of CPUs\n"
	      "  --preempt on|off    CONFIG_PREEMPT\n"
	      "  --kernel V          2.6.19, 2.6.20 or 6.12\n"
	      "  --evict any|none    nondeterministic evictions\n"
	      "  --max-steps N       per-thread step bound (default 100000)\n"
	      "  --max-states N      give up past N states\n"
	      "  --witness           print witnesses (default)\n"
	      "  --no-witness        do not\n"
	      "  --no-reduce         explore without reductions\n"
	      "  --json              one JSON object per file\n"
	      "  --html OUT.html     also write a page with the result and a\n"
	      "                      picture of each witness (fuse: the table)\n"
	      "  --fuse-strategy F   a copy strategy of your own\n"
	      "  --jobs N            run: N searcher threads; fuse: N processes\n"
	      "  --max-memory MIB    bound on the search tables (default: what\n"
	      "                      the system has available)\n"
	      "  --estimate[=WALKS]  predict states and time from random walks\n"
	      "                      instead of searching\n"
	      "  --help, --version\n", f);
}

static int onoff(const char *s, const char *what)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "any") == 0)
		return 1;
	if (strcmp(s, "off") == 0 || strcmp(s, "none") == 0)
		return 0;
	fprintf(stderr, "command line:1:1: bad value '%s' for %s\n", s, what);
	exit(2);
}

#define MAX_JOBS	64	/* psearch.c keeps a searcher number in 8 bits */

/* A whole number from lo to hi, or a command-line error. */
static long number(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "command line:1:1: %s must be a number from "
			"%ld to %ld, not '%s'\n", what, lo, hi, s);
		exit(2);
	}
	return v;
}

static int cmd_profiles(void)
{
	int i;

	printf("%-17s %-5s %-8s %7s %4s %4s %5s %6s %-7s %-5s %-9s %-6s %-6s "
	       "%-5s %s\n", "profile", "index", "arch", "size", "ways", "line",
	       "dirty", "colour", "write", "alloc", "coherence", "switch",
	       "icache", "dma", "page");
	for (i = 0; i < profile_count(); i++) {
		const struct profile *p = profile_at(i);

		printf("%-17s %-5s %-8s %7u %4u %4u %5u %6u %-7s %-5s %-9s %-6s "
		       "%-6s %-5s %u\n",
		       p->name, index_name(p->index), arch_name(p->arch),
		       p->size, p->ways, p->line, p->dirty_granule,
		       profile_colours(p),
		       p->index == IDX_NONE ? "-" :
		       p->write_back ? "back" : "through",
		       p->index == IDX_NONE ? "-" :
		       p->write_allocate ? "write" : "read",
		       coherence_name(p->coherence),
		       p->flush_on_switch ? "flush" : "-",
		       p->icache ? "split" : "-",
		       p->dma_coherent ? "snoop" : "-", p->page_size);
	}
	printf("\nSources:\n");
	for (i = 0; i < profile_count(); i++)
		printf("  %-17s %s\n", profile_at(i)->name, profile_at(i)->source);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expect", no_argument, NULL, 'e' },
		{ "cache", required_argument, NULL, 'c' },
		{ "cpus", required_argument, NULL, 'n' },
		{ "preempt", required_argument, NULL, 'p' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "evict", required_argument, NULL, 'v' },
		{ "max-steps", required_argument, NULL, 's' },
		{ "max-states", required_argument, NULL, 'S' },
		{ "witness", optional_argument, NULL, 'w' },
		{ "no-witness", no_argument, NULL, 'W' },
		{ "no-reduce", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "fuse-strategy", required_argument, NULL, 'f' },
		{ "tsv", no_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "max-memory", required_argument, NULL, 'm' },
		{ "estimate", optional_argument, NULL, 'E' },
		{ "profile", required_argument, NULL, 'P' },
		{ "mode", required_argument, NULL, 'M' },
		{ "strategy", required_argument, NULL, 'T' },
		{ "scenario", required_argument, NULL, 'N' },
		{ "promela", no_argument, NULL, 'X' },
		{ "eager", no_argument, NULL, 'G' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { 0 };
	struct table_opts t = { 0 };
	const char *cmd = "fuse";
	static char cachebuf[256];
	const char *html = NULL;
	int ch, i, status = 0, promela = 0;

	o.lo.preempt = -1;
	o.lo.evict = -1;
	o.reduce = 1;
	o.witness = 1;
	o.lo.libdirs = default_libdirs();
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		argv++;
		argc--;
	}
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			o.expect = 1;
			break;
		case 'c': {
			char *comma;

			snprintf(cachebuf, sizeof(cachebuf), "%s", optarg);
			comma = strchr(cachebuf, ',');
			if (comma != NULL) {
				*comma = '\0';
				o.lo.cache_extra = comma + 1;
			}
			o.lo.cache = cachebuf;
			break;
		}
		case 'n':
			o.lo.cpus = atoi(optarg);
			if (o.lo.cpus < 1 || o.lo.cpus > MAX_CPUS) {
				fprintf(stderr, "command line:1:1: --cpus must "
					"be 1 to %d\n", MAX_CPUS);
				return 2;
			}
			break;
		case 'p':
			o.lo.preempt = onoff(optarg, "--preempt");
			break;
		case 'k':
			if (kver_parse(optarg) < 0) {
				fprintf(stderr, "command line:1:1: unknown "
					"kernel version '%s'\n", optarg);
				return 2;
			}
			o.lo.kernel = optarg;
			break;
		case 'v':
			o.lo.evict = onoff(optarg, "--evict");
			break;
		case 's':
			o.lo.max_steps = atol(optarg);
			break;
		case 'S':
			o.max_states = (size_t)atol(optarg);
			break;
		case 'w':
			o.witness = 1;
			if (optarg)
				t.witness = optarg;
			else if (optind < argc && strcmp(cmd, "fuse") == 0 &&
				 argv[optind][0] != '-')
				t.witness = argv[optind++];
			break;
		case 'W':
			o.witness = 0;
			break;
		case 'R':
			o.reduce = 0;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'f':
			o.lo.fuse_strategy_file = optarg;
			t.strategy_file = optarg;
			break;
		case 't':
			t.tsv = 1;
			break;
		case 'J':
			t.jobs = number(optarg, "--jobs", 1, MAX_JOBS);
			o.jobs = t.jobs;
			break;
		case 'm':
			mem_set_limit((size_t)number(optarg, "--max-memory (MiB)",
						     1, 1L << 30) << 20);
			break;
		case 'E':
			o.estimate = optarg ? (int)number(optarg, "--estimate",
							  1, 1000000) : 300;
			break;
		case 'P':
			t.profile = optarg;
			break;
		case 'M':
			t.mode = optarg;
			break;
		case 'T':
			t.strategy = optarg;
			break;
		case 'N':
			t.scenario = optarg;
			break;
		case 'X':
			promela = 1;
			break;
		case 'G':
			o.eager = 1;
			break;
		case 'H':
			html = optarg;
			t.html = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("stale %s\n", STALE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.eager && strcmp(cmd, "export") != 0) {
		fprintf(stderr, "command line:1:1: --eager is an option of "
			"stale export --promela\n");
		return 2;
	}
	if (strcmp(cmd, "profiles") == 0)
		return cmd_profiles();
	if (strcmp(cmd, "fuse") == 0) {
		/* the table's cells run in processes; each search is serial */
		o.jobs = 1;
		if (optind < argc) {
			fprintf(stderr, "command line:1:1: stale fuse takes no "
				"file ('%s'); use stale run\n", argv[optind]);
			return 2;
		}
		return fuse_table(&t, &o);
	}
	if (strcmp(cmd, "export") == 0) {
		if (!promela || optind + 1 != argc) {
			fprintf(stderr, "command line:1:1: usage: stale export "
				"--promela [--eager] [run options] FILE\n");
			return 2;
		}
		return export_promela(argv[optind], &o, stdout);
	}
	if (strcmp(cmd, "run") != 0) {
		fprintf(stderr, "command line:1:1: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "command line:1:1: stale run needs a file\n");
		return 2;
	}
	if (html != NULL && o.json) {
		fprintf(stderr, "command line:1:1: --html and --json do not go "
			"together\n");
		return 2;
	}
	if (html != NULL)
		return html_run_page(html, argv + optind, argc - optind, &o);
	for (i = optind; i < argc; i++) {
		struct verdict v;
		int s = run_file(argv[i], &o, stdout, &v);

		if (s > status)
			status = s;
	}
	return status;
}
