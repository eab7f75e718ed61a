/* record_json: the seed's flat JSON reading, scanned and written by hand (see record_json.h).
 *
 * The scanner is strict RFC 8259 JSON for one object: full string escapes (\uXXXX, surrogate
 * pairs), UTF-8 checked, numbers by the JSON grammar, nested values allowed only under unknown
 * keys and at most RECORD_JSON_MAX_DEPTH deep. It never reads past `len`, never allocates and
 * never recurses deeper than that limit, so any byte string is safe to give it.
 * Numbers: an integer field takes any JSON number that is integral ("5", "5.0", "5e0"), decided
 * on the digits, not on a double; a decimal field is converted without strtod or locale: exactly
 * rounded for up to 15 significant digits and exponents within 10^±22 (every USCRN value),
 * within a few ulps beyond that. */
#include "record_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wxtext.h"

#define RECORD_JSON_MAX_DEPTH 32
#define KEY_MAX 32        /* longer keys are unknown keys */
#define NUMSTR_MAX 64     /* longest numeric string accepted ("0005", "-9999.0") */
#define SOURCE_FILE_IDX USCRN_FIELD_COUNT

typedef enum { J_INT, J_DEC, J_FLAG, J_TYPE } jkind_t;

typedef struct {
    const char *key;        /* "\"WBANNO\": " as the writer prints it; the name is key + 1 */
    unsigned char keylen;   /* strlen(key) */
    unsigned char kind;
    unsigned char decimals; /* J_DEC: as the files print the column */
    unsigned char required;
    unsigned short offset;
} jfield_t;

/* Names as uscrn_field_name() spells them (test_record_json checks the writer's keys). */
#define JF(name, kind, dec, req, member)                                                  \
    {"\"" name "\": ", (unsigned char)(sizeof name + 3), kind, dec, req,                \
     (unsigned short)offsetof(uscrn_reading_t, member)}
static const jfield_t JFIELDS[USCRN_FIELD_COUNT] = {
    JF("WBANNO", J_INT, 0, 1, wbanno),
    JF("UTC_DATE", J_INT, 0, 1, utc_date),
    JF("UTC_TIME", J_INT, 0, 1, utc_time),
    JF("LST_DATE", J_INT, 0, 1, lst_date),
    JF("LST_TIME", J_INT, 0, 1, lst_time),
    JF("CRX_VN", J_DEC, 3, 0, crx_vn),
    JF("LONGITUDE", J_DEC, 2, 0, longitude),
    JF("LATITUDE", J_DEC, 2, 0, latitude),
    JF("AIR_TEMPERATURE", J_DEC, 1, 1, air_temperature),
    JF("PRECIPITATION", J_DEC, 1, 0, precipitation),
    JF("SOLAR_RADIATION", J_INT, 0, 0, solar_radiation),
    JF("SR_FLAG", J_FLAG, 0, 0, sr_flag),
    JF("SURFACE_TEMPERATURE", J_DEC, 1, 0, surface_temperature),
    JF("ST_TYPE", J_TYPE, 0, 0, st_type),
    JF("ST_FLAG", J_FLAG, 0, 0, st_flag),
    JF("RELATIVE_HUMIDITY", J_INT, 0, 0, relative_humidity),
    JF("RH_FLAG", J_FLAG, 0, 0, rh_flag),
    JF("SOIL_MOISTURE_5", J_DEC, 3, 0, soil_moisture_5),
    JF("SOIL_TEMPERATURE_5", J_DEC, 1, 0, soil_temperature_5),
    JF("WETNESS", J_INT, 0, 0, wetness),
    JF("WET_FLAG", J_FLAG, 0, 0, wet_flag),
    JF("WIND_1_5", J_DEC, 2, 0, wind_1_5),
    JF("WIND_FLAG", J_FLAG, 0, 0, wind_flag),
};
#undef JF

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct {
    const char *s, *p, *end;
    char *err;
    size_t errsz;
} jscan_t;

/* A lexed number: sign, digits before and after the point, and the exponent (saturated). */
typedef struct {
    bool neg;
    const char *ip, *fp;
    size_t ni, nf;
    int32_t exp;
} jnum_t;

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static int fail_at(jscan_t *j, const char *at, const char *what)
{
    snprintf(j->err, j->errsz, "byte %zu: %s", (size_t)(at - j->s), what);
    return -1;
}

