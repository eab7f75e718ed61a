/* json_put: appends JSON values (strings, numbers) to a wxbuf; the record writers
 * (json_record, json_results) are built from these and wxbuf's raw appends. */
#ifndef WX_JSON_PUT_H
#define WX_JSON_PUT_H

#include <stddef.h>

#include "wxbuf.h"

/* Appends s[0..n) as a JSON string literal with quotes. Bytes that are not valid UTF-8 are
 * written as \u00XX of the byte (Latin-1 reading), so any input yields valid JSON. */
void json_put_string(wxbuf_t *b, const char *s, size_t n);
/* Appends a number with at most `decimals` decimals, trailing zeros trimmed but at least one
 * decimal kept ("3.0", "-2.35"); NaN and infinities are written as null. */
void json_put_number(wxbuf_t *b, double v, int decimals);
/* The same for a value passed through as read: a negative zero keeps its sign ("-0.0", as a
 * USCRN file can print it), where json_put_number writes a result's "0.0". */
void json_put_reading(wxbuf_t *b, double v, int decimals);

#endif
