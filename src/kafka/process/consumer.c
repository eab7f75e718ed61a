/* consumer.c: the group consumer (proc_consumer_t): made and subscribed, replaced when it
 * fenced itself, the rebalance callback (restore on assignment, commit or abort on
 * revocation), and the rewind to the last commit after an aborted transaction. */
#include <inttypes.h>
#include <string.h>

#include "process.h"
#include "wxk_names.h"

/* Where each input partition resumes: its committed offset (what a restart re-reads starts
 * there; docs/recovery.md). */
static void log_resume_points(proc_t *p, const rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++)
        if (!strcmp(parts->elems[i].topic, p->set.input))
            wx_log(CMD, "input %s/%d resumes at offset %" PRId64, parts->elems[i].topic,
                   (int)parts->elems[i].partition,
                   parts->elems[i].offset < 0 ? 0 : parts->elems[i].offset);
}

/* The group's rebalance callback: an assignment restores the partitions' state and resumes at
 * their committed offsets; a revocation commits what they produced, a loss aborts it. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    proc_t *p = opaque;
    p->cons.in_rebalance = true;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* Resume exactly at the committed offsets the restored state was checked against. */
        if (snapshot_restore(p, parts, parts) != 0) {
            proc_fail(p, "%s", "could not restore the state of the assigned partitions");
            rd_kafka_assign(rk, NULL);
            return;
        }
        rd_kafka_assign(rk, parts);
        p->cons.n_nudge_parts = 0;
        for (int i = 0; i < parts->cnt; i++)
            if (!strcmp(parts->elems[i].topic, p->set.input) &&
                p->cons.n_nudge_parts <
                    (int)(sizeof p->cons.nudge_parts / sizeof p->cons.nudge_parts[0]))
                p->cons.nudge_parts[p->cons.n_nudge_parts++] = parts->elems[i].partition;
        if (!p->set.quiet)
            log_resume_points(p, parts);
        p->cons.assigned_ms = proc_now_ms();
        p->cons.awaiting_assignment = false;
        txn_begin(p);
    } else {
        if (rd_kafka_assignment_lost(rk)) {
            /* The session timed out or the member was fenced: the partitions may already be
             * someone else's, and a commit now could only be refused or race their new owner.
             * What was not committed is done again by whoever restores them. */
            if (!p->set.quiet)
                wx_log(CMD, "%d partitions lost (session timed out or fenced): aborting what "
                            "was not committed; their next owner resumes from the last commit",
                       parts->cnt);
            if (p->txn.in_txn) {
                busy_begin(p);
                txn_abort(p);
                busy_end(p);
            }
        } else {
            if (!p->set.quiet)
                wx_log(CMD, "%d partitions revoked: committing what they produced", parts->cnt);
            /* Everything consumed so far is committed with its state before the partitions go. */
            txn_commit(p);
        }
        snapshot_drop_state(p);
        rd_kafka_assign(rk, NULL);
        p->cons.n_nudge_parts = 0;
        p->cons.awaiting_assignment = true;
        p->cons.assigned_ms = proc_now_ms();
        if (!p->loop.stopping)
            txn_begin(p);
    }
    p->cons.in_rebalance = false;
}

/* After an aborted transaction: throw the in-memory state away, load the last committed
 * snapshots, and seek every assigned partition back to its committed offset. */
