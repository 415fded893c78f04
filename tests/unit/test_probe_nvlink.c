/* test_probe_nvlink.c: unit tests of the `nvlink` probe: facts of the
 * recorded HGX H100 / A100 PCIe outputs (healthy, links down, a GPU fallen
 * back to PCIe), --gpus placement checks, the accepted variants (ANSI
 * header, blank-separated paste, counter blocks), broken input and live
 * mode with a fake nvidia-smi. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "thinprobe.h"

static int nv(const char *file, const char *extra, json_t **facts,
	      struct ml_err *err)
{
	return tp_fix("nvlink", "nvlink", file, extra, facts, err);
}

static void test_healthy_h100(void **state)
{
	json_t *f, *t;
	struct ml_err err;
	(void)state;

	assert_int_equal(nv("h100-all.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_int_equal(jget_int(f, "gpu_count", 0), 8);
	assert_int_equal(jget_int(f, "links_per_gpu", 0), 18);
	assert_int_equal(jget_int(f, "links_active", 0), 144);
	assert_int_equal(jget_int(f, "links_inactive", -1), 0);
	assert_float_equal(jget_num(f, "link_speed_gbs", 0), 26.562, 1e-9);
	assert_int_equal(
	    jget_int(json_object_get(f, "error_counters"), "crc_errors", -1),
	    0);
	t = json_object_get(f, "topology");
	assert_int_equal(jget_int(json_object_get(t, "pair_counts"), "NV18", 0),
			 28);
	assert_true(jget_bool(t, "nvlink_expected", 0));
	assert_string_equal(
	    jget_str(json_object_get(json_object_get(t, "affinity"), "GPU5"),
		     "numa", ""),
	    "1");
	assert_string_equal(
	    jget_str(json_object_get(json_object_get(t, "affinity"), "GPU5"),
		     "cpu", ""),
	    "56-111,168-223");
	assert_string_equal(jget_str(json_object_get(t, "nics"), "NIC3", ""),
			    "mlx5_3");
	assert_string_equal(
	    jget_str(json_object_get(json_object_get(t, "matrix"), "GPU1"),
		     "NIC0", ""),
	    "PIX");
	assert_string_equal(
	    jget_str(json_array_get(json_object_get(f, "gpus"), 7), "uuid", ""),
	    "GPU-3b1c2a4e-9f0d-4c52-8a7e-1d2e3f405007");
	json_decref(f);
	/* each part alone parses too */
	assert_int_equal(nv("h100-nvlink-s.txt", NULL, &f, &err), 0);
	assert_true(json_is_null(json_object_get(f, "topology")));
	json_decref(f);
	assert_int_equal(nv("h100-topo-m.txt", NULL, &f, &err), 0);
	assert_int_equal(jget_int(f, "gpu_count", -1), 0);
	json_decref(f);
}

