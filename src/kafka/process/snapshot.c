/* snapshot.c: the state of the assigned partitions (proc_state_t) and its snapshots on the
 * compacted changelog: restore (the latest snapshot of each partition, checked against its
 * committed offset), drop, and the snapshots each commit writes. It owns the in_part_t and
 * hr_part_t entries' lifetime. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process.h"

/* The changelog key of a partition's snapshot: "in/<partition>" or "hr/<partition>". */
static void snapshot_key(char *buf, size_t size, const char *kind, int32_t partition)
{
    snprintf(buf, size, "%s/%d", kind, (int)partition);
}

typedef struct wanted {
    char key[64];
    char *value; /* latest, malloc'd */
    size_t len;
    bool found;
    bool has_offset; /* the snapshot names the offset it covers (older ones do not) */
    int64_t offset;  /* SNAPSHOT_OFFSET_HEADER: next offset of its partition, -1 none */
} wanted_t;

/* The offset a snapshot record covers, from its SNAPSHOT_OFFSET_HEADER header. False for a
 * snapshot written before the header existed (or an unreadable header). */
static bool snapshot_offset(rd_kafka_message_t *m, int64_t *offset)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(h, SNAPSHOT_OFFSET_HEADER, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        !v || n == 0 || n > 20)
        return false;
    char buf[24];
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    if (errno || *end || x < -1)
        return false;
    *offset = x;
    return true;
}

/* Reads the changelog from the start to its end (read_committed) and keeps the latest value of
 * each wanted key, until deadline_ms at the latest. Returns 0, or -1 with a message. */
static int restore_read(proc_t *p, wanted_t *w, size_t n, int64_t deadline_ms)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        free(w[i].value);
        w[i].value = NULL;
        w[i].len = 0;
        w[i].found = w[i].has_offset = false;
        w[i].offset = -1;
    }
    /* Every snapshot committed before now lies below the changelog's current high watermark.
     * A read_committed reader stops at the last stable offset, which another instance's open
     * transaction can hold back: reading only to the first end-of-partition event could then
     * load a snapshot older than the offsets committed with a newer one. So read until the
     * position reaches the high watermark (open transactions end by commit or abort within
     * transaction.timeout.ms). A snapshot written after the query is not waited for here:
     * snapshot_restore() compares each snapshot with the committed offsets and reads again. The
     * query may hang in librdkafka < 2.3 when the leader is down: the watchdog bounds that. */
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t qerr =
        rd_kafka_query_watermark_offsets(p->state.restorer, p->set.changelog, 0, &lo, &hi,
                                         call_timeout_ms(p, 30000));
    if (qerr) {
        wx_log(CMD, "restoring state: %s: %s", p->set.changelog, rd_kafka_err2str(qerr));
        return -1;
    }
    if (hi <= lo)
        return 0; /* nothing was ever committed (or all of it compacted away) */
    /* The assigned partition needs its leader known, or librdkafka waits for its next timed
     * offset query (half a second, seen in about one restart in three): hold a handle on the
     * topic and fetch its metadata first. An error here only costs that wait. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(p->state.restorer, p->set.changelog, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rkt && rd_kafka_metadata(p->state.restorer, 0, rkt, &md, call_timeout_ms(p, 10000)) ==
                   RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->set.changelog, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(p->state.restorer, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err) {
        wx_log(CMD, "restoring state: %s", rd_kafka_err2str(err));
        if (rkt)
            rd_kafka_topic_destroy(rkt);
        return -1;
    }
    int rc = -1;
    for (;;) {
        if (proc_now_ms() > deadline_ms) {
            wx_log(CMD, "restoring state from %s: no end in sight (--broker-timeout)",
                   p->set.changelog);
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->state.restorer, 100);
        if (!m || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m)
                rd_kafka_message_destroy(m);
            /* Done once the position has passed every record there was when we started. */
            rd_kafka_topic_partition_list_t *pos = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(pos, p->set.changelog, 0);
            bool done = rd_kafka_position(p->state.restorer, pos) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                        pos->elems[0].offset >= hi;
            rd_kafka_topic_partition_list_destroy(pos);
            if (done) {
                rc = 0;
                break;
            }
            continue;
        }
        if (m->err) {
            rd_kafka_resp_err_t e = m->err;
            wx_log(CMD, "restoring state from %s: %s", p->set.changelog,
                   rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (e == RD_KAFKA_RESP_ERR__TRANSPORT)
                continue;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (m->key_len == strlen(w[i].key) && !memcmp(m->key, w[i].key, m->key_len)) {
                char *v = malloc(m->len ? m->len : 1);
                if (!v) {
                    rd_kafka_message_destroy(m);
                    goto done;
                }
                memcpy(v, m->payload, m->len);
                free(w[i].value);
                w[i].value = v;
                w[i].len = m->len;
                w[i].found = true;
                w[i].offset = -1;
                w[i].has_offset = snapshot_offset(m, &w[i].offset);
            }
        }
        rd_kafka_message_destroy(m);
    }
