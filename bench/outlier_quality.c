/* outlier_quality: how well the outlier cascade (src/core/outlier.h, default config) finds the
 * labelled faults of `wxstream synth --anomalies` data, and how often it flags clean readings.
 *
 *   outlier_quality [--min-recall R] [--max-fp-pct P] [--verbose] DATA.txt LABELS.csv [...]
 *
 * Each DATA file holds one station's readings in time order (as synth writes them); LABELS is
 * its labels.csv (event,kind,wban,first_utc,last_utc[,magnitude]). A fault event (spike, step,
 * stuck, range, shift) counts as detected when at least one of its readings gets a verdict other
 * than none/missing; recall is reported per kind and, for level shifts, per band of |magnitude|
 * (6-8, 8-10, 10-12 °C). A false positive is a reading flagged (not none, not missing) that lies
 * in no fault event; its rate is over the clean valid readings (in no fault event, air
 * temperature not missing). Readings of labelled weather (front, outflow, sunrise, foehn) are
 * clean readings; their false positives are also reported per kind of weather. Prints tables,
 * the missed events with the readings around them, and one JSON summary line. Exit 0; 1 when a
 * target given on the command line is missed (the recall target applies to EACH fault kind);
 * 2 for bad input. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlier.h"
#include "synth.h"
#include "uscrn.h"
#include "wx_time.h"

#define MAX_FP_SHOWN 20
#define N_BANDS 3 /* level shifts by |magnitude|: [6, 8), [8, 10), [10, 12] °C */

static const char *const BAND_NAMES[N_BANDS] = {"6-8", "8-10", "10-12"};

static int band_of(double magnitude)
{
    double m = magnitude < 0 ? -magnitude : magnitude;
    if (!(m >= 6.0) || m > 12.0 + 1e-9)
        return -1;
    return m < 8.0 ? 0 : m < 10.0 ? 1 : 2;
}

typedef struct reading {
    wx_time_t t;
    double value;
    bool missing;
    int verdict;   /* outlier_reason_t; -1 until given */
    int32_t event; /* index into the file's events, or -1 */
} reading_t;

typedef struct event {
    uint32_t id;
    synth_kind_t kind;
    int32_t wban;
    wx_time_t first, last;
    double magnitude; /* NaN when the labels have none */
    size_t r0, r1; /* readings [r0, r1) */
    int hits[OUTLIER_REASON_COUNT]; /* verdicts among its readings */
} event_t;

typedef struct totals {
    long readings, unparsable, clean_valid, fp, fp_after_event;
    long fp_by_reason[OUTLIER_REASON_COUNT];
    long events[SYNTH_KIND_COUNT], detected[SYNTH_KIND_COUNT];
    long ev_readings[SYNTH_KIND_COUNT], ev_flagged[SYNTH_KIND_COUNT];
    long by_reason[SYNTH_KIND_COUNT][OUTLIER_REASON_COUNT]; /* events detected, by first reason */
    long band_events[N_BANDS], band_detected[N_BANDS], band_flagged[N_BANDS], band_readings[N_BANDS];
    /* labelled weather: events with any reading flagged, flagged readings, readings */
    long w_events_hit[SYNTH_KIND_COUNT], w_flagged[SYNTH_KIND_COUNT];
    long w_fp_by_reason[SYNTH_KIND_COUNT][OUTLIER_REASON_COUNT];
} totals_t;

static bool parse_iso(const char *s, wx_time_t *out)
{
    int y, mo, d, h, mi, se;
    char z;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return false;
    *out = wx_days_from_civil(y, (unsigned)mo, (unsigned)d) * WX_DAY + h * 3600 + mi * 60 + se;
    return true;
}

