/* Bad input at volume: a long, fixed-seed random run over both record readers (decode_record)
 * and one streaming partition. Every mutated USCRN line and JSON record must be read into a
 * consistent reading or rejected with a reason; in the stream, every record offered must end up
 * in an emitted hour or as a dead letter — nothing crashes, nothing is dropped silently.
 *
 * The seed is fixed and printed; WX_RANDOM_SEED=<n> runs another, WX_RANDOM_ITERATIONS=<n>
 * changes the number of records per reader (default 500000). fuzz/ holds the coverage-guided
 * counterpart (libFuzzer); this is the part that runs in every `ctest`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "decode.h"
#include "json_record.h"
#include "stream.h"
#include "testutil.h"
#include "uscrn.h"
#include "wxbuf.h"

#define DEFAULT_SEED 0x5eed0f0bad1e5ull
#define DEFAULT_ITERATIONS 500000L
#define REC_MAX 4096 /* mutations never grow a record past this */

static uint64_t seed = DEFAULT_SEED;
static long iterations = DEFAULT_ITERATIONS;

/* ---- deterministic randomness (splitmix64) ------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t rnd64(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the bias of a modulo is irrelevant here). */
static size_t rnd(rng_t *r, size_t n)
{
    return (size_t)(rnd64(r) % n);
}

static bool chance(rng_t *r, unsigned one_in)
{
    return rnd(r, one_in) == 0;
}

/* ---- records and mutations ---------------------------------------------------------------- */

typedef struct rec {
    char b[REC_MAX];
    size_t len;
} rec_t;

static void rec_set(rec_t *x, const char *s, size_t n)
{
    x->len = n < REC_MAX ? n : REC_MAX;
    memcpy(x->b, s, x->len);
}

/* Replaces x->b[at, at+n) with s[0..m), clipped to REC_MAX. */
static void splice(rec_t *x, size_t at, size_t n, const char *s, size_t m)
{
    if (at > x->len)
        at = x->len;
    if (n > x->len - at)
        n = x->len - at;
    if (x->len - n + m > REC_MAX)
        m = REC_MAX - (x->len - n);
    memmove(x->b + at + m, x->b + at + n, x->len - at - n);
    memcpy(x->b + at, s, m);
    x->len = x->len - n + m;
}

/* Bytes that mean something to one reader or the other. */
static const char INTERESTING[] = " 0123456789-.+eERCU{}[]\":,\\nt\r\n\t\0\x7f\x80\xc3\xff";

static char some_byte(rng_t *r)
{
    if (chance(r, 2))
        return INTERESTING[rnd(r, sizeof INTERESTING - 1)];
    return (char)rnd(r, 256);
}

/* Tokens either reader may choke on, or read into an edge of its checks. */
static const char *const TOKENS[] = {
    "-9999.0", "-99.000", "-99999", "-9.000", "-0.0", "-0", "0", "99999", "00000", "100000",
    "20260101", "20250229", "20240229", "20261301", "00000101", "99991231", "2359", "2400",
    "1260", "0000", "1e5", "1.5", "2147483647", "2147483648", "-2147483648", "123456789012345",
    "1234567890123456", "R", "C", "U", "X", "", " ", "  ", "\r", "\t", "nan", "inf",
};

