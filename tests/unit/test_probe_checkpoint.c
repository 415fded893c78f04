/* test_probe_checkpoint.c: unit tests of the checkpoint probe: every
 * format on real PyTorch-made files, the pickle scanner on every protocol
 * and on hostile opcodes, the one-pass CRC/sha256, folder mode, and
 * broken inputs (every truncation of small fixtures, random bytes, huge
 * and overflowing sizes, deep nesting). Under ASan none may crash or read
 * out of bounds, and each must give a verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/out.h"
#include "probe/training/ckpt.h"
#include "probe/probe.h"

static char tmpdir[256];

static const char *fx(const char *name)
{
	static char path[4][1024];
	static int k;
	const char *root = getenv("ML_FIXTURES");

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/checkpoints/%s",
		 root ? root : "../../tests/fixtures", name);
	return path[k];
}

static void slurp(const char *path, struct buf *b)
{
	buf_reset(b);
	assert_int_equal(buf_read_file(b, path, 0), 0);
}

static const char *tmp_write(const char *name, const void *p, size_t n)
{
	static char path[512];

	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb"); /* no fsync: thousands of these per run */
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Checks path; returns the file facts (caller decrefs). */
static json_t *check(const char *path, int deep)
{
	struct ckpt_opts o = {deep, NULL, NULL};
	struct ml_err err = {0};
	json_t *ff = NULL;

	assert_int_equal(ckpt_check_file(path, &o, &ff, &err), 0);
	assert_non_null(ff);
	assert_non_null(json_object_get(ff, "verdict"));
	return ff;
}

static int has_reason(const json_t *ff, const char *code)
{
	size_t i;
	json_t *r;

	json_array_foreach(
	    json_object_get(ff, "reasons"), i,
	    r) if (!strcmp(jget_str(r, "code", ""), code)) return 1;
	return 0;
}

static void expect(const char *name, int deep, const char *format,
		   const char *verdict, const char *code)
{
	json_t *ff = check(fx(name), deep);

	if (strcmp(jget_str(ff, "verdict", ""), verdict) ||
	    strcmp(jget_str(ff, "format", ""), format) ||
	    (code && !has_reason(ff, code))) {
		char *s = json_dumps(ff, JSON_INDENT(1));
		print_error("%s: %s\n", name, s);
		free(s);
		fail();
	}
	json_decref(ff);
}

static void test_formats(void **state)
{
	(void)state;
	expect("model_epoch_5.pt", 1, "torch-zip", "healthy", NULL);
	expect("model_epoch_5_legacy.pt", 1, "torch-legacy", "healthy",
	       "no_checksums");
	expect("model.safetensors", 1, "safetensors", "healthy", NULL);
	expect("t113_small.pt", 1, "torch-zip", "healthy", NULL);
	expect("t113_medium.pt", 1, "torch-zip", "healthy", NULL);
	expect("t113_small_legacy.pt", 0, "torch-legacy", "healthy", NULL);
	expect("t113_model.safetensors", 0, "safetensors", "healthy", NULL);
	expect("t113_zip64_extras.pt", 1, "torch-zip", "healthy", NULL);
	expect("trunc_half.pt", 0, "torch-zip", "failed", "zip_no_eocd");
	expect("zero.pt", 0, "empty", "failed", "empty");
	expect("t113_zeroed.pt", 0, "unknown", "failed", "zeroed");
	expect("t113_no_cdir.pt", 0, "torch-zip", "failed", "zip_no_eocd");
	expect("t113_pickle_bitflip.pt", 1, "torch-zip", "failed",
	       "crc_mismatch");
	expect("evil_os_system.pt", 0, "torch-zip", "failed", "unsafe_pickle");
	expect("evil_builtins_eval.pt", 0, "torch-zip", "failed",
	       "unsafe_pickle");
	expect("evil_posix_system.pt", 0, "torch-zip", "failed",
	       "unsafe_pickle");
}

/* A flipped bit in tensor data passes the structural check (as it passes
 * torch.load) and fails --deep, naming the tensor. */