static event_t *read_labels(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 64, n = 0;
    event_t *ev = malloc(cap * sizeof *ev);
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    bool ok = ev != NULL;
    while (ok && getline(&line, &lcap, f) > 0) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "event,kind,wban,first_utc,last_utc", 34) != 0) {
                fprintf(stderr, "%s:1: not a synth labels header\n", path);
                ok = false;
            }
            continue;
        }
        char kind[16], a[32], b[32], m[32] = "";
        unsigned id;
        int wban;
        int got = sscanf(line, "%u,%15[^,],%d,%31[^,],%31[^,\n],%31[^,\n]", &id, kind, &wban, a,
                         b, m);
        if (got < 5) {
            fprintf(stderr, "%s:%ld: not a label line\n", path, lineno);
            ok = false;
            break;
        }
        if (n == cap) {
            cap *= 2;
            event_t *x = realloc(ev, cap * sizeof *ev);
            if (!x) {
                ok = false;
                break;
            }
            ev = x;
        }
        event_t *e = &ev[n];
        memset(e, 0, sizeof *e);
        e->id = id;
        e->kind = synth_kind_from_name(kind);
        e->wban = wban;
        e->magnitude = got == 6 && m[0] ? strtod(m, NULL) : NAN;
        if (e->kind == SYNTH_NONE || !parse_iso(a, &e->first) || !parse_iso(b, &e->last) ||
            e->last < e->first || (n > 0 && e->first <= ev[n - 1].last)) {
            fprintf(stderr, "%s:%ld: bad label (kind, times, or not in time order)\n", path,
                    lineno);
            ok = false;
            break;
        }
        n++;
    }
    free(line);
    fclose(f);
    if (!ok) {
        free(ev);
        return NULL;
    }
    *n_out = n;
    return ev;
}

static reading_t *read_data(const char *path, size_t *n_out, int32_t *wban, long *unparsable)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 17, n = 0;
    reading_t *rd = malloc(cap * sizeof *rd);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    long lineno = 0;
    bool ok = rd != NULL;
    *wban = 0;
    while (ok && (len = getline(&line, &lcap, f)) > 0) {
        lineno++;
        uscrn_reading_t r;
        char err[256];
        if (uscrn_parse_line(line, (size_t)len, &r, err, sizeof err) != 0) {
            if (++*unparsable <= 5)
                fprintf(stderr, "%s:%ld: %s\n", path, lineno, err);
            continue;
        }
        if (*wban == 0)
            *wban = r.wbanno;
        if (r.wbanno != *wban || (n > 0 && r.utc <= rd[n - 1].t)) {
            fprintf(stderr, "%s:%ld: expected one station's readings in time order\n", path,
                    lineno);
            ok = false;
            break;
        }
        if (n == cap) {
            cap *= 2;
            reading_t *x = realloc(rd, cap * sizeof *rd);
            if (!x) {
                ok = false;
                break;
            }
            rd = x;
        }
        rd[n++] = (reading_t){r.utc, r.air_temperature,
                              uscrn_is_missing(&r, USCRN_AIR_TEMPERATURE), -1, -1};
    }
    free(line);
    fclose(f);
    if (!ok) {
        free(rd);
        return NULL;
    }
    *n_out = n;
    return rd;
}

static void record(reading_t *rd, size_t n, const outlier_verdict_t *v, int k)
{
    for (int i = 0; i < k; i++)
        if (v[i].id < n)
            rd[v[i].id].verdict = (int)v[i].reason;
}

static void show_context(const reading_t *rd, size_t n, const event_t *e)
{
    const size_t a = e->r0 >= 2 ? e->r0 - 2 : 0;
    const size_t b = e->r1 + 2 < n ? e->r1 + 2 : n;
    for (size_t i = a; i < b; i++) {
        if (i >= e->r0 + 4 && i + 3 < e->r1) {
            if (i == e->r0 + 4)
                printf("        ... %zu readings ...\n", e->r1 - e->r0 - 7);
            continue;
        }
        char ts[32];
        printf("        %s %s %7.1f %s\n", wx_time_iso(rd[i].t, ts, sizeof ts),
               i >= e->r0 && i < e->r1 ? "*" : " ", rd[i].value,
               outlier_reason_name((outlier_reason_t)rd[i].verdict));
    }
}

