/* report_html.c: the report as one self-contained HTML page. */
#include "incident/report.h"

void report_html(const json_t *r, struct buf *out)
{
	(void)r;
	buf_puts(out, "<!doctype html>\n");
}
