/* fuzz_stream: libFuzzer harness for one streaming partition (stream.h) fed arbitrary records.
 *
 * The input is split at '\n' into records (USCRN lines and JSON objects, mixed; at most
 * MAX_RECORDS), offered in order to a stream_part with the default config, then flushed. A
 * first line "#grace=SECONDS" sets the grace period instead of the default 900 s (and is not a
 * record). Halfway through, the partition is saved and restored (what a restarted process does)
 * and the run goes on with the copy.
 * Checks, the strongest first:
 *   - nothing is dropped silently: records offered == the `readings` of every hour emitted
 *     + dead letters, and no record is dead-lettered twice;
 *   - every dead letter has a known reason, a non-empty detail and the id of an offered record;
 *   - every hourly result is well formed (one hour long, count <= readings, partial and
 *     has_mean agree with count, min <= mean <= max to the accumulator's 0.001 °C);
 *   - a snapshot restores to a partition whose snapshot is the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* More than STREAM_BUFFER_MAX, so a long input given on the command line can fill a station's
 * reorder buffer (fuzzing itself stays under -max_len). */
#define MAX_RECORDS 65536

typedef struct tally {
    uint64_t offered;
    uint64_t readings; /* sum of hourly_result_t.readings */
    uint64_t dead;
    uint64_t hours;
    int min_valid;
    unsigned char dead_id[MAX_RECORDS / 8]; /* bit per record: dead-lettered */
} tally_t;

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    tally_t *t = ctx;
    FUZZ_CHECK(r->readings >= 1, "an hour with %d readings", r->readings);
    FUZZ_CHECK(r->count >= 0 && r->count <= r->readings, "count %d of %d", r->count,
               r->readings);
    FUZZ_CHECK(r->key.end == r->key.start + WX_HOUR, "hour [%lld, %lld)",
               (long long)r->key.start, (long long)r->key.end);
    FUZZ_CHECK(r->key.lst_hour >= 0 && r->key.lst_hour <= 23, "lst_hour %d", (int)r->key.lst_hour);
    FUZZ_CHECK(r->partial == (r->count < t->min_valid), "partial %d with count %d",
               (int)r->partial, r->count);
    FUZZ_CHECK(r->has_mean == (r->count > 0), "has_mean %d with count %d", (int)r->has_mean,
               r->count);
    /* The mean is summed in thousandths of a degree (window.h): a reading finer than that
     * (the readers take "-5.92025") can put it up to half a thousandth outside [min, max]. */
    if (r->has_mean)
        FUZZ_CHECK(r->min <= r->mean + 0.0005 + 1e-9 && r->mean <= r->max + 0.0005 + 1e-9,
                   "min %.17g mean %.17g max %.17g", r->min, r->mean, r->max);
    t->readings += (uint64_t)r->readings;
    t->hours++;
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    (void)ctx;
    FUZZ_CHECK(o->v.reason != OUTLIER_NONE, "outlier event without a reason");
}

static void on_dead(void *ctx, const dead_letter_t *d)
{
    tally_t *t = ctx;
    static const char *const reasons[] = {"parse", "too_long", "station", "duplicate", "late"};
    bool known = false;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        known = known || (d->reason && strcmp(d->reason, reasons[i]) == 0);
    FUZZ_CHECK(known, "dead letter reason \"%s\"", d->reason ? d->reason : "(null)");
    FUZZ_CHECK(d->detail && d->detail[0], "dead letter (%s) without a detail", d->reason);
    FUZZ_CHECK(d->seq < t->offered, "dead letter for id %llu of %llu offered",
               (unsigned long long)d->seq, (unsigned long long)t->offered);
    FUZZ_CHECK(!(t->dead_id[d->seq / 8] >> (d->seq % 8) & 1),
               "record %llu dead-lettered twice (now %s: %s)",
               (unsigned long long)d->seq, d->reason, d->detail);
    /* Only the displaced reading of a duplicate pair is named by id alone. */
    FUZZ_CHECK(d->source || strcmp(d->reason, "duplicate") == 0, "%s without a source",
               d->reason);
    t->dead_id[d->seq / 8] |= (unsigned char)(1u << (d->seq % 8));
    t->dead++;
}

/* Saves, restores, and checks the copy saves to the same bytes. Returns the copy (or the
 * original when memory ran out). */
static stream_part_t *round_trip(stream_part_t *sp, const wx_config_t *cfg)
{
    wxbuf_t a = WXBUF_INIT, b = WXBUF_INIT;
    stream_part_save(sp, &a);
    if (a.failed) {
        wxbuf_free(&a);
        return sp;
    }
    stream_part_t *copy = stream_part_load(a.data, a.len, cfg);
    FUZZ_CHECK(copy != NULL, "a snapshot of %zu bytes does not load", a.len);
    stream_part_save(copy, &b);
    FUZZ_CHECK(!b.failed && a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
               "a restored partition saves differently");
    wxbuf_free(&a);
    wxbuf_free(&b);
    stream_part_destroy(sp);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wx_config_t cfg;
    wx_config_default(&cfg);
    /* "#grace=SECONDS\n" first: that grace (clamped to what wx_config_check allows). */
    if (size >= 7 && memcmp(data, "#grace=", 7) == 0) {
        size_t i = 7;
        int32_t g = 0;
        while (i < size && data[i] >= '0' && data[i] <= '9' && g <= 7 * 86400)
            g = g * 10 + (data[i++] - '0');
        cfg.grace_sec = g > 7 * 86400 ? 7 * 86400 : g;
        const uint8_t *nl = memchr(data, '\n', size);
        size = nl ? size - (size_t)(nl + 1 - data) : 0;
        data = nl ? nl + 1 : data;
    }
    tally_t *t = calloc(1, sizeof *t);
    stream_part_t *sp = stream_part_new(&cfg);
    if (!t || !sp)
        goto done;
    t->min_valid = cfg.min_valid;
    const wx_sink_t sink = {t, on_hourly, on_outlier, NULL, on_dead};

    size_t n_records = 1;
    for (size_t i = 0; i < size && n_records < MAX_RECORDS; i++)
        n_records += data[i] == '\n';
    const char *p = (const char *)data, *const end = p + size;
    for (size_t k = 0; k < n_records; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* An exact-size copy: ASan then catches a read past the record. */
        char *rec = malloc(len ? len : 1);
        if (!rec)
            goto done;
        memcpy(rec, p, len);
        char source[32];
        snprintf(source, sizeof source, "fuzz@%zu", k);
        t->offered++;
        const int rc = stream_part_offer(sp, rec, len, source, k, &sink);
        free(rec);
        FUZZ_CHECK(rc == 0, "offer failed (out of memory?)");
        if (k == n_records / 2)
            sp = round_trip(sp, &cfg);
        p = nl ? nl + 1 : end;
    }
    stream_part_flush(sp, &sink);
    FUZZ_CHECK(stream_part_progress(sp) == WX_TIME_MAX, "progress after flush");
    FUZZ_CHECK(t->offered == t->readings + t->dead,
               "%llu records offered, %llu in emitted hours + %llu dead letters: %lld dropped",
               (unsigned long long)t->offered, (unsigned long long)t->readings,
               (unsigned long long)t->dead,
               (long long)(t->offered - t->readings - t->dead));
done:
    stream_part_destroy(sp);
    free(t);
    return 0;
}
