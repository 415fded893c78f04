/* test_probe_oom.c: unit tests of the oom probe: the real H100 fixture,
 * both message forms, other processes, fragmentation, leaks across
 * summaries, the batch suggestion, and broken or hostile logs (every
 * truncation of the fixture, huge numbers, garbage units, random bytes,
 * invalid UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/training/oom.h"
#include "probe/probe.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static char *fixture(const char *name, size_t *len)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	const char *dir = getenv("ML_FIXTURES");

	buf_printf(&path, "%s/oom/%s", dir ? dir : "../../tests/fixtures",
		   name);
	assert_int_equal(buf_read_file(&b, buf_str(&path), 0), 0);
	buf_free(&path);
	return buf_detach(&b, len);
}

/* Parses text and returns the facts (caller decrefs). */
static json_t *facts_of(const char *text, size_t n, long long batch)
{
	struct oom_report r = {0};
	json_t *f;

	assert_int_equal(oom_parse(text, n, &r), 0);
	f = oom_facts(&r, batch, "test");
	oom_report_free(&r);
	assert_non_null(f);
	return f;
}

static json_t *facts_str(const char *text, long long batch)
{
	return facts_of(text, strlen(text), batch);
}

static int has_cause(const json_t *f, const char *cause)
{
	size_t i;
	json_t *v;

	json_array_foreach(
	    json_object_get(f, "causes"), i,
	    v) if (!strcmp(json_string_value(v), cause)) return 1;
	return 0;
}

static int suggests(const json_t *f, const char *needle)
{
	size_t i;
	json_t *v;

	json_array_foreach(
	    json_object_get(f, "suggestions"), i,
	    v) if (strstr(json_string_value(v), needle)) return 1;
	return 0;
}

static void test_sizes(void **state)
{
	const char *s;
	int64_t b;
	(void)state;
#define SZ(text) oom_parse_size(text, text + strlen(text), &s, &b)
	assert_int_equal(SZ("4.00 GiB"), 0);
	assert_int_equal(b, 4LL << 30);
	assert_int_equal(SZ("511.50 KiB"), 0);
	assert_int_equal(b, 523776);
	assert_int_equal(SZ("523776 B"), 0);
	assert_int_equal(b, 523776);
	assert_int_equal(SZ("12 bytes"), 0);
	assert_int_equal(b, 12);
	assert_int_equal(SZ("  77889 MiB |"), 0);
	assert_int_equal(b, 77889LL << 20);
	assert_int_equal(*s, ' ');
	assert_int_equal(SZ("2 TiB"), 0);
	assert_int_equal(b, 2LL << 40);
	assert_int_equal(SZ("4.00 XiB"), -1);
	assert_int_equal(SZ("4.00 GB"), -1);
	assert_int_equal(SZ("GiB"), -1);
	assert_int_equal(SZ(""), -1);
	assert_int_equal(SZ("4.00"), -1);
	assert_int_equal(SZ("1e5 GiB"), -1);
	assert_int_equal(SZ("99999999999999999999 GiB"), -1);
	assert_int_equal(SZ("4194304 TiB"), -1); /* 2^62 bytes */
	assert_int_equal(SZ("4194303 TiB"), 0);
	assert_int_equal(SZ("1234567890123456789012345678 B"), -1);
#undef SZ
	/* The unit is cut by the end of the range: never read past it. */
	const char *t = "4.00 GiB";
	assert_int_equal(oom_parse_size(t, t + 6, &s, &b), -1);
}