static void test_links_down(void **state)
{
	json_t *f, *in;
	struct ml_err err;
	(void)state;

	assert_int_equal(nv("h100-link-down.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_true(tp_has_reason(f, "links-inactive"));
	assert_true(tp_has_reason(f, "link-errors"));
	assert_true(tp_has_reason(f, "pair-fewer-nvlinks"));
	assert_false(tp_has_reason(f, "pair-without-nvlink"));
	in = json_object_get(f, "inactive_links");
	assert_int_equal(json_array_size(in), 2);
	assert_int_equal(jget_int(json_array_get(in, 1), "gpu", -1), 3);
	assert_int_equal(jget_int(json_array_get(in, 1), "link", -1), 5);
	assert_int_equal(
	    jget_int(json_object_get(f, "error_counters"), "replay_errors", 0),
	    112);
	assert_int_equal(
	    json_array_size(json_object_get(f, "links_with_errors")), 1);
	json_decref(f);
	/* errors under the tolerance: no link-errors reason */
	assert_int_equal(
	    nv("h100-link-down.txt", ", \"max-errors\": 500", &f, &err), 0);
	assert_false(tp_has_reason(f, "link-errors"));
	json_decref(f);
}

static void test_gpu_on_pcie(void **state)
{
	json_t *f, *sel;
	struct ml_err err;
	(void)state;

	assert_int_equal(nv("h100-gpu5-pcie.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	assert_true(tp_has_reason(f, "pair-without-nvlink"));
	assert_int_equal(jget_int(f, "pairs_without_nvlink_count", 0), 7);
	json_decref(f);
	assert_int_equal(
	    nv("h100-gpu5-pcie.txt", ", \"expect-nvlink\": \"none\"", &f, &err),
	    0);
	assert_false(tp_has_reason(f, "pair-without-nvlink"));
	assert_int_equal(jget_int(f, "pairs_without_nvlink_count", 0), 7);
	json_decref(f);
	/* a job on 0-3 is fine; one on 4,5 was placed across PCIe */
	assert_int_equal(
	    nv("h100-all.txt", ", \"gpus\": \"0,1,2,3\"", &f, &err), 0);
	sel = json_object_get(f, "selected");
	assert_true(jget_bool(sel, "all_nvlink", 0));
	assert_true(jget_bool(sel, "same_numa", 0));
	assert_string_equal(jget_str(sel, "worst_link", ""), "NV18");
	json_decref(f);
	assert_int_equal(
	    nv("h100-gpu5-pcie.txt", ", \"gpus\": \"4,5\"", &f, &err), 0);
	sel = json_object_get(f, "selected");
	assert_false(jget_bool(sel, "all_nvlink", 1));
	assert_string_equal(jget_str(sel, "worst_link", ""), "NODE");
	assert_true(tp_has_reason(f, "selected-without-nvlink"));
	json_decref(f);
	assert_int_equal(nv("h100-all.txt", ", \"gpus\": \"3,4\"", &f, &err),
			 0);
	assert_false(jget_bool(json_object_get(f, "selected"), "same_numa", 1));
	json_decref(f);
	assert_int_equal(nv("h100-all.txt", ", \"gpus\": \"0,9\"", &f, &err),
			 ML_EINPUT);
	assert_non_null(strstr(err.msg, "GPU9"));
	assert_int_equal(nv("h100-all.txt", ", \"gpus\": \"0;1\"", &f, &err),
			 ML_EUSAGE);
	assert_int_equal(nv("h100-nvlink-s.txt", ", \"gpus\": \"0\"", &f, &err),
			 ML_EINPUT);
	assert_int_equal(
	    nv("h100-all.txt", ", \"expect-nvlink\": \"some\"", &f, &err),
	    ML_EUSAGE);
}

static void test_pcie_node(void **state)
{
	json_t *f;
	struct ml_err err;
	(void)state;

	assert_int_equal(nv("a100-pcie.txt", NULL, &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_true(tp_has_reason(f, "no-nvlink"));
	assert_false(
	    jget_bool(json_object_get(f, "topology"), "nvlink_expected", 1));
	assert_int_equal(jget_int(f, "pairs_without_nvlink_count", 0), 6);
	json_decref(f);
	assert_int_equal(
	    nv("a100-pcie.txt", ", \"expect-nvlink\": \"all\"", &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
	/* a blank-separated paste of an old driver's matrix */
	assert_int_equal(nv("pasted-blanks-topo.txt", NULL, &f, &err), 0);
	assert_string_equal(
	    jget_str(
		json_object_get(
		    json_object_get(json_object_get(f, "topology"), "matrix"),
		    "GPU2"),
		"mlx4_0", ""),
	    "PHB");
	json_decref(f);
}

static void test_variants(void **state)
{
	static const char ansi[] =
	    "\x1b[4m\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\x1b[0m\n"
	    "GPU0\t X \tNV12\t0-31\t0\nGPU1\tNV12\t X \t0-31\t0\n";
	static const char blocks[] =
	    "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-a)\n"
	    "\t Link 0: 25 GB/s\n\t Link 1: 12.5 GB/s\n\t Link 2: Disabled\n"
	    "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-a)\n"
	    "\t Link 0:\n\t\tCRC Flit Error: 3\n\t\tReplay Error: 0\n";
	json_t *f;
	struct ml_err err;
	char *p, args[256];
	(void)state;

	p = tp_tmp(ansi, sizeof(ansi) - 1);
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", p);
	assert_int_equal(tp_run("nvlink", args, &f, &err), 0);
	assert_int_equal(
	    jget_int(
		json_object_get(json_object_get(f, "topology"), "pair_counts"),
		"NV12", 0),
	    1);
	json_decref(f);
	unlink(p);
	free(p);
	p = tp_tmp(blocks, sizeof(blocks) - 1);
	snprintf(args, sizeof(args), "{\"from\": \"%s\"}", p);
	assert_int_equal(tp_run("nvlink", args, &f, &err), 0);
	assert_true(tp_has_reason(f, "link-slow"));
	assert_true(tp_has_reason(f, "link-status-unknown"));
	assert_true(tp_has_reason(f, "link-errors"));
	assert_int_equal(
	    jget_int(json_object_get(f, "error_counters"), "crc_flit_error", 0),
	    3);
	assert_string_equal(jget_str(f, "verdict", ""), "degraded");
	json_decref(f);
	unlink(p);
	free(p);
}

static void test_broken(void **state)
{
	(void)state;
	tp_truncations("nvlink", "nvlink", "h100-topo-m.txt", 5, NULL);
	tp_truncations("nvlink", "nvlink", "a100-pcie.txt", 7,
		       ", \"gpus\": \"0,1\"");
	tp_truncations("nvlink", "nvlink", "h100-link-down.txt", 151, NULL);
	tp_hostile("nvlink");
}

/* Writes an executable fake nvidia-smi into dir. */
static void fake_smi(const char *dir, const char *body)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/nvidia-smi", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static void test_live(void **state)
{
	char dir[] = "/tmp/mloncall-nvl-XXXXXX", body[2048], path[600];
	char *old = strdup(getenv("PATH"));
	json_t *f;
	struct ml_err err;
	(void)state;

	assert_non_null(mkdtemp(dir));
	setenv("PATH", dir, 1);
	assert_int_equal(tp_run("nvlink", "{}", &f, &err), ML_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no NVIDIA GPU"));
	snprintf(body, sizeof(body),
		 "case \"$1 $2\" in\n"
		 "'nvlink -s') cat '%s' ;;\n'nvlink -e') cat '%s' ;;\n"
		 "'topo -m') cat '%s' ;;\nesac",
		 tp_fixture("nvlink", "h100-nvlink-s.txt"),
		 tp_fixture("nvlink", "h100-nvlink-e.txt"),
		 tp_fixture("nvlink", "h100-topo-m.txt"));
	fake_smi(dir, body);
	setenv("PATH", old, 1);
	snprintf(path, sizeof(path), "%s:%s", dir, old);
	setenv("PATH", path, 1);
	assert_int_equal(tp_run("nvlink", "{}", &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "healthy");
	assert_string_equal(jget_str(json_object_get(f, "source"), "kind", ""),
			    "live");
	assert_int_equal(jget_int(f, "links_active", 0), 144);
	json_decref(f);
	fake_smi(dir, "echo 'NVIDIA-SMI has failed because it couldn'\"'\"'t "
		      "communicate with the NVIDIA driver.'; exit 9");
	assert_int_equal(tp_run("nvlink", "{}", &f, &err), 0);
	assert_string_equal(jget_str(f, "verdict", ""), "failed");
	assert_true(tp_has_reason(f, "nvidia-smi-failed"));
	json_decref(f);
	setenv("PATH", old, 1);
	snprintf(path, sizeof(path), "%s/nvidia-smi", dir);
	unlink(path);
	rmdir(dir);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_healthy_h100),
	    cmocka_unit_test(test_links_down),
	    cmocka_unit_test(test_gpu_on_pcie),
	    cmocka_unit_test(test_pcie_node),
	    cmocka_unit_test(test_variants),
	    cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
