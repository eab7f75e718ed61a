/* json_fields: a few named top-level members picked out of one JSON object, the whole text
 * checked strictly on the way (json_scan.h) — for a reader that passes a record on as it is
 * and only needs some of its fields (serve's index). Never allocates; string values go into
 * the caller's buffers, numbers stay as their digits in the text. */
#ifndef WX_JSON_FIELDS_H
#define WX_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "json_scan.h"

typedef struct {
    const char *name; /* in: the member's name, as it reads unescaped */
    char *buf;        /* in: where a string value goes, NUL-terminated (may be NULL) */
    size_t cap;       /* in: buf's size in bytes */
    bool found;       /* out: the member is there (when repeated, the last one counts) */
    json_type_t type; /* out: its value's kind, when found */
    bool truncated;   /* out: a string value did not fit in cap - 1 bytes (buf holds its start) */
    bool has_nul;     /* out: a string value holds a \u0000 (buf ends at it) */
    json_num_t num;   /* out: a number value's digits (pointing into the text) */
    bool integer;     /* out: that number is written as an integer (no '.', no exponent) */
} json_field_t;

/* Scans text[0..len): 0 when it is exactly one JSON object (whitespace around it allowed),
 * filling f[0..nf) (reset first); -1 otherwise, with "byte N: what" in err, and then f[] says
 * nothing. A string member whose field has no buf (or cap 0) is found, and truncated unless
 * empty. Member names longer than 64 bytes match no field. */
int json_fields_get(const char *text, size_t len, json_field_t *f, size_t nf, char *err,
                    size_t errsz);

#endif