int consumer_rewind(proc_t *p)
{
    /* A new phase for the watchdog: the calls that failed before are over. */
    if (p->health.busy_depth > 0)
        atomic_store(&p->health.busy_since_ms, (long long)proc_now_ms());
    rd_kafka_topic_partition_list_t *assigned = NULL;
    if (rd_kafka_assignment(p->cons.consumer, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    int rc = -1;
    snapshot_drop_state(p);
    /* The committed offsets, checked against it. */
    if (snapshot_restore(p, assigned, assigned) != 0)
        goto done;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(p->cons.consumer, assigned, 30000);
    if (e) {
        wx_log(CMD, "seeking back to the last commit: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        goto done;
    }
    for (int i = 0; i < assigned->cnt; i++)
        if (assigned->elems[i].err) {
            wx_log(CMD, "seeking %s/%d back: %s", assigned->elems[i].topic,
                   (int)assigned->elems[i].partition, rd_kafka_err2str(assigned->elems[i].err));
            goto done;
        }
    rc = 0;
    if (!p->set.quiet)
        wx_log(CMD, "resumed from the last commit (%d partitions)", assigned->cnt);
done:
    rd_kafka_topic_partition_list_destroy(assigned);
    txn_begin(p);
    return rc;
}

/* librdkafka 2.0 can fence a static member by its own rejoin (after a session timeout or a
 * broker restart it joins under a new member id, then a request still carrying the old one is
 * answered FENCED_INSTANCE_ID, which it treats as fatal: confluentinc/librdkafka#3437). The
 * consumer is then unusable. Another process with our --instance-id would also have fenced our
 * transactional producer, which is still fine here, so this is our own fencing: abort what is
 * not committed, drop the state, and join again with a new consumer; the next assignment
 * restores the committed snapshots and resumes at the committed offsets, as after a restart. */
void consumer_replace(proc_t *p)
{
    p->cons.fenced = false;
    wx_log(CMD, "the consumer was fenced by its own rejoin (static membership, librdkafka "
                "2.0); joining again with a new one");
    busy_begin(p);
    if (p->txn.in_txn)
        txn_abort(p);
    p->txn.abort_pending = false;
    snapshot_drop_state(p);
    fetch_nudge_destroy(p->cons.nudge);
    p->cons.nudge = NULL;
    p->cons.n_nudge_parts = 0;
    /* No close: it would run the rebalance callback on a consumer that cannot commit. */
    rd_kafka_destroy_flags(p->cons.consumer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    p->cons.consumer = NULL;
    busy_end(p);
    p->cons.awaiting_assignment = true;
    p->cons.assigned_ms = proc_now_ms();
    if (p->loop.failed)
        return;
    if (consumer_make(p) != 0) {
        proc_fail(p, "%s", "could not make a new consumer");
        return;
    }
    p->cons.replacements++;
}

/* The group consumer, subscribed to the input and the internal topic (with its fetch nudge). */
int consumer_make(proc_t *p)
{
    /* Static membership (KIP-345): a restarted instance takes its own place back at once
     * instead of waiting for the dead member's session to time out. */
    char member[512];
    wxk_name(member, sizeof member, p->set.group, p->set.instance);
    const char *const consumer_settings[] = {
        "group.id", p->set.group, "group.instance.id", member, "enable.auto.commit", "false",
        "isolation.level", "read_committed", "enable.partition.eof", "true",
        "auto.offset.reset", "earliest", "partition.assignment.strategy", "roundrobin",
        "session.timeout.ms", "10000",
        /* A fetch long-polling an idle partition (the internal topic) holds back the fetch of
         * a partition that fetch_nudge re-enabled: keep it short. */
        "fetch.wait.max.ms", "100", NULL};
    char err[512];
    rd_kafka_conf_t *conf = wx_kafka_conf(&p->set.kafka, consumer_settings, err, sizeof err);
    if (!conf) {
        wx_log(CMD, "%s", err);
        return -1;
    }
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, on_error);
    p->cons.consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!p->cons.consumer) {
        wx_log(CMD, "%s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_poll_set_consumer(p->cons.consumer);
    /* NULL: slower through a backlog, still right */
    p->cons.nudge = fetch_nudge_new(p->cons.consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(topics, p->set.input, RD_KAFKA_PARTITION_UA);
    rd_kafka_topic_partition_list_add(topics, p->set.hourly, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(p->cons.consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rerr) {
        wx_log(CMD, "subscribing: %s", rd_kafka_err2str(rerr));
        return -1;
    }
    return 0;
}