static void test_tensor_bitflip(void **state)
{
	json_t *ff;
	struct buf b = BUF_INIT;

	(void)state;
	expect("t113_tensor_bitflip.pt", 0, "torch-zip", "healthy", NULL);
	expect("t113_tensor_bitflip.pt", 1, "torch-zip", "failed",
	       "crc_mismatch");
	/* bits at several places inside tensor data: in t113_medium.pt the
	 * 3072-byte storages data/0, data/5 and data/6 start at bytes 1664,
	 * 11136 and 14336 (64-byte aligned; make.py's data_offset) */
	slurp(fx("t113_medium.pt"), &b);
	static const size_t offs[] = {1664,  2000,  4735, 11136,
				      12000, 14336, 17407};
	for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++)
		for (int bit = 0; bit < 8; bit += 3) {
			b.data[offs[k]] ^= (char)(1 << bit);
			ff = check(tmp_write("flip.pt", b.data, b.len), 1);
			assert_true(has_reason(ff, "crc_mismatch"));
			json_decref(ff);
			b.data[offs[k]] ^= (char)(1 << bit);
		}
	buf_free(&b);
}

static void test_contents(void **state)
{
	json_t *ff = check(fx("t113_small.pt"), 0), *t;

	(void)state;
	assert_int_equal(jget_int(ff, "step", -1), 1200);
	assert_int_equal(jget_int(ff, "epoch", -1), 5);
	assert_int_equal(jget_int(ff, "tensor_count", 0), 16); /* 4 + 3 adam */
	t = json_array_get(json_object_get(ff, "tensors"), 0);
	assert_string_equal(jget_str(t, "name", ""), "model.0.weight");
	assert_string_equal(jget_str(t, "dtype", ""), "float32");
	assert_int_equal(
	    json_integer_value(json_array_get(json_object_get(t, "shape"), 0)),
	    16);
	assert_true(json_is_real(
	    json_object_get(json_object_get(ff, "values"), "loss")));
	assert_string_equal(jget_str(json_object_get(ff, "values"), "arch", ""),
			    "mlp-16");
	assert_int_equal(json_array_size(json_object_get(ff, "unsafe_globals")),
			 0);
	json_decref(ff);
	ff = check(fx("t113_model.safetensors"), 0);
	assert_int_equal(jget_int(ff, "step", -1), 1200);
	assert_int_equal(jget_int(ff, "tensor_count", 0), 4);
	json_decref(ff);
}

/* Every protocol of the same plain object gives the same values. */
static void test_pickle_protocols(void **state)
{
	struct buf b = BUF_INIT;
	char name[32];

	(void)state;
	for (int p = 0; p <= 5; p++) {
		struct ml_err err = {0};
		json_t *scan, *v;
		size_t used;
		snprintf(name, sizeof(name), "plain_p%d.pkl", p);
		slurp(fx(name), &b);
		assert_int_equal(ckpt_pickle_scan((const uint8_t *)b.data,
						  b.len, name, &scan, &used,
						  &err),
				 0);
		assert_int_equal(used, b.len);
		v = json_object_get(scan, "values");
		assert_int_equal(jget_int(v, "epoch", 0), 7);
		assert_int_equal(jget_int(v, "step", 0), 1LL << 40);
		assert_int_equal(jget_int(v, "neg", 0), -300);
		assert_true(jget_num(v, "loss", 0) == -1.5);
		assert_true(jget_num(v, "nested.lr.1", 0) == 0.01);
		assert_true(json_is_true(json_object_get(v, "flags.0")));
		assert_true(json_is_null(json_object_get(v, "flags.2")));
		if (p >= 3) /* protocols 0-2 escape non-ASCII text */
			assert_string_equal(jget_str(v, "name", ""),
					    "run\xc3\xa9");
		/* protocols 0-2 pickle sets and bytes through
		 * __builtin__.set and _codecs.encode: allowed */
		assert_int_equal(
		    json_array_size(json_object_get(scan, "unsafe_globals")),
		    0);
		assert_int_equal(
		    json_array_size(json_object_get(scan, "globals")), p < 3 ? 3
								       : p == 3
									   ? 2
									   : 0);
		json_decref(scan);
	}
	buf_free(&b);
}

/* Scans bytes; returns 0/ML_EINPUT, and always an object. */
static int scan_bytes(const char *p, size_t n, json_t **out)
{
	struct ml_err err = {0};
	size_t used;
	int rc = ckpt_pickle_scan((const uint8_t *)p, n, "t", out, &used, &err);

	assert_non_null(*out);
	assert_true(used <= n);
	if (rc)
		assert_non_null(strstr(err.msg, "t: "));
	return rc;
}

