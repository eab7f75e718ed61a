/* serve_query: strict readers of request parameters and record keys (see serve_query.h). */
#include "serve_query.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool serve_parse_time(const char *s, wx_time_t *out)
{
    if (!s || !*s)
        return false;
    size_t n = strlen(s);
    if (n >= 10 && s[4] == '-' && s[7] == '-') {
        int y, mo, d, hh = 0, mi = 0, ss = 0;
        if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d))
            return false;
        if (n == 10)
            goto convert;
        if (s[10] != 'T' || n < 17 || s[13] != ':' || !digits(s + 11, 2, &hh) ||
            !digits(s + 14, 2, &mi))
            return false;
        if (n == 17 && s[16] == 'Z')
            goto convert;
        if (n != 20 || s[16] != ':' || s[19] != 'Z' || !digits(s + 17, 2, &ss))
            return false;
    convert:
        if (ss > 59)
            return false;
        return wx_time_from_date_hhmm(y * 10000 + mo * 100 + d, hh * 100 + mi, out) &&
               (*out += ss, true);
    }
    const char *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    if (!*p || strlen(p) > 12)
        return false;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}

bool serve_parse_count(const char *s, size_t min, size_t max, size_t *out)
{
    if (!s || !*s || strlen(s) > 18)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v < min || v > max)
        return false;
    *out = (size_t)v;
    return true;
}

bool serve_station_key(const char *s, char *out, size_t size)
{
    if (!s || !*s || size < 6)
        return false;
    size_t n = strlen(s);
    bool all_digits = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        all_digits &= c >= '0' && c <= '9';
    }
    if (all_digits && n < 5) {
        snprintf(out, size, "%0*d%s", (int)(5 - n), 0, s);
        return true;
    }
    if (n >= size)
        return false;
    memcpy(out, s, n + 1);
    return true;
}
