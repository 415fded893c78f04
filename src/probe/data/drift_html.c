/* drift_html.c: renders drift facts as one self-contained HTML page with
 * inline SVG bar charts (reference vs current proportions per bin). */
#include "probe/data/drift_html.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/buf.h"
#include "core/out.h"

static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			buf_putc(b, *s);
		}
	}
}

/* One chart: pairs of bars per label, scaled to the largest proportion. */
static void svg(struct buf *b, const json_t *h)
{
	const json_t *lab = json_object_get(h, "labels");
	const json_t *r = json_object_get(h, "ref"),
		     *c = json_object_get(h, "cur");
	size_t n = json_array_size(lab);
	double mx = 0, W = 640, H = 180, bw;

	if (!n) {
		buf_puts(b, "<p>(no histogram)</p>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double x = json_number_value(json_array_get(r, i)),
		       y = json_number_value(json_array_get(c, i));
		mx = fmax(mx, fmax(x, y));
	}
	if (mx <= 0)
		mx = 1;
	bw = W / (double)n;
	buf_printf(b,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" "
		   "height=\"%g\" role=\"img\">\n",
		   W, H + 40);
	for (size_t i = 0; i < n; i++) {
		double x = json_number_value(json_array_get(r, i)) / mx * H,
		       y = json_number_value(json_array_get(c, i)) / mx * H;
		double x0 = (double)i * bw;
		buf_printf(b,
			   "<rect class=\"ref\" x=\"%.1f\" y=\"%.1f\" "
			   "width=\"%.1f\" height=\"%.1f\"><title>",
			   x0 + 1, H - x, bw / 2 - 1, x);
		esc(b, json_string_value(json_array_get(lab, i)));
		buf_printf(b, " ref %.4f</title></rect>\n",
			   json_number_value(json_array_get(r, i)));
		buf_printf(b,
			   "<rect class=\"cur\" x=\"%.1f\" y=\"%.1f\" "
			   "width=\"%.1f\" height=\"%.1f\"><title>",
			   x0 + bw / 2, H - y, bw / 2 - 1, y);
		esc(b, json_string_value(json_array_get(lab, i)));
		buf_printf(b, " cur %.4f</title></rect>\n",
			   json_number_value(json_array_get(c, i)));
	}
	buf_printf(b, "<text x=\"0\" y=\"%g\">", H + 15);
	esc(b, json_string_value(json_array_get(lab, 0)));
	buf_printf(b, "</text><text x=\"%g\" y=\"%g\" text-anchor=\"end\">", W,
		   H + 15);
	esc(b, json_string_value(json_array_get(lab, n - 1)));
	buf_puts(b, "</text>\n</svg>\n");
}

static void column(struct buf *b, const json_t *c, const json_t *hists)
{
	const char *name = jget_str(c, "column", "");
	int d = jget_bool(c, "drifted", 0);

	buf_printf(b, "<section class=\"%s\"><h2>", d ? "drift" : "ok");
	esc(b, name);
	buf_printf(b,
		   " <small>%s, %s: score %.6g (threshold %g) %s</small>"
		   "</h2>\n",
		   jget_str(c, "type", ""), jget_str(c, "test", ""),
		   jget_num(c, "score", NAN), jget_num(c, "threshold", NAN),
		   d ? "<b>DRIFT</b>" : "no drift");
	svg(b, json_object_get(hists, name));
	buf_puts(b, "</section>\n");
}

int drift_html_write(const char *path, const json_t *facts, const json_t *hists,
		     struct ml_err *err)
{
	struct buf b = BUF_INIT;
	const json_t *s = json_object_get(facts, "summary"), *c;
	size_t i;
	int rc = 0;

	buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		     "charset=\"utf-8\"><title>mloncall drift report</title>\n"
		     "<style>body{font-family:sans-serif;margin:2em}"
		     ".ref{fill:#4c78a8}.cur{fill:#f58518}"
		     "section{border-top:1px solid #ccc;padding:.5em 0}"
		     "section.drift h2{color:#b00}small{font-weight:normal}"
		     "</style></head><body>\n<h1>Data drift</h1>\n<p>");
	esc(&b, jget_str(json_object_get(facts, "ref"), "file", ""));
	buf_puts(&b, " (reference, <span style=\"color:#4c78a8\">blue</span>)"
		     " vs ");
	esc(&b, jget_str(json_object_get(facts, "cur"), "file", ""));
	buf_printf(&b,
		   " (current, <span style=\"color:#f58518\">orange</span>)"
		   "</p>\n<p><b>%lld of %lld columns drifted</b> (share %.2f; "
		   "dataset drift at %.2f): <b>%s</b></p>\n",
		   jget_int(s, "drifted", 0), jget_int(s, "columns", 0),
		   jget_num(s, "share", 0), jget_num(s, "share_threshold", 0),
		   jget_bool(s, "dataset_drift", 0) ? "DATASET DRIFT"
						    : "no dataset drift");
	json_array_foreach(json_object_get(facts, "columns"), i, c)
	    column(&b, c, hists);
	buf_puts(&b, "</body></html>\n");
	if (buf_write_file_atomic(path, b.data, b.len))
		rc = ml_err_set(err, ML_EIO, "%s: %s", path, strerror(errno));
	buf_free(&b);
	return rc;
}