static void test_pickle_hostile(void **state)
{
	static const struct {
		const char *p;
		size_t n;
	} bad[] = {
	    {"", 0},
	    {".", 1},	       /* STOP, empty stack */
	    {"\x80\x06N.", 4}, /* protocol 6 */
	    {"\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.", 10}, /* huge len */
	    {"\x8b\xff\xff\xff\xff.", 6},		   /* negative LONG4 */
	    {"X\xff\xff\xff\xff", 5},	/* BINUNICODE past end */
	    {"h\x05.", 3},		/* GET undefined */
	    {"Nr\xff\xff\xff\x7f.", 7}, /* memo key 2^31 */
	    {"\xff", 1},		/* unknown opcode */
	    {"a", 1},			/* APPEND, empty */
	    {"u", 1},			/* SETITEMS, no mark */
	    {"(u.", 3},			/* SETITEMS no target */
	    {"}(Nu.", 5},		/* odd items */
	    {"\x93.", 2},		/* STACK_GLOBAL, empty */
	    {"NN\x93.", 4},		/* STACK_GLOBAL, Nones */
	    {"F1.5", 4},		/* no newline */
	    {"Fxyz\n.", 6},		/* bad float */
	    {"I1e", 3},			/* bad int, no newline */
	    {"R.", 2},			/* REDUCE, empty */
	    {"(b.", 3},			/* BUILD under a mark */
	    {"N(2.", 4},		/* DUP under a mark */
	};
	json_t *out;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = scan_bytes(bad[i].p, bad[i].n, &out);
		json_decref(out);
		if (rc != ML_EINPUT && rc != ML_EUNSUPPORTED) {
			print_error("hostile pickle %zu accepted\n", i);
			fail();
		}
	}
	/* non-UTF-8 key: escaped, still valid JSON */
	assert_int_equal(scan_bytes("}\x8c\x02\xff\xfeK\x01s.", 9, &out), 0);
	assert_int_equal(
	    jget_int(json_object_get(out, "values"), "\\xff\\xfe", 0), 1);
	json_decref(out);
	/* a global with a NUL in its name: escaped, flagged */
	assert_int_equal(scan_bytes("cos\0x\nsystem\n.", 14, &out), 0);
	assert_int_equal(
	    json_array_size(json_object_get(out, "unsafe_globals")), 1);
	json_decref(out);
}

/* Distinct globals (the last posix.system): each is listed up to
 * CKPT_PKL_MAX_GLOBALS, past it
 * the scan says so (the file is then failed); a name repeated a million
 * times costs one node, so it neither slows the scan nor hits the node
 * limit (issue 14). */
static void test_pickle_globals(void **state)
{
	struct buf b = BUF_INIT;
	json_t *out;

	(void)state;
	for (int extra = 0; extra <= 1; extra++) {
		buf_reset(&b);
		for (int i = 0; i < (int)CKPT_PKL_MAX_GLOBALS - 1 + extra; i++)
			buf_printf(&b, "cm%d\nf\n0", i);
		buf_puts(&b, "cposix\nsystem\n0N.");
		assert_int_equal(scan_bytes(b.data, b.len, &out), 0);
		assert_int_equal(jget_bool(out, "globals_over_limit", 0),
				 extra);
		assert_int_equal(
		    json_array_size(json_object_get(out, "globals")),
		    CKPT_PKL_MAX_GLOBALS);
		json_t *ff =
		    json_pack("{s:s, s:[]}", "verdict", "healthy", "reasons");
		ckpt_pickle_globals(ff, out, "t");
		assert_string_equal(jget_str(ff, "verdict", ""), "failed");
		assert_int_equal(has_reason(ff, "too_many_globals"), extra);
		json_decref(ff);
		json_decref(out);
	}
	buf_reset(&b);
	for (size_t i = 0; i < CKPT_PKL_MAX_NODES; i++)
		buf_puts(&b, i % 2 ? "ctorch\nSize\n0" : "cm\nf\n0");
	buf_puts(&b, "cposix\nsystem\n.");
	assert_int_equal(scan_bytes(b.data, b.len, &out), 0);
	assert_int_equal(json_array_size(json_object_get(out, "globals")), 3);
	assert_int_equal(
	    json_array_size(json_object_get(out, "dangerous_globals")), 1);
	json_decref(out);
	buf_free(&b);
}

