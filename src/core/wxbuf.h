/* wxbuf: a growable byte buffer for building records (JSON lines, USCRN lines) without I/O.
 *
 * Grows by doubling; a failed allocation sets `failed` and later appends do nothing, so callers
 * check once at the end instead of after every append. The owner frees with wxbuf_free. */
#ifndef WX_WXBUF_H
#define WX_WXBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wxbuf {
    char *data;   /* NUL-terminated when len > 0 or after wxbuf_reset */
    size_t len;
    size_t cap;
    bool failed;
} wxbuf_t;

#define WXBUF_INIT {NULL, 0, 0, false}

void wxbuf_reset(wxbuf_t *b);           /* len = 0, keeps the memory */
void wxbuf_free(wxbuf_t *b);
void wxbuf_append(wxbuf_t *b, const char *s, size_t n);
void wxbuf_puts(wxbuf_t *b, const char *s);
void wxbuf_putc(wxbuf_t *b, char c);
void wxbuf_printf(wxbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a JSON string literal with quotes. Bytes that are not valid UTF-8 are
 * written as \u00XX of the byte (Latin-1 reading), so any input yields valid JSON. */
void wxbuf_json_string(wxbuf_t *b, const char *s, size_t n);
/* Appends a number with at most `decimals` decimals, trailing zeros trimmed but at least one
 * decimal kept ("3.0", "-2.35"); NaN and infinities are written as null. */
void wxbuf_json_number(wxbuf_t *b, double v, int decimals);

#endif