static void mutate_bytes(rng_t *r, rec_t *x)
{
    char c;
    size_t at = x->len ? rnd(r, x->len) : 0;
    switch (rnd(r, 12)) {
    case 0: /* bit flip */
        if (x->len)
            x->b[at] = (char)(x->b[at] ^ (1 << rnd(r, 8)));
        break;
    case 1: /* insert a byte */
        c = some_byte(r);
        splice(x, rnd(r, x->len + 1), 0, &c, 1);
        break;
    case 2: /* delete a few bytes */
        splice(x, at, 1 + rnd(r, 3), "", 0);
        break;
    case 3: /* truncate */
        x->len = x->len ? rnd(r, x->len) : 0;
        break;
    case 4: /* swap a digit for another */
        for (size_t k = 0; k < x->len; k++) {
            const size_t i = (at + k) % x->len;
            if (x->b[i] >= '0' && x->b[i] <= '9') {
                x->b[i] = (char)('0' + rnd(r, 10));
                break;
            }
        }
        break;
    case 5: /* a NUL */
        if (x->len && chance(r, 2))
            x->b[at] = '\0';
        else
            splice(x, at, 0, "", 1);
        break;
    case 6: /* a space more or less */
        if (x->len && x->b[at] == ' ')
            splice(x, at, 1, "", 0);
        else
            splice(x, at, 0, " ", 1);
        break;
    case 7: /* overwrite a byte */
        if (x->len)
            x->b[at] = some_byte(r);
        break;
    case 8: { /* duplicate a chunk */
        const size_t n = 1 + rnd(r, 16);
        char tmp[16];
        const size_t m = at + n <= x->len ? n : x->len - at;
        memcpy(tmp, x->b + at, m);
        splice(x, rnd(r, x->len + 1), 0, tmp, m);
        break;
    }
    case 9: /* transpose two neighbours */
        if (at + 1 < x->len) {
            c = x->b[at];
            x->b[at] = x->b[at + 1];
            x->b[at + 1] = c;
        }
        break;
    case 10: { /* a token in place of a few bytes */
        const char *t = TOKENS[rnd(r, sizeof TOKENS / sizeof TOKENS[0])];
        splice(x, at, rnd(r, 8), t, strlen(t));
        break;
    }
    default: /* trailing junk */
        c = some_byte(r);
        splice(x, x->len, 0, &c, 1);
        break;
    }
}

/* Token boundaries of a USCRN line: starts[i], ends[i] of at most 32 space-separated tokens. */
static size_t tokens_of(const rec_t *x, size_t *starts, size_t *ends, size_t max)
{
    size_t n = 0, i = 0;
    while (i < x->len && n < max) {
        while (i < x->len && x->b[i] == ' ')
            i++;
        if (i == x->len)
            break;
        starts[n] = i;
        while (i < x->len && x->b[i] != ' ')
            i++;
        ends[n++] = i;
    }
    return n;
}

/* Field-level damage to a USCRN line: a field replaced, dropped, doubled or moved. */
static void mutate_uscrn_fields(rng_t *r, rec_t *x)
{
    size_t st[32], en[32];
    const size_t n = tokens_of(x, st, en, 32);
    if (n == 0)
        return;
    const size_t f = rnd(r, n);
    char tok[64];
    const size_t tl = en[f] - st[f] < sizeof tok ? en[f] - st[f] : sizeof tok;
    memcpy(tok, x->b + st[f], tl);
    switch (rnd(r, 4)) {
    case 0: {
        const char *t = TOKENS[rnd(r, sizeof TOKENS / sizeof TOKENS[0])];
        splice(x, st[f], en[f] - st[f], t, strlen(t));
        break;
    }
    case 1:
        splice(x, st[f], en[f] - st[f] + (en[f] < x->len), "", 0);
        break;
    case 2:
        splice(x, st[f], 0, " ", 1);
        splice(x, st[f], 0, tok, tl);
        break;
    default: { /* swap with another field of the same width: stays in its columns */
        const size_t g = rnd(r, n);
        if (en[g] - st[g] == tl && tl <= sizeof tok) {
            memmove(x->b + st[f], x->b + st[g], tl);
            memcpy(x->b + st[g], tok, tl);
        }
        break;
    }
    }
}

/* Start and end of the value after the k-th ':' of a JSON record (a shallow guess). */
static bool json_value(const rec_t *x, size_t k, size_t *vs, size_t *ve)
{
    size_t i = 0, seen = 0;
    for (; i < x->len; i++)
        if (x->b[i] == ':' && seen++ == k)
            break;
    if (i >= x->len)
        return false;
    i++;
    while (i < x->len && x->b[i] == ' ')
        i++;
    *vs = i;
    bool in_str = false;
    for (; i < x->len; i++) {
        if (x->b[i] == '"' && (i == *vs || x->b[i - 1] != '\\'))
            in_str = !in_str;
        if (!in_str && (x->b[i] == ',' || x->b[i] == '}'))
            break;
    }
    *ve = i;
    return true;
}