static void test_pickle_nesting(void **state)
{
	struct buf b = BUF_INIT;
	json_t *out;

	(void)state;
	/* 100000 nested lists: ]]]...]aaa...a. */
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, ']');
	for (int i = 0; i < 99999; i++)
		buf_putc(&b, 'a');
	buf_putc(&b, '.');
	assert_int_equal(scan_bytes(b.data, b.len, &out), 0);
	assert_true(jget_bool(out, "too_deep", 0));
	json_decref(out);
	/* a list holding itself (cycle through the memo) */
	assert_int_equal(scan_bytes("]q\x00h\x00"
				    "a.",
				    7, &out),
			 0);
	assert_true(jget_bool(out, "too_deep", 0));
	json_decref(out);
	/* a DAG that doubles at each level: bounded by the walk budget */
	buf_reset(&b);
	buf_puts(&b, "K\x01");
	for (int i = 0; i < 60; i++)
		buf_puts(&b, "\x32\x86"); /* DUP, TUPLE2 */
	buf_putc(&b, '.');
	assert_int_equal(scan_bytes(b.data, b.len, &out), 0);
	assert_true(jget_bool(out, "too_deep", 0));
	json_decref(out);
	/* more stack entries than the scanner allows: a limit (unknown),
	 * not a corrupt pickle */
	buf_reset(&b);
	buf_putc(&b, 'N');
	for (int i = 0; i < (int)CKPT_PKL_MAX_NODES + 10; i++)
		buf_putc(&b, '2');
	buf_putc(&b, '.');
	assert_int_equal(scan_bytes(b.data, b.len, &out), ML_EUNSUPPORTED);
	json_decref(out);
	/* 300000 MARKs: bounded, an error at the end, no crash */
	buf_reset(&b);
	for (int i = 0; i < 300000; i++)
		buf_putc(&b, '(');
	buf_putc(&b, '.');
	assert_int_equal(scan_bytes(b.data, b.len, &out), ML_EINPUT);
	json_decref(out);
	buf_free(&b);
}

/* Every prefix of small fixtures of each format must fail cleanly. */
static void truncations(const char *name, size_t step)
{
	struct buf b = BUF_INIT;

	slurp(fx(name), &b);
	for (size_t n = 0; n < b.len; n += step) {
		json_t *ff = ckpt_check_mem(name, (const uint8_t *)b.data, n);
		if (strcmp(jget_str(ff, "verdict", ""), "failed")) {
			char *s = json_dumps(ff, 0);
			print_error("%s cut at %zu: %s\n", name, n, s);
			free(s);
			fail();
		}
		json_decref(ff);
	}
	buf_free(&b);
}

static void test_truncate_every_offset(void **state)
{
	(void)state;
	truncations("model_epoch_5.pt", 1);
	truncations("model_epoch_5_legacy.pt", 1);
	truncations("model.safetensors", 1);
	truncations("t113_zip64_extras.pt", 7); /* larger: every 7th */
}

/* The reason codes of file facts, joined, for comparing two checks. */
static void codes(const json_t *ff, struct buf *out)
{
	size_t i;
	json_t *r;

	buf_reset(out);
	buf_printf(out, "%s:", jget_str(ff, "verdict", "?"));
	json_array_foreach(json_object_get(ff, "reasons"), i, r)
	    buf_printf(out, " %s", jget_str(r, "code", "?"));
}

/* A file on disk (read by pread ranges) and the same bytes in memory must
 * get the same verdict and reasons: whole, cut short, and with flipped
 * bytes in its head, middle and tail. */
