/* ncei: NOAA NCEI's USCRN catalogue, year index and file names (see ncei.h). */
#include "ncei.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wxtext.h"

enum { COL_WBAN, COL_STATE, COL_LOCATION, COL_VECTOR, COL_NAME, COL_LAT, COL_LON, COL_STATUS,
       COL_COUNT };
static const char *const COL_NAMES[COL_COUNT] = {"WBAN", "STATE", "LOCATION", "VECTOR",
                                                 "NAME", "LATITUDE", "LONGITUDE", "STATUS"};
#define N_REQUIRED 4 /* the first four */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* Copies a field, trimmed of blanks, into dst (cut to size - 1). */
static void copy_field(char *dst, size_t size, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '"')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '"'))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Splits one line into at most max fields (pointers into the line). Returns the count. */
static size_t split_tabs(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || line[i] == '\t') {
            f[n] = line + start;
            fl[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static double parse_coord(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || v < -180.0 || v > 180.0)
        return NAN;
    return v;
}

static int32_t parse_wban(const char *s)
{
    if (!*s || strlen(s) > 6)
        return 0;
    int32_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* a, sep, b, sep, c into dst, cut to size - 1 bytes */
static void join3(char *dst, size_t size, const char *a, const char *b, const char *c, char sep)
{
    const char *parts[3] = {a, b, c};
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        if (i && o + 1 < size)
            dst[o++] = sep;
        for (const char *p = parts[i]; *p && o + 1 < size; p++)
            dst[o++] = *p;
    }
    dst[o] = '\0';
}

/* "Austin" + "33 NW" -> part "TX_Austin_33_NW" */
static void make_file_part(ncei_station_t *s)
{
    join3(s->file_part, sizeof s->file_part, s->state, s->location, s->vector, '_');
    for (char *p = s->file_part; *p; p++)
        if (*p == ' ')
            *p = '_';
}

static int push(ncei_catalog_t *c, const ncei_station_t *s)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        ncei_station_t *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = *s;
    return 0;
}

#define MAX_COLS 64

int ncei_catalog_parse(const char *data, size_t len, ncei_catalog_t *out, char *errstr,
                       size_t errstr_size)
{
    int col[COL_COUNT];
    for (int i = 0; i < COL_COUNT; i++)
        col[i] = -1;
    bool have_header = false;
    size_t line_no = 0, pos = 0, n_cols = 0;
    out->n = 0;
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        pos += ll + (nl ? 1 : 0);
        line_no++;
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            continue;
        const char *f[MAX_COLS];
        size_t fl[MAX_COLS];
        size_t nf = split_tabs(line, ll, f, fl, MAX_COLS);
        if (!have_header) {
            for (size_t i = 0; i < nf; i++) {
                char name[64];
                copy_field(name, sizeof name, f[i], fl[i]);
                for (int k = 0; k < COL_COUNT; k++)
                    if (col[k] < 0 && eq_nocase(name, strlen(name), COL_NAMES[k]))
                        col[k] = (int)i;
            }
            for (int k = 0; k < N_REQUIRED; k++) {
                if (col[k] < 0) {
                    snprintf(errstr, errstr_size,
                             "line %zu: the header has no %s column (a tab-separated header "
                             "naming WBAN, STATE, LOCATION, VECTOR is required)",
                             line_no, COL_NAMES[k]);
                    goto fail;
                }
            }
            n_cols = nf;
            have_header = true;
            continue;
        }
        int need = 0;
        for (int k = 0; k < COL_COUNT; k++)
            if (col[k] + 1 > need)
                need = col[k] + 1;
        if ((int)nf < need) {
            snprintf(errstr, errstr_size, "line %zu: %zu fields, the header has %zu", line_no, nf,
                     n_cols);
            goto fail;
        }
        ncei_station_t s;
        memset(&s, 0, sizeof s);
        char tmp[NCEI_FIELD_MAX];
#define GET(k, dst) copy_field((dst), sizeof(dst), f[col[k]], fl[col[k]])
        GET(COL_WBAN, s.wban_text);
        s.wban = parse_wban(s.wban_text);
        GET(COL_STATE, s.state);
        GET(COL_LOCATION, s.location);
        GET(COL_VECTOR, s.vector);
        if (col[COL_NAME] >= 0)
            GET(COL_NAME, tmp);
        else
            tmp[0] = '\0';
        if (tmp[0] && wxtext_contains_nocase(tmp, s.location) && strncmp(tmp, s.state, 2) == 0)
            snprintf(s.name, sizeof s.name, "%s", tmp);
        else
            join3(s.name, sizeof s.name, s.state, s.location, s.vector, ' ');
        s.latitude = s.longitude = NAN;
        if (col[COL_LAT] >= 0) {
            GET(COL_LAT, tmp);
            s.latitude = parse_coord(tmp);
        }
        if (col[COL_LON] >= 0) {
            GET(COL_LON, tmp);
            s.longitude = parse_coord(tmp);
        }
        if (col[COL_STATUS] >= 0)
            GET(COL_STATUS, s.status);
#undef GET
        if (!s.state[0] || !s.location[0]) {
            snprintf(errstr, errstr_size, "line %zu: empty %s", line_no,
                     !s.state[0] ? "STATE" : "LOCATION");
            goto fail;
        }
        make_file_part(&s);
        if (push(out, &s) != 0) {
            snprintf(errstr, errstr_size, "out of memory");
            goto fail;
        }
    }
    if (!have_header) {
        snprintf(errstr, errstr_size, "empty catalogue (no header line)");
        goto fail;
    }
    return 0;
