/* report_out.c — the output formats of a report: text tables, CSV, Prometheus textfile,
 * a self-contained HTML page with SVG charts; plus the view and chart builders. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "report_impl.h"

/* --- numbers and texts ------------------------------------------------------------------ */

double rround(double x, int dp)
{
	char buf[64];

	if (!isfinite(x) || fabs(x) >= 1e15)
		return x;
	snprintf(buf, sizeof buf, "%.*f", dp, x);
	return strtod(buf, NULL) + 0.0;
}

double rdiv(double a, double b)
{
	return b != 0 ? a / b : 0;
}

/* x with dp decimals and thousands separators into buf. */
static void grouped(double x, int dp, char *buf, size_t len)
{
	char num[64], *dot;
	size_t n, lead, k = 0;

	snprintf(num, sizeof num, "%.*f", dp, fabs(x));
	dot = strchr(num, '.');
	n = dot ? (size_t)(dot - num) : strlen(num);
	if (x < 0 && strspn(num, "0.") != strlen(num))
		buf[k++] = '-';
	lead = n % 3 ? n % 3 : 3;
	for (size_t i = 0; i < n && k + 2 < len; i++) {
		if (i >= lead && (i - lead) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = num[i];
	}
	snprintf(buf + k, len - k, "%s", dot ? dot : "");
}

jv t_int(double n)
{
	char buf[64];

	grouped(n, 0, buf, sizeof buf);
	return jv_string(buf);
}

jv t_num(double x, int dp)
{
	char buf[64];

	grouped(x, dp, buf, sizeof buf);
	return jv_string(buf);
}

static void money(double x, int dp, char *buf, size_t len)
{
	grouped(x, dp, buf + 1, len - 1);
	if (buf[1] == '-') {
		buf[0] = '-';
		buf[1] = '$';
	} else {
		buf[0] = '$';
	}
}

jv t_money(double x, int dp)
{
	char buf[64];

	money(x, dp, buf, sizeof buf);
	return jv_string(buf);
}

jv t_money_pct(double m, double pct)
{
	char buf[64];

	money(m, 2, buf, sizeof buf);
	return jv_string_fmt("%s (%.1f%%)", buf, pct);
}

jv t_pct(double x, int dp)
{
	return jv_string_fmt("%.*f%%", dp, x);
}

jv t_cut(const char *s, size_t n, size_t max)
{
	size_t k = 0, i = 0;

	for (; i < n; i++)
		if ((s[i] & 0xC0) != 0x80 && k++ == max)
			break;
	return i ? jv_string_sized(s, (int)i) : jv_string("-");
}

jv tcat(jv a, const char *sep, jv b)
{
	jv s = jv_string_fmt("%s%s%s", jv_string_value(a), sep, jv_string_value(b));

	jv_free(a);
	jv_free(b);
	return s;
}

jv jstr(const char *s, size_t n)
{
	return s ? jv_string_sized(s, (int)n) : jv_string("unknown");
}

jv report_get(jv o, const char *key)
{
	return jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(key)) : jv_invalid();
}

/* --- views and charts ------------------------------------------------------------------ */

static jv vfmt(const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof buf, fmt, ap);
	return jv_string(buf);
}

jv view_new(const char *fmt, ...)
{
	va_list ap;
	jv v;

	va_start(ap, fmt);
	v = JV_OBJECT(jv_string("title"), vfmt(fmt, ap), jv_string("sections"), jv_array(), jv_string("notes"),
	              jv_array());
	va_end(ap);
	return v;
}

jv view_empty(jv view, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	view = jv_object_set(view, jv_string("empty"), vfmt(fmt, ap));
	va_end(ap);
	return view;
}

jv view_note(jv view, const char *fmt, ...)
{
	va_list ap;
	jv notes = jv_object_get(jv_copy(view), jv_string("notes"));

	va_start(ap, fmt);
	notes = jv_array_append(notes, vfmt(fmt, ap));
	va_end(ap);
	return jv_object_set(view, jv_string("notes"), notes);
}