static void skip_ws(jscan_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
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

/* Decoded output: the first `cap` bytes go to dst (may be NULL), `len` counts them all. */
typedef struct {
    char *dst;
    size_t cap, len;
} jout_t;

static inline void out_bytes(jout_t *o, const char *b, size_t n)
{
    if (o->dst && o->len < o->cap) {
        const size_t room = o->cap - o->len;
        memcpy(o->dst + o->len, b, n < room ? n : room);
    }
    o->len += n;
}

/* Scans the string at j->p (which is '"'), decoding into o; leaves j->p after the quote. */
static int scan_string(jscan_t *j, jout_t *o)
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
            out_bytes(o, run, (size_t)(p - run));
        if (p >= end)
            return fail_at(j, open, "unterminated string");
        const unsigned char c = (unsigned char)*p;
        if (c == '"') {
            j->p = p + 1;
            return 0;
        }
        if (c < 0x20)
            return fail_at(j, p, "control character in string");
        if (c >= 0x80) {
            const size_t k = wxtext_utf8_len((const unsigned char *)p, (size_t)(end - p));
            if (k == 0)
                return fail_at(j, p, "invalid UTF-8 in string");
            out_bytes(o, p, k);
            p += k;
            continue;
        }
        /* backslash */
        if (end - p < 2)
            return fail_at(j, open, "unterminated string");
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
                return fail_at(j, p, "invalid \\u escape");
            const char *at = p;
            p += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail_at(j, at, "unpaired surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(j, at, "unpaired surrogate in \\u escape");
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
            out_bytes(o, u, n);
            continue;
        }
        default:
            return fail_at(j, p, "invalid escape in string");
        }
        out_bytes(o, &e, 1);
        p += 2;
    }
}

/* Lexes -?int(.frac)?([eE][+-]?exp)? from s[0..n); returns the bytes used, 0 when it is not a
 * number. JSON forbids leading zeros ("05"); numeric strings ("0005") allow them. */