fail:
    out->n = 0;
    return -1;
}

void ncei_catalog_free(ncei_catalog_t *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

const ncei_station_t *ncei_catalog_find(const ncei_catalog_t *c, const char *what,
                                        bool *ambiguous)
{
    if (ambiguous)
        *ambiguous = false;
    if (!what || !*what)
        return NULL;
    int32_t w = parse_wban(what);
    if (w > 0) {
        for (size_t i = 0; i < c->n; i++)
            if (c->v[i].wban == w)
                return &c->v[i];
        return NULL;
    }
    for (size_t i = 0; i < c->n; i++)
        if (eq_nocase(what, strlen(what), c->v[i].file_part) ||
            eq_nocase(what, strlen(what), c->v[i].name))
            return &c->v[i];
    const ncei_station_t *found = NULL;
    for (size_t i = 0; i < c->n; i++) {
        if (wxtext_contains_nocase(c->v[i].name, what) ||
            wxtext_contains_nocase(c->v[i].file_part, what)) {
            if (found) {
                if (ambiguous)
                    *ambiguous = true;
                return NULL;
            }
            found = &c->v[i];
        }
    }
    return found;
}

int ncei_file_name(int year, const char *file_part, char *buf, size_t size)
{
    int n = snprintf(buf, size, NCEI_SUBHOURLY_PREFIX "%04d-%s.txt", year, file_part);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool ncei_same_part(const char *a, const char *b)
{
    for (;;) {
        while (*a && !alnum(*a))
            a++;
        while (*b && !alnum(*b))
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (lower(*a) != lower(*b))
            return false;
        a++;
        b++;
    }
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

int ncei_parse_file_name(const char *name, int *year, char *file_part, size_t part_size)
{
    const size_t plen = strlen(NCEI_SUBHOURLY_PREFIX);
    size_t n = strlen(name);
    if (n < plen + 5 + 1 + 4 || strncmp(name, NCEI_SUBHOURLY_PREFIX, plen) != 0 ||
        strcmp(name + n - 4, ".txt") != 0)
        return -1;
    int y = 0;
    for (size_t i = plen; i < plen + 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        y = y * 10 + (name[i] - '0');
    }
    if (name[plen + 4] != '-')
        return -1;
    const char *part = name + plen + 5;
    size_t pl = n - 4 - (plen + 5);
    if (pl == 0 || pl >= part_size)
        return -1;
    for (size_t i = 0; i < pl; i++)
        if (!name_char(part[i]))
            return -1;
    *year = y;
    memcpy(file_part, part, pl);
    file_part[pl] = '\0';
    return 0;
}

int ncei_index_each(const char *html, size_t len, int year,
                    int (*fn)(void *ctx, const char *file_name), void *ctx)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, NCEI_SUBHOURLY_PREFIX "%04d-", year);
    const size_t plen = strlen(prefix);
    char last[NCEI_FILE_NAME_MAX] = "";
    for (size_t i = 0; i + 5 < len; i++) {
        if (lower(html[i]) != 'h' || lower(html[i + 1]) != 'r' || lower(html[i + 2]) != 'e' ||
            lower(html[i + 3]) != 'f')
            continue;
        size_t j = i + 4;
        while (j < len && (html[j] == ' ' || html[j] == '='))
            j++;
        char quote = 0;
        if (j < len && (html[j] == '"' || html[j] == '\''))
            quote = html[j++];
        size_t start = j;
        while (j < len && html[j] != quote && html[j] != '>' && html[j] != ' ' &&
               (quote || html[j] != '\t'))
            j++;
        /* the last path segment of the link */
        size_t seg = start;
        for (size_t k = start; k < j; k++)
            if (html[k] == '/')
                seg = k + 1;
        size_t n = j - seg;
        i = j;
        if (n <= plen + 4 || n >= sizeof last || strncmp(html + seg, prefix, plen) != 0)
            continue;
        char name[NCEI_FILE_NAME_MAX];
        memcpy(name, html + seg, n);
        name[n] = '\0';
        int y;
        char part[NCEI_FILE_NAME_MAX];
        if (ncei_parse_file_name(name, &y, part, sizeof part) != 0 || y != year)
            continue;
        if (!strcmp(name, last))
            continue; /* Apache lists a name twice (icon link and text link) in some styles */
        memcpy(last, name, n + 1);
        int rc = fn(ctx, name);
        if (rc)
            return rc;
    }
    return 0;
}

bool ncei_tail_matches(const char *body, size_t blen, int64_t body_off, int64_t offset,
                       int32_t tail_len, uint64_t tail_hash)
{
    if (offset == 0)
        return true;
    int64_t at = offset - tail_len - body_off;
    if (tail_len < 0 || at < 0 || (int64_t)blen < at + tail_len)
        return false;
    return ncei_fnv1a(body + at, (size_t)tail_len) == tail_hash;
}

uint64_t ncei_fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
