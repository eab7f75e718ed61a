/* uscrn: reads and writes one line of NOAA's USCRN sub-hourly product (see uscrn.h and
 * docs/uscrn-format.md).
 *
 * The reader is on the hot path of `batch` (millions of lines per second): it reads NOAA's own
 * layout straight from the columns, falls back to tokenising on spaces for anything else, and
 * converts digits by hand: no strtod/sscanf, no locale, no allocation. A decimal is
 * its integer mantissa divided by a power of ten; both are exact doubles (at most 15 digits), so
 * the one IEEE division is correctly rounded and gives the same double strtod would. The writer
 * is the exact inverse for every value the reader produces (including "-0.0"). */
#include "uscrn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wxtext.h"

#define USCRN_MAX_LINE 1024 /* longer input is not a USCRN line; reject before looking at it */

typedef enum {
    K_UINT, /* digits only: WBANNO, dates, times */
    K_INT,  /* optional '-' and digits */
    K_DEC,  /* optional '-', digits, optional '.' and digits */
    K_FLAG, /* one digit 0-9 */
    K_TYPE, /* one of R, C, U */
} field_kind_t;

typedef struct {
    const char *name;
    unsigned char col0, col1; /* 1-based columns, inclusive, as in NOAA's README */
    unsigned char kind;
    unsigned char decimals; /* K_DEC: decimals in the file */
    unsigned short offset;  /* into uscrn_reading_t */
} field_spec_t;

#define F(name, c0, c1, kind, dec, member) \
    {name, c0, c1, kind, dec, (unsigned short)offsetof(uscrn_reading_t, member)}

static const field_spec_t FIELDS[USCRN_FIELD_COUNT] = {
    F("WBANNO", 1, 5, K_UINT, 0, wbanno),
    F("UTC_DATE", 7, 14, K_UINT, 0, utc_date),
    F("UTC_TIME", 16, 19, K_UINT, 0, utc_time),
    F("LST_DATE", 21, 28, K_UINT, 0, lst_date),
    F("LST_TIME", 30, 33, K_UINT, 0, lst_time),
    F("CRX_VN", 35, 40, K_DEC, 3, crx_vn),
    F("LONGITUDE", 42, 48, K_DEC, 2, longitude),
    F("LATITUDE", 50, 56, K_DEC, 2, latitude),
    F("AIR_TEMPERATURE", 58, 64, K_DEC, 1, air_temperature),
    F("PRECIPITATION", 66, 72, K_DEC, 1, precipitation),
    F("SOLAR_RADIATION", 74, 79, K_INT, 0, solar_radiation),
    F("SR_FLAG", 81, 81, K_FLAG, 0, sr_flag),
    F("SURFACE_TEMPERATURE", 83, 89, K_DEC, 1, surface_temperature),
    F("ST_TYPE", 91, 91, K_TYPE, 0, st_type),
    F("ST_FLAG", 93, 93, K_FLAG, 0, st_flag),
    F("RELATIVE_HUMIDITY", 95, 99, K_INT, 0, relative_humidity),
    F("RH_FLAG", 101, 101, K_FLAG, 0, rh_flag),
    F("SOIL_MOISTURE_5", 103, 109, K_DEC, 3, soil_moisture_5),
    F("SOIL_TEMPERATURE_5", 111, 117, K_DEC, 1, soil_temperature_5),
    F("WETNESS", 119, 123, K_INT, 0, wetness),
    F("WET_FLAG", 125, 125, K_FLAG, 0, wet_flag),
    F("WIND_1_5", 127, 132, K_DEC, 2, wind_1_5),
    F("WIND_FLAG", 134, 134, K_FLAG, 0, wind_flag),
};
#undef F

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                               1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

const char *uscrn_field_name(uscrn_field_t f)
{
    return (unsigned)f < USCRN_FIELD_COUNT ? FIELDS[f].name : "?";
}

