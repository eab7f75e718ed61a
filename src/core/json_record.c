/* json_record: the seed's flat JSON reading, read and written by hand (see json_record.h).
 *
 * The bytes are scanned by json_scan (strict RFC 8259 JSON); this file knows the seed's fields:
 * one object whose keys are the USCRN columns and "source_file", nested values allowed only
 * under unknown keys and at most JSON_SCAN_MAX_DEPTH deep. Numbers: an integer field takes any
 * JSON number that is integral ("5", "5.0", "5e0"), decided on the digits, not on a double; a
 * decimal field is converted without strtod or locale (json_num_to_double). */
#include "json_record.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json_put.h"
#include "json_scan.h"
#include "wxtext.h"

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

/* Names as uscrn_field_name() spells them (test_json_record checks the writer's keys). */
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

static int key_error(json_scan_t *j, int f, const char *what)
{
    const char *name =
        f == SOURCE_FILE_IDX ? "source_file" : uscrn_field_name((uscrn_field_t)f);
    snprintf(j->err, j->errsz, "%s: %s", name, what);
    return -1;
}

/* "expected a number, got true" / got "12:05" / got 5.5 */
static int type_error(json_scan_t *j, int f, const char *expected, json_type_t t, const char *tok,
                      size_t n, bool quoted)
{
    char q[WXTEXT_QUOTE_SIZE], msg[200];
    if (tok && quoted)
        wxtext_quote(tok, n, q, sizeof q);
    else if (tok)
        snprintf(q, sizeof q, "%.*s%s", (int)(n > 32 ? 32 : n), tok, n > 32 ? "..." : "");
    snprintf(msg, sizeof msg, "expected %s, got %s", expected, tok ? q : json_type_name(t));
    return key_error(j, f, msg);
}

/* Reads the value of a known USCRN key into r. */
static int read_field(json_scan_t *j, int f, uscrn_reading_t *r)
{
    const jfield_t *jf = &JFIELDS[f];
    char *const dst = (char *)r + jf->offset;
    json_type_t t;
    if (json_classify(j, &t) != 0)
        return -1;
    const char *const tok = j->p;
    json_num_t nm;
    char sbuf[NUMSTR_MAX];
    size_t slen = 0;

    if (t == JSON_NULL) {
        if (json_scan_literal(j, "null", 4) != 0)
            return -1;
        if (jf->required && jf->kind != J_DEC)
            return key_error(j, f, "required, got null");
        return 0; /* the default set before scanning is the field's "missing" value */
    }
    if (jf->kind == J_TYPE) {
        if (t != JSON_STRING)
            return type_error(j, f, "a string", t, NULL, 0, false);
        json_out_t o = {sbuf, sizeof sbuf, 0};
        if (json_scan_string(j, &o) != 0)
            return -1;
        if (o.len != 1 || (sbuf[0] != 'R' && sbuf[0] != 'C' && sbuf[0] != 'U'))
            return type_error(j, f, "a sensor type (\"R\", \"C\" or \"U\")", t, sbuf,
                              o.len < sizeof sbuf ? o.len : sizeof sbuf, true);
        r->st_type = sbuf[0];
        return 0;
    }

    /* Numeric field: a JSON number, or a string holding one ("0005", "03072", "-9999.0"). */
    if (t == JSON_NUMBER) {
        if (json_scan_number(j, &nm) != 0)
            return -1;
    } else if (t == JSON_STRING) {
        json_out_t o = {sbuf, sizeof sbuf, 0};
        if (json_scan_string(j, &o) != 0)
            return -1;
        slen = o.len;
        if (slen > sizeof sbuf || json_lex_number(sbuf, slen, true, &nm) != slen || slen == 0)
            return type_error(j, f, "a number", t, sbuf, slen < sizeof sbuf ? slen : sizeof sbuf,
                              true);
    } else {
        return type_error(j, f, "a number", t, NULL, 0, false);
    }
    const size_t toklen = (size_t)(j->p - tok);

    if (jf->kind == J_DEC) {
        const double v = json_num_to_double(&nm);
        if (!isfinite(v))
            return type_error(j, f, "a finite number", t, tok, toklen, false);
        memcpy(dst, &v, sizeof v);
        return 0;
    }
    int32_t iv;
    bool integral;
    if (!json_num_to_int(&nm, &iv, &integral))
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
static int scan_key(json_scan_t *j, int guess, int *f)
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
    json_out_t ko = {key, sizeof key, 0};
    if (json_scan_string(j, &ko) != 0)
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

int json_record_parse(const char *json, size_t len, uscrn_reading_t *out, char *source_file,
                      size_t source_size, char *errstr, size_t errstr_size)
{
    json_scan_t j = {json, json, json + len, errstr, errstr_size};
    uscrn_reading_t r;
    set_defaults(&r);
    json_out_t src = {source_file, source_size ? source_size - 1 : 0, 0};
    uint32_t seen = 0;
    int guess = 0;

    int more = json_object_open(&j);
    while (more == 1) {
        int f;
        if (json_member_key(&j) != 0 || scan_key(&j, guess, &f) != 0 ||
            json_member_colon(&j) != 0)
            return -1;
        if (f >= 0) {
            if (seen & (1u << f))
                return key_error(&j, f, "duplicate key");
            seen |= 1u << f;
            guess = f + 1;
        }
        if (f < 0) {
            if (json_skip_value(&j, 1) != 0)
                return -1;
        } else if (f == SOURCE_FILE_IDX) {
            json_type_t t;
            if (json_classify(&j, &t) != 0)
                return -1;
            if (t == JSON_NULL) {
                if (json_scan_literal(&j, "null", 4) != 0)
                    return -1;
                src.len = 0;
            } else if (t != JSON_STRING) {
                return type_error(&j, f, "a string", t, NULL, 0, false);
            } else if (json_scan_string(&j, &src) != 0) {
                return -1;
            }
        } else if (read_field(&j, f, &r) != 0) {
            return -1;
        }
        more = json_member_next(&j);
    }
    if (more != 0 || json_scan_finish(&j) != 0)
        return -1;

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

void json_record_write(const uscrn_reading_t *r, const char *source_file, wxbuf_t *out)
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
            json_put_reading(out, dv, jf->decimals); /* "-0.0" stays "-0.0" */
            break;
        case J_TYPE:
            json_put_string(out, &r->st_type, 1);
            break;
        }
    }
    if (source_file) {
        wxbuf_append(out, ", \"source_file\": ", 17);
        json_put_string(out, source_file, strlen(source_file));
    }
    wxbuf_putc(out, '}');
}