static void same_on_disk(const char *name, size_t step)
{
	struct buf b = BUF_INIT, mem = BUF_INIT, disk = BUF_INIT;

	slurp(fx(name), &b);
	for (size_t cut = b.len;; cut = cut > step ? cut - step : 0) {
		for (int flip = 0; flip < 2; flip++) {
			size_t at = (cut * 7919) % (b.len ? b.len : 1);
			if (flip && at < cut)
				b.data[at] ^= 0x5a;
			json_t *m =
			    ckpt_check_mem(name, (uint8_t *)b.data, cut);
			json_t *d = check(tmp_write("same.pt", b.data, cut), 0);
			codes(m, &mem);
			codes(d, &disk);
			if (strcmp(mem.data, disk.data)) {
				print_error("%s cut at %zu%s: memory %s, file "
					    "%s\n",
					    name, cut, flip ? " (flipped)" : "",
					    mem.data, disk.data);
				fail();
			}
			json_decref(m);
			json_decref(d);
			if (flip && at < cut)
				b.data[at] ^= 0x5a;
		}
		if (cut == 0)
			break;
	}
	buf_free(&b);
	buf_free(&mem);
	buf_free(&disk);
}

static void test_file_matches_memory(void **state)
{
	(void)state;
	same_on_disk("model_epoch_5.pt", 13);
	same_on_disk("model_epoch_5_legacy.pt", 13);
	same_on_disk("model.safetensors", 13);
	same_on_disk("t113_zip64_extras.pt", 97);
	same_on_disk("t113_no_cdir.pt", 997);
	same_on_disk("evil_os_system.pt", 29);
}

/* Random bytes, and random bytes behind each format's magic. */
static void test_random_bytes(void **state)
{
	static const char *const heads[] = {"", "PK\x03\x04", "PK\x05\x06",
					    "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46"
					    "\xf9\x20\x6a\xa8\x50\x19.",
					    "\x40\0\0\0\0\0\0\0{"};
	unsigned seed = 12345;
	char buf[4096];

	(void)state;
	for (int i = 0; i < 400; i++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf)) + 1;
		const char *h = heads[i % 5];
		size_t hl = i % 5 == 3 ? 15 : i % 5 == 4 ? 9 : strlen(h);
		for (size_t k = 0; k < n; k++)
			buf[k] = (char)rand_r(&seed);
		memcpy(buf, h, hl < n ? hl : n);
		json_t *ff = check(tmp_write("rand", buf, n), 1);
		assert_string_not_equal(jget_str(ff, "verdict", ""), "healthy");
		json_decref(ff);
	}
}

static json_t *st_file(const char *header, size_t data_len)
{
	struct buf b = BUF_INIT;
	uint64_t hl = strlen(header);
	char le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (char)(hl >> (8 * i));
	buf_add(&b, le, 8);
	buf_puts(&b, header);
	for (size_t i = 0; i < data_len; i++)
		buf_putc(&b, 0);
	json_t *ff = check(tmp_write("st.safetensors", b.data, b.len), 0);
	buf_free(&b);
	return ff;
}

static void st_expect(const char *header, size_t data_len, const char *code)
{
	json_t *ff = st_file(header, data_len);

	if (code ? !has_reason(ff, code)
		 : strcmp(jget_str(ff, "verdict", ""), "healthy")) {
		char *s = json_dumps(ff, 0);
		print_error("%s: %s\n", header, s);
		free(s);
		fail();
	}
	json_decref(ff);
}

static void test_safetensors_bad(void **state)
{
	/* 2^40 - 1: the largest length that still looks like safetensors */
	char huge[16] = {(char)0xff, (char)0xff, (char)0xff,
			 (char)0xff, (char)0xff, 0,
			 0,	     0,		 '{'};
	json_t *ff;

	(void)state;
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
	    8, NULL);
	st_expect("{}", 0, NULL);
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
	    4, "st_bounds");
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
	    8, "st_bounds");
	st_expect("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,"
		  "1099511627776],\"data_offsets\":[0,8]}}",
		  8, "st_tensor");
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
	    8, "st_tensor");
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
	    8, "st_bounds");
	st_expect("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
		  "[0,9223372036854775807]}}",
		  8, "st_bounds");
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
	    8, "st_overlap");
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
	    8, "st_gap");
	st_expect(
	    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
	    8, "st_coverage");
	st_expect(
	    "{\"a\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,4]}}",
	    4, "st_tensor");
	st_expect("{\"a\":{\"dtype\":\"F32\",\"shape\":\"x\",\"data_offsets\":["
		  "0,4]}}",
		  4, "st_tensor");
	st_expect("{\"a\":1}", 0, "st_tensor");
	st_expect("{\"__metadata__\":{\"k\":1}}", 0, "st_metadata");
	st_expect("{\"a\":1,\"a\":2}", 0, "st_json");
	st_expect("[1,2]", 0, "unknown_format"); /* no '{' at byte 8 */
	st_expect("{\"a\":", 0, "st_json");
	st_expect("{\"a\":\"\xff\xfe\"}", 0, "st_json");
	st_expect("{\"a\":{\"dtype\":\"F32\",", 0, "st_json");
	ff = check(tmp_write("huge.st", huge, sizeof(huge)), 0);
	assert_true(has_reason(ff, "st_header"));
	json_decref(ff);
}