/* ---- reading ---------------------------------------------------------------------------- */

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Digits only, 1..9 of them (fits int32). */
static bool parse_uint(const char *s, size_t n, int32_t *out)
{
    if (n == 0 || n > 9)
        return false;
    int32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool parse_int(const char *s, size_t n, int32_t *out)
{
    if (n > 0 && s[0] == '-') {
        if (!parse_uint(s + 1, n - 1, out))
            return false;
        *out = -*out;
        return true;
    }
    return parse_uint(s, n, out);
}

/* -?D+(.D+)? with at most 15 digits in all; exact-rounded (see the file comment). */
static bool parse_dec(const char *s, size_t n, double *out)
{
    size_t i = 0;
    const bool neg = n > 0 && s[0] == '-';
    i += neg;
    uint64_t m = 0;
    const size_t int0 = i;
    while (i < n && is_digit(s[i]))
        m = m * 10 + (uint64_t)(s[i++] - '0');
    size_t ndig = i - int0, nfrac = 0;
    if (ndig == 0)
        return false;
    if (i < n && s[i] == '.') {
        const size_t frac0 = ++i;
        while (i < n && is_digit(s[i]))
            m = m * 10 + (uint64_t)(s[i++] - '0');
        nfrac = i - frac0;
        if (nfrac == 0)
            return false;
        ndig += nfrac;
    }
    if (i != n || ndig > 15) /* m may have wrapped when ndig > 19; rejected here either way */
        return false;
    const double v = (double)m / POW10[nfrac];
    *out = neg ? -v : v;
    return true;
}

static int field_error(uscrn_field_t f, const char *what, const char *tok, size_t n,
                       char *errstr, size_t errstr_size)
{
    char q[WXTEXT_QUOTE_SIZE];
    wxtext_quote(tok, n, q, sizeof q);
    const field_spec_t *fs = &FIELDS[f];
    if (fs->col0 == fs->col1)
        snprintf(errstr, errstr_size, "%s (col %u): %s: %s", fs->name, fs->col0, what, q);
    else
        snprintf(errstr, errstr_size, "%s (cols %u-%u): %s: %s", fs->name, fs->col0, fs->col1,
                 what, q);
    return -1;
}

static uint32_t missing_mask(const uscrn_reading_t *r)
{
    uint32_t m = 0;
#define MISS(f, cond) m |= (uint32_t)(cond) << (f)
    MISS(USCRN_CRX_VN, r->crx_vn == USCRN_MISSING_CRX || isnan(r->crx_vn));
    MISS(USCRN_LONGITUDE, isnan(r->longitude));
    MISS(USCRN_LATITUDE, isnan(r->latitude));
    MISS(USCRN_AIR_TEMPERATURE,
         r->air_temperature == USCRN_MISSING_TEMP || isnan(r->air_temperature));
    MISS(USCRN_PRECIPITATION, r->precipitation == USCRN_MISSING_TEMP || isnan(r->precipitation));
    MISS(USCRN_SOLAR_RADIATION, r->solar_radiation == USCRN_MISSING_SOLAR);
    MISS(USCRN_SURFACE_TEMPERATURE,
         r->surface_temperature == USCRN_MISSING_TEMP || isnan(r->surface_temperature));
    MISS(USCRN_ST_TYPE, r->st_type == 'U');
    MISS(USCRN_RELATIVE_HUMIDITY, r->relative_humidity == USCRN_MISSING_RH);
    MISS(USCRN_SOIL_MOISTURE_5,
         r->soil_moisture_5 == USCRN_MISSING_SOIL_MOIST || isnan(r->soil_moisture_5));
    MISS(USCRN_SOIL_TEMPERATURE_5,
         r->soil_temperature_5 == USCRN_MISSING_TEMP || isnan(r->soil_temperature_5));
    MISS(USCRN_WETNESS, r->wetness == USCRN_MISSING_RH);
    MISS(USCRN_WIND_1_5, r->wind_1_5 == USCRN_MISSING_WIND || isnan(r->wind_1_5));
#undef MISS
    return m;
}

/* Names a field for finish's errors: "UTC_DATE (cols 7-14)" from the line reader, "UTC_DATE"
 * from the JSON reader (which has no columns). */
static const char *where(uscrn_field_t f, bool cols, char *buf, size_t size)
{
    if (!cols)
        return FIELDS[f].name;
    snprintf(buf, size, "%s (cols %u-%u)", FIELDS[f].name, FIELDS[f].col0, FIELDS[f].col1);
    return buf;
}

/* date + hhmm through the cache's day for that slot (0 UTC, 1 LST) when the date is the one
 * it holds: the checks wx_time_from_date_hhmm makes on hhmm, without the calendar. */
static bool cached_stamp(const uscrn_line_cache_t *c, int slot, int32_t date, int32_t hhmm,
                         wx_time_t *out)
{
    if (!c || !c->day_ok[slot] || c->day_date[slot] != date || hhmm < 0 || hhmm > 2359 ||
        hhmm % 100 > 59)
        return false;
    *out = c->day[slot] + hhmm / 100 * WX_HOUR + hhmm % 100 * WX_MINUTE;
    return true;
}

static void remember_day(uscrn_line_cache_t *c, int slot, int32_t date, int32_t hhmm,
                         wx_time_t t)
{
    if (!c)
        return;
    c->day_ok[slot] = true;
    c->day_date[slot] = date;
    c->day[slot] = t - (hhmm / 100 * WX_HOUR + hhmm % 100 * WX_MINUTE);
}

static int finish(uscrn_reading_t *r, bool cols, uscrn_line_cache_t *cache, char *errstr,
                  size_t errstr_size)
{
    char w[48];
    r->missing = missing_mask(r);
    if (r->wbanno < 1 || r->wbanno > 99999) {
        snprintf(errstr, errstr_size, "%s: not a station number (1-99999): %d",
                 where(USCRN_WBANNO, cols, w, sizeof w), (int)r->wbanno);
        return -1;
    }
    wx_time_t utc, lst;
    static const uscrn_field_t stamp[2][2] = {{USCRN_UTC_DATE, USCRN_UTC_TIME},
                                              {USCRN_LST_DATE, USCRN_LST_TIME}};
    const int32_t vals[2][2] = {{r->utc_date, r->utc_time}, {r->lst_date, r->lst_time}};
    wx_time_t *t[2] = {&utc, &lst};
    for (int i = 0; i < 2; i++) {
        if (cached_stamp(cache, i, vals[i][0], vals[i][1], t[i]))
            continue;
        if (i == 1 && r->lst_date == r->utc_date && r->lst_time >= 0 && r->lst_time <= 2359 &&
            r->lst_time % 100 <= 59) {
            /* Most readings: LST on the UTC date, whose day number is known by now. */
            const wx_time_t day = utc - (r->utc_time / 100 * WX_HOUR + r->utc_time % 100 * WX_MINUTE);
            lst = day + r->lst_time / 100 * WX_HOUR + r->lst_time % 100 * WX_MINUTE;
            remember_day(cache, i, vals[i][0], vals[i][1], lst);
            continue;
        }
        if (wx_time_from_date_hhmm(vals[i][0], vals[i][1], t[i])) {
            remember_day(cache, i, vals[i][0], vals[i][1], *t[i]);
            continue;
        }
        if (!wx_time_from_date_hhmm(vals[i][0], 0, NULL)) {
            snprintf(errstr, errstr_size, "%s: not a date (YYYYMMDD): %d",
                     where(stamp[i][0], cols, w, sizeof w), (int)vals[i][0]);
            return -1;
        }
        snprintf(errstr, errstr_size, "%s: not a time (HHMM, 0000-2359): %d",
                 where(stamp[i][1], cols, w, sizeof w), (int)vals[i][1]);
        return -1;
    }
    const int64_t off = (lst - utc) / WX_MINUTE;
    if (off < -12 * 60 || off > 14 * 60) {
        snprintf(errstr, errstr_size,
                 "LST_DATE/LST_TIME%s: LST %08d %04d is %+lld min from UTC %08d %04d, "
                 "outside -12 h..+14 h",
                 cols ? " (cols 21-33)" : "", (int)r->lst_date, (int)r->lst_time,
                 (long long)off, (int)r->utc_date, (int)r->utc_time);
        return -1;
    }
    r->utc = utc;
    r->lst_offset_min = (int32_t)off;
    return 0;
}

int uscrn_finish(uscrn_reading_t *r, char *errstr, size_t errstr_size)
{
    return finish(r, false, NULL, errstr, errstr_size);
}

/* Converts one token into its member of r; false when the token is not of the field's kind. */
static inline bool store_field(const field_spec_t *fs, const char *s, size_t n,
                               uscrn_reading_t *r)
{
    char *const dst = (char *)r + fs->offset;
    int32_t iv;
    double dv;
    switch ((field_kind_t)fs->kind) {
    case K_UINT:
        if (!parse_uint(s, n, &iv))
            return false;
        break;
    case K_INT:
        if (!parse_int(s, n, &iv))
            return false;
        break;
    case K_DEC:
        if (!parse_dec(s, n, &dv))
            return false;
        memcpy(dst, &dv, sizeof dv);
        return true;
    case K_FLAG:
        if (n != 1 || !is_digit(s[0]))
            return false;
        iv = s[0] - '0';
        break;
    case K_TYPE:
        if (n != 1 || (s[0] != 'R' && s[0] != 'C' && s[0] != 'U'))
            return false;
        r->st_type = s[0];
        return true;
    default:
        return false;
    }
    memcpy(dst, &iv, sizeof iv);
    return true;
}

static const char *const KIND_ERROR[] = {
    [K_UINT] = "expected digits",
    [K_INT] = "not an integer",
    [K_DEC] = "not a number",
    [K_FLAG] = "not a flag (one digit 0-9)",
    [K_TYPE] = "not a sensor type (R, C or U)",
};

/* The common case, NOAA's own layout: every value right-aligned in its columns. Reads each field
 * straight from its columns, touching every byte once. Accepts exactly the lines the general
 * tokeniser accepts with the same result, and returns false on anything else (which the general
 * path then reads, or explains). */
static bool parse_fixed(const char *line, uscrn_reading_t *r, const uscrn_line_cache_t *c)
{
    /* Unrolled, every FIELDS[f] is a constant: the columns and the kind fold away. */
#pragma GCC unroll 32
    for (int f = 0; f < USCRN_FIELD_COUNT; f++) {
        const field_spec_t *fs = &FIELDS[f];
        const char *p = line + fs->col0 - 1;
        const char *const e = line + fs->col1;
        if (f + 1 < USCRN_FIELD_COUNT && *e != ' ')
            return false;
        if (c && memcmp(p, c->line + fs->col0 - 1, (size_t)(e - p)) == 0) {
            /* the same bytes as the last line: the same value (the readers are pure) */
            const size_t size = fs->kind == K_DEC    ? sizeof(double)
                                : fs->kind == K_TYPE ? sizeof(char)
                                                     : sizeof(int32_t);
            memcpy((char *)r + fs->offset, (const char *)&c->reading + fs->offset, size);
            continue;
        }
        while (p < e && *p == ' ')
            p++;
        if (p == e || !store_field(fs, p, (size_t)(e - p), r))
            return false;
    }
    return true;
}

/* The general reader: any spacing, with a reason for whatever is wrong. */
static int parse_general(const char *line, size_t len, uscrn_reading_t *r, char *errstr,
                         size_t errstr_size)
{
    if (len > USCRN_MAX_LINE) {
        snprintf(errstr, errstr_size, "line is %zu bytes, longer than the %d-byte limit", len,
                 USCRN_MAX_LINE);
        return -1;
    }
    if (memchr(line, '\0', len)) {
        snprintf(errstr, errstr_size, "line has NUL bytes");
        return -1;
    }
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
        len--;
    if (len == 0) {
        snprintf(errstr, errstr_size, "empty line");
        return -1;
    }

    /* Tokenise first, so a short or garbled line is reported by its field count. */
    const char *tok[USCRN_FIELD_COUNT];
    size_t tlen[USCRN_FIELD_COUNT];
    const char *p = line, *const end = line + len;
    size_t nf = 0;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        const char *t = p;
        while (p < end && *p != ' ')
            p++;
        if (nf < USCRN_FIELD_COUNT) {
            tok[nf] = t;
            tlen[nf] = (size_t)(p - t);
        }
        nf++;
    }
    if (nf != USCRN_FIELD_COUNT) {
        snprintf(errstr, errstr_size,
                 "%zu fields, expected %d (line is %zu characters, expected %d)", nf,
                 USCRN_FIELD_COUNT, len, USCRN_LINE_LEN);
        return -1;
    }
    for (int f = 0; f < USCRN_FIELD_COUNT; f++)
        if (!store_field(&FIELDS[f], tok[f], tlen[f], r))
            return field_error((uscrn_field_t)f, KIND_ERROR[FIELDS[f].kind], tok[f], tlen[f],
                               errstr, errstr_size);
    return 0;
}