done:
    rd_kafka_assign(p->state.restorer, NULL);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return rc;
}

/* The committed offsets of parts, into c (a copy of parts): -1 where none was committed.
 * Asked for stable offsets explicitly (KIP-447, require_stable): while another transaction that
 * commits offsets of the group is still open, the broker answers UNSTABLE_OFFSET_COMMIT rather
 * than the offset from before it, and the caller asks again. Returns 0, or -1 with the reason
 * in why. */
static int committed_offsets(proc_t *p, rd_kafka_topic_partition_list_t *c, char *why,
                             size_t why_size)
{
    int rc = -1;
    char err[256];
    rd_kafka_queue_t *q = rd_kafka_queue_new(p->txn.producer);
    rd_kafka_AdminOptions_t *o =
        rd_kafka_AdminOptions_new(p->txn.producer, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_event_t *ev = NULL;
    rd_kafka_error_t *e = o ? rd_kafka_AdminOptions_set_require_stable_offsets(o, 1) : NULL;
    if (!q || !o || e ||
        rd_kafka_AdminOptions_set_request_timeout(o, call_timeout_ms(p, 10000), err,
                                                  sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(why, why_size, "reading the committed offsets: %s",
                 e ? rd_kafka_error_string(e) : "cannot set up the request");
        goto done;
    }
    rd_kafka_ListConsumerGroupOffsets_t *req =
        rd_kafka_ListConsumerGroupOffsets_new(p->set.group, c);
    rd_kafka_ListConsumerGroupOffsets(p->txn.producer, &req, 1, o, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    ev = rd_kafka_queue_poll(q, call_timeout_ms(p, 10000) + 2000);
    if (!ev || rd_kafka_event_error(ev)) {
        snprintf(why, why_size, "reading the committed offsets: %s",
                 ev ? rd_kafka_event_error_string(ev) : "timed out");
        goto done;
    }
    size_t ng = 0;
    const rd_kafka_group_result_t **g = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &ng);
    if (ng != 1 || rd_kafka_group_result_error(g[0])) {
        snprintf(why, why_size, "reading the committed offsets: %s",
                 ng == 1 ? rd_kafka_error_string(rd_kafka_group_result_error(g[0]))
                         : "no answer for the group");
        goto done;
    }
    const rd_kafka_topic_partition_list_t *got = rd_kafka_group_result_partitions(g[0]);
    for (int i = 0; i < c->cnt; i++) {
        const rd_kafka_topic_partition_t *x =
            got ? rd_kafka_topic_partition_list_find(got, c->elems[i].topic,
                                                     c->elems[i].partition)
                : NULL;
        if (!x || x->err) {
            snprintf(why, why_size, "reading the committed offset of %s/%d: %s",
                     c->elems[i].topic, (int)c->elems[i].partition,
                     x ? rd_kafka_err2str(x->err) : "not in the answer");
            goto done;
        }
        c->elems[i].offset = x->offset < 0 ? -1 : x->offset;
    }
    rc = 0;
done:
    if (e)
        rd_kafka_error_destroy(e);
    if (ev)
        rd_kafka_event_destroy(ev);
    if (o)
        rd_kafka_AdminOptions_destroy(o);
    if (q)
        rd_kafka_queue_destroy(q);
    return rc;
}

/* Whether the snapshot w (of a partition whose committed offset is committed, -1 none) is the
 * one committed with that offset. A snapshot without the offset header (written by a version
 * before it) cannot be checked and is taken as it is. With no committed offset at all (the
 * group's offsets expired or were deleted; librdkafka's mock cluster never stores
 * transactional ones) a snapshot naming its offset is self-sufficient: reading resumes there. */
static bool snapshot_matches(const wanted_t *w, int64_t committed)
{
    if (!w->found)
        return committed < 0;
    if (!w->has_offset || committed < 0)
        return true;
    return w->offset == committed;
}

/* Where reading resumes for a partition whose snapshot matched: the committed offset, or the
 * snapshot's own when nothing is committed; -1 for the beginning. */
static int64_t resume_offset(const wanted_t *w, int64_t committed)
{
    if (committed >= 0)
        return committed;
    return w->found && w->has_offset ? w->offset : -1;
}

/* Creates the state of one assigned partition (the input topic's, or else the internal
 * topic's) from its snapshot w, or new when it has none; covered is where reading resumes.
 * Returns 0, or -1 (out of memory, or an unreadable snapshot, said). */
static int restore_partition(proc_t *p, const wanted_t *w, bool input, int32_t part,
                             int64_t covered)
{
    if (input) {
        in_part_t *ip = calloc(1, sizeof *ip);
        if (!ip)
            return -1;
        ip->sp = w->found ? stream_part_load(w->value, w->len, &p->set.cfg)
                          : stream_part_new(&p->set.cfg);
        if (!ip->sp) {
            wx_log(CMD, "state snapshot %s is unreadable", w->key);
            free(ip);
            return -1;
        }
        ip->covered = covered;
        ip->eof_offset = -1;
        ip->last_msg_ms = proc_now_ms();
        ip->reported = (wxbuf_t)WXBUF_INIT;
        p->state.in[part] = ip;
    } else {
        hr_part_t *hp = calloc(1, sizeof *hp);
        if (!hp)
            return -1;
        wx_time_t keep = (wx_time_t)p->set.correct_hours * WX_HOUR;
        hp->hs = w->found ? hour_stage_load(w->value, w->len, keep) : hour_stage_new();
        if (hp->hs && !w->found)
            hour_stage_set_corrections(hp->hs, keep);
        for (int k = 0; hp->hs && k < p->set.n_expected; k++)
            if (hour_stage_expect(hp->hs, p->set.expected[k]) != 0) {
                hour_stage_destroy(hp->hs);
                hp->hs = NULL;
            }
        if (!hp->hs) {
            wx_log(CMD, "state snapshot %s is unreadable", w->key);
            free(hp);
            return -1;
        }
        hp->covered = covered;
        hp->last_msg_ms = proc_now_ms();
        p->state.hr[part] = hp;
    }
    return 0;
}

/* Loads the state of the assigned partitions parts: the latest snapshot of each from the
 * changelog, checked against the partition's committed offset. Each transaction commits both,
 * but their visibility to this reader is not atomic (another instance's transaction can commit
 * its offsets and snapshots after this read began: a session that timed out during a broker
 * restart), so a snapshot that does not name exactly the committed offset is never used: the
 * offsets and the changelog are read again until they agree, for up to --broker-timeout, and
 * then the run fails rather than continue from state that does not belong to its offsets.
 * On success, resume (a list like parts, or NULL) gets each partition's committed offset —
 * RD_KAFKA_OFFSET_BEGINNING where none — where reading must resume. Returns 0 or -1. */
int snapshot_restore(proc_t *p, const rd_kafka_topic_partition_list_t *parts,
                     rd_kafka_topic_partition_list_t *resume)
{
    wanted_t *w = calloc((size_t)parts->cnt + 1, sizeof *w);
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
    if (!w || !c) {
        free(w);
        if (c)
            rd_kafka_topic_partition_list_destroy(c);
        return -1;
    }
    for (int i = 0; i < parts->cnt; i++) {
        bool input = !strcmp(parts->elems[i].topic, p->set.input);
        snapshot_key(w[i].key, sizeof w[i].key, input ? "in" : "hr", parts->elems[i].partition);
    }
    int64_t t0 = proc_now_ms();
    int64_t deadline = t0 + p->set.broker_timeout_s * 1000LL;
    int rc = -1, attempts = 0, unchecked = 0;
    bool said_mismatch = false, said_error = false;
    char why[600] = "";
    busy_begin(p);
    for (;;) {
        /* Each attempt is bounded by its own calls' timeouts: a new phase for the watchdog. */
        atomic_store(&p->health.busy_since_ms, (long long)proc_now_ms());
        attempts++;
        bool agree = false, mismatch = false;
        if (committed_offsets(p, c, why, sizeof why) == 0 &&
            restore_read(p, w, (size_t)parts->cnt, deadline) == 0) {
            agree = true;
            for (int i = 0; i < parts->cnt; i++) {
                if (snapshot_matches(&w[i], c->elems[i].offset))
                    continue;
                agree = false;
                mismatch = true;
                if (!w[i].found)
                    snprintf(why, sizeof why, "%s/%d has committed offset %" PRId64
                             " but no state snapshot (%s)", parts->elems[i].topic,
                             (int)parts->elems[i].partition, c->elems[i].offset, w[i].key);
                else
                    snprintf(why, sizeof why, "the state snapshot %s covers %s/%d up to offset %"
                             PRId64 " but the committed offset is %" PRId64, w[i].key,
                             parts->elems[i].topic, (int)parts->elems[i].partition, w[i].offset,
                             c->elems[i].offset);
                break;
            }
        } else if (!why[0]) {
            snprintf(why, sizeof why, "the changelog %s could not be read", p->set.changelog);
        }
        if (agree) {
            rc = 0;
            break;
        }
        if (proc_now_ms() + 500 > deadline || wx_stop_requested()) {
            if (mismatch)
                wx_log(CMD, "refusing to resume: %s; the state and the input offsets committed "
                            "with it did not agree within --broker-timeout (%d attempts)",
                       why, attempts);
            else
                wx_log(CMD, "restoring state: %s; giving up after --broker-timeout (%d attempts)",
                       why, attempts);
            break;
        }
        if ((mismatch ? !said_mismatch : !said_error) || attempts % 20 == 0) {
            said_mismatch |= mismatch;
            said_error |= !mismatch;
            if (mismatch)
                wx_log(CMD, "%s; waiting for the transaction that wrote them to become visible, "
                            "then reading both again", why);
            else
                wx_log(CMD, "restoring state: %s; trying again", why);
        }
        why[0] = '\0';
        nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
    }
    busy_end(p);
    int restored = 0;
    for (int i = 0; rc == 0 && i < parts->cnt; i++) {
        int32_t part = parts->elems[i].partition;
        if (part < 0 || part >= MAX_PARTITIONS) {
            wx_log(CMD, "partition %d is beyond what one process handles (%d)", (int)part,
                   MAX_PARTITIONS);
            rc = -1;
            break;
        }
        int64_t covered = resume_offset(&w[i], c->elems[i].offset);
        if (covered >= 0 && c->elems[i].offset < 0 && !p->set.quiet)
            wx_log(CMD, "%s/%d has no committed offset: resuming at offset %" PRId64 ", where its "
                        "state snapshot ends (the group's offsets expired or were deleted?)",
                   parts->elems[i].topic, (int)parts->elems[i].partition, covered);
        if (restore_partition(p, &w[i], !strcmp(parts->elems[i].topic, p->set.input), part,
                              covered) != 0) {
            rc = -1;
            break;
        }
        restored += w[i].found;
        unchecked += w[i].found && !w[i].has_offset;
        if (resume && i < resume->cnt)
            resume->elems[i].offset = covered >= 0 ? covered : RD_KAFKA_OFFSET_BEGINNING;
    }
    p->state.restores++;
    p->state.snapshots_loaded += restored;
    if (!p->set.quiet && rc == 0) {
        wx_log(CMD, "assigned %d partitions (%d restored from snapshots) in %" PRId64 " ms",
               parts->cnt, restored, proc_now_ms() - t0);
        if (unchecked > 0)
            wx_log(CMD, "%d snapshots were written by an older version without the offset they "
                        "cover: taken unchecked (the next commit writes checked ones)", unchecked);
    }
    for (int i = 0; i < parts->cnt; i++)
        free(w[i].value);
    free(w);
    rd_kafka_topic_partition_list_destroy(c);
    return rc;
}

/* Frees the state of every partition (the entries snapshot_restore created). */
void snapshot_drop_state(proc_t *p)
{
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.in[i]) {
            stream_part_destroy(p->state.in[i]->sp);
            wxbuf_free(&p->state.in[i]->reported);
            free(p->state.in[i]);
            p->state.in[i] = NULL;
        }
        if (p->state.hr[i]) {
            hour_stage_destroy(p->state.hr[i]->hs);
            free(p->state.hr[i]);
            p->state.hr[i] = NULL;
        }
    }
}

