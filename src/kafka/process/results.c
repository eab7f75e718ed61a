/* results.c: the result records (proc_results_t): Output and the hourly summaries for the
 * hour stage, Outliers, MaxTemp, DeadLetter with its counts by reason. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_results.h"
#include "process.h"

static void produce_result(proc_t *p, int which)
{
    txn_produce(p, p->set.results[which], RD_KAFKA_PARTITION_UA,
                p->res.key.len ? p->res.key.data : NULL, p->res.key.len, p->res.value.data,
                p->res.value.len);
    p->res.produced[which]++;
}

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    proc_t *p = ((route_t *)ctx)->p;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    json_results_hourly_key(r, &p->res.key);
    json_results_hourly(r, &p->res.value);
    produce_result(p, T_OUTPUT);
    /* The summary for the hour stage, keyed by the hour so one hour meets in one partition. */
    char hour[32];
    hottest_entry_t e = hottest_entry_from_hourly(r);
    wx_time_iso(r->key.start, hour, sizeof hour);
    wxbuf_reset(&p->res.value);
    hour_stage_encode_summary(r->key.start, &e, &p->res.value);
    txn_produce(p, p->set.hourly, RD_KAFKA_PARTITION_UA, hour, strlen(hour), p->res.value.data,
                p->res.value.len);
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    proc_t *p = ((route_t *)ctx)->p;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    json_results_outlier_key(o, &p->res.key);
    json_results_outlier(o, &p->res.value);
    produce_result(p, T_OUTLIERS);
}

static void on_hottest(void *ctx, const hottest_result_t *r)
{
    proc_t *p = ctx;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    json_results_hottest_key(r, &p->res.key);
    json_results_hottest(r, &p->res.value);
    produce_result(p, T_MAXTEMP);
}

void results_dead_letter(proc_t *p, const dead_letter_t *d)
{
    int reason = dead_letter_reason_index(d->reason);
    if (reason >= 0)
        p->res.dead_by_reason[reason]++;
    wxbuf_reset(&p->res.key);
    wxbuf_reset(&p->res.value);
    if (d->wban) {
        char w[16];
        wxbuf_puts(&p->res.key, json_results_wban(d->wban, w, sizeof w));
    }
    json_results_dead_letter(d, &p->res.value);
    produce_result(p, T_DEADLETTER);
}

/* Stream dead letters carry their offset as seq; the source is named here, only when needed. */
static void on_dead_in(void *ctx, const dead_letter_t *d)
{
    route_t *c = ctx;
    char source[TOPIC_MAX + 64];
    dead_letter_t copy = *d;
    if (!copy.source) {
        snprintf(source, sizeof source, "%s/%d@%" PRIu64, c->topic, (int)c->partition, d->seq);
        copy.source = source;
    }
    results_dead_letter(c->p, &copy);
}

/* The callbacks of the stream part of one input partition (route: which one). */
wx_sink_t results_sink(route_t *route)
{
    return (wx_sink_t){route, on_hourly, on_outlier, NULL, on_dead_in};
}

/* The hour stages' decided hours go to MaxTemp (at each commit). */
void results_emit_hottest(proc_t *p)
{
    /* --stations: a listed station that has not reported for the idle timeout since the
     * assignment stops holding MaxTemp back (restore lists them again). */
    bool forget = p->set.n_expected > 0 && p->set.idle_timeout_s > 0 &&
                  proc_now_ms() - p->cons.assigned_ms >= p->set.idle_timeout_s * 1000LL;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.hr[i]) {
            if (forget)
                hour_stage_forget_expected(p->state.hr[i]->hs);
            if (hour_stage_emit(p->state.hr[i]->hs, on_hottest, p) > 0)
                p->state.hr[i]->dirty = true;
        }
    }
}