/* Hand-made zips with bad offsets and sizes. */
static void put16(struct buf *b, unsigned v)
{
	buf_putc(b, (char)v);
	buf_putc(b, (char)(v >> 8));
}
static void put32(struct buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static json_t *zip_with(uint32_t csize, uint32_t lho, uint32_t cd_off,
			uint16_t count, const char *extra, size_t xl)
{
	struct buf b = BUF_INIT;
	const char *name = "a/data.pkl";
	uint32_t cd;

	put32(&b, 0x04034b50);
	put16(&b, 20), put16(&b, 0), put16(&b, 0), put32(&b, 0);
	put32(&b, 0), put32(&b, 2), put32(&b, 2);
	put16(&b, 10), put16(&b, 0);
	buf_puts(&b, name);
	buf_puts(&b, "N.");
	cd = (uint32_t)b.len;
	put32(&b, 0x02014b50);
	put16(&b, 20), put16(&b, 20), put16(&b, 0), put16(&b, 0);
	put32(&b, 0), put32(&b, 0), put32(&b, csize), put32(&b, 2);
	put16(&b, 10), put16(&b, (unsigned)xl), put16(&b, 0), put16(&b, 0);
	put16(&b, 0), put32(&b, 0), put32(&b, lho);
	buf_puts(&b, name);
	buf_add(&b, extra, xl);
	uint32_t cds = (uint32_t)b.len - cd;
	put32(&b, 0x06054b50);
	put16(&b, 0), put16(&b, 0), put16(&b, count), put16(&b, count);
	put32(&b, cds), put32(&b, cd_off == 1 ? cd : cd_off), put16(&b, 0);
	json_t *ff = check(tmp_write("z.pt", b.data, b.len), 1);
	buf_free(&b);
	return ff;
}

static void zip_expect(json_t *ff, const char *code)
{
	if (!has_reason(ff, code)) {
		char *s = json_dumps(ff, 0);
		print_error("want %s: %s\n", code, s);
		free(s);
		fail();
	}
	json_decref(ff);
}

static void test_zip_bad(void **state)
{
	(void)state;
	/* sane layout: reaches the torch layout checks */
	zip_expect(zip_with(2, 0, 1, 1, "", 0), "missing_version");
	zip_expect(zip_with(0xfffffff0u, 0, 1, 1, "", 0), "zip_bounds");
	zip_expect(zip_with(0xffffffffu, 0, 1, 1, "", 0), "zip_zip64");
	zip_expect(zip_with(2, 0x7fffffff, 1, 1, "", 0), "zip_local_header");
	zip_expect(zip_with(2, 0, 0xfffffff0u, 1, "", 0),
		   "zip_central_directory");
	zip_expect(zip_with(2, 0, 1, 9999, "", 0), "zip_central_directory");
	zip_expect(zip_with(2, 0, 1, 2, "", 0), "zip_central_directory");
	/* zip64 extra with an 8-byte size where 16 are needed */
	zip_expect(zip_with(0xffffffffu, 0xffffffffu, 1, 1,
			    "\x01\x00\x08\x00\x02\0\0\0\0\0\0\0", 12),
		   "zip_zip64");
	/* zip64 extra whose declared size runs past the field */
	zip_expect(zip_with(0xffffffffu, 0, 1, 1, "\x01\x00\xff\x00", 4),
		   "zip_zip64");
	/* zip64 extra giving a size of 2^63 */
	zip_expect(zip_with(0xffffffffu, 0, 1, 1,
			    "\x01\x00\x08\x00\0\0\0\0\0\0\0\x80", 12),
		   "zip_bounds");
}

/* ckpt_hash_pass against direct EVP/crc32 over a multi-block file with
 * ranges crossing block boundaries. */
static void test_hash_pass(void **state)
{
	size_t n = (9u << 20) + 12345;
	unsigned char *d = malloc(n), md[32];
	uint64_t off[3] = {10, (4u << 20) - 7, (8u << 20) + 1};
	uint64_t len[3] = {100, (4u << 20) + 14, n - (8u << 20) - 2};
	uint32_t crc[3];
	char hex[65], want[65];
	struct ckpt_file f;
	struct ckpt_opts o = {1, NULL, NULL};
	struct ml_err err = {0};
	unsigned seed = 7, ml = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)rand_r(&seed);
	assert_int_equal(ckpt_file_open(&f, tmp_write("h.bin", d, n), &err), 0);
	assert_int_equal(ckpt_hash_pass(&f, &o, off, len, crc, 3, hex, &err),
			 0);
	ckpt_file_close(&f);
	EVP_Digest(d, n, md, &ml, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hex, want);
	for (int i = 0; i < 3; i++)
		assert_int_equal(crc[i],
				 (uint32_t)crc32(0, d + off[i], (uInt)len[i]));
	free(d);
}

