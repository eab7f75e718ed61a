/* ncei: how NOAA NCEI publishes USCRN data — the station catalogue (stations.tsv), the year
 * folders' HTML index, and the sub-hourly files' names. Pure parsing: bytes in, values out.
 *
 *   <base>/stations.tsv                       tab-separated, one header row; columns are read by
 *                                             their header name, never by position
 *   <base>/subhourly01/<YEAR>/                an HTML index listing the year's files
 *   <base>/subhourly01/<YEAR>/CRNS0101-05-<YEAR>-<STATE>_<LOCATION>_<VECTOR>.txt
 *
 * The catalogue's rows become ncei_station_t; a row whose WBAN is not a number (NOAA lists
 * stations that have none yet, WBAN "UN") is kept with wban 0, so listings show it, but no file
 * can be followed for it. The compiled-in catalogue (station.h) stays the source of LST offsets. */
#ifndef WX_NCEI_H
#define WX_NCEI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NCEI_FIELD_MAX 96
#define NCEI_FILE_NAME_MAX 160
/* The sub-hourly product's file name prefix, without the year */
#define NCEI_SUBHOURLY_PREFIX "CRNS0101-05-"

typedef struct ncei_station {
    int32_t wban;                       /* 0: none (NOAA's "UN") */
    char wban_text[16];                 /* as NOAA wrote it */
    char state[8];
    char location[NCEI_FIELD_MAX];      /* "Austin" */
    char vector[NCEI_FIELD_MAX];        /* "33 NW" */
    char name[NCEI_FIELD_MAX];          /* "TX Austin 33 NW" (the NAME column when present) */
    char status[32];                    /* "Commissioned", "Closed", ... ("" when absent) */
    char file_part[NCEI_FIELD_MAX * 2]; /* "TX_Austin_33_NW": STATE_LOCATION_VECTOR, '_' for ' ' */
    double latitude, longitude;         /* NaN when absent or unreadable */
} ncei_station_t;

typedef struct ncei_catalog {
    ncei_station_t *v;
    size_t n, cap;
} ncei_catalog_t;

/* Parses stations.tsv. Required columns: WBAN, STATE, LOCATION, VECTOR (NAME, LATITUDE,
 * LONGITUDE, STATUS are read when present); any order, other columns ignored, header names
 * compared case-insensitively. Blank lines and a trailing '\r' are tolerated. Returns 0, or -1
 * with a reason naming the line and column in errstr (the catalogue is then empty). `out` must be
 * zero-initialised or freed before; ncei_catalog_free releases it. */
int ncei_catalog_parse(const char *data, size_t len, ncei_catalog_t *out, char *errstr,
                       size_t errstr_size);
void ncei_catalog_free(ncei_catalog_t *c);

/* The station matching `what`: a WBAN ("23907", "3072"), a file part ("TX_Austin_33_NW"), or a
 * case-insensitive part of its name ("austin"). NULL when none matches, and when a name part
 * matches more than one station (*ambiguous set to true, may be NULL). */
const ncei_station_t *ncei_catalog_find(const ncei_catalog_t *c, const char *what,
                                        bool *ambiguous);

/* "CRNS0101-05-2025-TX_Austin_33_NW.txt" into buf. Returns its length, or -1 when it does not
 * fit. */
int ncei_file_name(int year, const char *file_part, char *buf, size_t size);

/* Reads a sub-hourly file name: its year and file part (STATE_LOCATION_VECTOR). Returns 0, or -1
 * when the name is not one. */
int ncei_parse_file_name(const char *name, int *year, char *file_part, size_t part_size);

/* Whether two file parts name the same station when only letters and digits count, case aside
 * ("SD_Pierre_24_S" and "SD_Pierre_24_S", "AK_St._Paul_4_NE" and "AK_St_Paul_4_NE"): how fetch
 * finds a file in the year's index when the name made from the catalogue is not published. */
bool ncei_same_part(const char *a, const char *b);

/* Calls fn for each distinct sub-hourly file of `year` that a year folder's HTML index links to
 * (href="CRNS0101-05-<year>-....txt", with or without a path before the name), in order of
 * appearance. fn returns 0 to go on, non-zero to stop (that value is returned). Returns 0 or fn's
 * value. Only names made of letters, digits, '_', '-' and '.' count. */
int ncei_index_each(const char *html, size_t len, int year,
                    int (*fn)(void *ctx, const char *file_name), void *ctx);

/* follow's check that what it consumed is still there: the tail_len bytes ending at file offset
 * `offset` (the last line read, with its '\n') hash to tail_hash, in a response body holding the
 * file's bytes from body_off on (0 for a whole file, the range start for a 206). True at offset
 * 0 (nothing consumed); false when the body does not reach that far back or forward (the file
 * shrank, or was rewritten). */
bool ncei_tail_matches(const char *body, size_t blen, int64_t body_off, int64_t offset,
                       int32_t tail_len, uint64_t tail_hash);

/* 64-bit FNV-1a of bytes: follow's fingerprint of the last line it consumed. */
uint64_t ncei_fnv1a(const void *data, size_t len);

#endif