/* Runs the cascade over one file and adds to the totals. 0, or -1 on bad input. */
static int run_pair(const char *data, const char *labels, bool verbose, totals_t *tt)
{
    size_t n = 0, ne = 0;
    int32_t wban;
    long unparsable = 0;
    event_t *ev = read_labels(labels, &ne);
    if (!ev)
        return -1;
    reading_t *rd = read_data(data, &n, &wban, &unparsable);
    if (!rd) {
        free(ev);
        return -1;
    }
    int rc = -1;
    outlier_config_t cfg;
    outlier_config_default(&cfg);
    outlier_state_t *s = outlier_new(&cfg);
    if (!s) {
        fprintf(stderr, "outlier_new failed\n");
        goto done;
    }
    outlier_verdict_t v[2];
    for (size_t i = 0; i < n; i++) {
        record(rd, n, v, outlier_advance(s, rd[i].t - 1, v));
        record(rd, n, v, outlier_push(s, i, rd[i].t, rd[i].value, rd[i].missing, v));
    }
    record(rd, n, v, outlier_advance(s, WX_TIME_MAX, v));
    for (size_t i = 0; i < n; i++)
        if (rd[i].verdict < 0) {
            fprintf(stderr, "%s: reading %zu got no verdict\n", data, i);
            goto done;
        }

    /* Map events to readings. */
    size_t c = 0;
    for (size_t k = 0; k < ne; k++) {
        event_t *e = &ev[k];
        if (e->wban != wban) {
            fprintf(stderr, "%s: event %u is for station %d, the data for %d\n", labels, e->id,
                    (int)e->wban, (int)wban);
            goto done;
        }
        while (c < n && rd[c].t < e->first)
            c++;
        e->r0 = c;
        while (c < n && rd[c].t <= e->last)
            rd[c++].event = (int32_t)k;
        e->r1 = c;
    }

    long fp = 0, clean = 0, fp_after = 0, fp_shown = 0;
    size_t last_event_end = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const int vr = rd[i].verdict;
        const bool flagged = vr != OUTLIER_NONE && vr != OUTLIER_MISSING;
        const event_t *we = NULL; /* labelled weather: clean readings */
        if (rd[i].event >= 0) {
            event_t *e = &ev[rd[i].event];
            e->hits[vr]++;
            tt->ev_readings[e->kind]++;
            tt->ev_flagged[e->kind] += flagged;
            if (!synth_kind_is_weather(e->kind)) {
                const int b = e->kind == SYNTH_SHIFT ? band_of(e->magnitude) : -1;
                if (b >= 0) {
                    tt->band_readings[b]++;
                    tt->band_flagged[b] += flagged;
                }
                last_event_end = e->r1;
                continue;
            }
            we = e;
        }
        if (rd[i].missing)
            continue;
        clean++;
        if (flagged) {
            fp++;
            tt->fp_by_reason[vr]++;
            if (we) {
                tt->w_flagged[we->kind]++;
                tt->w_fp_by_reason[we->kind][vr]++;
            }
            const bool after = last_event_end != SIZE_MAX && i < last_event_end + 12;
            fp_after += after;
            if (verbose && fp_shown++ < MAX_FP_SHOWN) {
                char ts[32];
                printf("  FP %s %s value %.1f (previous %.1f)%s%s%s%s\n",
                       wx_time_iso(rd[i].t, ts, sizeof ts), outlier_reason_name(vr), rd[i].value,
                       i > 0 ? rd[i - 1].value : 0.0, after ? " [within 1 h after an event]" : "",
                       we ? " [in labelled weather: " : "",
                       we ? synth_kind_name(we->kind) : "", we ? "]" : "");
            }
        }
    }

    long detected = 0;
    for (size_t k = 0; k < ne; k++) {
        event_t *e = &ev[k];
        tt->events[e->kind]++;
        int first_reason = -1;
        for (size_t i = e->r0; i < e->r1 && first_reason < 0; i++)
            if (rd[i].verdict != OUTLIER_NONE && rd[i].verdict != OUTLIER_MISSING)
                first_reason = rd[i].verdict;
        if (synth_kind_is_weather(e->kind)) {
            tt->w_events_hit[e->kind] += first_reason >= 0;
            continue;
        }
        const int band = e->kind == SYNTH_SHIFT ? band_of(e->magnitude) : -1;
        if (band >= 0) {
            tt->band_events[band]++;
            tt->band_detected[band] += first_reason >= 0;
        }
        if (first_reason >= 0) {
            tt->detected[e->kind]++;
            tt->by_reason[e->kind][first_reason]++;
            detected++;
        } else {
            char a[32], b[32];
            printf("  MISSED %s event %u %s %s..%s (%zu readings)\n", data, e->id,
                   synth_kind_name(e->kind), wx_time_iso(e->first, a, sizeof a),
                   wx_time_iso(e->last, b, sizeof b), e->r1 - e->r0);
            show_context(rd, n, e);
        }
    }
    size_t nfault = 0;
    for (size_t k = 0; k < ne; k++)
        nfault += !synth_kind_is_weather(ev[k].kind);
    const char *base = strrchr(data, '/');
    printf("  %-52s readings %6zu  faults %3zu  detected %3ld  false positives %3ld\n",
           base ? base + 1 : data, n, nfault, detected, fp);
    tt->readings += (long)n;
    tt->unparsable += unparsable;
    tt->clean_valid += clean;
    tt->fp += fp;
    tt->fp_after_event += fp_after;
    rc = 0;
