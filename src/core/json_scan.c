/* json_scan: the general JSON scanner (see json_scan.h): strings, numbers, literals, and
 * skipping whole values. */
#include "json_scan.h"

#include <math.h>
#include <stdio.h>

#include "wxtext.h"

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int json_fail_at(json_scan_t *j, const char *at, const char *what)
{
    snprintf(j->err, j->errsz, "byte %zu: %s", (size_t)(at - j->s), what);
    return -1;
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        const char c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

/* Scans the string at j->p (which is '"'), decoding into o; leaves j->p after the quote. */
int json_scan_string(json_scan_t *j, json_out_t *o)
{
    const char *const open = j->p;
    const char *p = j->p + 1;
    const char *const end = j->end;
    for (;;) {
        const char *run = p;
        while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
               *p != '\\')
            p++;
        if (p > run)
            json_out_bytes(o, run, (size_t)(p - run));
        if (p >= end)
            return json_fail_at(j, open, "unterminated string");
        const unsigned char c = (unsigned char)*p;
        if (c == '"') {
            j->p = p + 1;
            return 0;
        }
        if (c < 0x20)
            return json_fail_at(j, p, "control character in string");
        if (c >= 0x80) {
            const size_t k = wxtext_utf8_len((const unsigned char *)p, (size_t)(end - p));
            if (k == 0)
                return json_fail_at(j, p, "invalid UTF-8 in string");
            json_out_bytes(o, p, k);
            p += k;
            continue;
        }
        /* backslash */
        if (end - p < 2)
            return json_fail_at(j, open, "unterminated string");
        char e;
        switch (p[1]) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '/': e = '/'; break;
        case 'b': e = '\b'; break;
        case 'f': e = '\f'; break;
        case 'n': e = '\n'; break;
        case 'r': e = '\r'; break;
        case 't': e = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (end - p < 6 || hex4(p + 2, &cp) != 0)
                return json_fail_at(j, p, "invalid \\u escape");
            const char *at = p;
            p += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return json_fail_at(j, at, "unpaired surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return json_fail_at(j, at, "unpaired surrogate in \\u escape");
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            char u[4];
            size_t n;
            if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
            } else if (cp < 0x800) {
                u[0] = (char)(0xC0 | cp >> 6);
                u[1] = (char)(0x80 | (cp & 0x3F));
                n = 2;
            } else if (cp < 0x10000) {
                u[0] = (char)(0xE0 | cp >> 12);
                u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
                u[2] = (char)(0x80 | (cp & 0x3F));
                n = 3;
            } else {
                u[0] = (char)(0xF0 | cp >> 18);
                u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
                u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
                u[3] = (char)(0x80 | (cp & 0x3F));
                n = 4;
            }
            json_out_bytes(o, u, n);
            continue;
        }
        default:
            return json_fail_at(j, p, "invalid escape in string");
        }
        json_out_bytes(o, &e, 1);
        p += 2;
    }
}

/* Lexes -?int(.frac)?([eE][+-]?exp)? from s[0..n); returns the bytes used, 0 when it is not a
 * number. JSON forbids leading zeros ("05"); numeric strings ("0005") allow them. */
size_t json_lex_number(const char *s, size_t n, bool lead0_ok, json_num_t *out)
{
    size_t i = 0;
    out->neg = n > 0 && s[0] == '-';
    i += out->neg;
    out->ip = s + i;
    if (i < n && s[i] == '0' && !lead0_ok)
        i++;
    else
        while (i < n && json_is_digit(s[i]))
            i++;
    out->ni = (size_t)(s + i - out->ip);
    if (out->ni == 0)
        return 0;
    out->fp = s + i;
    out->nf = 0;
    if (i < n && s[i] == '.') {
        out->fp = s + ++i;
        while (i < n && json_is_digit(s[i]))
            i++;
        out->nf = (size_t)(s + i - out->fp);
        if (out->nf == 0)
            return 0;
    }
    out->exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        const size_t e0 = i;
        int32_t e = 0;
        while (i < n && json_is_digit(s[i])) {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        if (i == e0)
            return 0;
        out->exp = eneg ? -e : e;
    }
    return i;
}

/* The number as an int32 when it is integral and fits; decided on the digits. */
bool json_num_to_int(const json_num_t *nm, int32_t *out, bool *integral)
{
    const size_t nd = nm->ni + nm->nf;
    const int64_t point = (int64_t)nm->ni + nm->exp; /* digits before the point */
    uint64_t v = 0;
    bool big = false;
    *integral = true;
    for (size_t k = 0; k < nd; k++) {
        const int d = json_digit_at(nm, k);
        if ((int64_t)k < point) {
            if (!big) {
                v = v * 10 + (uint64_t)d;
                big = v > INT32_MAX;
            }
        } else if (d != 0) {
            *integral = false;
            return false;
        }
    }
    for (int64_t k = (int64_t)nd; k < point && v != 0 && !big; k++) {
        v *= 10;
        big = v > INT32_MAX;
    }
    if (big)
        return false;
    *out = nm->neg ? -(int32_t)v : (int32_t)v;
    return true;
}