static jv add_section(jv view, const char *heading, jv section)
{
	jv list = jv_object_get(jv_copy(view), jv_string("sections"));

	if (heading)
		section = jv_object_set(section, jv_string("heading"), jv_string(heading));
	return jv_object_set(view, jv_string("sections"), jv_array_append(list, section));
}

jv view_facts(jv view, const char *heading, jv facts)
{
	return add_section(view, heading, JV_OBJECT(jv_string("facts"), facts));
}

jv fact(jv facts, const char *label, jv text)
{
	return jv_array_append(facts, JV_ARRAY(jv_string(label), text));
}

jv view_table(jv view, const char *heading, jv columns, const char *align, jv rows)
{
	return add_section(view, heading, JV_OBJECT(jv_string("columns"), columns, jv_string("align"), jv_string(align),
	                                              jv_string("rows"), rows));
}

jv strs(const char *first, ...)
{
	va_list ap;
	jv a = jv_array();

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		a = jv_array_append(a, jv_string(s));
	va_end(ap);
	return a;
}

jv chart_new(const char *title, const char *kind, const char *unit)
{
	return JV_OBJECT(jv_string("title"), jv_string(title), jv_string("kind"), jv_string(kind), jv_string("unit"),
	                 jv_string(unit), jv_string("points"), jv_array());
}

jv chart_point(jv chart, jv label, double value)
{
	jv pts = jv_object_get(jv_copy(chart), jv_string("points"));

	return jv_object_set(chart, jv_string("points"), jv_array_append(pts, JV_ARRAY(label, jv_number(value))));
}

/* --- small output helpers ----------------------------------------------------------------- */

static const char *sval(jv v) /* v borrowed */
{
	return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "";
}

/* Display width: code points (the texts here are not East Asian wide in practice). */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

void out_pad(FILE *f, const char *s, size_t w, int right)
{
	size_t n = width(s);

	if (right)
		for (; n < w; n++)
			fputc(' ', f);
	fputs(s, f);
	if (!right)
		for (; n < w; n++)
			fputc(' ', f);
}

static void rule(FILE *f, size_t n, int c)
{
	while (n--)
		fputc(c, f);
	fputc('\n', f);
}

/* --- text ------------------------------------------------------------------------------ */

static void text_facts(FILE *f, jv facts, const char *indent)
{
	size_t w = 0;
	int n = jv_array_length(jv_copy(facts));

	for (int i = 0; i < n; i++) {
		jv fa = jv_array_get(jv_copy(facts), i), l = jv_array_get(fa, 0);
		size_t lw = width(sval(l)) + 1;
		w = lw > w ? lw : w;
		jv_free(l);
	}
	for (int i = 0; i < n; i++) {
		jv fa = jv_array_get(jv_copy(facts), i), l = jv_array_get(jv_copy(fa), 0), v = jv_array_get(fa, 1);
		char label[256];
		snprintf(label, sizeof label, "%s:", sval(l));
		fputs(indent, f);
		out_pad(f, label, w, 0);
		fprintf(f, "  %s\n", sval(v));
		jv_free(l);
		jv_free(v);
	}
}

