/* toolio.c: input plumbing for the thin tool-output probes (see
 * toolio.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/proc.h"
#include "core/xmalloc.h"
#include "probe/gpu/gpu.h"
#include "probe/toolio.h"

int toolio_read(const char *from, struct buf *out, struct ml_err *err)
{
	if (!strcmp(from, "-")) {
		if (buf_read_fd(out, 0, TOOLIO_MAX_INPUT) != 0)
			return ml_err_set(err, ML_EIO, "cannot read stdin: %s",
					  errno == EFBIG ? "input too large"
							 : strerror(errno));
		return 0;
	}
	if (buf_read_file(out, from, TOOLIO_MAX_INPUT) != 0)
		return ml_err_set(err, errno == ENOENT ? ML_ENOTFOUND : ML_EIO,
				  "cannot read %s: %s", from,
				  errno == EFBIG ? "file too large"
						 : strerror(errno));
	return 0;
}

int toolio_run(const char *const *argv, int timeout_ms, const char *missing,
	       struct buf *out, int *exit_code, struct ml_err *err)
{
	struct proc_opts o = {0};
	struct proc_result r;
	int rc;

	*exit_code = -1;
	if (!proc_have(argv[0]))
		return ml_err_set(err, ML_ENOTFOUND, "%s: %s not on PATH",
				  missing, argv[0]);
	o.argv = argv;
	o.timeout_ms = timeout_ms;
	o.cap = TOOLIO_MAX_INPUT;
	o.merge_stderr = 1;
	if ((rc = proc_run(&o, &r, err)) != 0) {
		proc_result_free(&r);
		return rc;
	}
	buf_add(out, buf_str(&r.out), r.out.len);
	if (r.timed_out)
		rc = ml_err_set(err, ML_ETIMEOUT, "%s timed out after %d s",
				argv[0], timeout_ms / 1000);
	else if (r.exited)
		*exit_code = r.exit_code;
	proc_result_free(&r);
	return rc;
}

void toolio_lines_init(struct toolio_lines *it, const char *text, size_t len)
{
	it->p = text;
	it->end = text + len;
	it->lineno = 0;
}

int toolio_line(struct toolio_lines *it, const char **s, size_t *n)
{
	const char *nl, *e;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	e = nl ? nl : it->end;
	*s = it->p;
	*n = (size_t)(e - it->p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	return 1;
}

char *toolio_clean(const char *s, size_t n)
{
	char *tmp = xmalloc(n + 1), *out;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\x1b' && i + 1 < n && s[i + 1] == '[') {
			i += 2;
			while (i < n && !((s[i] >= '@' && s[i] <= '~')))
				i++;
			continue;
		}
		tmp[o++] = s[i];
	}
	out = gpu_text_clean(tmp, o);
	free(tmp);
	return out;
}

size_t toolio_split(const char *line, char sep, char ***fields)
{
	size_t n = 0, cap = 8;
	const char *p = line;
	char **f = xmalloc(cap * sizeof(*f));

	for (;;) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *b = p;
		while (len && (*b == ' ' || *b == '\t')) {
			b++;
			len--;
		}
		while (len && (b[len - 1] == ' ' || b[len - 1] == '\t'))
			len--;
		if (n == cap)
			f = xrealloc(f, (cap *= 2) * sizeof(*f));
		f[n] = xmalloc(len + 1);
		memcpy(f[n], b, len);
		f[n++][len] = '\0';
		if (!e)
			break;
		p = e + 1;
	}
	*fields = f;
	return n;
}

void toolio_fields_free(char **fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(fields[i]);
	free(fields);
}

int toolio_num(const char *s, int allow_nonfinite, double *v)
{
	char *end;
	double d;

	while (*s == ' ')
		s++;
	if (!*s)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return -1;
	while (*end == ' ')
		end++;
	if (*end)
		return -1;
	if (!allow_nonfinite && !isfinite(d))
		return -1;
	*v = d;
	return 0;
}
