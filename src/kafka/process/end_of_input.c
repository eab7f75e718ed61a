/* end_of_input.c: --exit-idle (proc_eoi_t): caught-up input partitions noticed, quiet ones
 * flushed, and whether the run is done. The rule itself is wxk_end_of_input (src/kafka/rules);
 * this file gathers its facts and answers its questions, each rate-limited. */
#include <string.h>

#include "process.h"
#include "wxk_assignment.h"
#include "wxk_end_of_input.h"

/* The consumer's position in input partition i (the next offset it hands over), -1 when
 * unknown (nothing read since the assignment). */
static int64_t input_position(const proc_t *p, int i)
{
    int64_t at = -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->set.input, i);
    if (rd_kafka_position(p->cons.consumer, l) == RD_KAFKA_RESP_ERR_NO_ERROR)
        at = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return at;
}

bool eoi_input_at_cached_end(const proc_t *p, int i)
{
    int64_t lo = -1, hi = -1;
    if (rd_kafka_get_watermark_offsets(p->cons.consumer, p->set.input, i, &lo, &hi) != 0 ||
        hi < 0)
        return false;
    return input_position(p, i) >= hi;
}

/* An input partition whose position has reached the high watermark librdkafka last saw is
 * caught up, even if its one end-of-partition event went by (e.g. during a rebalance). Run
 * every PROC_CAUGHT_UP_PERIOD_MS by housekeeping (run.c), before eoi_flush_quiet_inputs. */
void notice_caught_up(proc_t *p, int64_t now)
{
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (ip && !ip->eof && eoi_input_at_cached_end(p, i) &&
            now - health_quiet_since(p, ip->last_msg_ms) >= 1000)
            ip->eof = true;
    }
}

/* Whether input partition i has read all the broker holds now: its position, or where its
 * last end-of-partition event was, at or past the end the broker tells (asked, not the end
 * librdkafka last saw: a fetch held up on a loaded machine leaves that behind the records
 * still to come; the event's offset is past any transaction marker at the end). */
static bool input_at_end(proc_t *p, int i)
{
    int64_t lo = -1, hi = -1;
    if (rd_kafka_query_watermark_offsets(p->cons.consumer, p->set.input, i, &lo, &hi, 2000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    int64_t at = input_position(p, i);
    if (p->state.in[i]->eof_offset > at)
        at = p->state.in[i]->eof_offset;
    return at >= hi;
}

/* --exit-idle: an input partition that is caught up and quiet that long is finished: its open
 * hours are emitted (a later reading for them is late). Flushing cannot be undone, and a
 * flushed input is what lets the run end, so the broker is asked first whether the partition
 * is really at its end (input_at_end; at most every PROC_HWM_CHECK_PERIOD_MS). */
void eoi_flush_quiet_inputs(proc_t *p, int64_t now)
{
    bool asked = false;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (!ip || !ip->eof || stream_part_flushed(ip->sp))
            continue;
        if (now - health_quiet_since(p, ip->last_msg_ms) < p->set.exit_idle_s * 1000LL)
            continue;
        if (!asked && !proc_due(&p->eoi.end_checked_ms, now, PROC_HWM_CHECK_PERIOD_MS))
            continue;
        asked = true;
        if (!input_at_end(p, i))
            continue; /* records are on their way: they reset the quiet period */
        route_t route = {p, p->set.input, i};
        wx_sink_t sink = results_sink(&route);
        stream_part_flush(ip->sp, &sink);
        ip->dirty = true;
    }
}

/* True when no other member of the group holding partitions is left (a dead instance stays a
 * member until its session times out; then its partitions come here; members with nothing
 * assigned do not count, or two idle ones would wait for each other). Asked once a second. */
static bool alone_in_group(proc_t *p, int64_t now)
{
    if (!proc_due(&p->eoi.group_checked_ms, now, PROC_GROUP_CHECK_PERIOD_MS))
        return p->eoi.alone;
    const struct rd_kafka_group_list *gl = NULL;
    if (rd_kafka_list_groups(p->cons.consumer, p->set.group, &gl, 5000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->eoi.alone = false;
        return p->eoi.alone;
    }
    char *me = rd_kafka_memberid(p->cons.consumer);
    int others = 0;
    for (int g = 0; g < gl->group_cnt; g++)
        for (int m = 0; m < gl->groups[g].member_cnt; m++)
            if ((!me || strcmp(gl->groups[g].members[m].member_id, me) != 0) &&
                wxk_assignment_partitions(gl->groups[g].members[m].member_assignment,
                                          gl->groups[g].members[m].member_assignment_size) > 0)
                others++;
    if (me)
        rd_kafka_mem_free(p->cons.consumer, me);
    rd_kafka_group_list_destroy(gl);
    p->eoi.alone = others == 0;
    return p->eoi.alone;
}

/* Whether the hour stages we own have read everything committed to their internal partitions
 * up to now (our own last summaries and reports included): each has met the end of its
 * partition at or past the end the broker tells now. Asked at most every 200 ms. */
static bool internal_caught_up(proc_t *p, int64_t now)
{
    if (!proc_due(&p->eoi.hwm_checked_ms, now, PROC_HWM_CHECK_PERIOD_MS))
        return false;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        hr_part_t *hp = p->state.hr[i];
        if (!hp)
            continue;
        int64_t lo = -1, hi = -1;
        if (!hp->eof ||
            rd_kafka_query_watermark_offsets(p->cons.consumer, p->set.hourly, i, &lo, &hi, 2000) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            hp->eof_offset < hi)
            return false;
    }
    return true;
}

/* The questions wxk_end_of_input asks on demand, at one instant. */
typedef struct {
    proc_t *p;
    int64_t now;
} eoi_ask_t;

static bool ask_internal_caught_up(void *ctx)
{
    eoi_ask_t *a = ctx;
    return internal_caught_up(a->p, a->now);
}

static bool ask_alone(void *ctx)
{
    eoi_ask_t *a = ctx;
    return alone_in_group(a->p, a->now);
}

/* --exit-idle: whether the run is done (the rule: wxk_end_of_input.h); *stuck when it ends
 * with hours it could not decide. The input's quiet period is the only wait: the internal
 * topic is checked against its end, not waited out. */
bool eoi_finished(proc_t *p, int64_t now, bool *stuck)
{
    int64_t quiet = p->set.exit_idle_s * 1000LL;
    *stuck = false;
    wxk_eoi_facts_t f = {0};
    f.awaiting_assignment = p->cons.awaiting_assignment;
    f.within_first_quiet = now - p->cons.assigned_ms < quiet;
    f.txn_has_records = p->txn.records > 0;
    if (wxk_eoi_busy(&f))
        return false;
    f.inputs_flushed = true;
    f.stages_quiet_10x = true;
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.in[i] && !stream_part_flushed(p->state.in[i]->sp)) {
            f.inputs_flushed = false; /* the rule reads nothing further */
            break;
        }
        if (p->state.hr[i]) {
            if (hour_stage_has_open(p->state.hr[i]->hs))
                f.open_hours = true;
            f.any_hour_stage = true;
            f.all_final |= hour_stage_all_final(p->state.hr[i]->hs);
            if (now - health_quiet_since(p, p->state.hr[i]->last_msg_ms) < 10 * quiet)
                f.stages_quiet_10x = false;
        }
    }
    eoi_ask_t a = {p, now};
    const wxk_eoi_questions_t q = {ask_internal_caught_up, ask_alone, &a};
    const wxk_eoi_t r = wxk_end_of_input(&f, &q);
    *stuck = r == WXK_EOI_STUCK;
    return r != WXK_EOI_RUNNING;
}