static void text_table(FILE *f, jv sec, const char *indent)
{
	jv cols = jv_object_get(jv_copy(sec), jv_string("columns")), rows = jv_object_get(jv_copy(sec), jv_string("rows"));
	jv align = jv_object_get(sec, jv_string("align"));
	int nc = jv_array_length(jv_copy(cols)), nr = jv_array_length(jv_copy(rows));
	size_t *w = calloc((size_t)nc + 1, sizeof *w), total = 0;
	const char *al = sval(align);

	for (int c = 0; c < nc; c++) {
		jv h = jv_array_get(jv_copy(cols), c);
		w[c] = width(sval(h));
		jv_free(h);
		for (int r = 0; r < nr; r++) {
			jv cell = jv_array_get(jv_array_get(jv_copy(rows), r), c);
			size_t cw = width(sval(cell));
			w[c] = cw > w[c] ? cw : w[c];
			jv_free(cell);
		}
		total += w[c] + (c ? 2 : 0);
	}
	for (int r = -1; r < nr; r++) {
		jv row = r < 0 ? jv_copy(cols) : jv_array_get(jv_copy(rows), r);
		char *line = NULL;
		size_t len = 0;
		FILE *l = open_memstream(&line, &len);
		fputs(indent, l);
		for (int c = 0; c < nc; c++) {
			jv cell = jv_array_get(jv_copy(row), c);
			if (c)
				fputs("  ", l);
			out_pad(l, sval(cell), w[c], c < (int)strlen(al) && al[c] == 'r');
			jv_free(cell);
		}
		fclose(l);
		while (len && line[len - 1] == ' ') /* no line ends in blanks */
			len--;
		fprintf(f, "%.*s\n", (int)len, line);
		free(line);
		jv_free(row);
		if (r < 0) {
			fputs(indent, f);
			rule(f, total, '-');
		}
	}
	free(w);
	jv_free(cols);
	jv_free(rows);
	jv_free(align);
}

static void render_text(FILE *f, jv view)
{
	jv title = jv_object_get(jv_copy(view), jv_string("title")), empty = report_get(view, "empty");
	jv secs = jv_object_get(jv_copy(view), jv_string("sections")), notes = jv_object_get(jv_copy(view), jv_string("notes"));

	fprintf(f, "%s\n", sval(title));
	rule(f, width(sval(title)), '=');
	if (jv_get_kind(empty) == JV_KIND_STRING) {
		fprintf(f, "%s\n", jv_string_value(empty));
	} else {
		jv_array_foreach(secs, i, sec) {
			jv heading = report_get(sec, "heading"), facts = report_get(sec, "facts");
			const char *indent = jv_get_kind(heading) == JV_KIND_STRING ? "  " : "";
			(void)i;
			fputc('\n', f);
			if (*indent)
				fprintf(f, "%s\n", jv_string_value(heading));
			if (jv_get_kind(facts) == JV_KIND_ARRAY)
				text_facts(f, facts, indent);
			else
				text_table(f, jv_copy(sec), indent);
			jv_free(heading);
			jv_free(facts);
			jv_free(sec);
		}
	}
	if (jv_array_length(jv_copy(notes)))
		fputc('\n', f);
	jv_array_foreach(notes, i, note) {
		(void)i;
		fprintf(f, "%s\n", sval(note));
		jv_free(note);
	}
	jv_free(title);
	jv_free(empty);
	jv_free(secs);
	jv_free(notes);
}

/* --- csv -------------------------------------------------------------------------------- */

/* A cell: strings as they are, numbers as JSON writes them, booleans as attune-ai's CSV
 * (True/False), null empty, arrays and objects as JSON text. Consumes v. */
void out_csv_cell(FILE *f, jv v)
{
	char *s = NULL;
	const char *t;

	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: t = jv_string_value(v); break;
	case JV_KIND_TRUE: t = "True"; break;
	case JV_KIND_FALSE: t = "False"; break;
	case JV_KIND_NULL:
	case JV_KIND_INVALID: t = ""; break;
	default: t = s = attune_json_dump(jv_copy(v), NULL);
	}
	if (strpbrk(t, ",\"\r\n") || (*t && (t[0] == ' ' || t[strlen(t) - 1] == ' '))) {
		fputc('"', f);
		for (; *t; t++) {
			if (*t == '"')
				fputc('"', f);
			fputc(*t, f);
		}
		fputc('"', f);
	} else {
		fputs(t, f);
	}
	free(s);
	jv_free(v);
}