static void test_folder(void **state)
{
	struct ckpt_opts o = {0, NULL, NULL};
	struct ml_err err = {0};
	json_t *facts = probe_facts_new("checkpoint");
	char want[1100];

	(void)state;
	assert_int_equal(ckpt_check_dir(fx("run"), &o, facts, &err), 0);
	snprintf(want, sizeof(want), "%s/ckpt-step300.pt", fx("run"));
	assert_string_equal(jget_str(facts, "resume_path", ""), want);
	assert_int_equal(jget_int(facts, "resume_step", 0), 300);
	assert_string_equal(jget_str(facts, "newest", ""), "ckpt-step400.pt");
	assert_string_equal(jget_str(facts, "verdict", ""), "degraded");
	assert_true(has_reason(facts, "newest_invalid"));
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(facts, "shrunk"), 0)),
			    "ckpt-step350.pt");
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(facts, "skipped"), 0)),
			    "notes.txt");
	assert_int_equal(jget_int(facts, "checked", 0), 5);
	json_decref(facts);
	/* an empty folder: no checkpoint to resume from */
	facts = probe_facts_new("checkpoint");
	snprintf(want, sizeof(want), "%s/empty", tmpdir);
	assert_int_equal(mkdir(want, 0700), 0);
	assert_int_equal(ckpt_check_dir(want, &o, facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "failed");
	json_decref(facts);
}

static void test_probe_run(void **state)
{
	const struct probe_def *p = probe_find("checkpoint");
	json_t *args =
	    json_pack("{s:s, s:b}", "path", fx("t113_small.pt"), "deep", 1);
	json_t *facts = NULL;
	struct ml_err err = {0};

	(void)state;
	assert_non_null(p);
	assert_int_equal(probe_run(p, args, 0, NULL, NULL, &facts, &err), 0);
	assert_string_equal(jget_str(facts, "verdict", ""), "healthy");
	assert_int_equal(strlen(jget_str(facts, "sha256", "")), 64);
	assert_int_equal(jget_int(facts, "resume_step", 0), 1200);
	json_decref(facts);
	json_object_set_new(args, "path", json_string("/nonexistent/x.pt"));
	assert_int_equal(probe_run(p, args, 0, NULL, NULL, &facts, &err),
			 ML_ENOTFOUND);
	json_decref(args);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mlckpt.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_tensor_bitflip),
	    cmocka_unit_test(test_contents),
	    cmocka_unit_test(test_pickle_protocols),
	    cmocka_unit_test(test_pickle_hostile),
	    cmocka_unit_test(test_pickle_globals),
	    cmocka_unit_test(test_pickle_nesting),
	    cmocka_unit_test(test_truncate_every_offset),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_file_matches_memory),
	    cmocka_unit_test(test_safetensors_bad),
	    cmocka_unit_test(test_zip_bad),
	    cmocka_unit_test(test_hash_pass),
	    cmocka_unit_test(test_folder),
	    cmocka_unit_test(test_probe_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
