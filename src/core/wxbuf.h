/* wxbuf: a growable byte buffer for building records (JSON lines, USCRN lines) without I/O.
 *
 * Grows by doubling; a failed allocation sets `failed` and later appends do nothing, so callers
 * check once at the end instead of after every append. The owner frees with wxbuf_free. */
#ifndef WX_WXBUF_H
#define WX_WXBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wxbuf {
    char *data;   /* NUL-terminated when len > 0 or after wxbuf_reset */
    size_t len;
    size_t cap;
    bool failed;
} wxbuf_t;

#define WXBUF_INIT {NULL, 0, 0, false}

void wxbuf_reset(wxbuf_t *b);           /* len = 0, keeps the memory */
void wxbuf_free(wxbuf_t *b);
/* The slow paths of the two inline appends below: grow, or fail. */
void wxbuf_append_grow(wxbuf_t *b, const char *s, size_t n);
void wxbuf_putc_grow(wxbuf_t *b, char c);

/* Inline: the record writers call these a few dozen times per record. */
static inline void wxbuf_append(wxbuf_t *b, const char *s, size_t n)
{
    if (n < b->cap - b->len && !b->failed) { /* room for n bytes and the NUL (len < cap) */
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    wxbuf_append_grow(b, s, n);
}

static inline void wxbuf_putc(wxbuf_t *b, char c)
{
    if (b->cap - b->len > 1 && !b->failed) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    wxbuf_putc_grow(b, c);
}

static inline void wxbuf_puts(wxbuf_t *b, const char *s)
{
    wxbuf_append(b, s, strlen(s));
}

void wxbuf_printf(wxbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
