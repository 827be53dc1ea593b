/* json.h — JSON in and out through libjq's jv (SPEC 3.3).
 *
 * jv ownership as in jq: functions taking a jv consume it. Errors are written into err
 * (with line and column where the parser gives them) and reported by the tool with exit 65. */
#ifndef ATTUNE_JSON_H
#define ATTUNE_JSON_H

#include <jv.h>
#include <stddef.h>

/* Parse one JSON text (an operand, or all of stdin for "-") into *out.
 * 0 on success; -1 with err set when invalid, empty, more than one value, or over 1 MiB. */
int attune_json_parse(const char *text, size_t len, jv *out, char *err, size_t errlen);
/* One JSON text as jv_parse_sized(text, len) gives it (an invalid jv with a message when it is
 * not valid JSON), faster for plain ASCII: for decoding stored values in bulk. */
jv attune_json_value(const char *text, size_t len);
/* Read all of fd (at most 1 MiB) and parse it as one value, as above. */
int attune_json_read_fd(int fd, jv *out, char *err, size_t errlen);
/* Parse an operand: "-" reads stdin. Same contract. */
int attune_json_arg(const char *arg, jv *out, char *err, size_t errlen);

/* A stream of JSON values on a file descriptor (whitespace separated). */
struct attune_jreader;
struct attune_jreader *attune_jreader_new(int fd);
/* 1 with *out the next value, 0 at end of input, -1 with err ("line L, column C: …",
 * a read error, or a value over 1 MiB). After -1 the reader only returns -1. */
int attune_jreader_next(struct attune_jreader *r, jv *out, char *err, size_t errlen);
/* 1 if input is at hand (buffered, readable, at its end), so next() will not wait for a writer;
 * 0 if it would block. Lets a batching caller send what it has before waiting. */
int attune_jreader_ready(struct attune_jreader *r);
void attune_jreader_free(struct attune_jreader *r);

/* Serialise compactly; the caller frees the result with free(). Consumes v. */
char *attune_json_dump(jv v, size_t *len);

/* Print v (consumed) as one line on stdout, indented if pretty; buffered: call fflush(stdout)
 * before acting on "it was written" (acknowledging, consuming). -1 on a write error. */
int attune_json_print(jv v, int pretty);

/* Print the object {keys[i]: row[i]} (row an array, consumed) exactly as attune_json_print would,
 * without building the object: for hot paths. */
int attune_json_print_row(const char *const *keys, jv row, int pretty);

/* A compiled jq program (SPEC 3.3 -f). */
struct attune_filter;
/* NULL with err set when the program does not compile. */
struct attune_filter *attune_filter_new(const char *program, char *err, size_t errlen);
/* Run on in (consumed). Returns an array (possibly empty: "no match") of the values emitted,
 * or an invalid jv with a message on a runtime error. */
jv attune_filter_run(struct attune_filter *f, jv in);
void attune_filter_free(struct attune_filter *f);

/* Convenience accessors on an object (do not consume o). NULL/def when absent or other kind. */
const char *attune_json_str(jv o, const char *key); /* valid while o lives */
double attune_json_num(jv o, const char *key, double def);

#endif