static void test_fixture(void **state)
{
	size_t n;
	char *text = fixture("oom.txt", &n);
	json_t *f = facts_of(text, n, 64), *fr, *s0, *batch;
	(void)state;

	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_string_equal(jget_str(f, "form", ""), "current");
	assert_string_equal(jget_str(f, "error", ""), "torch.OutOfMemoryError");
	assert_int_equal(jget_int(f, "line", 0), 23);
	assert_int_equal(jget_int(f, "gpu", -1), 0);
	assert_int_equal(jget_int(f, "requested", 0), 8LL << 30);
	assert_int_equal(jget_int(f, "capacity", 0), llround(79.18 * GIB));
	assert_int_equal(jget_int(f, "free", 0), llround(2.38 * GIB));
	assert_int_equal(jget_int(f, "process", 0), llround(76.79 * GIB));
	assert_int_equal(jget_int(f, "allocated", 0), llround(76.06 * GIB));
	assert_int_equal(jget_int(f, "reserved_unallocated", 0), 523776);
	assert_int_equal(jget_int(f, "reserved", 0),
			 llround(76.06 * GIB) + 523776);
	assert_true(fabs(jget_num(f, "capacity_gib", 0) - 79.18) < 1e-6);
	assert_true(fabs(jget_num(f, "non_pytorch_gib", 0) - 0.7295) < 1e-3);
	fr = json_object_get(f, "frame");
	assert_true(strstr(jget_str(fr, "file", ""), "nn/modules/linear.py"));
	assert_int_equal(jget_int(fr, "line", 0), 134);
	assert_string_equal(jget_str(fr, "function", ""), "forward");
	assert_int_equal(jget_int(f, "summary_count", 0), 1);
	s0 = json_array_get(json_object_get(f, "summaries"), 0);
	assert_int_equal(jget_int(s0, "device", -1), 0);
	assert_int_equal(jget_int(s0, "cuda_ooms", -1), 1);
	assert_int_equal(jget_int(s0, "alloc_retries", -1), 3);
	assert_int_equal(jget_int(json_object_get(s0, "allocated"), "cur", 0),
			 77889LL << 20);
	assert_int_equal(jget_int(json_object_get(s0, "reserved"), "alloc", 0),
			 150726LL << 20);
	assert_int_equal(
	    jget_int(json_object_get(s0, "non_releasable"), "cur", 0), 523776);
	assert_int_equal(
	    jget_int(json_object_get(s0, "allocations"), "peak", 0), 50);
	/* Nothing else holds memory and the cache is not fragmented: the
	 * batch is too large. 64 * 0.9 * 78.44 / 84.06 = 53.7 -> 2 x 32. */
	assert_string_equal(jget_str(f, "cause", ""), "batch-too-large");
	assert_false(has_cause(f, "fragmentation"));
	assert_false(has_cause(f, "other-process"));
	batch = json_object_get(f, "batch");
	assert_int_equal(jget_int(batch, "suggested", 0), 32);
	assert_int_equal(jget_int(batch, "grad_accum_steps", 0), 2);
	assert_int_equal(jget_int(batch, "effective", 0), 64);
	assert_true(suggests(f, "from 64 to 32"));
	json_decref(f);
	free(text);
}

static void test_batch_rounding(void **state)
{
	/* 100 GiB demand, 90% of 80 GiB usable = 72 GiB: 100 * 0.72 = 72 is
	 * the largest batch; 2 steps of 50 keep the effective batch of 100. */
	json_t *f = facts_str(
	    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate "
	    "20.00 GiB. GPU 0 has a total capacity of 80.00 GiB of which "
	    "0 bytes is free. Including non-PyTorch memory, this process "
	    "has 80.00 GiB memory in use. Of the allocated memory 80.00 GiB "
	    "is allocated by PyTorch, and 0 bytes is reserved by PyTorch "
	    "but unallocated.\n",
	    100);
	json_t *b = json_object_get(f, "batch");
	(void)state;
	assert_int_equal(jget_int(b, "suggested", 0), 50);
	assert_int_equal(jget_int(b, "grad_accum_steps", 0), 2);
	assert_int_equal(jget_int(b, "effective", 0), 100);
	json_decref(f);
	/* Batch 1 can only stay 1. */
	f = facts_str("CUDA out of memory. Tried to allocate 90.00 GiB. GPU 0 "
		      "has a total capacity of 80.00 GiB of which 1.00 GiB is "
		      "free. Of the allocated memory 1.00 GiB is allocated by "
		      "PyTorch, and 0 bytes is reserved by PyTorch but "
		      "unallocated.",
		      1);
	b = json_object_get(f, "batch");
	assert_int_equal(jget_int(b, "suggested", 0), 1);
	assert_int_equal(jget_int(b, "grad_accum_steps", 0), 1);
	json_decref(f);
}

