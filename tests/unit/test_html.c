/*
 * test_html.c - unit tests of what the --html pages build on: escaping,
 * anchors, and the names a witness's sentence uses (src/cli/html.c,
 * src/cli/story.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "html.h"
#include "story.h"
#include "check.h"

/* What f wrote, as a string (freed by the caller). */
static char *written(void (*put)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		abort();
	put(m, s);
	fclose(m);
	return buf;
}

static void test_escape(void)
{
	char *s = written(html_esc, "a&b<c>\"d'e");

	CHECK(strcmp(s, "a&amp;b&lt;c&gt;&quot;d&#39;e") == 0);
	free(s);
	s = written(html_esc, "plain 0x10000 [buf+1]=0;");
	CHECK(strcmp(s, "plain 0x10000 [buf+1]=0;") == 0);
	free(s);
}

static void test_escape_stops(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		abort();
	/* n bytes, or up to a NUL: a step's lines are a slice of the trace */
	html_escn(m, "<a>bc", 3);
	html_escn(m, "d\0ef", 4);
	fclose(m);
	CHECK(strcmp(buf, "&lt;a&gt;d") == 0);
	free(buf);
}

static void test_id(void)
{
	char id[32];

	html_id(id, sizeof(id), "w-", "dev-2.6.19/2.6.19/arm926");
	CHECK(strcmp(id, "w-dev-2-6-19-2-6-19-arm926") == 0);
	html_id(id, sizeof(id), "c-", "a&b<c>'d\".litmus");
	CHECK(strcmp(id, "c-a-b-c--d--litmus") == 0);
	/* too long for the buffer: cut, still terminated */
	html_id(id, 8, "w-", "abcdefghij");
	CHECK(strcmp(id, "w-abcde") == 0);
}

static void test_names(void)
{
	static struct prog p;
	struct story_copy d = { 1, 3, 0, 0x10000, 0 };
	struct story_copy i = { 0, 5 | ISET, 0, 0x10000, 0 };
	char buf[200];

	p.prof.page_size = 4096;
	p.nthreads = 3;
	p.threads[0] = (struct tprog){ .index = 0, .kind = TK_TASK };
	p.threads[1] = (struct tprog){ .index = 1, .kind = TK_DEVICE };
	p.threads[2] = (struct tprog){ .index = 2, .kind = TK_IRQ };
	p.nprocs = 1;
	p.procs[0].name = "daemon";
	p.nmaps = 1;
	p.maps[0] = (struct pmap){ .proc = 0, .page = 0, .va = 0x10000,
				   .name = "buf" };
	p.npages = 1;
	p.pages[0] = (struct ppage){ .name = "p", .pa = 0x100000 };

	story_alias_name(&p, 0x10004, buf, sizeof(buf));
	CHECK(strcmp(buf, "the user alias 0x10004 (buf of daemon)") == 0);
	story_alias_name(&p, 0xc0100000, buf, sizeof(buf));
	CHECK(strcmp(buf, "the kernel alias 0xc0100000") == 0);
	story_word_name(&p, 0x100008, buf, sizeof(buf));
	CHECK(strcmp(buf, "buf[2]") == 0);
	story_who(&p, 1, buf, sizeof(buf));
	CHECK(strcmp(buf, "the device P1") == 0);
	story_who(&p, 2, buf, sizeof(buf));
	CHECK(strcmp(buf, "the interrupt handler P2") == 0);
	story_who(&p, -1, buf, sizeof(buf));
	CHECK(strcmp(buf, "the kernel") == 0);
	story_path(&p, 1, 0x100000, buf, sizeof(buf));
	CHECK(strcmp(buf, "by DMA at bus address 0x100000") == 0);
	story_path(&p, 0, 0x10000, buf, sizeof(buf));
	CHECK(strcmp(buf, "through the user alias 0x10000 (buf of daemon)")
	      == 0);
	story_cache_name(&d, 1, buf, sizeof(buf));
	CHECK(strcmp(buf, "cpu1's cache, set 3") == 0);
	story_cache_name(&i, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "cpu0 I-cache, set 5") == 0);
}

int main(void)
{
	test_escape();
	test_escape_stops();
	test_id();
	test_names();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
