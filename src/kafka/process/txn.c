/* txn.c: the transactional producer (proc_txn_t): producing into the open transaction, and
 * begin, commit and abort. A commit carries the progress reports, the decided hours, the
 * snapshots of the changed partitions and the consumed offsets, atomically. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "process.h"

/* Produces one record in the open transaction; offset_header, if not NULL, becomes the
 * record's SNAPSHOT_OFFSET_HEADER header. */
void txn_produce_h(proc_t *p, const char *topic, int32_t partition, const void *key,
                   size_t key_len, const void *value, size_t value_len,
                   const char *offset_header)
{
    for (;;) {
        rd_kafka_resp_err_t err;
        if (offset_header)
            err = rd_kafka_producev(
                p->txn.producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_KEY((void *)key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                RD_KAFKA_V_HEADER(SNAPSHOT_OFFSET_HEADER, offset_header, -1),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        else
            err = rd_kafka_producev(
                p->txn.producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_KEY((void *)key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!err)
            break;
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(p->txn.producer, 50);
            continue;
        }
        if (err == RD_KAFKA_RESP_ERR__STATE) {
            /* The transaction already needs aborting (a produce failed): rewind, do not die. */
            p->txn.abort_pending = true;
            return;
        }
        proc_fail(p, "producing failed: %s", rd_kafka_err2str(err));
        return;
    }
    p->txn.records++;
}

void txn_produce(proc_t *p, const char *topic, int32_t partition, const void *key,
                 size_t key_len, const void *value, size_t value_len)
{
    txn_produce_h(p, topic, partition, key, key_len, value, value_len, NULL);
}

/* Aborts the open transaction, retrying within --broker-timeout. Returns false (the run has
 * failed) when it cannot be aborted. */
bool txn_abort(proc_t *p)
{
    if (!p->txn.trouble_since_ms)
        p->txn.trouble_since_ms = proc_now_ms();
    for (;;) {
        rd_kafka_error_t *e2 =
            rd_kafka_abort_transaction(p->txn.producer, call_timeout_ms(p, 30000));
        if (!e2)
            break;
        /* librdkafka 2.0 flags a timed-out abort as abortable, not retriable, and a second
         * abort succeeds: retry anything but a fatal error, within --broker-timeout. */
        bool retry = !rd_kafka_error_is_fatal(e2) &&
                     proc_now_ms() - p->txn.trouble_since_ms <= p->set.broker_timeout_s * 1000LL;
        wx_log(CMD, "aborting the transaction: %s", rd_kafka_error_string(e2));
        rd_kafka_error_destroy(e2);
        if (!retry) {
            proc_fail(p, "%s", "the transaction could not be aborted");
            return false;
        }
    }
    p->txn.in_txn = false;
    p->txn.delivery_errors = 0; /* the aborted records' reports */
    p->txn.abort_pending = false;
    process_metrics_aborted(p->rep.metrics);
    return true;
}

/* Aborts the open transaction and resumes from the last commit: the in-memory state is
 * dropped, the committed snapshots loaded, and input re-read from the committed offsets, so the
 * same results are produced again in a new transaction. Returns true (the transaction is over). */
bool txn_abort_and_rewind(proc_t *p, const char *why)
{
    if (!p->set.quiet)
        wx_log(CMD, "%s; aborting the transaction and resuming from the last commit", why);
    if (!txn_abort(p))
        return true;
    p->txn.rewinds++;
    /* In a revocation the partitions are being dropped anyway; their next owner restores. */
    if (!p->cons.in_rebalance && consumer_rewind(p) != 0)
        proc_fail(p, "%s", "could not resume from the last commit");
    return true;
}

/* After a failed transaction call: retriable errors are retried by the caller; an abortable one
 * aborts the transaction and rewinds to the last commit (state reloaded, input re-read from the
 * committed offsets, the same results produced again); a fatal one (e.g. fenced by a newer
 * instance with the same --instance-id) ends the run. Returns true when the transaction is over
 * (aborted or failed), false when the caller may retry. Takes ownership of error. */
static bool txn_error(proc_t *p, rd_kafka_error_t *error, const char *what)
{
    char msg[600];
    snprintf(msg, sizeof msg, "%s: %s", what, rd_kafka_error_string(error));
    int64_t now = proc_now_ms();
    if (!p->txn.trouble_since_ms)
        p->txn.trouble_since_ms = now;
    if (now - p->txn.trouble_since_ms > p->set.broker_timeout_s * 1000LL) {
        rd_kafka_error_destroy(error);
        proc_fail(p, "%s; giving up after --broker-timeout", msg);
        return true;
    }
    if (rd_kafka_error_is_retriable(error) && !rd_kafka_error_txn_requires_abort(error)) {
        if (!p->set.quiet)
            wx_log(CMD, "%s (retrying)", msg);
        rd_kafka_error_destroy(error);
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
        return false;
    }
    if (rd_kafka_error_txn_requires_abort(error)) {
        rd_kafka_error_destroy(error);
        return txn_abort_and_rewind(p, msg);
    }
    rd_kafka_error_destroy(error);
    proc_fail(p, "%s", msg);
    return true;
}

/* Opens a transaction unless one is open or the run has failed. */
void txn_begin(proc_t *p)
{
    if (p->txn.in_txn || p->loop.failed)
        return;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(p->txn.producer);
    if (e) {
        rd_kafka_error_destroy(e);
        proc_fail(p, "%s", "begin transaction failed");
        return;
    }
    p->txn.in_txn = true;
    p->txn.records = 0;
    p->txn.consumed = 0;
}

static void commit_body(proc_t *p);

/* Commits the open transaction (commit_body), timed for --metrics. */
void txn_commit(proc_t *p)
{
    if (!p->txn.in_txn || p->loop.failed)
        return;
    double t0 = process_metrics_clock();
    long before = p->txn.transactions;
    busy_begin(p);
    commit_body(p);
    busy_end(p);
    if (p->txn.transactions != before) {
        process_metrics_committed(p->rep.metrics, process_metrics_clock() - t0);
        /* The counts that came with this commit (snapshot bytes...) go out with it, so a
         * scrape never shows the commit without them. */
        publish_metrics_now(p);
    }
}

/* Adds the consumed offsets to the transaction, retrying what txn_error says may be retried.
 * Returns 0, or -1 when the transaction is over (aborted or failed). */
static int send_offsets(proc_t *p, const rd_kafka_topic_partition_list_t *offsets)
{
    while (offsets->cnt > 0) {
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(p->cons.consumer);
        rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(p->txn.producer, offsets, md,
                                                                  call_timeout_ms(p, 30000));
        rd_kafka_consumer_group_metadata_destroy(md);
        if (!e)
            break;
        if (txn_error(p, e, "committing offsets in the transaction"))
            return -1;
    }
    return 0;
}

static void commit_body(proc_t *p)
{
    int64_t t0 = proc_now_ms();
    if (p->txn.abort_pending) {
        txn_abort_and_rewind(p, "a record could not be produced in this transaction");
        return;
    }
    input_report_progress(p);
    results_emit_hottest(p);
    /* Where each assigned partition stands: what this transaction commits as its offset, and
     * what the snapshot committed with it must say it covers. */
    rd_kafka_topic_partition_list_t *assigned = NULL;
    rd_kafka_resp_err_t err = rd_kafka_assignment(p->cons.consumer, &assigned);
    if (err) {
        proc_fail(p, "reading the assignment: %s", rd_kafka_err2str(err));
        return;
    }
    rd_kafka_position(p->cons.consumer, assigned);
    for (int i = 0; i < MAX_PARTITIONS; i++) {
        if (p->state.in[i])
            p->state.in[i]->pos = -1;
        if (p->state.hr[i])
            p->state.hr[i]->pos = -1;
    }
    rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(assigned->cnt);
    for (int i = 0; i < assigned->cnt; i++) {
        const rd_kafka_topic_partition_t *a = &assigned->elems[i];
        if (a->offset < 0 || a->partition < 0 || a->partition >= MAX_PARTITIONS)
            continue;
        rd_kafka_topic_partition_list_add(offsets, a->topic, a->partition)->offset = a->offset;
        if (!strcmp(a->topic, p->set.input)) {
            if (p->state.in[a->partition])
                p->state.in[a->partition]->pos = a->offset;
        } else if (p->state.hr[a->partition]) {
            p->state.hr[a->partition]->pos = a->offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(assigned);
    snapshot_write_dirty(p);
    if (p->res.value.failed || p->res.key.failed) {
        rd_kafka_topic_partition_list_destroy(offsets);
        proc_fail(p, "%s", "out of memory while formatting records");
        return;
    }
    /* A record of this transaction (a snapshot, a result) was refused: committing the offsets
     * without it would lose it. Teardown aborts the transaction instead. */
    if (p->loop.failed) {
        rd_kafka_topic_partition_list_destroy(offsets);
        return;
    }
    /* Likewise when the transaction already needs aborting: never send its offsets. */
    if (p->txn.abort_pending) {
        rd_kafka_topic_partition_list_destroy(offsets);
        txn_abort_and_rewind(p, "a record could not be produced in this transaction");
        return;
    }
    int sent = send_offsets(p, offsets);
    rd_kafka_topic_partition_list_destroy(offsets);
    if (sent != 0)
        return;
    for (;;) {
        rd_kafka_error_t *e =
            rd_kafka_commit_transaction(p->txn.producer, call_timeout_ms(p, 60000));
        if (!e)
            break;
        if (txn_error(p, e, "commit transaction"))
            return;
    }
    if (p->txn.delivery_errors) {
        /* librdkafka fails the commit when a message failed; this is a second line of defence. */
        proc_fail(p, "a result could not be delivered: %s", p->txn.first_delivery_error);
        return;
    }
    p->txn.trouble_since_ms = 0;
    p->txn.in_txn = false;
    p->txn.transactions++;
    if (p->txn.consumed > p->txn.max_consumed)
        p->txn.max_consumed = p->txn.consumed;
    p->txn.last_commit_ms = proc_now_ms();
    if (p->set.verbose)
        wx_log(CMD,
               "transaction %ld committed in %" PRId64 " ms: %ld records consumed, %ld produced",
               p->txn.transactions, p->txn.last_commit_ms - t0, p->txn.consumed, p->txn.records);
    if (p->txn.records > 0)
        p->txn.last_output_commit_ms = p->txn.last_commit_ms;
}

void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    proc_t *p = opaque;
    if (m->err) {
        if (!p->txn.delivery_errors)
            snprintf(p->txn.first_delivery_error, sizeof p->txn.first_delivery_error, "%s: %s",
                     rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
        p->txn.delivery_errors++;
    }
}