double json_num_to_double(const json_num_t *nm)
{
    const size_t nd = nm->ni + nm->nf;
    size_t k = 0;
    while (k < nd && json_digit_at(nm, k) == 0)
        k++;
    uint64_t m = 0;
    size_t used = 0;
    int64_t e10 = (int64_t)nm->exp - (int64_t)nm->nf;
    for (; k < nd; k++) {
        if (used < 19) {
            m = m * 10 + (uint64_t)json_digit_at(nm, k);
            used++;
        } else {
            e10++; /* dropped digit: only beyond 19 significant digits */
        }
    }
    double v;
    if (m == 0 || e10 < -400) {
        v = 0.0;
    } else if (e10 > 400) {
        v = HUGE_VAL;
    } else if (m < (1ull << 53) && e10 >= -22 && e10 <= 22) {
        /* Both operands exact: one correctly rounded operation, the same double as strtod. */
        v = e10 >= 0 ? (double)m * POW10[e10] : (double)m / POW10[-e10];
    } else {
        /* Rare (over 15 digits, or a large exponent): a few roundings, no long double. */
        v = (double)m;
        for (; e10 > 22 && v < HUGE_VAL; e10 -= 22)
            v *= 1e22;
        for (; e10 < -22 && v > 0.0; e10 += 22)
            v /= 1e22;
        if (e10 > 22 || e10 < -22)
            e10 = 0; /* already overflowed to inf or underflowed to 0 */
        v = e10 >= 0 ? v * POW10[e10] : v / POW10[-e10];
    }
    return nm->neg ? -v : v;
}

const char *json_type_name(json_type_t t)
{
    switch (t) {
    case JSON_STRING: return "a string";
    case JSON_NUMBER: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    }
    return "?";
}

int json_classify(json_scan_t *j, json_type_t *t)
{
    if (j->p >= j->end)
        return json_fail_at(j, j->p, "expected a value, got end of input");
    switch (*j->p) {
    case '"': *t = JSON_STRING; return 0;
    case 't': *t = JSON_TRUE; return 0;
    case 'f': *t = JSON_FALSE; return 0;
    case 'n': *t = JSON_NULL; return 0;
    case '{': *t = JSON_OBJECT; return 0;
    case '[': *t = JSON_ARRAY; return 0;
    default:
        if (*j->p == '-' || json_is_digit(*j->p)) {
            *t = JSON_NUMBER;
            return 0;
        }
        return json_fail_at(j, j->p, "expected a value");
    }
}

int json_scan_literal(json_scan_t *j, const char *lit, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return json_fail_at(j, j->p, "invalid literal");
    j->p += n;
    return 0;
}

/* Scans a JSON number at j->p. */
int json_scan_number(json_scan_t *j, json_num_t *nm)
{
    const size_t k = json_lex_number(j->p, (size_t)(j->end - j->p), false, nm);
    if (k == 0)
        return json_fail_at(j, j->p, "invalid number");
    const char *after = j->p + k;
    if (after < j->end && (json_is_digit(*after) || *after == '.' || *after == 'e' ||
                           *after == 'E' || *after == '+' || *after == '-'))
        return json_fail_at(j, j->p, "invalid number");
    j->p = after;
    return 0;
}

static int skip_container(json_scan_t *j, int depth)
{
    const char close = *j->p == '{' ? '}' : ']';
    const bool obj = close == '}';
    if (depth >= JSON_SCAN_MAX_DEPTH)
        return json_fail_at(j, j->p, "nesting deeper than 32");
    j->p++;
    json_skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        json_skip_ws(j);
        if (obj) {
            if (j->p >= j->end || *j->p != '"')
                return json_fail_at(j, j->p, "expected a key string");
            json_out_t none = {NULL, 0, 0};
            if (json_scan_string(j, &none) != 0)
                return -1;
            json_skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return json_fail_at(j, j->p, "expected ':'");
            j->p++;
            json_skip_ws(j);
        }
        if (json_skip_value(j, depth + 1) != 0)
            return -1;
        json_skip_ws(j);
        if (j->p >= j->end)
            return json_fail_at(j, j->p, obj ? "expected ',' or '}', got end of input"
                                        : "expected ',' or ']', got end of input");
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == close) {
            j->p++;
            return 0;
        }
        return json_fail_at(j, j->p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

int json_skip_value(json_scan_t *j, int depth)
{
    json_type_t t;
    json_num_t nm;
    json_out_t none = {NULL, 0, 0};
    if (json_classify(j, &t) != 0)
        return -1;
    switch (t) {
    case JSON_STRING: return json_scan_string(j, &none);
    case JSON_NUMBER: return json_scan_number(j, &nm);
    case JSON_TRUE: return json_scan_literal(j, "true", 4);
    case JSON_FALSE: return json_scan_literal(j, "false", 5);
    case JSON_NULL: return json_scan_literal(j, "null", 4);
    case JSON_OBJECT:
    case JSON_ARRAY: return skip_container(j, depth);
    }
    return -1;
}
