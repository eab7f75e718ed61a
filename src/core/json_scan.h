/* json_scan: a strict RFC 8259 JSON scanner over bytes in memory, with no knowledge of what the
 * values mean (json_record.c gives them the seed's meaning).
 *
 * It never reads past `end`, never allocates and never recurses deeper than
 * JSON_SCAN_MAX_DEPTH, so any byte string is safe to give it. Strings: full escapes (\uXXXX,
 * surrogate pairs), UTF-8 checked. Numbers by the JSON grammar, lexed into their digits
 * (json_num_t) and converted without strtod or locale: to an int32 decided on the digits, or to
 * a double exactly rounded for up to 15 significant digits and exponents within 10^±22, within a
 * few ulps beyond that. Every failing function returns -1 with "byte N: what" in the scan's
 * errstr (json_fail_at). The small helpers the record reader calls per byte are inline here. */
#ifndef WX_JSON_SCAN_H
#define WX_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSON_SCAN_MAX_DEPTH 32

/* The bytes being scanned: s..end, p the next byte; err receives the reason of a failure. */
typedef struct {
    const char *s, *p, *end;
    char *err;
    size_t errsz;
} json_scan_t;

/* A lexed number: sign, digits before and after the point, and the exponent (saturated). */
typedef struct {
    bool neg;
    const char *ip, *fp;
    size_t ni, nf;
    int32_t exp;
} json_num_t;

/* Decoded output: the first `cap` bytes go to dst (may be NULL), `len` counts them all. */
typedef struct {
    char *dst;
    size_t cap, len;
} json_out_t;

/* The kind of value at the scan position, told from its first byte (json_classify). */
typedef enum {
    JSON_STRING,
    JSON_NUMBER,
    JSON_TRUE,
    JSON_FALSE,
    JSON_NULL,
    JSON_OBJECT,
    JSON_ARRAY
} json_type_t;

static inline bool json_is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static inline void json_skip_ws(json_scan_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static inline void json_out_bytes(json_out_t *o, const char *b, size_t n)
{
    if (o->dst && o->len < o->cap) {
        const size_t room = o->cap - o->len;
        memcpy(o->dst + o->len, b, n < room ? n : room);
    }
    o->len += n;
}

static inline int json_digit_at(const json_num_t *nm, size_t k)
{
    return k < nm->ni ? nm->ip[k] - '0' : nm->fp[k - nm->ni] - '0';
}

/* Writes "byte N: what" (N: the offset of `at` in the input) to j->err; returns -1. */
int json_fail_at(json_scan_t *j, const char *at, const char *what);

/* Walking one object's members (json_record.c, json_fields.c):
 *     int more = json_object_open(j);          1: members follow, 0: "{}", -1: not an object
 *     while (more == 1) {
 *         json_member_key(j) ... scan the key string ... json_member_colon(j)
 *         ... scan the value ...
 *         more = json_member_next(j);          1: ',' (another), 0: '}' (closed), -1: error
 *     }
 *     json_scan_finish(j);                     only whitespace may follow
 * Each returns -1 with the reason in j->err on bad input. */
static inline int json_object_open(json_scan_t *j)
{
    json_skip_ws(j);
    if (j->p >= j->end || *j->p != '{')
        return json_fail_at(j, j->p,
                            j->p >= j->end ? "expected '{', got end of input" : "expected '{'");
    j->p++;
    json_skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return 0;
    }
    return 1;
}

/* Before a member: whitespace, then the key's opening quote (left at j->p). */
static inline int json_member_key(json_scan_t *j)
{
    json_skip_ws(j);
    if (j->p < j->end && *j->p == '"')
        return 0;
    return json_fail_at(j, j->p, j->p >= j->end ? "expected a key, got end of input"
                                                : "expected a key string");
}

/* After the key: whitespace, ':', whitespace. */
static inline int json_member_colon(json_scan_t *j)
{
    json_skip_ws(j);
    if (j->p >= j->end || *j->p != ':')
        return json_fail_at(j, j->p, "expected ':' after a key");
    j->p++;
    json_skip_ws(j);
    return 0;
}

/* After a member's value: 1 when ',' (another member follows), 0 when '}' closed the object. */
static inline int json_member_next(json_scan_t *j)
{
    json_skip_ws(j);
    if (j->p >= j->end)
        return json_fail_at(j, j->p, "expected ',' or '}', got end of input");
    if (*j->p == ',' || *j->p == '}')
        return *j->p++ == ',';
    return json_fail_at(j, j->p, "expected ',' or '}'");
}

/* After the top-level value: whitespace only, to the end. */
static inline int json_scan_finish(json_scan_t *j)
{
    json_skip_ws(j);
    return j->p == j->end ? 0 : json_fail_at(j, j->p, "trailing bytes after the object");
}

/* Scans the string at j->p (which is '"'), decoding into o; leaves j->p after the quote. */
int json_scan_string(json_scan_t *j, json_out_t *o);

/* Lexes -?int(.frac)?([eE][+-]?exp)? from s[0..n); returns the bytes used, 0 when it is not a
 * number. JSON forbids leading zeros ("05"); numeric strings ("0005") allow them. */
size_t json_lex_number(const char *s, size_t n, bool lead0_ok, json_num_t *out);

/* The number as an int32 when it is integral and fits; decided on the digits. */
bool json_num_to_int(const json_num_t *nm, int32_t *out, bool *integral);

/* The number as the nearest double (see the file comment); HUGE_VAL when it overflows. */
double json_num_to_double(const json_num_t *nm);

/* "a string", "a number", "true", ...: for messages. */
const char *json_type_name(json_type_t t);

/* The kind of the value at j->p, which it does not consume; -1 when no value starts there. */
int json_classify(json_scan_t *j, json_type_t *t);

/* Consumes the literal lit[0..n) ("true", "null", ...) at j->p, or fails. */
int json_scan_literal(json_scan_t *j, const char *lit, size_t n);

/* Scans a JSON number at j->p into *nm (a number must not run into more number bytes). */
int json_scan_number(json_scan_t *j, json_num_t *nm);

/* Consumes any one value at j->p, checked; `depth` is the nesting it sits at (containers
 * deeper than JSON_SCAN_MAX_DEPTH fail). */
int json_skip_value(json_scan_t *j, int depth);

#endif