/* Deeper than the JSON scanner's nesting limit of 32 (JSON_SCAN_MAX_DEPTH). */
#define DEEP "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
static const char *const JSON_VALUES[] = {
    "true", "false", "null", "\"x\"", "\"\"", "[1, 2]", "{\"a\": {\"b\": []}}", "\"12:05\"",
    "1e999", "-1e999", "-0", "5.5", "5.0", "5e0", "0.5e1", "2147483648", "-2147483649", "\"R\"",
    "\"RC\"", "\"0005\"", "\"03072\"", "\"-9999.0\"", "\"1e2\"", "01", "-", "1.", ".5", "1e",
    "\"\\u0000\"", "\"\\ud800\"", "\"\\ud83d\\ude00\"", "\"\xc3\xa9\"", "\"\xc3\"", "20260230",
    "2400", "99999", "100000", "0", "-1", "10", DEEP,
};

/* Structural damage to a JSON record: braces, keys, value kinds. */
static void mutate_json_structure(rng_t *r, rec_t *x)
{
    size_t vs, ve;
    const size_t k = rnd(r, 24);
    switch (rnd(r, 8)) {
    case 0: /* drop a brace */
        if (chance(r, 2)) {
            const char *p = memchr(x->b, '{', x->len);
            if (p)
                splice(x, (size_t)(p - x->b), 1, "", 0);
        } else if (x->len && x->b[x->len - 1] == '}') {
            x->len--;
        }
        break;
    case 1: { /* duplicate a key: copy the k-th pair to the front */
        if (!json_value(x, k, &vs, &ve))
            break;
        size_t ks = vs;
        while (ks > 0 && x->b[ks - 1] != ',' && x->b[ks - 1] != '{')
            ks--;
        char pair[512];
        const size_t n = ve - ks < sizeof pair - 2 ? ve - ks : sizeof pair - 2;
        memcpy(pair, x->b + ks, n);
        pair[n] = ',';
        const char *p = memchr(x->b, '{', x->len);
        if (p)
            splice(x, (size_t)(p - x->b) + 1, 0, pair, n + 1);
        break;
    }
    case 2: /* change a value's kind */
    case 3:
        if (json_value(x, k, &vs, &ve)) {
            const char *v = JSON_VALUES[rnd(r, sizeof JSON_VALUES / sizeof JSON_VALUES[0])];
            splice(x, vs, ve - vs, v, strlen(v));
        }
        break;
    case 4: /* remove a pair (maybe a required one) */
        if (json_value(x, k, &vs, &ve)) {
            size_t ks = vs;
            while (ks > 0 && x->b[ks - 1] != ',' && x->b[ks - 1] != '{')
                ks--;
            splice(x, ks, ve - ks + (ve < x->len && x->b[ve] == ','), "", 0);
        }
        break;
    case 5: /* an unknown key, maybe nested deep */
        splice(x, 1, 0, "\"EXTRA\": {\"x\": [1, {\"y\": null}]}, ", 33);
        break;
    case 6: /* a number as a string, or a string unquoted */
        if (json_value(x, k, &vs, &ve) && ve > vs) {
            if (x->b[vs] == '"' && x->b[ve - 1] == '"' && ve - vs >= 2) {
                splice(x, ve - 1, 1, "", 0);
                splice(x, vs, 1, "", 0);
            } else {
                splice(x, ve, 0, "\"", 1);
                splice(x, vs, 0, "\"", 1);
            }
        }
        break;
    default: /* whitespace, escapes or a second object */
        switch (rnd(r, 3)) {
        case 0:
            splice(x, rnd(r, x->len + 1), 0, " \n\t\r", 1 + rnd(r, 4));
            break;
        case 1:
            splice(x, rnd(r, x->len + 1), 0, "\\u00", 4);
            break;
        default:
            splice(x, x->len, 0, "{}", 2);
            break;
        }
        break;
    }
}

/* ---- checking one decoded record ---------------------------------------------------------- */

typedef struct tally {
    long read, rejected;
} tally_t;