static void test_legacy(void **state)
{
	json_t *f = facts_str(
	    "Traceback (most recent call last):\n"
	    "  File \"train.py\", line 88, in step\n"
	    "    loss = model(x)\n"
	    "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB "
	    "(GPU 1; 79.11 GiB total capacity; 70.00 GiB already allocated; "
	    "1.50 GiB free; 75.00 GiB reserved in total by PyTorch) If "
	    "reserved memory is >> allocated memory try setting "
	    "max_split_size_mb to avoid fragmentation.\n",
	    0);
	(void)state;
	assert_string_equal(jget_str(f, "form", ""), "legacy");
	assert_string_equal(jget_str(f, "error", ""), "RuntimeError");
	assert_int_equal(jget_int(f, "gpu", -1), 1);
	assert_int_equal(jget_int(f, "requested", 0), 2LL << 30);
	assert_int_equal(jget_int(f, "capacity", 0), llround(79.11 * GIB));
	assert_int_equal(jget_int(f, "allocated", 0), 70LL << 30);
	assert_int_equal(jget_int(f, "free", 0), llround(1.5 * GIB));
	assert_int_equal(jget_int(f, "reserved", 0), 75LL << 30);
	assert_int_equal(jget_int(f, "reserved_unallocated", 0), 5LL << 30);
	assert_true(json_is_null(json_object_get(f, "non_pytorch")));
	assert_string_equal(jget_str(json_object_get(f, "frame"), "file", ""),
			    "train.py");
	assert_int_equal(jget_int(json_object_get(f, "frame"), "line", 0), 88);
	/* 5 GiB cached but unallocated >= the 2 GiB asked for. */
	assert_string_equal(jget_str(f, "cause", ""), "fragmentation");
	assert_true(suggests(f, "expandable_segments:True"));
	/* 2.61 GiB inferred outside the cache is under 10%: not blamed. */
	assert_false(has_cause(f, "other-process"));
	json_decref(f);
}

static void test_fragmentation_current(void **state)
{
	json_t *f = facts_str(
	    "CUDA out of memory. Tried to allocate 4.00 GiB. GPU 0 has a "
	    "total capacity of 79.19 GiB of which 1.23 GiB is free. "
	    "Including non-PyTorch memory, this process has 77.95 GiB "
	    "memory in use. Of the allocated memory 70.10 GiB is allocated "
	    "by PyTorch, and 7.12 GiB is reserved by PyTorch but "
	    "unallocated. If reserved but unallocated memory is large try "
	    "setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True",
	    0);
	(void)state;
	assert_string_equal(jget_str(f, "cause", ""), "fragmentation");
	assert_true(fabs(jget_num(f, "reserved_gib", 0) - 77.22) < 1e-6);
	assert_true(jget_num(f, "reserved_gib", 0) -
			jget_num(f, "allocated_gib", 0) >
		    0.05 * jget_num(f, "capacity_gib", 0));
	assert_true(suggests(f, "PYTORCH_CUDA_ALLOC_CONF=expandable_segments"));
	assert_false(has_cause(f, "batch-too-large"));
	json_decref(f);
}