static void csv_row(FILE *f, jv keys, jv row, const char *first_key, jv first_val)
{
	int c = 0;

	if (first_key) {
		out_csv_cell(f, first_val);
		c++;
	}
	jv_array_foreach(keys, i, k) {
		(void)i;
		if (c++)
			fputc(',', f);
		out_csv_cell(f, jv_get_kind(row) == JV_KIND_OBJECT ? jv_object_get(jv_copy(row), k) : (jv_free(k), jv_null()));
	}
	fputc('\n', f);
	jv_free(keys);
	jv_free(row);
}

static const struct {
	const char *map, *label;
} labels[] = {
	{"by_tier", "tier"}, {"by_workflow", "workflow"}, {"by_provider", "provider"},
	{"by_task_type", "task_type"}, {"by_strategy", "strategy"}, {"by_agent", "agent"},
	{"tier_distribution", "tier"}, {"by_day", "day"},
};

/* The label name for the keys of a map, or NULL if key does not name a map. */
static const char *map_label(const char *key)
{
	for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
		if (!strcmp(key, labels[i].map))
			return labels[i].label;
	return NULL;
}

/* "metric,value" for every scalar, with dotted paths. */
static void csv_flat(FILE *f, jv v, const char *path)
{
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv_object_foreach(v, k, x) {
			char sub[512];
			snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", jv_string_value(k));
			csv_flat(f, x, sub);
			jv_free(k);
		}
		jv_free(v);
		return;
	}
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		jv_free(v);
		return;
	}
	out_csv_cell(f, jv_string(path));
	fputc(',', f);
	out_csv_cell(f, v);
	fputc('\n', f);
}

static void render_csv(FILE *f, const struct attune_report *r)
{
	jv rows;

	if (!r->csv) {
		fputs("metric,value\n", f);
		csv_flat(f, jv_copy(r->data), "");
		return;
	}
	rows = report_get(r->data, r->csv);
	if (jv_get_kind(rows) == JV_KIND_ARRAY && jv_array_length(jv_copy(rows)) > 0) {
		jv first = jv_array_get(jv_copy(rows), 0), keys = jv_keys_unsorted(first);
		jv_array_foreach(keys, i, k) {
			fputs(i ? "," : "", f);
			out_csv_cell(f, k);
		}
		fputc('\n', f);
		jv_array_foreach(rows, i, row) {
			(void)i;
			csv_row(f, jv_copy(keys), row, NULL, jv_null());
		}
		jv_free(keys);
	} else if (jv_get_kind(rows) == JV_KIND_OBJECT && jv_object_length(jv_copy(rows)) > 0) {
		/* A map of objects: its key becomes the first column. */
		const char *label = map_label(r->csv) ? map_label(r->csv) : "name";
		jv keys = jv_invalid();
		jv_object_foreach(rows, k, row) {
			if (!jv_is_valid(keys)) {
				keys = jv_keys_unsorted(jv_copy(row));
				out_csv_cell(f, jv_string(label));
				jv_array_foreach(keys, i, name) {
					(void)i;
					fputc(',', f);
					out_csv_cell(f, name);
				}
				fputc('\n', f);
			}
			csv_row(f, jv_copy(keys), row, label, k);
		}
		jv_free(keys);
	}
	jv_free(rows);
}

/* --- prometheus ------------------------------------------------------------------------ */

/* Arrays exported as labelled series, and the fields of their rows that become labels. */
static const char *const prom_arrays[] = {"models", "most_failing_tests", "files", NULL};
static const struct {
	const char *field, *label;
} prom_labels[] = {
	{"provider", "provider"}, {"model", "model"}, {"name", "name"}, {"file_path", "file"},
};

static jv metric_name(const char *a, const char *b)
{
	char buf[512];

	snprintf(buf, sizeof buf, "%s%s%s", a, *a && *b ? "_" : "", b);
	for (char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	return jv_string(buf);
}

static jv label_add(jv labels, const char *name, const char *value)
{
	if (jv_string_length_bytes(jv_copy(labels)))
		labels = jv_string_append_str(labels, ",");
	labels = jv_string_append_str(jv_string_append_str(labels, name), "=\"");
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			labels = jv_string_append_buf(labels, "\\", 1);
		labels = *p == '\n' ? jv_string_append_str(labels, "\\n") : jv_string_append_buf(labels, p, 1);
	}
	return jv_string_append_str(labels, "\"");
}