/* The members uscrn_finish derives agree with the stored fields. */
static void assert_consistent(const uscrn_reading_t *r)
{
    wx_time_t utc, lst;
    int32_t d, t;
    assert_in_range(r->wbanno, 1, 99999);
    assert_true(wx_time_from_date_hhmm(r->utc_date, r->utc_time, &utc));
    assert_true(wx_time_from_date_hhmm(r->lst_date, r->lst_time, &lst));
    assert_true(r->utc == utc);
    wx_time_to_date_hhmm(r->utc, &d, &t);
    assert_int_equal(d, r->utc_date);
    assert_int_equal(t, r->utc_time);
    assert_true(lst - utc == (wx_time_t)r->lst_offset_min * WX_MINUTE);
    assert_true(r->lst_offset_min >= -12 * 60 && r->lst_offset_min <= 14 * 60);
    assert_true(r->st_type == 'R' || r->st_type == 'C' || r->st_type == 'U');
    assert_int_equal(uscrn_is_missing(r, USCRN_ST_TYPE), r->st_type == 'U');
    assert_int_equal(uscrn_is_missing(r, USCRN_AIR_TEMPERATURE),
                     r->air_temperature == USCRN_MISSING_TEMP || isnan(r->air_temperature));
    const int32_t flags[] = {r->sr_flag, r->st_flag, r->rh_flag, r->wet_flag, r->wind_flag};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        assert_in_range(flags[i], 0, 9);
}

/* Decodes an exact-size heap copy (so ASan sees a read past the end) and checks the verdict.
 * Returns decode_record's result. */
static int decode_checked(const char *data, size_t len, tally_t *t)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    uscrn_reading_t r;
    char err[256], src[JSON_RECORD_SOURCE_MAX];
    decode_form_t form = (decode_form_t)-1;
    err[0] = '\0';
    const int rc = decode_record(copy, len, NULL, &r, src, sizeof src, &form, err, sizeof err);
    free(copy);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_non_null(memchr(err, '\0', sizeof err));
        if (err[0] == '\0')
            fail_msg("rejected without a reason: %.*s", (int)len, data);
        t->rejected++;
        return rc;
    }
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t'))
        i++;
    assert_int_equal(form, data[i] == '{' ? DECODE_JSON : DECODE_USCRN);
    assert_non_null(memchr(src, '\0', sizeof src));
    assert_consistent(&r);
    t->read++;
    return rc;
}

/* ---- the base records --------------------------------------------------------------------- */

/* A record on the heap, exactly its length. */
typedef struct slice {
    char *p;
    size_t len;
} slice_t;

static slice_t slice_of(const char *s, size_t n)
{
    slice_t x = {malloc(n ? n : 1), n};
    assert_non_null(x.p);
    memcpy(x.p, s, n);
    return x;
}

typedef struct bases {
    slice_t *v;
    size_t n;
} bases_t;

static void bases_add(bases_t *b, const char *s, size_t n)
{
    b->v[b->n++] = slice_of(s, n);
}

static void bases_free(bases_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i].p);
    free(b->v);
}

/* The sample file's lines, then synthetic readings (missing values, spikes, impossible values)
 * of three stations, as USCRN lines or (json) as the seed's JSON in both of its forms. */
static void make_bases(bases_t *b, bool json)
{
    enum { SYNTH = 3 * 288 };
    b->v = calloc(16 + 2 * SYNTH, sizeof *b->v);
    assert_non_null(b->v);
    b->n = 0;
    size_t len;
    char *data = test_read_data("uscrn-subhourly-boulder-2026.txt", &len);
    uscrn_reading_t *rs = calloc(SYNTH, sizeof *rs);
    assert_non_null(rs);
    size_t nr = 0;
    for (char *p = data, *nl; p < data + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(data + len - p));
        if (!nl)
            nl = data + len;
        char err[256];
        if (!json)
            bases_add(b, p, (size_t)(nl - p));
        else if (uscrn_parse_line(p, (size_t)(nl - p), &rs[nr], err, sizeof err) == 0)
            nr++;
    }
    free(data);
    nr += test_make_readings(rs + nr, SYNTH - nr, 1, 7);
    for (size_t i = 0; i < nr; i++) {
        wxbuf_t w = WXBUF_INIT;
        if (!json) {
            char line[USCRN_LINE_LEN + 1];
            if (uscrn_format_line(&rs[i], line, sizeof line) == USCRN_LINE_LEN)
                bases_add(b, line, USCRN_LINE_LEN);
            continue;
        }
        json_record_write(&rs[i], i % 3 ? "CRNS0101-05-2026-XX.txt" : NULL, &w);
        bases_add(b, w.data, w.len);
        wxbuf_reset(&w);
        wxbuf_printf(&w,
                     "{\"WBANNO\": \"%05d\", \"UTC_DATE\": \"%08d\", \"UTC_TIME\": \"%04d\", "
                     "\"LST_DATE\": \"%08d\", \"LST_TIME\": \"%04d\", \"AIR_TEMPERATURE\": %.1f, "
                     "\"ST_TYPE\": \"%c\", \"source_file\": \"f\\u00e9.txt\"}",
                     (int)rs[i].wbanno, (int)rs[i].utc_date, (int)rs[i].utc_time,
                     (int)rs[i].lst_date, (int)rs[i].lst_time, rs[i].air_temperature,
                     rs[i].st_type);
        bases_add(b, w.data, w.len);
        wxbuf_free(&w);
    }
    free(rs);
}