static void test_other_process(void **state)
{
	/* Inline, as PyTorch prints it, and on lines of their own. */
	static const char *const logs[] = {
	    "CUDA out of memory. Tried to allocate 4.00 GiB. GPU 0 has a "
	    "total capacity of 79.19 GiB of which 1.23 GiB is free. Process "
	    "1234 has 10.00 GiB memory in use. Process 99 has 512.00 MiB "
	    "memory in use. Including non-PyTorch memory, this process has "
	    "67.45 GiB memory in use. Of the allocated memory 66.00 GiB is "
	    "allocated by PyTorch, and 1.00 GiB is reserved by PyTorch but "
	    "unallocated.\n",
	    "[rank0] torch.OutOfMemoryError: CUDA out of memory. Tried to "
	    "allocate 4.00 GiB. GPU 0 has a total capacity of 79.19 GiB of "
	    "which 1.23 GiB is free.\n"
	    "Process 1234 has 10.00 GiB memory in use.\n"
	    "  Process 99 has 512.00 MiB memory in use.\n"
	    "Including non-PyTorch memory, this process has 67.45 GiB "
	    "memory in use.\n"
	    "Of the allocated memory 66.00 GiB is allocated by PyTorch, and "
	    "1.00 GiB is reserved by PyTorch but unallocated.\n"
	    "step 2 done\n" /* the message ended: the next is not in it */
	    "Process 5 has 9.00 GiB memory in use.\n",
	};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		json_t *f = facts_str(logs[i], 0);
		json_t *p = json_object_get(f, "processes");
		assert_int_equal(json_array_size(p), 2);
		assert_int_equal(jget_int(json_array_get(p, 0), "pid", 0),
				 1234);
		assert_int_equal(jget_int(json_array_get(p, 1), "bytes", 0),
				 512LL << 20);
		assert_int_equal(jget_int(f, "other_processes", 0),
				 (10LL << 30) + (512LL << 20));
		assert_false(jget_bool(f, "other_processes_inferred", 1));
		assert_string_equal(jget_str(f, "cause", ""), "other-process");
		assert_true(suggests(f, "nvidia-smi"));
		assert_int_equal(jget_int(f, "reserved", 0), 67LL << 30);
		json_decref(f);
	}
}

/* A memory_summary() table whose Allocated memory row says mib. */
static void add_summary(struct buf *b, int dev, long mib)
{
	buf_printf(b,
		   "|=====================================================|\n"
		   "|        PyTorch CUDA memory summary, device ID %d      |\n"
		   "|-----------------------------------------------------|\n"
		   "|    CUDA OOMs: 0     |        cudaMalloc retries: 0   |\n"
		   "|=====================================================|\n"
		   "|    Metric  | Cur Usage  | Peak Usage | Tot Alloc  | Tot "
		   "Freed  |\n"
		   "| Allocated memory      | %6ld MiB |  77889 MiB | 242292 "
		   "MiB | 164403 MiB |\n"
		   "|       from large pool |  77888 MiB |  77888 MiB | 242290 "
		   "MiB | 164402 MiB |\n"
		   "| GPU reserved memory   |  77890 MiB |  77890 MiB | 150726 "
		   "MiB |  72836 MiB |\n"
		   "|=====================================================|\n"
		   "\n",
		   dev, mib);
}

static json_t *summaries_facts(const long *mib, size_t n, int alternate)
{
	struct buf b = BUF_INIT;
	json_t *f;

	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "step %zu\n", i);
		add_summary(&b, 0, mib[i]);
		if (alternate)
			add_summary(&b, 1, 100);
	}
	f = facts_of(b.data, b.len, 0);
	buf_free(&b);
	return f;
}

static void test_leak(void **state)
{
	static const long grow[] = {10000, 12000, 12050, 15000};
	static const long flat[] = {10000, 12000, 9000, 12000};
	static const long small[] = {10000, 10100, 10200, 10300};
	json_t *f, *leak;
	(void)state;

	f = summaries_facts(grow, 4, 0);
	leak = json_object_get(f, "leak");
	assert_true(jget_bool(leak, "detected", 0));
	assert_int_equal(jget_int(leak, "summaries", 0), 4);
	assert_int_equal(jget_int(leak, "growth", 0), 5000LL << 20);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_string_equal(jget_str(f, "cause", ""), "leak");
	assert_int_equal(jget_int(f, "oom_count", -1), 0);
	assert_int_equal(jget_int(f, "allocated", 0), 15000LL << 20);
	json_decref(f);
	/* Summaries of another device in between do not hide the leak. */
	f = summaries_facts(grow, 4, 1);
	assert_int_equal(jget_int(f, "summary_count", 0), 8);
	json_decref(f);
	f = summaries_facts(flat, 4, 0);
	assert_false(jget_bool(json_object_get(f, "leak"), "detected", 1));
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
	f = summaries_facts(small, 4, 0); /* 3% growth: below 10% */
	assert_false(jget_bool(json_object_get(f, "leak"), "detected", 1));
	json_decref(f);
	f = summaries_facts(grow, 2, 0); /* two summaries are not a trend */
	assert_true(json_is_null(json_object_get(f, "leak")));
	json_decref(f);
}

