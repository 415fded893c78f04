/* xid.h: internals of the `xid` probe: NVIDIA's Xid catalogue (per code
 * mnemonic, meaning, category and resolution buckets) and the parser of
 * kernel-log lines carrying NVRM Xid and NVSwitch SXid events. */
#ifndef ML_PROBE_XID_H
#define ML_PROBE_XID_H

#include <stddef.h>
#include <stdint.h>

/* One catalogue row (NVIDIA "Analyzing Xid Errors with the Xid Catalog",
 * Ampere and newer; see docs/probes/xid.md for the source). */
struct xid_info {
	int code;
	const char *mnemonic;	   /* NVIDIA's mnemonic */
	const char *meaning;	   /* NVIDIA's description */
	const char *category;	   /* mloncall's grouping: application, driver,
				    * memory/ECC, NVLink, GSP/firmware,
				    * hardware/bus, thermal/power */
	const char *immediate;	   /* NVIDIA's immediate resolution bucket */
	const char *investigatory; /* NVIDIA's investigatory bucket */
	const char *action;	   /* immediate bucket with WORKFLOW_* resolved:
				    * IGNORE, RESTART_APP, INVESTIGATE,
				    * UPDATE_SWFW, RESTART_VM, RESET_GPU,
				    * RESTART_BM, CHECK_MECHANICALS,
				    * CONTACT_SUPPORT */
	int unused;		   /* catalogue marks it unused on A100+ */
};

/* The row for code, or NULL when the catalogue does not list it (the
 * probe then reports the code as unknown, never a guess). */
const struct xid_info *xid_lookup(int code);

/* All rows in code order; *n gets the count. */
const struct xid_info *xid_catalog(size_t *n);

/* The action an Xid 154 message announces ("GPU recovery action changed
 * from 0x0 (None) to 0x2 (Node Reboot Required)"): None -> IGNORE, Drain
 * P2P -> INVESTIGATE, Drain and Reset / GPU Reset Required -> RESET_GPU,
 * Node Reboot Required -> RESTART_BM. NULL when the text says none of
 * these. message is NUL-terminated. */
const char *xid_recovery_action(const char *message);

/* Severity rank of an action bucket (IGNORE 0 ... CONTACT_SUPPORT 8), -1
 * for an unknown name. */
int xid_action_rank(const char *action);

/* One parsed event. Strings are owned (xid_event_free). */
struct xid_event {
	int sxid; /* 0: NVRM Xid; 1: NVSwitch SXid */
	int code;
	char *bus_id;	/* "0000:3b:00" as logged, without "PCI:" */
	long pid;	/* -1 when absent or '<unknown>' */
	char *process;	/* NULL when absent */
	char *severity; /* SXid: "Fatal" / "Non-fatal"; else NULL */
	char *message;	/* the rest of the line, cleaned to UTF-8 */
	int has_time;	/* time_ms valid: an absolute wall-clock time */
	int64_t time_ms;
	int has_uptime; /* uptime_s valid: dmesg seconds since boot */
	double uptime_s;
};

/* Parses one log line (len bytes, need not be NUL-terminated). Returns 1
 * and fills ev when the line is an Xid or SXid event, 0 when it is not.
 * Understood prefixes: dmesg "[12345.678901]", dmesg -T "[Mon Nov 23
 * 09:10:11 2026]", dmesg/journal/rsyslog ISO 8601 "2026-11-23T09:10:11
 * [.frac][Z|+hh:mm|+hhmm]", syslog "Nov 23 09:10:11 host kernel:". Local
 * times use the TZ of the process; syslog lines without a year take the
 * year of now_ms (the previous year when that would be in the future). */
int xid_parse_line(const char *line, size_t len, int64_t now_ms,
		   struct xid_event *ev);

/* Frees the strings of ev; safe on a zeroed event. */
void xid_event_free(struct xid_event *ev);

#endif
