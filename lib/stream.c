/* stream.c — event streams over the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "stream.h"

#define REGISTRY "stream_registry"

int attune_stream_publish(struct attune_store *st, const char *type, jv datas, const char *source, long long maxlen,
                          char (*ids)[ATTUNE_ID_MAX])
{
	static const char *const fields[] = {"event_type", "timestamp", "data", "source"};
	size_t n = (size_t)jv_array_length(jv_copy(datas));
	struct attune_entry *e = calloc(n + 1, sizeof *e);
	const char **vals = calloc(4 * n + 1, sizeof *vals);
	size_t *lens = calloc(4 * n + 1, sizeof *lens);
	char ts[40], *key;
	int rc;

	if (!source)
		source = "attune";
	attune_iso_time(attune_now(), ts, sizeof ts);
	for (size_t i = 0; i < n; i++) {
		const char **v = vals + 4 * i;
		size_t *l = lens + 4 * i;
		v[0] = type, l[0] = strlen(type);
		v[1] = ts, l[1] = strlen(ts);
		v[2] = attune_json_dump(jv_array_get(jv_copy(datas), (int)i), &l[2]);
		v[3] = source, l[3] = strlen(source);
		e[i] = (struct attune_entry){.nfields = 4, .fields = fields, .values = v, .lens = l};
	}
	if (asprintf(&key, "stream:%s", type) < 0)
		abort();
	rc = attune_store_xadd(st, key, n, e, maxlen, ids);
	if (rc == 0 && attune_store_sadd(st, REGISTRY, key) < 0)
		rc = -1;
	for (size_t i = 0; i < n; i++)
		free((char *)vals[4 * i + 2]);
	free(key);
	free(e);
	free(vals);
	free(lens);
	jv_free(datas);
	return rc < 0 ? -1 : 0;
}