static size_t lex_number(const char *s, size_t n, bool lead0_ok, jnum_t *out)
{
    size_t i = 0;
    out->neg = n > 0 && s[0] == '-';
    i += out->neg;
    out->ip = s + i;
    if (i < n && s[i] == '0' && !lead0_ok)
        i++;
    else
        while (i < n && is_digit(s[i]))
            i++;
    out->ni = (size_t)(s + i - out->ip);
    if (out->ni == 0)
        return 0;
    out->fp = s + i;
    out->nf = 0;
    if (i < n && s[i] == '.') {
        out->fp = s + ++i;
        while (i < n && is_digit(s[i]))
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
        while (i < n && is_digit(s[i])) {
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

static inline int digit_at(const jnum_t *nm, size_t k)
{
    return k < nm->ni ? nm->ip[k] - '0' : nm->fp[k - nm->ni] - '0';
}

/* The number as an int32 when it is integral and fits; decided on the digits. */
static bool num_to_int(const jnum_t *nm, int32_t *out, bool *integral)
{
    const size_t nd = nm->ni + nm->nf;
    const int64_t point = (int64_t)nm->ni + nm->exp; /* digits before the point */
    uint64_t v = 0;
    bool big = false;
    *integral = true;
    for (size_t k = 0; k < nd; k++) {
        const int d = digit_at(nm, k);
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

static double num_to_double(const jnum_t *nm)
{
    const size_t nd = nm->ni + nm->nf;
    size_t k = 0;
    while (k < nd && digit_at(nm, k) == 0)
        k++;
    uint64_t m = 0;
    size_t used = 0;
    int64_t e10 = (int64_t)nm->exp - (int64_t)nm->nf;
    for (; k < nd; k++) {
        if (used < 19) {
            m = m * 10 + (uint64_t)digit_at(nm, k);
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

typedef enum { V_STRING, V_NUMBER, V_TRUE, V_FALSE, V_NULL, V_OBJECT, V_ARRAY } vtype_t;

static const char *vtype_name(vtype_t t)
{
    switch (t) {
    case V_STRING: return "a string";
    case V_NUMBER: return "a number";
    case V_TRUE: return "true";
    case V_FALSE: return "false";
    case V_NULL: return "null";
    case V_OBJECT: return "an object";
    case V_ARRAY: return "an array";
    }
    return "?";
}

static int classify(jscan_t *j, vtype_t *t)
{
    if (j->p >= j->end)
        return fail_at(j, j->p, "expected a value, got end of input");
    switch (*j->p) {
    case '"': *t = V_STRING; return 0;
    case 't': *t = V_TRUE; return 0;
    case 'f': *t = V_FALSE; return 0;
    case 'n': *t = V_NULL; return 0;
    case '{': *t = V_OBJECT; return 0;
    case '[': *t = V_ARRAY; return 0;
    default:
        if (*j->p == '-' || is_digit(*j->p)) {
            *t = V_NUMBER;
            return 0;
        }
        return fail_at(j, j->p, "expected a value");
    }
}

static int scan_literal(jscan_t *j, const char *lit, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return fail_at(j, j->p, "invalid literal");
    j->p += n;
    return 0;
}

/* Scans a JSON number at j->p. */
static int scan_number(jscan_t *j, jnum_t *nm)
{
    const size_t k = lex_number(j->p, (size_t)(j->end - j->p), false, nm);
    if (k == 0)
        return fail_at(j, j->p, "invalid number");
    const char *after = j->p + k;
    if (after < j->end && (is_digit(*after) || *after == '.' || *after == 'e' || *after == 'E' ||
                           *after == '+' || *after == '-'))
        return fail_at(j, j->p, "invalid number");
    j->p = after;
    return 0;
}

static int skip_value(jscan_t *j, int depth);

static int skip_container(jscan_t *j, int depth)
{
    const char close = *j->p == '{' ? '}' : ']';
    const bool obj = close == '}';
    if (depth >= RECORD_JSON_MAX_DEPTH)
        return fail_at(j, j->p, "nesting deeper than 32");
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        skip_ws(j);
        if (obj) {
            if (j->p >= j->end || *j->p != '"')
                return fail_at(j, j->p, "expected a key string");
            jout_t none = {NULL, 0, 0};
            if (scan_string(j, &none) != 0)
                return -1;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':')
                return fail_at(j, j->p, "expected ':'");
            j->p++;
            skip_ws(j);
        }
        if (skip_value(j, depth + 1) != 0)
            return -1;
        skip_ws(j);
        if (j->p >= j->end)
            return fail_at(j, j->p, obj ? "expected ',' or '}', got end of input"
                                        : "expected ',' or ']', got end of input");
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == close) {
            j->p++;
            return 0;
        }
        return fail_at(j, j->p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int skip_value(jscan_t *j, int depth)
{
    vtype_t t;
    jnum_t nm;
    jout_t none = {NULL, 0, 0};
    if (classify(j, &t) != 0)
        return -1;
    switch (t) {
    case V_STRING: return scan_string(j, &none);
    case V_NUMBER: return scan_number(j, &nm);
    case V_TRUE: return scan_literal(j, "true", 4);
    case V_FALSE: return scan_literal(j, "false", 5);
    case V_NULL: return scan_literal(j, "null", 4);
    case V_OBJECT:
    case V_ARRAY: return skip_container(j, depth);
    }
    return -1;
}

static int key_error(jscan_t *j, int f, const char *what)
{
    const char *name =
        f == SOURCE_FILE_IDX ? "source_file" : uscrn_field_name((uscrn_field_t)f);
    snprintf(j->err, j->errsz, "%s: %s", name, what);
    return -1;
}

/* "expected a number, got true" / got "12:05" / got 5.5 */
static int type_error(jscan_t *j, int f, const char *expected, vtype_t t, const char *tok,
                      size_t n, bool quoted)
{
    char q[WXTEXT_QUOTE_SIZE], msg[200];
    if (tok && quoted)
        wxtext_quote(tok, n, q, sizeof q);
    else if (tok)
        snprintf(q, sizeof q, "%.*s%s", (int)(n > 32 ? 32 : n), tok, n > 32 ? "..." : "");
    snprintf(msg, sizeof msg, "expected %s, got %s", expected, tok ? q : vtype_name(t));
    return key_error(j, f, msg);
}

/* Reads the value of a known USCRN key into r. */
static int read_field(jscan_t *j, int f, uscrn_reading_t *r)
{
    const jfield_t *jf = &JFIELDS[f];
    char *const dst = (char *)r + jf->offset;
    vtype_t t;
    if (classify(j, &t) != 0)
        return -1;
    const char *const tok = j->p;
    jnum_t nm;
    char sbuf[NUMSTR_MAX];
    size_t slen = 0;

    if (t == V_NULL) {
        if (scan_literal(j, "null", 4) != 0)
            return -1;
        if (jf->required && jf->kind != J_DEC)
            return key_error(j, f, "required, got null");
        return 0; /* the default set before scanning is the field's "missing" value */
    }
    if (jf->kind == J_TYPE) {
        if (t != V_STRING)
            return type_error(j, f, "a string", t, NULL, 0, false);
        jout_t o = {sbuf, sizeof sbuf, 0};
        if (scan_string(j, &o) != 0)
            return -1;
        if (o.len != 1 || (sbuf[0] != 'R' && sbuf[0] != 'C' && sbuf[0] != 'U'))
            return type_error(j, f, "a sensor type (\"R\", \"C\" or \"U\")", t, sbuf,
                              o.len < sizeof sbuf ? o.len : sizeof sbuf, true);
        r->st_type = sbuf[0];
        return 0;
    }

    /* Numeric field: a JSON number, or a string holding one ("0005", "03072", "-9999.0"). */
    if (t == V_NUMBER) {
        if (scan_number(j, &nm) != 0)
            return -1;
    } else if (t == V_STRING) {
        jout_t o = {sbuf, sizeof sbuf, 0};
        if (scan_string(j, &o) != 0)
            return -1;
        slen = o.len;
        if (slen > sizeof sbuf || lex_number(sbuf, slen, true, &nm) != slen || slen == 0)
            return type_error(j, f, "a number", t, sbuf, slen < sizeof sbuf ? slen : sizeof sbuf,
                              true);
    } else {
        return type_error(j, f, "a number", t, NULL, 0, false);
    }
    const size_t toklen = (size_t)(j->p - tok);

    if (jf->kind == J_DEC) {
        const double v = num_to_double(&nm);
        if (!isfinite(v))
            return type_error(j, f, "a finite number", t, tok, toklen, false);
        memcpy(dst, &v, sizeof v);
        return 0;
    }
    int32_t iv;
    bool integral;
    if (!num_to_int(&nm, &iv, &integral))
        return type_error(j, f, integral ? "an integer that fits 32 bits" : "an integer", t, tok,
                          toklen, false);
    if (jf->kind == J_FLAG && (iv < 0 || iv > 9))
        return type_error(j, f, "a flag (0-9)", t, tok, toklen, false);
    memcpy(dst, &iv, sizeof iv);
    return 0;
}

static inline bool key_is(int f, const char *k, size_t n)
{
    const jfield_t *jf = &JFIELDS[f];
    return (size_t)jf->keylen - 4 == n && memcmp(jf->key + 1, k, n) == 0;
}

/* The field index of a decoded key (0..22, SOURCE_FILE_IDX) or -1. `guess` is tried first:
 * records usually list their keys in file order. */
static int key_index(const char *k, size_t n, int guess)
{
    if (guess >= 0 && guess < USCRN_FIELD_COUNT && key_is(guess, k, n))
        return guess;
    for (int f = 0; f < USCRN_FIELD_COUNT; f++)
        if (key_is(f, k, n))
            return f;
    if (n == 11 && memcmp(k, "source_file", 11) == 0)
        return SOURCE_FILE_IDX;
    return -1;
}

/* Reads the key at j->p (a '"'). The common case, the expected name with no escapes, is
 * matched in place; anything else is decoded and looked up. */
static int scan_key(jscan_t *j, int guess, int *f)
{
    if (guess < USCRN_FIELD_COUNT) {
        const jfield_t *jf = &JFIELDS[guess];
        const size_t n = (size_t)jf->keylen - 3; /* name and closing quote */
        if ((size_t)(j->end - j->p) > n && memcmp(j->p + 1, jf->key + 1, n) == 0) {
            j->p += 1 + n;
            *f = guess;
            return 0;
        }
    }
    char key[KEY_MAX];
    jout_t ko = {key, sizeof key, 0};
    if (scan_string(j, &ko) != 0)
        return -1;
    *f = ko.len <= sizeof key ? key_index(key, ko.len, guess) : -1;
    return 0;
}

static void set_defaults(uscrn_reading_t *r)
{
    memset(r, 0, sizeof *r);
    r->longitude = NAN; /* no sentinel in the files; NaN counts as missing */
    r->latitude = NAN;
    r->air_temperature = USCRN_MISSING_TEMP; /* only used when given as null */
    uscrn_set_all_missing(r);
}

int record_json_parse(const char *json, size_t len, uscrn_reading_t *out, char *source_file,
                      size_t source_size, char *errstr, size_t errstr_size)
{
    jscan_t j = {json, json, json + len, errstr, errstr_size};
    uscrn_reading_t r;
    set_defaults(&r);
    jout_t src = {source_file, source_size ? source_size - 1 : 0, 0};
    uint32_t seen = 0;
    int guess = 0;

    skip_ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return fail_at(&j, j.p, j.p >= j.end ? "expected '{', got end of input" : "expected '{'");
    j.p++;
    skip_ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
    } else {
        for (;;) {
            skip_ws(&j);
            if (j.p >= j.end || *j.p != '"')
                return fail_at(&j, j.p, j.p >= j.end ? "expected a key, got end of input"
                                                     : "expected a key string");
            int f;
            if (scan_key(&j, guess, &f) != 0)
                return -1;
            skip_ws(&j);
            if (j.p >= j.end || *j.p != ':')
                return fail_at(&j, j.p, "expected ':' after a key");
            j.p++;
            skip_ws(&j);
            if (f >= 0) {
                if (seen & (1u << f))
                    return key_error(&j, f, "duplicate key");
                seen |= 1u << f;
                guess = f + 1;
            }
            if (f < 0) {
                if (skip_value(&j, 1) != 0)
                    return -1;
            } else if (f == SOURCE_FILE_IDX) {
                vtype_t t;
                if (classify(&j, &t) != 0)
                    return -1;
                if (t == V_NULL) {
                    if (scan_literal(&j, "null", 4) != 0)
                        return -1;
                    src.len = 0;
                } else if (t != V_STRING) {
                    return type_error(&j, f, "a string", t, NULL, 0, false);
                } else if (scan_string(&j, &src) != 0) {
                    return -1;
                }
            } else if (read_field(&j, f, &r) != 0) {
                return -1;
            }
            skip_ws(&j);
            if (j.p >= j.end)
                return fail_at(&j, j.p, "expected ',' or '}', got end of input");
            if (*j.p == ',') {
                j.p++;
                continue;
            }
            if (*j.p == '}') {
                j.p++;
                break;
            }
            return fail_at(&j, j.p, "expected ',' or '}'");
        }
    }
    skip_ws(&j);
    if (j.p != j.end)
        return fail_at(&j, j.p, "trailing bytes after the object");

    for (int f = 0; f < USCRN_FIELD_COUNT; f++)
        if (JFIELDS[f].required && !(seen & (1u << f))) {
            snprintf(errstr, errstr_size, "missing required key %s",
                     uscrn_field_name((uscrn_field_t)f));
            return -1;
        }
    if (uscrn_finish(&r, errstr, errstr_size) != 0)
        return -1;
    if (source_file && source_size > 0)
        source_file[src.len < src.cap ? src.len : src.cap] = '\0';
    *out = r;
    return 0;
}

/* ---- writing ---------------------------------------------------------------------------- */

static void put_int(wxbuf_t *out, int32_t v)
{
    char tmp[12];
    size_t n = sizeof tmp;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--n] = '-';
    wxbuf_append(out, tmp + n, sizeof tmp - n);
}

void record_json_write(const uscrn_reading_t *r, const char *source_file, wxbuf_t *out)
{
    const char *const base = (const char *)r;
    wxbuf_putc(out, '{');
    for (int f = 0; f < USCRN_FIELD_COUNT; f++) {
        const jfield_t *jf = &JFIELDS[f];
        if (f > 0)
            wxbuf_append(out, ", ", 2);
        wxbuf_append(out, jf->key, jf->keylen);
        int32_t iv;
        double dv;
        switch ((jkind_t)jf->kind) {
        case J_INT:
        case J_FLAG:
            memcpy(&iv, base + jf->offset, sizeof iv);
            put_int(out, iv);
            break;
        case J_DEC:
            memcpy(&dv, base + jf->offset, sizeof dv);
            wxbuf_json_reading(out, dv, jf->decimals); /* "-0.0" stays "-0.0" */
            break;
        case J_TYPE:
            wxbuf_json_string(out, &r->st_type, 1);
            break;
        }
    }
    if (source_file) {
        wxbuf_append(out, ", \"source_file\": ", 17);
        wxbuf_json_string(out, source_file, strlen(source_file));
    }
    wxbuf_putc(out, '}');
}