done:
    outlier_destroy(s);
    free(rd);
    free(ev);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: outlier_quality [--min-recall R] [--max-fp-pct P] [--verbose] DATA.txt "
               "LABELS.csv [DATA LABELS ...]\n"
               "Runs the outlier cascade (default config) over synth --anomalies data and reports\n"
               "event recall per fault kind (and per level-shift size band) and false positives\n"
               "(also per kind of labelled weather). Exit 1 when a given target is missed; the\n"
               "recall target applies to each fault kind.\n");
}

int main(int argc, char **argv)
{
    double min_recall = -1, max_fp_pct = -1;
    bool verbose = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--min-recall") && i + 1 < argc) {
            min_recall = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--max-fp-pct") && i + 1 < argc) {
            max_fp_pct = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--verbose")) {
            verbose = true;
        } else if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc || (argc - i) % 2 != 0) {
        usage(stderr);
        return 2;
    }
    totals_t tt;
    memset(&tt, 0, sizeof tt);
    const int files = (argc - i) / 2;
    printf("outlier cascade quality (default config) on %d file(s)\n", files);
    for (; i + 1 < argc; i += 2)
        if (run_pair(argv[i], argv[i + 1], verbose, &tt) != 0)
            return 2;

    long ev = 0, det = 0;
    bool pass = true;
    printf("\n  %-7s %7s %9s %7s   %-34s %s\n", "fault", "events", "detected", "recall",
           "detected first by", "readings flagged");
    for (int k = 1; k < SYNTH_KIND_COUNT; k++) {
        if (synth_kind_is_weather((synth_kind_t)k))
            continue;
        ev += tt.events[k];
        det += tt.detected[k];
        char by[96] = "";
        size_t o = 0;
        for (int r = OUTLIER_RANGE; r < OUTLIER_REASON_COUNT; r++)
            if (tt.by_reason[k][r] && o < sizeof by)
                o += (size_t)snprintf(by + o, sizeof by - o, "%s%s %ld", o ? ", " : "",
                                      outlier_reason_name((outlier_reason_t)r),
                                      tt.by_reason[k][r]);
        const double rk = tt.events[k] ? (double)tt.detected[k] / (double)tt.events[k] : 1.0;
        if (min_recall >= 0 && rk < min_recall)
            pass = false;
        printf("  %-7s %7ld %9ld %7.3f   %-34s %ld/%ld\n", synth_kind_name((synth_kind_t)k),
               tt.events[k], tt.detected[k], rk, by, tt.ev_flagged[k], tt.ev_readings[k]);
    }
    const double recall = ev ? (double)det / (double)ev : 0.0;
    const double fp_pct = tt.clean_valid ? 100.0 * (double)tt.fp / (double)tt.clean_valid : 0.0;
    printf("  %-7s %7ld %9ld %7.3f\n", "all", ev, det, recall);
    printf("\n  level shifts by |offset|:\n");
    for (int b = 0; b < N_BANDS; b++)
        printf("  %-7s %7ld %9ld %7.3f   readings flagged %ld/%ld\n", BAND_NAMES[b],
               tt.band_events[b], tt.band_detected[b],
               tt.band_events[b] ? (double)tt.band_detected[b] / (double)tt.band_events[b] : 0.0,
               tt.band_flagged[b], tt.band_readings[b]);
    printf("\n  %-7s %7s %14s %17s   %s\n", "weather", "events", "events flagged",
           "readings flagged", "by test");
    for (int k = 1; k < SYNTH_KIND_COUNT; k++) {
        if (!synth_kind_is_weather((synth_kind_t)k))
            continue;
        char by[96] = "";
        size_t o = 0;
        for (int r = OUTLIER_RANGE; r < OUTLIER_REASON_COUNT; r++)
            if (tt.w_fp_by_reason[k][r] && o < sizeof by)
                o += (size_t)snprintf(by + o, sizeof by - o, "%s%s %ld", o ? ", " : "",
                                      outlier_reason_name((outlier_reason_t)r),
                                      tt.w_fp_by_reason[k][r]);
        printf("  %-7s %7ld %14ld %10ld/%-6ld   %s\n", synth_kind_name((synth_kind_t)k),
               tt.events[k], tt.w_events_hit[k], tt.w_flagged[k], tt.ev_readings[k], by);
    }
    printf("\n  readings %ld (unparsable %ld), clean valid readings %ld (labelled weather "
           "included)\n",
           tt.readings, tt.unparsable, tt.clean_valid);
    printf("  false positives %ld = %.4f %% of clean valid readings (%ld within 1 h after a fault's "
           "last reading); by test:",
           tt.fp, fp_pct, tt.fp_after_event);
    for (int r = OUTLIER_RANGE; r < OUTLIER_REASON_COUNT; r++)
        printf(" %s %ld", outlier_reason_name((outlier_reason_t)r), tt.fp_by_reason[r]);
    printf("\n");

    if (max_fp_pct >= 0 && fp_pct > max_fp_pct)
        pass = false;
    printf("{\"files\":%d,\"readings\":%ld,\"clean_valid\":%ld,\"events\":%ld,\"detected\":%ld,"
           "\"recall\":%.4f,\"by_kind\":{",
           files, tt.readings, tt.clean_valid, ev, det, recall);
    bool first = true;
    for (int k = 1; k < SYNTH_KIND_COUNT; k++) {
        if (synth_kind_is_weather((synth_kind_t)k))
            continue;
        printf("%s\"%s\":{\"events\":%ld,\"detected\":%ld,\"recall\":%.4f}", first ? "" : ",",
               synth_kind_name((synth_kind_t)k), tt.events[k], tt.detected[k],
               tt.events[k] ? (double)tt.detected[k] / (double)tt.events[k] : 1.0);
        first = false;
    }
    printf("},\"shift_bands\":{");
    for (int b = 0; b < N_BANDS; b++)
        printf("%s\"%s\":{\"events\":%ld,\"detected\":%ld}", b ? "," : "", BAND_NAMES[b],
               tt.band_events[b], tt.band_detected[b]);
    printf("},\"weather\":{");
    first = true;
    for (int k = 1; k < SYNTH_KIND_COUNT; k++) {
        if (!synth_kind_is_weather((synth_kind_t)k))
            continue;
        printf("%s\"%s\":{\"events\":%ld,\"events_flagged\":%ld,\"readings\":%ld,"
               "\"readings_flagged\":%ld}",
               first ? "" : ",", synth_kind_name((synth_kind_t)k), tt.events[k],
               tt.w_events_hit[k], tt.ev_readings[k], tt.w_flagged[k]);
        first = false;
    }
    printf("},\"false_positives\":%ld,\"fp_pct\":%.4f,\"fp_within_1h_after_event\":%ld",
           tt.fp, fp_pct, tt.fp_after_event);
    if (min_recall >= 0 || max_fp_pct >= 0)
        printf(",\"target_min_recall\":%.4f,\"target_max_fp_pct\":%.4f,\"pass\":%s", min_recall,
               max_fp_pct, pass ? "true" : "false");
    printf("}\n");
    return pass ? 0 : 1;
}
