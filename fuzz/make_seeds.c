/* make_seeds: writes the generated part of the fuzz seed corpus (fuzz/corpus/, see README.md).
 *
 *   fuzz_make_seeds OUTDIR SAMPLE
 *
 * OUTDIR gets uscrn/, json/ and stream/ (which must exist); SAMPLE is the USCRN sample file
 * (tests/data/uscrn-subhourly-boulder-2026.txt). Seeds: every sample line, synthetic lines of
 * each station with a climate (anomalies on, so missing, flagged and faulty rows appear), the
 * same readings as the seed's JSON in both of its forms (numbers, and numbers as strings), and
 * a few multi-record streams: in order, reordered within the grace, late, duplicated, mixed with
 * bad records, also with fuzz_stream's "#grace=" header. Deterministic: running it again writes the same files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_record.h"
#include "synth.h"
#include "uscrn.h"
#include "wxbuf.h"

static const char *outdir;

static void put_file(const char *sub, const char *name, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", outdir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void line_of(const uscrn_reading_t *r, wxbuf_t *out)
{
    char line[USCRN_LINE_LEN + 1];
    if (uscrn_format_line(r, line, sizeof line) != USCRN_LINE_LEN) {
        fprintf(stderr, "make_seeds: a synthetic reading does not fit its columns\n");
        exit(1);
    }
    wxbuf_append(out, line, USCRN_LINE_LEN);
}

/* The seed's other JSON form: stamps and station as strings ("03072", "0005"). */
static void json_strings_of(const uscrn_reading_t *r, wxbuf_t *out)
{
    wxbuf_printf(out,
                 "{\"WBANNO\": \"%05d\", \"UTC_DATE\": \"%08d\", \"UTC_TIME\": \"%04d\", "
                 "\"LST_DATE\": \"%08d\", \"LST_TIME\": \"%04d\", \"CRX_VN\": \"%.3f\", "
                 "\"AIR_TEMPERATURE\": \"%.1f\", \"ST_TYPE\": \"%c\", \"source_file\": "
                 "\"CRNS0101-05-2026-XX.txt\"}",
                 (int)r->wbanno, (int)r->utc_date, (int)r->utc_time, (int)r->lst_date,
                 (int)r->lst_time, r->crx_vn, r->air_temperature, r->st_type);
}

/* n readings of one station from `first`, anomalies on. Returns how many were written. */
static size_t synth_readings(int32_t wban, wx_time_t first, size_t n, uscrn_reading_t *rs)
{
    synth_params_t p = {station_lookup(wban), first, (int64_t)n, 20260101, true};
    char err[256];
    synth_t *g = synth_new(&p, err, sizeof err);
    if (!g) {
        fprintf(stderr, "make_seeds: synth %05d: %s\n", (int)wban, err);
        exit(1);
    }
    size_t k = 0;
    while (k < n && synth_next(g, &rs[k], NULL) == 1)
        k++;
    synth_destroy(g);
    return k;
}

static void sample_seeds(const char *sample)
{
    FILE *f = fopen(sample, "rb");
    if (!f) {
        fprintf(stderr, "make_seeds: cannot open %s\n", sample);
        exit(1);
    }
    char buf[4096], name[64];
    int k = 0;
    wxbuf_t all = WXBUF_INIT;
    while (fgets(buf, sizeof buf, f)) {
        size_t len = strcspn(buf, "\r\n");
        snprintf(name, sizeof name, "sample-%02d", k);
        put_file("uscrn", name, buf, len);
        uscrn_reading_t r;
        char err[256];
        if (uscrn_parse_line(buf, len, &r, err, sizeof err) == 0) {
            wxbuf_t j = WXBUF_INIT;
            json_record_write(&r, k % 2 ? "CRNS0101-05-2026-CO_Boulder_14_W.txt" : NULL, &j);
            put_file("json", name, j.data, j.len);
            wxbuf_free(&j);
        }
        wxbuf_append(&all, buf, len);
        wxbuf_putc(&all, '\n');
        k++;
    }
    fclose(f);
    put_file("stream", "sample", all.data, all.len);
    wxbuf_free(&all);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_make_seeds OUTDIR SAMPLE\n");
        return 2;
    }
    outdir = argv[1];
    sample_seeds(argv[2]);

    /* Synthetic lines and JSON: a day of each station, every 37th reading kept. */
    static const int32_t wbans[] = {3072, 4136, 23907, 94075};
    wx_time_t first;
    wx_time_from_date_hhmm(20261231, 5, &first); /* crosses the year end in LST and UTC */
    uscrn_reading_t rs[288];
    char name[64];
    for (size_t s = 0; s < sizeof wbans / sizeof wbans[0]; s++) {
        const size_t n = synth_readings(wbans[s], first, 288, rs);
        for (size_t i = 0; i < n; i += 37) {
            wxbuf_t b = WXBUF_INIT;
            snprintf(name, sizeof name, "synth-%05d-%03zu", (int)wbans[s], i);
            line_of(&rs[i], &b);
            put_file("uscrn", name, b.data, b.len);
            wxbuf_reset(&b);
            json_record_write(&rs[i], i % 2 ? "synthetic.txt" : NULL, &b);
            put_file("json", name, b.data, b.len);
            wxbuf_reset(&b);
            json_strings_of(&rs[i], &b);
            snprintf(name, sizeof name, "synth-%05d-%03zu-strings", (int)wbans[s], i);
            put_file("json", name, b.data, b.len);
            wxbuf_free(&b);
        }
    }

    /* Streams of two stations, three hours each (36 readings), alternating forms. */
    uscrn_reading_t a[36], b[36];
    synth_readings(94075, first, 36, a);
    synth_readings(3072, first, 36, b);
    static const char *const kinds[] = {"in-order", "reordered", "late-dup-bad"};
    for (int kind = 0; kind < 3; kind++) {
        wxbuf_t s = WXBUF_INIT;
        for (int i = 0; i < 36; i++) {
            /* reordered: swap neighbours (10 minutes apart at most, well within the grace) */
            const int k = kind >= 1 && i % 4 == 1 && i + 1 < 36 ? i + 1
                          : kind >= 1 && i % 4 == 2           ? i - 1
                                                              : i;
            const uscrn_reading_t *pair[2] = {&a[k], &b[k]};
            for (int j = 0; j < 2; j++) {
                if ((i + j) % 2)
                    json_record_write(pair[j], "seed.txt", &s);
                else
                    line_of(pair[j], &s);
                wxbuf_putc(&s, '\n');
            }
            if (kind == 2 && i == 20) {
                line_of(&a[2], &s); /* late: an hour and more behind */
                wxbuf_putc(&s, '\n');
                line_of(&a[k], &s); /* duplicate */
                wxbuf_puts(&s, "\n94075 20261231 garbage\n{\"WBANNO\": 94075}\n\n");
            }
        }
        put_file("stream", kinds[kind], s.data, s.len);
        /* The same with no grace at all, and with the longest (fuzz_stream.c's header). */
        char name2[64];
        wxbuf_t g = WXBUF_INIT;
        wxbuf_printf(&g, "#grace=%d\n", kind == 1 ? 0 : 604800);
        wxbuf_append(&g, s.data, s.len);
        snprintf(name2, sizeof name2, "%s-grace-%s", kinds[kind], kind == 1 ? "0" : "7d");
        put_file("stream", name2, g.data, g.len);
        wxbuf_free(&g);
        wxbuf_free(&s);
    }
    return 0;
}