/* One mutated record from a base: 1..4 damages, structural ones for the base's form. */
static void mutate(rng_t *r, const slice_t *base, rec_t *x, bool json)
{
    rec_set(x, base->p, base->len);
    const size_t n = 1 + rnd(r, 4);
    for (size_t i = 0; i < n; i++) {
        if (chance(r, 2))
            mutate_bytes(r, x);
        else if (json)
            mutate_json_structure(r, x);
        else
            mutate_uscrn_fields(r, x);
    }
}

static void run_reader(bool json)
{
    rng_t r = {seed ^ (json ? 0x6a736f6eull : 0x7573636eull)};
    bases_t b;
    make_bases(&b, json);
    tally_t t = {0, 0}, base_t = {0, 0};
    for (size_t i = 0; i < b.n; i++)
        decode_checked(b.v[i].p, b.v[i].len, &base_t);
    assert_int_equal(base_t.rejected, 0); /* the unmutated records are all good */
    rec_t *x = malloc(sizeof *x);
    assert_non_null(x);
    for (long i = 0; i < iterations; i++) {
        mutate(&r, &b.v[rnd(&r, b.n)], x, json);
        decode_checked(x->b, x->len, &t);
    }
    printf("  %s: %ld mutated records: %ld read, %ld rejected with a reason\n",
           json ? "JSON" : "USCRN", iterations, t.read, t.rejected);
    /* Both outcomes must be common, or the run tests only one of them. */
    assert_true(t.read >= iterations / 50);
    assert_true(t.rejected >= iterations / 50);
    free(x);
    bases_free(&b);
}

static void test_mutated_uscrn_lines_are_read_consistently_or_rejected_with_a_reason(void **state)
{
    (void)state;
    run_reader(false);
}

static void test_mutated_json_records_are_read_consistently_or_rejected_with_a_reason(void **state)
{
    (void)state;
    run_reader(true);
}

/* ---- a mixed stream ----------------------------------------------------------------------- */

typedef struct stream_tally {
    long readings; /* sum of hourly_result_t.readings */
    long hours;
    long dead, parse, station, duplicate, late;
} stream_tally_t;

static void st_hourly(void *ctx, const hourly_result_t *h)
{
    stream_tally_t *t = ctx;
    assert_true(h->readings >= 1 && h->count <= h->readings);
    t->readings += h->readings;
    t->hours++;
}

static void st_dead(void *ctx, const dead_letter_t *d)
{
    stream_tally_t *t = ctx;
    assert_non_null(d->reason);
    assert_non_null(d->detail);
    assert_true(d->detail[0] != '\0');
    t->dead++;
    if (!strcmp(d->reason, "parse"))
        t->parse++;
    else if (!strcmp(d->reason, "station"))
        t->station++;
    else if (!strcmp(d->reason, "duplicate"))
        t->duplicate++;
    else if (!strcmp(d->reason, "late"))
        t->late++;
    else
        fail_msg("unknown dead letter reason \"%s\"", d->reason);
}

static int cmp_utc(const void *a, const void *b)
{
    const uscrn_reading_t *x = a, *y = b;
    if (x->utc != y->utc)
        return x->utc < y->utc ? -1 : 1;
    return x->wbanno < y->wbanno ? -1 : x->wbanno > y->wbanno;
}

