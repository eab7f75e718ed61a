/* setup.c: the process's Kafka handles and topics: the transactional producer (it also
 * creates the topics), the restorer that reads the changelog, then the group consumer
 * (consumer.c); and teardown, their way out. */
#include <stdio.h>

#include "process.h"
#include "wxk_names.h"

/* Creates the topics that do not exist yet and learns the partition counts (proc_state_t).
 * A cluster that is restarting meanwhile is waited for up to --broker-timeout. */
static int setup_topics(proc_t *p)
{
    char err[512];
    const int tmo = p->set.broker_timeout_s * 1000;
    /* A snapshot can be larger than Kafka's default 1 MB record limit (an hour stage that keeps
     * a year of decided hours for corrections): SNAPSHOT_MAX_BYTES. Static: a constant table. */
    static const char *const compact[] = {"cleanup.policy", "compact", "segment.ms", "60000",
                                          "min.cleanable.dirty.ratio", "0.1",
                                          "max.message.bytes", SNAPSHOT_MAX_BYTES, NULL};
    p->state.n_input = wx_kafka_ensure_topic(p->txn.producer, p->set.input,
                                             p->set.create_partitions, NULL, tmo, err,
                                             sizeof err);
    if (p->state.n_input < 0)
        goto fail;
    for (int i = 0; i < T_COUNT; i++)
        if (wx_kafka_ensure_topic(p->txn.producer, p->set.results[i], 1, NULL, tmo, err,
                                  sizeof err) < 0)
            goto fail;
    p->state.n_hourly = wx_kafka_ensure_topic(p->txn.producer, p->set.hourly, p->state.n_input,
                                              NULL, tmo, err, sizeof err);
    if (p->state.n_hourly < 0)
        goto fail;
    if (wx_kafka_ensure_topic(p->txn.producer, p->set.changelog, 1, compact, tmo, err,
                              sizeof err) < 0)
        goto fail;
    if (p->state.n_input > MAX_PARTITIONS || p->state.n_hourly > MAX_PARTITIONS) {
        snprintf(err, sizeof err, "more than %d partitions", MAX_PARTITIONS);
        goto fail;
    }
    return 0;
fail:
    wx_log(CMD, "%s", err);
    return -1;
}

/* A producer or consumer with the -b/-X settings, reporting to on_delivery and on_error. */
static rd_kafka_t *make_handle(proc_t *p, rd_kafka_type_t type, const char *const *settings,
                               rd_kafka_conf_t **conf_out)
{
    char err[512];
    rd_kafka_conf_t *conf = wx_kafka_conf(&p->set.kafka, settings, err, sizeof err);
    if (!conf) {
        wx_log(CMD, "%s", err);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, p);
    if (conf_out)
        *conf_out = conf;
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        wx_log(CMD, "%s", err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* The transactional producer, the topics, the restorer and the group consumer. Returns 0, or
 * -1 with a message. */
int proc_setup(proc_t *p)
{
    char txn_id[512], restore_group[512];
    wxk_name(txn_id, sizeof txn_id, p->set.group, p->set.instance);
    const char *const producer_settings[] = {
        "transactional.id", txn_id, "enable.idempotence", "true",
        "partitioner", "murmur2_random", "linger.ms", "5",
        "transaction.timeout.ms", "20000", "queue.buffering.max.kbytes", "65536",
        /* One Produce request at a time per broker: a failed request is retried before any
         * later one of the same partition is sent, so a retriable produce error can never
         * surface as a sequence gap that costs the transaction (librdkafka 2.0's mock showed
         * it: tests/faults produce_not_enough_replicas). Results are a twelfth of the input:
         * no measurable cost (bench/kafka_throughput.sh). */
        "max.in.flight.requests.per.connection", "1",
        "message.max.bytes", SNAPSHOT_MAX_BYTES, NULL};
    p->txn.producer = make_handle(p, RD_KAFKA_PRODUCER, producer_settings, NULL);
    if (!p->txn.producer || setup_topics(p) != 0)
        return -1;
    /* Fences an earlier incarnation of this instance and aborts what it left open. */
    rd_kafka_error_t *e = wx_kafka_init_transactions(p->txn.producer, 60000);
    if (e) {
        wx_log(CMD, "initializing transactions (transactional.id %s): %s", txn_id,
               rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    char restore_name[512];
    snprintf(restore_name, sizeof restore_name, "restore-%s", p->set.instance);
    wxk_name(restore_group, sizeof restore_group, p->set.group, restore_name);
    const char *const restore_settings[] = {
        "group.id", restore_group, "enable.auto.commit", "false",
        "isolation.level", "read_committed", "enable.partition.eof", "true",
        "auto.offset.reset", "earliest", "fetch.wait.max.ms", "10", NULL};
    p->state.restorer = make_handle(p, RD_KAFKA_CONSUMER, restore_settings, NULL);
    if (!p->state.restorer)
        return -1;
    return consumer_make(p);
}

/* Leaves the group, aborts what is not committed and frees everything (also after a failed
 * setup). */
void proc_teardown(proc_t *p)
{
    busy_begin(p); /* the watchdog also watches the way out */
    if (p->set.verbose && p->cons.nudge)
        wx_log(CMD, "fetcher nudged %ld times (fetch_nudge.h)", fetch_nudge_count(p->cons.nudge));
    fetch_nudge_destroy(p->cons.nudge); /* waits for at most one watermark query */
    p->cons.nudge = NULL;
    if (p->cons.consumer) {
        rd_kafka_consumer_close(p->cons.consumer); /* revoke commits; a static member stays in
                                                  the group until its session times out */
        rd_kafka_destroy(p->cons.consumer);
    }
    /* After a failure the cluster may be gone: do not wait long for it on the way out. */
    int wait_ms = p->loop.failed ? 2000 : 10000;
    if (p->txn.in_txn && p->txn.producer) {
        rd_kafka_error_t *e = rd_kafka_abort_transaction(p->txn.producer, wait_ms);
        if (e)
            rd_kafka_error_destroy(e);
    }
    if (p->state.restorer) {
        rd_kafka_consumer_close(p->state.restorer);
        rd_kafka_destroy(p->state.restorer);
    }
    if (p->txn.producer) {
        rd_kafka_flush(p->txn.producer, wait_ms);
        rd_kafka_destroy(p->txn.producer);
    }
    snapshot_drop_state(p);
    wxbuf_free(&p->res.key);
    wxbuf_free(&p->res.value);
    busy_end(p);
}