/* Shortest text that reads back as x. */
static void num_text(double x, char *buf, size_t len)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(buf, len, "%.*g", p, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* families: {name: "samples…"} in first-seen order. Consumes family and labels. */
static jv prom_sample(jv families, jv family, jv labels, double x)
{
	jv lines = jv_object_get(jv_copy(families), jv_copy(family));
	char num[64];

	if (!jv_is_valid(lines))
		lines = jv_string("");
	num_text(x, num, sizeof num);
	lines = jv_string_append_str(lines, jv_string_value(family));
	if (jv_string_length_bytes(jv_copy(labels)))
		lines = jv_string_append_str(jv_string_append_str(jv_string_append_str(lines, "{"), jv_string_value(labels)), "}");
	lines = jv_string_append_str(jv_string_append_str(jv_string_append_str(lines, " "), num), "\n");
	jv_free(labels);
	return jv_object_set(families, family, lines);
}

static jv prom_walk(jv families, jv v, const char *prefix, jv labels, const char *map_of);

static jv prom_value(jv families, jv x, jv name, jv labels)
{
	switch (jv_get_kind(x)) {
	case JV_KIND_NUMBER: families = prom_sample(families, jv_copy(name), labels, jv_number_value(x)); break;
	case JV_KIND_TRUE: families = prom_sample(families, jv_copy(name), labels, 1); break;
	case JV_KIND_FALSE: families = prom_sample(families, jv_copy(name), labels, 0); break;
	case JV_KIND_OBJECT: families = prom_walk(families, jv_copy(x), jv_string_value(name), labels, NULL); break;
	default: jv_free(labels);
	}
	jv_free(x);
	jv_free(name);
	return families;
}

/* map_of: v is a map whose keys become this label. */
static jv prom_walk(jv families, jv v, const char *prefix, jv labels, const char *map_of)
{
	jv_object_foreach(v, k, x) {
		const char *key = jv_string_value(k);
		if (map_of) {
			families = prom_value(families, x, jv_string(prefix), label_add(jv_copy(labels), map_of, key));
		} else if (jv_get_kind(x) == JV_KIND_OBJECT && map_label(key)) {
			jv name = metric_name(prefix, key);
			families = prom_walk(families, x, jv_string_value(name), jv_copy(labels), map_label(key));
			jv_free(name);
		} else if (jv_get_kind(x) == JV_KIND_ARRAY) {
			int listed = 0;
			for (int i = 0; prom_arrays[i]; i++)
				listed |= !strcmp(prom_arrays[i], key);
			jv name = metric_name(prefix, key);
			jv_array_foreach(x, i, row) {
				jv l = jv_copy(labels);
				(void)i;
				if (!listed || jv_get_kind(row) != JV_KIND_OBJECT) {
					jv_free(row);
					jv_free(l);
					continue;
				}
				for (size_t j = 0; j < sizeof prom_labels / sizeof *prom_labels; j++) {
					jv s = jv_object_get(jv_copy(row), jv_string(prom_labels[j].field));
					if (jv_get_kind(s) == JV_KIND_STRING)
						l = label_add(l, prom_labels[j].label, jv_string_value(s));
					jv_free(s);
				}
				jv_object_foreach(row, f, y) {
					if (jv_get_kind(y) == JV_KIND_NUMBER || jv_get_kind(y) == JV_KIND_TRUE ||
					    jv_get_kind(y) == JV_KIND_FALSE)
						families = prom_value(families, y, metric_name(jv_string_value(name), jv_string_value(f)),
						                      jv_copy(l));
					else
						jv_free(y);
					jv_free(f);
				}
				jv_free(row);
				jv_free(l);
			}
			jv_free(name);
			jv_free(x);
		} else {
			families = prom_value(families, x, metric_name(prefix, key), jv_copy(labels));
		}
		jv_free(k);
	}
	jv_free(v);
	jv_free(labels);
	return families;
}

static void render_prometheus(FILE *f, const char *name, const struct attune_report *r)
{
	jv prefix = metric_name("attune_report", name);
	jv families = prom_walk(jv_object(), jv_copy(r->data), jv_string_value(prefix), jv_string(""), NULL);

	jv_object_foreach(families, k, lines) {
		fprintf(f, "# TYPE %s gauge\n%s", jv_string_value(k), jv_string_value(lines));
		jv_free(k);
		jv_free(lines);
	}
	jv_free(families);
	jv_free(prefix);
}

/* --- html ------------------------------------------------------------------------------- */

static void html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void chart_value(char *buf, size_t len, const char *unit, double v)
{
	jv t = !strcmp(unit, "$") ? t_money(v, fabs(v) < 1 && v != 0 ? 4 : 2)
	       : !strcmp(unit, "%") ? t_pct(v, 1)
	                            : t_num(v, v == floor(v) ? 0 : 2);
	snprintf(buf, len, "%s", jv_string_value(t));
	jv_free(t);
}

static const char *const palette[] = {"#3b6ea5", "#e07b39", "#5a9e4b", "#b5473a", "#7d5ba6", "#c49a2c"};

static void svg_bars(FILE *f, jv points, const char *unit) /* points borrowed */
{
	int n = jv_array_length(jv_copy(points)), h = 28 * n + 16;
	double max = 0;

	jv_array_foreach(points, i, p) {
		double v = jv_number_value(jv_array_get(p, 1));
		(void)i;
		max = fabs(v) > max ? fabs(v) : max;
	}
	if (!strcmp(unit, "%") && max < 100) /* shares and rates against the whole */
		max = 100;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"%d\" viewBox=\"0 0 720 %d\" role=\"img\">\n",
	        h, h);
	jv_array_foreach(points, i, p) {
		jv l = jv_array_get(jv_copy(p), 0);
		double v = jv_number_value(jv_array_get(p, 1)), w = max > 0 && v > 0 ? 400 * v / max : 0;
		char val[64];
		int y = 8 + 28 * i;
		chart_value(val, sizeof val, unit, v);
		fprintf(f, "<text x=\"190\" y=\"%d\" text-anchor=\"end\">", y + 15);
		html_text(f, sval(l));
		fprintf(f, "</text><rect x=\"200\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"/>", y, w,
		        palette[i % 6]);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">", 206 + w, y + 15);
		html_text(f, val);
		fputs("</text>\n", f);
		jv_free(l);
	}
	fputs("</svg>\n", f);
}

