/* wxtext: quoting for error messages and UTF-8 validation (see wxtext.h). */
#include "wxtext.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void wxtext_quote(const char *s, size_t n, char *dst, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    const size_t lim = n > WXTEXT_QUOTE_MAX ? WXTEXT_QUOTE_MAX : n;
    /* Each input byte needs at most 4 output bytes; leave room for the quotes, "..." and NUL. */
    if (size < WXTEXT_QUOTE_SIZE) {
        if (size)
            dst[0] = '\0';
        return;
    }
    dst[o++] = '"';
    for (size_t i = 0; i < lim; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            dst[o++] = (char)c;
        } else {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
    }
    dst[o++] = '"';
    if (n > lim) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

size_t wxtext_utf8_len(const unsigned char *s, size_t n)
{
    const unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && s[1] >= 0x90)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

bool wxtext_scaled(double av, int decimals, uint64_t *m)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (decimals < 0 || decimals > 9)
        return false;
    const double scaled = av * pow10[decimals];
    if (!(scaled < 1e12)) /* keeps the product's rounding error far below the tie margin */
        return false;
    const double fl = floor(scaled);
    const double frac = scaled - fl;
    if (fabs(frac - 0.5) < 1e-3)
        return false; /* near a tie: printf decides on the exact binary value */
    *m = (uint64_t)fl + (frac > 0.5);
    return true;
}

size_t wxtext_fixed(double av, int decimals, char *buf)
{
    uint64_t m;
    if (!wxtext_scaled(av, decimals, &m))
        return 0;
    return wxtext_scaled_digits(m, decimals, buf);
}

size_t wxtext_scaled_digits(uint64_t m, int decimals, char *buf)
{
    char tmp[32];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
        if (decimals > 0 && n == (size_t)decimals)
            tmp[n++] = '.';
    } while (m > 0 || n <= (size_t)decimals + (decimals > 0));
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool wxtext_contains_nocase(const char *hay, const char *needle)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (needle[i] && hay[i] && ascii_lower(hay[i]) == ascii_lower(needle[i]))
            i++;
        if (!needle[i])
            return true;
    }
    return !*needle;
}