int uscrn_parse_line_cached(uscrn_line_cache_t *cache, const char *line, size_t len,
                            uscrn_reading_t *out, char *errstr, size_t errstr_size)
{
    uscrn_reading_t r;
    const size_t n = len == USCRN_LINE_LEN + 1 && line[USCRN_LINE_LEN] == '\r' ? USCRN_LINE_LEN
                                                                                : len;
    /* A NUL cannot pass parse_fixed: every byte is a checked space or a token byte. */
    const bool fixed =
        n == USCRN_LINE_LEN && parse_fixed(line, &r, cache && cache->valid ? cache : NULL);
    if (fixed && cache) {
        /* every field of r is the reading of these bytes, whatever finish says of them */
        memcpy(cache->line, line, USCRN_LINE_LEN);
        cache->reading = r;
        cache->valid = true;
    }
    if (!fixed && parse_general(line, len, &r, errstr, errstr_size) != 0)
        return -1;
    if (finish(&r, true, cache, errstr, errstr_size) != 0)
        return -1;
    *out = r;
    return 0;
}

int uscrn_parse_line(const char *line, size_t len, uscrn_reading_t *out, char *errstr,
                     size_t errstr_size)
{
    return uscrn_parse_line_cached(NULL, line, len, out, errstr, errstr_size);
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Right-aligns the decimal digits of v in p[0..width); zero-padded when zpad. False when v does
 * not fit (too many digits, or negative and zero-padded). */
static bool put_int(char *p, int width, int32_t v, bool zpad)
{
    if (zpad && v < 0)
        return false;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    int i = width;
    do {
        if (i == 0)
            return false;
        p[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0) {
        if (i == 0)
            return false;
        p[--i] = '-';
    }
    while (i > 0)
        p[--i] = zpad ? '0' : ' ';
    return true;
}

/* Right-aligns v as "%*.*f" would print it. Exact: near a rounding tie it asks snprintf. */
static bool put_fixed(char *p, int width, double v, int decimals)
{
    if (!isfinite(v))
        return false;
    char digits[400];
    const double av = fabs(v);
    size_t n = wxtext_fixed(av, decimals, digits);
    if (n == 0) {
        const int w = snprintf(digits, sizeof digits, "%.*f", decimals, av);
        if (w < 0 || (size_t)w >= sizeof digits)
            return false;
        n = (size_t)w;
    }
    const bool neg = signbit(v);
    if (n + neg > (size_t)width)
        return false;
    const size_t pad = (size_t)width - n - neg;
    memset(p, ' ', pad);
    if (neg)
        p[pad] = '-';
    memcpy(p + pad + neg, digits, n);
    return true;
}

int uscrn_format_line(const uscrn_reading_t *r, char *buf, size_t size)
{
    if (size < USCRN_LINE_LEN + 1)
        return -1;
    const char *const base = (const char *)r;
    memset(buf, ' ', USCRN_LINE_LEN);
    for (int f = 0; f < USCRN_FIELD_COUNT; f++) {
        const field_spec_t *fs = &FIELDS[f];
        char *p = buf + fs->col0 - 1;
        const int width = fs->col1 - fs->col0 + 1;
        int32_t iv;
        double dv;
        bool ok = false;
        switch ((field_kind_t)fs->kind) {
        case K_UINT:
            memcpy(&iv, base + fs->offset, sizeof iv);
            ok = put_int(p, width, iv, true);
            break;
        case K_INT:
        case K_FLAG:
            memcpy(&iv, base + fs->offset, sizeof iv);
            ok = put_int(p, width, iv, false);
            break;
        case K_DEC:
            memcpy(&dv, base + fs->offset, sizeof dv);
            ok = put_fixed(p, width, dv, fs->decimals);
            break;
        case K_TYPE:
            ok = r->st_type > ' ' && r->st_type < 0x7f;
            *p = r->st_type;
            break;
        }
        if (!ok)
            return -1;
    }
    buf[USCRN_LINE_LEN] = '\0';
    return USCRN_LINE_LEN;
}

void uscrn_set_all_missing(uscrn_reading_t *r)
{
    r->crx_vn = USCRN_MISSING_CRX;
    r->air_temperature = USCRN_MISSING_TEMP;
    r->precipitation = USCRN_MISSING_TEMP;
    r->solar_radiation = USCRN_MISSING_SOLAR;
    r->sr_flag = 0;
    r->surface_temperature = USCRN_MISSING_TEMP;
    r->st_type = 'U';
    r->st_flag = 0;
    r->relative_humidity = USCRN_MISSING_RH;
    r->rh_flag = 0;
    r->soil_moisture_5 = USCRN_MISSING_SOIL_MOIST;
    r->soil_temperature_5 = USCRN_MISSING_TEMP;
    r->wetness = USCRN_MISSING_RH;
    r->wet_flag = 0;
    r->wind_1_5 = USCRN_MISSING_WIND;
    r->wind_flag = 0;
    r->missing = missing_mask(r);
}