/* Columns (kind "column") or a line (kind "line") over an ordered series, e.g. days. */
static void svg_series(FILE *f, jv points, const char *unit, int line) /* points borrowed */
{
	int n = jv_array_length(jv_copy(points)), every = n > 16 ? (n + 15) / 16 : 1;
	double max = 0, step = n ? 640.0 / n : 0, bar = step > 64 ? 60 : step > 3 ? step - 2 : step;
	char top[64], val[64];

	jv_array_foreach(points, i, p) {
		double v = jv_number_value(jv_array_get(p, 1));
		(void)i;
		max = v > max ? v : max;
	}
	if (!strcmp(unit, "%") && max < 100)
		max = 100;
	chart_value(top, sizeof top, unit, max);
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"300\" viewBox=\"0 0 720 300\" role=\"img\">\n",
	      f);
	fputs("<line x1=\"60\" y1=\"20\" x2=\"60\" y2=\"220\" stroke=\"#888\"/><line x1=\"60\" y1=\"220\" x2=\"705\" "
	      "y2=\"220\" stroke=\"#888\"/>\n",
	      f);
	fputs("<text x=\"55\" y=\"25\" text-anchor=\"end\" class=\"axis\">", f);
	html_text(f, top);
	fputs("</text><text x=\"55\" y=\"222\" text-anchor=\"end\" class=\"axis\">0</text>\n", f);
	if (line)
		fputs("<polyline fill=\"none\" stroke=\"#3b6ea5\" stroke-width=\"2\" points=\"", f);
	jv_array_foreach(points, i, p) {
		double v = jv_number_value(jv_array_get(jv_copy(p), 1)), hgt = max > 0 && v > 0 ? 200 * v / max : 0;
		double x = 62 + step * i + step / 2;
		if (line)
			fprintf(f, "%.1f,%.1f ", x, 220 - hgt);
		jv_free(p);
	}
	if (line)
		fputs("\"/>\n", f);
	/* The columns, or the line's points, each with its value as a tooltip. */
	jv_array_foreach(points, i, p) {
		double v = jv_number_value(jv_array_get(jv_copy(p), 1)), hgt = max > 0 && v > 0 ? 200 * v / max : 0;
		double x = 62 + step * i + step / 2;
		jv l = jv_array_get(p, 0);
		chart_value(val, sizeof val, unit, v);
		if (line)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#3b6ea5\"><title>", x, 220 - hgt);
		else
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6ea5\"><title>",
			        x - bar / 2, 220 - hgt, bar, hgt);
		html_text(f, sval(l));
		fputs(": ", f);
		html_text(f, val);
		fputs(line ? "</title></circle>\n" : "</title></rect>\n", f);
		jv_free(l);
	}
	jv_array_foreach(points, i, p) {
		jv l = jv_array_get(p, 0);
		double x = 62 + step * i + step / 2;
		if (i % every == 0) {
			fprintf(f, "<text x=\"%.1f\" y=\"236\" text-anchor=\"end\" class=\"axis\" transform=\"rotate(-35 %.1f 236)\">",
			        x, x);
			html_text(f, sval(l));
			fputs("</text>\n", f);
		}
		jv_free(l);
	}
	fputs("</svg>\n", f);
}