static void test_no_oom(void **state)
{
	json_t *f = facts_str("epoch 1 loss 0.3\nepoch 2 loss 0.2\n", 32);
	(void)state;
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "oom_count", -1), 0);
	assert_int_equal(jget_int(f, "lines", 0), 2);
	assert_true(json_is_null(json_object_get(f, "requested")));
	assert_true(json_is_null(json_object_get(f, "cause")));
	json_decref(f);
	f = facts_of("", 0, 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	json_decref(f);
}

static void test_several_ooms(void **state)
{
	json_t *f = facts_str(
	    "CUDA out of memory. Tried to allocate 1.00 GiB (GPU 0; 8.00 "
	    "GiB total capacity; 6.00 GiB already allocated; 0 bytes free; "
	    "6.50 GiB reserved in total by PyTorch)\n"
	    "retrying\n"
	    "CUDA error: out of memory\n",
	    0);
	(void)state;
	assert_int_equal(jget_int(f, "oom_count", 0), 2);
	assert_int_equal(jget_int(f, "line", 0), 3);
	assert_string_equal(jget_str(f, "form", ""), "cuda-error");
	assert_true(json_is_null(json_object_get(f, "requested")));
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	json_decref(f);
}

static void test_truncated_everywhere(void **state)
{
	size_t n;
	char *text = fixture("oom.txt", &n);
	const char *eol = strchr(strstr(text, "Tried to allocate"), '\n');
	size_t full = (size_t)(eol - text);
	(void)state;

	for (size_t i = 0; i <= n; i++) {
		char *cut =
		    malloc(i ? i : 1); /* exact size: ASan sees overreads */
		json_t *f;
		memcpy(cut, text, i);
		f = facts_of(cut, i, 64);
		if (i >= full) {
			assert_int_equal(jget_int(f, "requested", 0),
					 8LL << 30);
			assert_int_equal(jget_int(json_object_get(f, "batch"),
						  "suggested", 0),
					 32);
		}
		assert_non_null(json_object_get(f, "verdict"));
		json_decref(f);
		free(cut);
	}
	free(text);
}

static void test_hostile(void **state)
{
	static const char bad[] =
	    "  File \"/tmp/\xff\xfe\xc0\x80zz\xed\xa0\x80.py\", line 3, in "
	    "\xe2\x82\n"
	    "\xf0\x9f\x98\x80 CUDA out of memory. Tried to allocate "
	    "99999999999999999999999.00 GiB. GPU 99999999999999999999 has a "
	    "total capacity of 12.00 QiB of which -3 GiB is free. Process "
	    "-1 has 1 GiB memory in use. Process 7 has GiB memory in use. "
	    "Of the allocated memory 1.0.0 GiB is allocated by PyTorch, and "
	    "is reserved by PyTorch but unallocated.\n";
	json_t *f = facts_of(bad, sizeof(bad) - 1, 8);
	char *dump = json_dumps(f, 0);
	(void)state;

	assert_non_null(dump);
	assert_non_null(strstr(dump, "\xef\xbf\xbd")); /* U+FFFD */
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_true(json_is_null(json_object_get(f, "requested")));
	assert_true(json_is_null(json_object_get(f, "capacity")));
	assert_true(json_is_null(json_object_get(f, "gpu")));
	assert_true(json_is_null(json_object_get(f, "batch")));
	assert_non_null(strstr(dump, "unparsed"));
	free(dump);
	json_decref(f);
}

static void test_random_and_nul(void **state)
{
	size_t n = 1 << 16;
	unsigned char *b = malloc(n);
	uint32_t x = 12345;
	json_t *f;
	(void)state;

	for (int round = 0; round < 8; round++) {
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			b[i] = (unsigned char)(x >> 16);
			if (round & 1 && b[i] > 200) /* more lines and bars */
				b[i] = (x & 1) ? '\n' : '|';
		}
		f = facts_of((char *)b, n, 3);
		assert_non_null(json_object_get(f, "verdict"));
		json_decref(f);
	}
	/* A NUL inside the message does not end the line. */
	static const char nul[] =
	    "CUDA out of memory.\0 Tried to allocate 1.00 GiB. ";
	f = facts_of(nul, sizeof(nul) - 1, 0);
	assert_int_equal(jget_int(f, "requested", 0), 1LL << 30);
	json_decref(f);
	free(b);
}

