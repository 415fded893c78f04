/* rb_summary.c: the one rendering of a run record's matched diagnosis
 * (cause, case, line, condition and the facts it saw), shared by `run`
 * and `runs show` so the two never word it differently. */
#include <stdlib.h>

#include "core/buf.h"
#include "core/out.h"
#include "runbook/rb.h"

int rb_summary_diagnosis(const json_t *record, struct buf *out)
{
	const json_t *d = json_object_get(record, "diagnosis");
	const char *k;
	json_t *v;

	if (!jget_bool(d, "matched", 0))
		return 1;
	buf_printf(out, "Diagnosis: %s (case %lld, line %lld: %s)\n",
		   jget_str(d, "cause", "?"), jget_int(d, "case", 0) + 1,
		   jget_int(d, "line", 0), jget_str(d, "when", ""));
	json_object_foreach(json_object_get(d, "seen"), k, v)
	{
		char *t = out_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		buf_printf(out, "  because %s = %s\n", k, t ? t : "?");
		free(t);
	}
	return 0;
}
