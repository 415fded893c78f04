/* k8s_res.c: Kubernetes resource quantities and the effective requests of
 * a pod, as the scheduler counts them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/out.h"
#include "core/strutil.h"
#include "probe/serving/k8s_int.h"

int k8s_quantity(const char *s, double *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
	    {"Ki", 1024.0},
	    {"Mi", 1048576.0},
	    {"Gi", 1073741824.0},
	    {"Ti", 1099511627776.0},
	    {"Pi", 1125899906842624.0},
	    {"Ei", 1152921504606846976.0},
	    {"n", 1e-9},
	    {"u", 1e-6},
	    {"m", 1e-3},
	    {"k", 1e3},
	    {"M", 1e6},
	    {"G", 1e9},
	    {"T", 1e12},
	    {"P", 1e15},
	    {"E", 1e18},
	    {NULL, 0},
	};
	char *end;
	double v;

	if (!s || !*s || strlen(s) > 64 || strpbrk(s, "xX") ||
	    !strchr("0123456789.+-", s[0]))
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v))
		return -1;
	if (!*end) {
		*out = v;
		return 0;
	}
	for (int i = 0; units[i].suffix; i++)
		if (!strcmp(end, units[i].suffix)) {
			*out = v * units[i].mult;
			return 0;
		}
	return -1;
}

/* A container's request of res: requests[res], else limits[res]. */
static double container_request(const json_t *c, const char *res)
{
	const json_t *r = json_object_get(c, "resources");
	const char *s = jget_str(json_object_get(r, "requests"), res, NULL);
	double v;

	if (!s)
		s = jget_str(json_object_get(r, "limits"), res, NULL);
	if (!s) {
		/* integers are allowed too: "nvidia.com/gpu": 1 */
		const json_t *n =
		    json_object_get(json_object_get(r, "requests"), res);
		if (!n)
			n = json_object_get(json_object_get(r, "limits"), res);
		return json_is_number(n) ? json_number_value(n) : 0;
	}
	return k8s_quantity(s, &v) ? 0 : v;
}

double k8s_pod_request(const json_t *pod, const char *res)
{
	const json_t *spec = json_object_get(pod, "spec"), *c;
	double sum = 0, init = 0, v;
	const char *ov;
	size_t i;

	json_array_foreach(json_object_get(spec, "containers"), i, c) sum +=
	    container_request(c, res);
	json_array_foreach(json_object_get(spec, "initContainers"), i, c)
	{
		double r = container_request(c, res);
		if (r > init)
			init = r;
	}
	if (init > sum)
		sum = init;
	ov = jget_str(json_object_get(spec, "overhead"), res, NULL);
	if (ov && !k8s_quantity(ov, &v))
		sum += v;
	return sum;
}

int k8s_pod_scheduled(const json_t *pod)
{
	const json_t *c;
	size_t i;

	if (jget_str(json_object_get(pod, "spec"), "nodeName", NULL))
		return 1;
	json_array_foreach(
	    json_object_get(json_object_get(pod, "status"), "conditions"), i,
	    c) if (!strcmp(jget_str(c, "type", ""),
			   "PodScheduled")) return !strcmp(jget_str(c, "status",
								    ""),
							   "True");
	return 0;
}