static void test_huge_line(void **state)
{
	struct buf b = BUF_INIT;
	json_t *f;
	(void)state;

	buf_puts(&b, "CUDA out of memory. Tried to allocate 1.00 GiB. ");
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, "Process %d has 1.00 MiB memory in use. ", i);
	f = facts_of(b.data, b.len, 0);
	assert_int_equal(json_array_size(json_object_get(f, "processes")),
			 20000);
	assert_int_equal(jget_int(f, "other_processes", 0), 20000LL << 20);
	json_decref(f);
	buf_free(&b);
}

/* Log prefixes on every line and CRLF line ends, as collected logs of
 * multi-process jobs look. */
static void test_prefixed_crlf(void **state)
{
	struct buf b = BUF_INIT;
	json_t *f, *s0;
	(void)state;

	buf_puts(&b,
		 "2026-11-23T10:00:00Z [rank3]:   File \"t.py\", line 9, "
		 "in loop\r\n"
		 "2026-11-23T10:00:00Z [GPU 0 rank3]: torch.OutOfMemoryError: "
		 "CUDA out of memory. Tried to allocate 1.00 GiB. GPU 3 has "
		 "a total capacity of 39.50 GiB of which 512.00 MiB is free."
		 "\r\n");
	for (int i = 0; i < 2; i++)
		buf_puts(&b,
			 i ? "[rank3]: | Allocated memory      |  30000 MiB "
			     "|  30000 MiB |  1 MiB |  1 MiB |\r\n\r\n"
			   : "[rank3]: |  PyTorch CUDA memory summary, "
			     "device ID 3  |\r\n");
	f = facts_of(b.data, b.len, 0);
	assert_string_equal(jget_str(f, "error", ""), "torch.OutOfMemoryError");
	assert_int_equal(jget_int(f, "gpu", -1), 3);
	assert_int_equal(jget_int(f, "free", 0), 512LL << 20);
	assert_string_equal(
	    jget_str(json_object_get(f, "frame"), "function", ""), "loop");
	s0 = json_array_get(json_object_get(f, "summaries"), 0);
	assert_int_equal(jget_int(s0, "device", -1), 3);
	assert_int_equal(jget_int(json_object_get(s0, "allocated"), "cur", 0),
			 30000LL << 20);
	json_decref(f);
	buf_free(&b);
}

static void test_probe_run(void **state)
{
	const struct probe_def *p = probe_find("oom");
	struct ml_err err = {0};
	json_t *args, *f = NULL;
	char path[1024];
	(void)state;

	assert_non_null(p);
	args = json_pack("{s:s}", "from", "/nonexistent/train.log");
	assert_int_equal(probe_run(p, args, 0, NULL, NULL, &f, &err),
			 ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/train.log"));
	json_decref(args);
	snprintf(path, sizeof(path), "%s/oom/oom.txt",
		 getenv("ML_FIXTURES") ? getenv("ML_FIXTURES") : ".");
	args = json_pack("{s:s, s:i}", "from", path, "batch_size", 0);
	assert_int_equal(probe_run(p, args, 0, NULL, NULL, &f, &err),
			 ML_EUSAGE);
	json_decref(args);
	args = json_pack("{s:s, s:s}", "from", path, "batch_size", "64");
	assert_int_equal(probe_run(p, args, 0, NULL, NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "probe", ""), "oom");
	assert_string_equal(jget_str(f, "cause", ""), "batch-too-large");
	json_decref(f);
	json_decref(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_fixture),
	    cmocka_unit_test(test_batch_rounding),
	    cmocka_unit_test(test_legacy),
	    cmocka_unit_test(test_fragmentation_current),
	    cmocka_unit_test(test_other_process),
	    cmocka_unit_test(test_leak),
	    cmocka_unit_test(test_no_oom),
	    cmocka_unit_test(test_several_ooms),
	    cmocka_unit_test(test_truncated_everywhere),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_random_and_nul),
	    cmocka_unit_test(test_huge_line),
	    cmocka_unit_test(test_prefixed_crlf),
	    cmocka_unit_test(test_probe_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
