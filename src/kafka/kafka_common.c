/* kafka_common: shared Kafka plumbing for replay, process and tail (see kafka_common.h). */
#include "kafka_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    if (stop_flag)
        _exit(128 + sig);
    stop_flag = 1;
}

void wx_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool wx_stop_requested(void)
{
    return stop_flag != 0;
}

void wx_kafka_opts_init(wx_kafka_opts_t *o)
{
    memset(o, 0, sizeof *o);
    const char *env = getenv("WX_BROKERS");
    o->brokers = env && *env ? env : WX_DEFAULT_BROKERS;
}

int wx_kafka_opts_add(wx_kafka_opts_t *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        fprintf(stderr, "wxstream: -X takes key=value, got '%s'\n", kv);
        return -1;
    }
    if (o->n_props == WX_KAFKA_MAX_PROPS) {
        fprintf(stderr, "wxstream: at most %d -X properties\n", WX_KAFKA_MAX_PROPS);
        return -1;
    }
    o->props[o->n_props++] = kv;
    return 0;
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr,
               size_t errstr_size)
{
    char e[512];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof e) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "%s=%s: %s", k, v, e);
        return -1;
    }
    return 0;
}

rd_kafka_conf_t *wx_kafka_conf(const wx_kafka_opts_t *o, const char *const *settings,
                               char *errstr, size_t errstr_size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (set(conf, "bootstrap.servers", o->brokers, errstr, errstr_size) != 0)
        goto fail;
    /* librdkafka logs connection trouble at level 3-4; keep them, drop the chatter. */
    if (set(conf, "log_level", o->debug ? "7" : "4", errstr, errstr_size) != 0)
        goto fail;
    for (size_t i = 0; settings && settings[i]; i += 2)
        if (set(conf, settings[i], settings[i + 1], errstr, errstr_size) != 0)
            goto fail;
    for (size_t i = 0; i < o->n_props; i++) {
        char key[256];
        const char *eq = strchr(o->props[i], '=');
        size_t kl = (size_t)(eq - o->props[i]);
        if (kl >= sizeof key) {
            snprintf(errstr, errstr_size, "-X %s: key too long", o->props[i]);
            goto fail;
        }
        memcpy(key, o->props[i], kl);
        key[kl] = '\0';
        if (set(conf, key, eq + 1, errstr, errstr_size) != 0)
            goto fail;
    }
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

int wx_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
                             size_t errstr_size)
{
    /* Ask for every topic, not this one: a metadata request naming a missing topic makes a
     * broker with auto.create.topics.enable create it (with the broker's default partition
     * count) before our CreateTopics can set the count and the retention. */
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (err) {
        snprintf(errstr, errstr_size, "metadata for %s: %s", topic, rd_kafka_err2str(err));
        return -1;
    }
    int n = 0;
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, topic) != 0)
            continue;
        if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
            n = md->topics[i].partition_cnt;
        else if (md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
                 md->topics[i].err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
            snprintf(errstr, errstr_size, "metadata for %s: %s", topic,
                     rd_kafka_err2str(md->topics[i].err));
            n = -1;
        }
        break;
    }
    rd_kafka_metadata_destroy(md);
    return n;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether a failed topic creation may succeed if tried again: the cluster is (re)starting —
 * its broker still fenced ("Unable to replicate the partition 1 time(s): All brokers are
 * currently fenced" comes as INVALID_REPLICATION_FACTOR), no controller yet, or no answer. */
static bool create_error_transient(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN: return true;
    default: return false;
    }
}

/* One CreateTopics request. Returns 0 (created, or it exists), -1 with errstr; *transient
 * says whether trying again may help. */
static int create_topic(rd_kafka_t *rk, const char *topic, int partitions,
                        const char *const *configs, int timeout_ms, bool *transient,
                        char *errstr, size_t errstr_size)
{
    char e[512];
    *transient = false;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, -1, e, sizeof e);
    if (!nt) {
        snprintf(errstr, errstr_size, "topic %s: %s", topic, e);
        return -1;
    }
    bool retention_given = false;
    for (size_t i = 0; configs && configs[i]; i += 2) {
        rd_kafka_NewTopic_set_config(nt, configs[i], configs[i + 1]);
        retention_given |= !strcmp(configs[i], "retention.ms");
    }
    /* Readings carry their own (historical) timestamps: time-based retention would delete a
     * replayed year as soon as its segments roll. */
    if (!retention_given)
        rd_kafka_NewTopic_set_config(nt, "retention.ms", "-1");
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, timeout_ms, NULL, 0);
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    int rc = -1;
    if (!ev) {
        snprintf(errstr, errstr_size, "creating topic %s: timed out", topic);
        *transient = true;
    } else if (rd_kafka_event_error(ev)) {
        snprintf(errstr, errstr_size, "creating topic %s: %s", topic,
                 rd_kafka_event_error_string(ev));
        *transient = create_error_transient(rd_kafka_event_error(ev));
    } else {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        rd_kafka_resp_err_t terr = n ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (terr == RD_KAFKA_RESP_ERR_NO_ERROR || terr == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            rc = 0;
        } else {
            snprintf(errstr, errstr_size, "creating topic %s: %s", topic,
                     rd_kafka_topic_result_error_string(tr[0]));
            *transient = create_error_transient(terr);
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

int wx_kafka_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions,
                          const char *const *configs, int timeout_ms, char *errstr,
                          size_t errstr_size)
{
    /* A cluster that is restarting answers metadata before it can create topics: transient
     * failures are tried again, every half second, until timeout_ms have passed. */
    const int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        int have = wx_kafka_partition_count(rk, topic, timeout_ms, errstr, errstr_size);
        if (have > 0)
            return have;
        bool transient = true; /* metadata that could not be had */
        if (have == 0 && create_topic(rk, topic, partitions, configs, timeout_ms, &transient,
                                      errstr, errstr_size) == 0)
            break;
        if (!transient || wx_stop_requested() || deadline - mono_ms() < 500)
            return -1;
        nanosleep(&(struct timespec){0, 500 * 1000 * 1000}, NULL);
    }
    /* Metadata can lag creation by a moment. */
    for (int i = 0; i < 50; i++) {
        int n = wx_kafka_partition_count(rk, topic, timeout_ms, errstr, errstr_size);
        if (n > 0)
            return n;
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    snprintf(errstr, errstr_size, "topic %s was created but does not show in metadata", topic);
    return -1;
}

void wx_kafka_opts_help(FILE *f)
{
    fprintf(f,
            "Kafka (kcat's conventions):\n"
            "  -b, --brokers LIST     bootstrap servers (default: $WX_BROKERS or %s)\n"
            "  -X KEY=VALUE           any librdkafka property, applied last (repeatable), e.g.\n"
            "                         -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN\n"
            "  --debug                show librdkafka's debug-level log lines\n",
            WX_DEFAULT_BROKERS);
}

rd_kafka_error_t *wx_kafka_init_transactions(rd_kafka_t *rk, int timeout_ms)
{
    const int64_t deadline = mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - mono_ms();
        rd_kafka_error_t *e = rd_kafka_init_transactions(rk, (int)(left > 1 ? left : 1));
        if (!e || !rd_kafka_error_is_retriable(e) || wx_stop_requested() ||
            deadline - mono_ms() < 500)
            return e;
        rd_kafka_error_destroy(e);
        const struct timespec pause = {0, 500 * 1000 * 1000};
        nanosleep(&pause, NULL); /* the broker gets on with it meanwhile */
    }
}
