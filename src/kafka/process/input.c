/* input.c: what the consumer delivers goes into the partitions' state: readings into their
 * stream parts, internal records into the hour stages, errors and ends of partitions noted
 * (counts: proc_input_t); and the progress reports each commit sends to the hour stages. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process.h"

/* Progress reports: every internal partition learns, for each of our input partitions, how
 * far each of its stations has emitted its hours. A station of a caught-up partition that has
 * been silent for the idle timeout does not hold time back; nor does a station not seen yet,
 * once its partition has read a record or been caught up. Sent when it changed. */
void input_report_progress(proc_t *p)
{
    int64_t now = proc_now_ms();
    hour_stage_station_t st[256];
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (!ip)
            continue;
        size_t n = stream_part_station_count(ip->sp);
        ip->ready = ip->ready || ip->eof || n > 0 || stream_part_flushed(ip->sp);
        wxbuf_reset(&p->res.value);
        hour_stage_station_t *list = n <= sizeof st / sizeof st[0] ? st : malloc(n * sizeof *list);
        if (!list) {
            proc_fail(p, "%s", "out of memory");
            return;
        }
        for (size_t k = 0; k < n; k++) {
            stream_station_progress_t sp = stream_part_station_progress(ip->sp, k);
            list[k].wban = sp.wban;
            list[k].upto = sp.upto;
            /* With --exit-idle a quiet partition is flushed instead (flush_quiet_inputs):
             * marking it idle first could decide hours before its last summaries are out. */
            int64_t seen = sp.seen == STREAM_TICK_UNKNOWN ? p->cons.assigned_ms : sp.seen;
            if (p->set.exit_idle_s == 0 && ip->eof && p->set.idle_timeout_s > 0 &&
                now - health_quiet_since(p, seen) >= p->set.idle_timeout_s * 1000LL)
                list[k].upto = WX_TIME_MAX;
        }
        hour_stage_encode_report(i, p->state.n_input, ip->ready ? WX_TIME_MAX : WX_TIME_MIN,
                                 list, n, &p->res.value);
        if (list != st)
            free(list);
        if (ip->reported.len == p->res.value.len &&
            memcmp(ip->reported.data, p->res.value.data, p->res.value.len) == 0)
            continue;
        for (int q = 0; q < p->state.n_hourly; q++)
            txn_produce(p, p->set.hourly, q, NULL, 0, p->res.value.data, p->res.value.len);
        wxbuf_reset(&ip->reported);
        wxbuf_append(&ip->reported, p->res.value.data, p->res.value.len);
    }
}

/* An error of the consumer itself, not of a partition. */
static void input_consumer_error(proc_t *p, rd_kafka_message_t *m)
{
    char why[512] = "";
    if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&p->health.brokers_down, 1);
    else if (m->err == RD_KAFKA_RESP_ERR__FATAL &&
             rd_kafka_fatal_error(p->cons.consumer, why, sizeof why) ==
                 RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID)
        p->cons.fenced = true; /* see consumer_replace */
    else if (m->err && m->err != RD_KAFKA_RESP_ERR__TRANSPORT)
        proc_fail(p, "consumer: %s", rd_kafka_message_errstr(m));
}

/* A reading of input partition part into its stream part: results and summaries go out. */
static void input_reading(proc_t *p, rd_kafka_message_t *m, int32_t part, int64_t now)
{
    in_part_t *ip = p->state.in[part];
    if (!ip)
        return;
    /* The source name is formatted only if a dead letter needs it (on_dead_in). */
    route_t route = {p, p->set.input, part};
    wx_sink_t sink = results_sink(&route);
    stream_part_set_tick(ip->sp, now);
    if (stream_part_offer(ip->sp, m->payload, m->len, NULL, (uint64_t)m->offset, &sink) != 0)
        proc_fail(p, "%s", "out of memory");
    ip->dirty = true;
    ip->eof = false;
    ip->eof_offset = -1;
    ip->last_msg_ms = now;
    p->input.consumed_input++;
    p->txn.consumed++;
    p->input.last_input_ms = ip->last_msg_ms;
    if (!p->input.first_input_ms)
        p->input.first_input_ms = p->input.last_input_ms;
}

/* A record of internal partition part (a summary or a progress report) into its hour stage.
 * Out of memory ends the run; only a late or unreadable record becomes a dead letter. */
static void input_internal(proc_t *p, rd_kafka_message_t *m, const char *topic, int32_t part,
                           int64_t now)
{
    hr_part_t *hp = p->state.hr[part];
    if (!hp)
        return;
    wx_time_t hour;
    hottest_entry_t e;
    hour_stage_rc_t rc = hour_stage_apply(hp->hs, m->payload, m->len, &hour, &e);
    if (rc == HOUR_STAGE_NO_MEMORY) {
        proc_fail(p, "%s", "out of memory"); /* the run ends; never a dead letter */
    } else if (rc != HOUR_STAGE_OK) {
        const bool late = rc == HOUR_STAGE_LATE; /* else HOUR_STAGE_BAD_RECORD: "internal" */
        char detail[200], iso[32], source[TOPIC_MAX + 64];
        dead_letter_t d;
        snprintf(source, sizeof source, "%s/%d@%" PRId64, topic, (int)part, m->offset);
        if (late)
            snprintf(detail, sizeof detail,
                     "hourly summary of station %05d for %s came after the hottest station "
                     "of that hour was decided, more than %d h before the latest decided "
                     "hour (--corrections)",
                     (int)e.wban, wx_time_iso(hour, iso, sizeof iso), p->set.correct_hours);
        else
            snprintf(detail, sizeof detail, "unreadable record on the internal topic");
        dead_letter_init(&d, late ? "late" : "internal", detail, source);
        d.wban = late ? e.wban : 0;
        results_dead_letter(p, &d);
    }
    hp->dirty = true;
    hp->eof = false;
    hp->last_msg_ms = now;
    p->input.consumed_hourly++;
    p->txn.consumed++;
}

/* One message from the consumer: an error, an end of partition, or a record. */
void input_handle(proc_t *p, rd_kafka_message_t *m, int64_t now)
{
    if (!m->rkt) { /* an error of the consumer itself, not of a partition */
        input_consumer_error(p, m);
        return;
    }
    if (p->txn.abort_pending)
        return; /* read again after the rewind */
    const char *topic = rd_kafka_topic_name(m->rkt);
    int32_t part = m->partition;
    bool input = !strcmp(topic, p->set.input);
    if (part < 0 || part >= MAX_PARTITIONS)
        return;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (input && p->state.in[part]) {
            p->state.in[part]->eof = true;
            p->state.in[part]->eof_offset = m->offset;
        } else if (!input && p->state.hr[part]) {
            p->state.hr[part]->eof = true;
            p->state.hr[part]->eof_offset = m->offset;
        }
        return;
    }
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            atomic_store(&p->health.brokers_down, 1);
        else if (m->err == RD_KAFKA_RESP_ERR__TRANSPORT)
            ; /* librdkafka reconnects by itself; health_check_brokers watches */
        else
            proc_fail(p, "consuming: %s", rd_kafka_message_errstr(m));
        return;
    }
    if (input)
        input_reading(p, m, part, now);
    else
        input_internal(p, m, topic, part, now);
}
