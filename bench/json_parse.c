/* json_parse: why wxstream reads the seed's JSON with its own scanner (json_record.c) and not a
 * JSON library — the measurement. Parses the same seed records with json_record_parse and with
 * jansson (json_loadb + lookups of the fields wxstream needs) and prints ns/record for each.
 * (json-c cannot be linked into the same program: its symbols clash with jansson's.)
 *   json_parse [N]   N records (default 200000), made from the USCRN sample shipped in tests/data */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "json_record.h"
#include "uscrn.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const SAMPLE =
    "94075 20260101 0700 20260101 0000  2.623 -105.54   40.04     2.7     0.0      0 0    -2.3 C 0    31 0 -99.000 -9999.0  1824 0   3.95 0";

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    uscrn_reading_t r;
    char err[256];
    if (uscrn_parse_line(SAMPLE, strlen(SAMPLE), &r, err, sizeof err) != 0) {
        fprintf(stderr, "json_parse: %s\n", err);
        return 1;
    }
    /* Vary the time and temperature so no parser sees the same bytes every time. */
    wxbuf_t *recs = calloc((size_t)n, sizeof *recs);
    for (long i = 0; i < n; i++) {
        r.utc_time = (int32_t)(700 + (i % 12) * 5);
        r.lst_time = (int32_t)((i % 12) * 5);
        r.air_temperature = (double)(i % 400) / 10.0 - 10.0;
        json_record_write(&r, "CRNS0101-05-2026-CO_Boulder_14_W.txt", &recs[i]);
    }
    double sink = 0;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        uscrn_reading_t out;
        if (json_record_parse(recs[i].data, recs[i].len, &out, NULL, 0, err, sizeof err) != 0) {
            fprintf(stderr, "json_parse: %s\n", err);
            return 1;
        }
        sink += out.air_temperature;
    }
    double t_own = now_s() - t0;

    t0 = now_s();
    for (long i = 0; i < n; i++) {
        json_error_t je;
        json_t *root = json_loadb(recs[i].data, recs[i].len, 0, &je);
        if (!root) {
            fprintf(stderr, "json_parse: jansson: %s\n", je.text);
            return 1;
        }
        /* The fields the analytics need, converted as json_record does. */
        sink += json_number_value(json_object_get(root, "AIR_TEMPERATURE"));
        sink += (double)json_integer_value(json_object_get(root, "WBANNO"));
        sink += (double)json_integer_value(json_object_get(root, "UTC_DATE"));
        sink += (double)json_integer_value(json_object_get(root, "UTC_TIME"));
        sink += (double)json_integer_value(json_object_get(root, "LST_DATE"));
        sink += (double)json_integer_value(json_object_get(root, "LST_TIME"));
        json_decref(root);
    }
    double t_jansson = now_s() - t0;

    printf("command: %s %ld\n", argv[0], n);
    printf("record size: %zu bytes\n", recs[0].len);
    printf("json_record (own scanner, all 23 fields): %7.0f ns/record  1.00x\n", t_own / n * 1e9);
    printf("jansson json_loadb + 6 lookups:           %7.0f ns/record  %.2fx slower\n",
           t_jansson / n * 1e9, t_jansson / t_own);
    for (long i = 0; i < n; i++)
        wxbuf_free(&recs[i]);
    free(recs);
    return sink == 12345.678 ? 2 : 0;
}
