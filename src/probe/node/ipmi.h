/* ipmi.h: the parsed output of ipmitool (`sdr`, `sdr elist`, `sensor`,
 * `chassis status`, and its session errors), shared by the ipmi probe
 * (ipmi.c) and its parser (ipmi_parse.c). */
#ifndef ML_PROBE_IPMI_H
#define ML_PROBE_IPMI_H

#include <jansson.h>
#include <stddef.h>

struct ipmi_data {
	json_t *sensors;    /* array of sensor objects (docs/probes/ipmi.md) */
	json_t *chassis;    /* object: snake_case key -> value text */
	char *error;	    /* first BMC session/device error line, or NULL */
	long lines, parsed; /* lines read, lines understood */
};

/* Parses any mix of ipmitool outputs into d (zeroed by the caller).
 * Never fails: lines it does not understand are skipped. */
void ipmi_parse(struct ipmi_data *d, const char *text, size_t len);

/* Frees what d owns. */
void ipmi_free(struct ipmi_data *d);

/* Severity of an ipmitool status word: 0 ok, 1 no reading / n/a,
 * 2 non-critical, 3 critical, 4 non-recoverable; -1 unknown. */
int ipmi_status_rank(const char *status);

#endif