/* Produces, into the open transaction, a snapshot of every partition whose state changed or
 * whose position moved (also past records the state never sees: transaction markers, aborted
 * records), each naming the offset it covers; snapshot_restore() checks that against the
 * committed offset. commit_body has just read the positions into pos: where one is unknown,
 * nothing is committed for the partition and its snapshot keeps its offset. */
void snapshot_write_dirty(proc_t *p)
{
    char key[64], covered[24];
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        in_part_t *ip = p->state.in[i];
        if (ip && (ip->dirty || (ip->pos >= 0 && ip->pos != ip->covered))) {
            if (ip->pos >= 0)
                ip->covered = ip->pos;
            wxbuf_reset(&p->res.value);
            stream_part_save(ip->sp, &p->res.value);
            p->state.snapshot_bytes_written += (long)(ip->snapshot_bytes = p->res.value.len);
            snapshot_key(key, sizeof key, "in", i);
            snprintf(covered, sizeof covered, "%" PRId64, ip->covered);
            txn_produce_h(p, p->set.changelog, 0, key, strlen(key), p->res.value.data,
                          p->res.value.len, covered);
            ip->dirty = false;
        }
        hr_part_t *hp = p->state.hr[i];
        if (hp && (hp->dirty || (hp->pos >= 0 && hp->pos != hp->covered))) {
            if (hp->pos >= 0)
                hp->covered = hp->pos;
            wxbuf_reset(&p->res.value);
            hour_stage_save(hp->hs, &p->res.value);
            p->state.snapshot_bytes_written += (long)(hp->snapshot_bytes = p->res.value.len);
            snapshot_key(key, sizeof key, "hr", i);
            snprintf(covered, sizeof covered, "%" PRId64, hp->covered);
            txn_produce_h(p, p->set.changelog, 0, key, strlen(key), p->res.value.data,
                          p->res.value.len, covered);
            hp->dirty = false;
        }
    }
}
