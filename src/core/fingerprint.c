/* fingerprint.c: label-set fingerprints (current length-prefixed form and
 * the old colliding form kept for the store migration). */
#include "core/fingerprint.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Label names of labels, sorted; *n set. Caller frees. */
static const char **sorted_keys(const json_t *labels, size_t *n)
{
	size_t cap = json_object_size(labels);
	const char **keys = xcalloc(cap ? cap : 1, sizeof(*keys)), *k;
	json_t *v;

	*n = 0;
	json_object_foreach((json_t *)labels, k, v) if (*n < cap) keys[(*n)++] =
	    k;
	qsort(keys, *n, sizeof(keys[0]), cmp_str);
	return keys;
}

static void hash_labels(const json_t *labels, int v1, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n;
	const char **keys = sorted_keys(labels, &n);

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		const json_t *jv = json_object_get(labels, keys[i]);
		const char *val = json_string_value(jv);
		size_t klen = strlen(keys[i]),
		       vlen = val ? json_string_length(jv) : 0;
		char len[32];

		if (v1) {
			EVP_DigestUpdate(ctx, keys[i], klen);
			EVP_DigestUpdate(ctx, "=", 1);
			if (val)
				EVP_DigestUpdate(ctx, val, strlen(val));
			EVP_DigestUpdate(ctx, "\n", 1);
			continue;
		}
		snprintf(len, sizeof(len), "%zu:", klen);
		EVP_DigestUpdate(ctx, len, strlen(len));
		EVP_DigestUpdate(ctx, keys[i], klen);
		snprintf(len, sizeof(len), "%zu:", vlen);
		EVP_DigestUpdate(ctx, len, strlen(len));
		if (vlen)
			EVP_DigestUpdate(ctx, val, vlen);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	free(keys);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[16] = '\0';
}

void fingerprint_labels(const json_t *labels, char out[17])
{
	hash_labels(labels, 0, out);
}

void fingerprint_labels_v1(const json_t *labels, char out[17])
{
	hash_labels(labels, 1, out);
}
