/* json_put: the JSON values every writer appends to a wxbuf (see json_put.h).
 *
 * json_put_string turns *any* bytes into a valid JSON string (bytes that are not UTF-8 become
 * \u00XX of the byte); json_put_number prints fixed decimals without printf on the common path,
 * falling back to snprintf only when a value sits too close to a rounding tie to decide cheaply,
 * so the output always equals what "%.*f" would print, then trimmed. */
#include "json_put.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wxtext.h"

/* Bytes a JSON string holds as they are: ASCII from 0x20 up, but '"' (0x22) and '\\' (0x5c). */
#define ONES16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const bool PLAIN[256] = {
    [0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ONES16, /* 0x30 */
    ONES16, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50 */
    ONES16, /* 0x60 */
    ONES16, /* 0x70 */
};
#undef ONES16

void json_put_string(wxbuf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    wxbuf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && PLAIN[u[run]])
            run++;
        if (run > i) {
            wxbuf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        const unsigned c = u[i];
        char esc[6];
        size_t k = c >= 0x80 ? wxtext_utf8_len(u + i, n - i) : 0;
        if (k > 0) {
            wxbuf_append(b, s + i, k);
            i += k;
            continue;
        }
        switch (c) {
        case '"': wxbuf_append(b, "\\\"", 2); break;
        case '\\': wxbuf_append(b, "\\\\", 2); break;
        case '\b': wxbuf_append(b, "\\b", 2); break;
        case '\f': wxbuf_append(b, "\\f", 2); break;
        case '\n': wxbuf_append(b, "\\n", 2); break;
        case '\r': wxbuf_append(b, "\\r", 2); break;
        case '\t': wxbuf_append(b, "\\t", 2); break;
        default: /* other control characters, and bytes that are not UTF-8 */
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            wxbuf_append(b, esc, 6);
            break;
        }
        i++;
    }
    wxbuf_putc(b, '"');
}

/* The common case of json_put_number: the value scaled to its decimals is an integer m that
 * wxtext_scaled can decide. Writes m with its decimal point, trailing zeros trimmed to one
 * decimal, straight into b. False: take the general path. */
static bool json_number_fast(wxbuf_t *b, double v, int decimals, bool keep_zero_sign)
{
    uint64_t m;
    if (!wxtext_scaled(fabs(v), decimals, &m))
        return false;
    int d = decimals;
    while (d > 1 && m % 10 == 0) {
        m /= 10;
        d--;
    }
    char out[40];
    size_t n = 0;
    /* "-0.0" is "0.0": what rounds to zero has no sign (but for a reading passed through) */
    if (signbit(v) && (m != 0 || keep_zero_sign))
        out[n++] = '-';
    n += wxtext_scaled_digits(m, d, out + n);
    if (d == 0) {
        out[n++] = '.';
        out[n++] = '0';
    }
    wxbuf_append(b, out, n);
    return true;
}

static void json_number(wxbuf_t *b, double v, int decimals, bool keep_zero_sign)
{
    if (!isfinite(v)) {
        wxbuf_append(b, "null", 4);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 20)
        decimals = 20;
    if (json_number_fast(b, v, decimals, keep_zero_sign))
        return;
    /* Near a rounding tie, very large, or more than 9 decimals: printf decides. */
    char buf[400]; /* DBL_MAX has 309 integer digits */
    bool neg = signbit(v);
    int w = snprintf(buf + 1, sizeof buf - 1, "%.*f", decimals, fabs(v));
    buf[0] = '-';
    size_t n = (size_t)w + 1;
    /* Trim trailing zeros, keep one decimal; add ".0" when there was no decimal point. */
    char *dot = memchr(buf + 1, '.', n - 1);
    if (dot) {
        while (buf[n - 1] == '0' && buf + n - 2 > dot)
            n--;
    } else {
        buf[n++] = '.';
        buf[n++] = '0';
    }
    /* "-0.0" is written as "0.0": a value that rounds to zero has no sign. */
    bool all_zero = true;
    for (size_t i = 1; i < n; i++)
        if (buf[i] != '0' && buf[i] != '.') {
            all_zero = false;
            break;
        }
    if (neg && (!all_zero || keep_zero_sign))
        wxbuf_append(b, buf, n);
    else
        wxbuf_append(b, buf + 1, n - 1);
}

void json_put_number(wxbuf_t *b, double v, int decimals)
{
    json_number(b, v, decimals, false);
}

void json_put_reading(wxbuf_t *b, double v, int decimals)
{
    json_number(b, v, decimals, true);
}