static void test_every_record_of_a_mixed_stream_is_used_or_dead_lettered(void **state)
{
    (void)state;
    enum { DAYS = 21, MAXR = 3 * DAYS * 288 };
    rng_t r = {seed ^ 0x73747265616dull};
    uscrn_reading_t *rs = calloc(MAXR, sizeof *rs);
    assert_non_null(rs);
    const size_t nr = test_make_readings(rs, MAXR, DAYS, seed);
    qsort(rs, nr, sizeof *rs, cmp_utc); /* the three stations interleaved, as a topic has them */

    /* Each reading as a USCRN line or a JSON record, at random. */
    slice_t *good = calloc(nr, sizeof *good);
    assert_non_null(good);
    for (size_t i = 0; i < nr; i++) {
        char line[USCRN_LINE_LEN + 1];
        wxbuf_t w = WXBUF_INIT;
        if (chance(&r, 2) && uscrn_format_line(&rs[i], line, sizeof line) == USCRN_LINE_LEN) {
            good[i] = slice_of(line, USCRN_LINE_LEN);
        } else {
            json_record_write(&rs[i], "mixed.txt", &w);
            good[i] = slice_of(w.data, w.len);
        }
        wxbuf_free(&w);
    }

    wx_config_t cfg;
    wx_config_default(&cfg);
    stream_part_t *sp = stream_part_new(&cfg);
    assert_non_null(sp);
    stream_tally_t t;
    memset(&t, 0, sizeof t);
    const wx_sink_t sink = {&t, st_hourly, NULL, NULL, st_dead};
    rec_t *x = malloc(sizeof *x);
    assert_non_null(x);

    /* Good records in time order but for neighbours swapped (within the grace), each followed
     * now and then by a mutated copy of a recent one, an exact repeat, or a long-past one. */
    long offered = 0, not_decoded = 0;
    tally_t unused = {0, 0};
    for (size_t i = 0; i < nr; i++) {
        if (i + 1 < nr && chance(&r, 8)) {
            const slice_t tmp = good[i];
            good[i] = good[i + 1];
            good[i + 1] = tmp;
        }
        slice_t extra[3] = {good[i]};
        size_t n_extra = 1;
        if (chance(&r, 3)) {
            const size_t j = i - rnd(&r, i < 12 ? i + 1 : 12);
            mutate(&r, &good[j], x, good[j].p[0] == '{');
            extra[n_extra].p = x->b;
            extra[n_extra++].len = x->len;
        }
        if (chance(&r, 40))
            extra[n_extra++] = good[chance(&r, 2) ? i : rnd(&r, i + 1)];
        for (size_t e = 0; e < n_extra; e++) {
            not_decoded += decode_checked(extra[e].p, extra[e].len, &unused) != 0;
            assert_int_equal(stream_part_offer(sp, extra[e].p, extra[e].len, "mixed",
                                               (uint64_t)offered, &sink),
                             0);
            offered++;
        }
    }
    stream_part_flush(sp, &sink);

    printf("  stream: %ld records (%zu good): %ld in %ld hours; dead letters: %ld parse, "
           "%ld station, %ld duplicate, %ld late\n",
           offered, nr, t.readings, t.hours, t.parse, t.station, t.duplicate, t.late);
    assert_int_equal(offered, t.readings + t.dead);
    assert_int_equal(t.parse, not_decoded);
    assert_true(t.readings >= (long)nr * 9 / 10);
    assert_true(t.station > 0 && t.duplicate > 0 && t.late > 0);

    stream_part_destroy(sp);
    for (size_t i = 0; i < nr; i++)
        free(good[i].p);
    free(good);
    free(x);
    free(rs);
}

int main(void)
{
    const char *s = getenv("WX_RANDOM_SEED");
    const char *n = getenv("WX_RANDOM_ITERATIONS");
    if (s && *s)
        seed = strtoull(s, NULL, 0);
    if (n && *n)
        iterations = strtol(n, NULL, 10);
    if (iterations < 1000)
        iterations = 1000;
    printf("test_random_input: seed %#llx (WX_RANDOM_SEED), %ld records per reader "
           "(WX_RANDOM_ITERATIONS)\n",
           (unsigned long long)seed, iterations);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_uscrn_lines_are_read_consistently_or_rejected_with_a_reason),
        cmocka_unit_test(test_mutated_json_records_are_read_consistently_or_rejected_with_a_reason),
        cmocka_unit_test(test_every_record_of_a_mixed_stream_is_used_or_dead_lettered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