static void html_section(FILE *f, jv sec)
{
	jv heading = report_get(sec, "heading"), facts = report_get(sec, "facts");

	if (jv_get_kind(heading) == JV_KIND_STRING) {
		fputs("<h2>", f);
		html_text(f, jv_string_value(heading));
		fputs("</h2>\n", f);
	}
	if (jv_get_kind(facts) == JV_KIND_ARRAY) {
		fputs("<table class=\"facts\">\n", f);
		jv_array_foreach(facts, i, fa) {
			jv l = jv_array_get(jv_copy(fa), 0), v = jv_array_get(fa, 1);
			(void)i;
			fputs("<tr><th>", f);
			html_text(f, sval(l));
			fputs("</th><td>", f);
			html_text(f, sval(v));
			fputs("</td></tr>\n", f);
			jv_free(l);
			jv_free(v);
		}
		fputs("</table>\n", f);
	} else {
		jv cols = report_get(sec, "columns"), rows = report_get(sec, "rows"), align = report_get(sec, "align");
		const char *al = sval(align);
		int na = (int)strlen(al);
		fputs("<table>\n<thead><tr>", f);
		jv_array_foreach(cols, c, h) {
			fprintf(f, "<th%s>", c < na && al[c] == 'r' ? " class=\"r\"" : "");
			html_text(f, sval(h));
			fputs("</th>", f);
			jv_free(h);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		jv_array_foreach(rows, r, row) {
			(void)r;
			fputs("<tr>", f);
			jv_array_foreach(row, c, cell) {
				fprintf(f, "<td%s>", c < na && al[c] == 'r' ? " class=\"r\"" : "");
				html_text(f, sval(cell));
				fputs("</td>", f);
				jv_free(cell);
			}
			fputs("</tr>\n", f);
			jv_free(row);
		}
		fputs("</tbody>\n</table>\n", f);
		jv_free(cols);
		jv_free(rows);
		jv_free(align);
	}
	jv_free(heading);
	jv_free(facts);
}

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:2em auto;"
	"max-width:60em;padding:0 1em;color:#222;background:#fff}\n"
	"h1{font-size:1.5em;border-bottom:2px solid #3b6ea5;padding-bottom:.3em}h2{font-size:1.15em;margin-top:1.5em}\n"
	"table{border-collapse:collapse;margin:.5em 0 1em}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;"
	"text-align:left;vertical-align:top}\n"
	"thead th{background:#eef2f7}.r{text-align:right;font-variant-numeric:tabular-nums}\n"
	"table.facts th{font-weight:normal;color:#555}table.facts td{font-weight:600;text-align:right}\n"
	"figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}svg text{font-size:12px;fill:#222}"
	"svg text.axis{fill:#666;font-size:11px}\n"
	".meta,.note{color:#666;font-size:.9em}.empty{font-size:1.1em;padding:1em;background:#f6f6f6}\n";

static void render_html(FILE *f, const char *name, const struct attune_report *r)
{
	jv title = report_get(r->view, "title"), empty = report_get(r->view, "empty");
	jv secs = report_get(r->view, "sections"), notes = report_get(r->view, "notes");
	char when[40];

	attune_iso_time(attune_now(), when, sizeof when);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html_text(f, sval(title));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
	html_text(f, sval(title));
	when[10] = ' ';
	fprintf(f, "</h1>\n<p class=\"meta\">attune-report %s, generated %.19s UTC</p>\n", name, when);
	if (jv_get_kind(empty) == JV_KIND_STRING) {
		fputs("<p class=\"empty\">", f);
		html_text(f, jv_string_value(empty));
		fputs("</p>\n", f);
	} else {
		jv_array_foreach(r->charts, i, ch) {
			jv t = report_get(ch, "title"), kind = report_get(ch, "kind"), unit = report_get(ch, "unit");
			jv pts = report_get(ch, "points");
			(void)i;
			if (jv_array_length(jv_copy(pts)) > 0) {
				fputs("<figure>\n<figcaption>", f);
				html_text(f, sval(t));
				fputs("</figcaption>\n", f);
				if (!strcmp(sval(kind), "bar"))
					svg_bars(f, pts, sval(unit));
				else
					svg_series(f, pts, sval(unit), !strcmp(sval(kind), "line"));
				fputs("</figure>\n", f);
			}
			jv_free(t);
			jv_free(kind);
			jv_free(unit);
			jv_free(pts);
			jv_free(ch);
		}
		jv_array_foreach(secs, i, sec) {
			(void)i;
			html_section(f, sec);
			jv_free(sec);
		}
	}
	jv_array_foreach(notes, i, note) {
		(void)i;
		fputs("<p class=\"note\">", f);
		html_text(f, sval(note));
		fputs("</p>\n", f);
		jv_free(note);
	}
	fputs("</body>\n</html>\n", f);
	jv_free(title);
	jv_free(empty);
	jv_free(secs);
	jv_free(notes);
}

/* --- entry points ------------------------------------------------------------------------ */

char *attune_report_render(const char *name, const struct attune_report *r, const char *format, int pretty,
                           size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (!strcmp(format, "json")) {
		jv s = jv_dump_string(jv_copy(r->data), pretty ? JV_PRINT_INDENT_FLAGS(2) : 0);
		fprintf(f, "%s\n", jv_string_value(s));
		jv_free(s);
	} else if (!strcmp(format, "csv")) {
		render_csv(f, r);
	} else if (!strcmp(format, "prometheus")) {
		render_prometheus(f, name, r);
	} else if (!strcmp(format, "html")) {
		render_html(f, name, r);
	} else {
		render_text(f, r->view);
	}
	fclose(f);
	return out;
}

void attune_report_free(struct attune_report *r)
{
	jv_free(r->data);
	jv_free(r->view);
	jv_free(r->charts);
	r->data = r->view = r->charts = jv_null();
}
