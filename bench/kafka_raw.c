/* kafka_raw: the baseline for wxstream's Kafka benchmarks — how fast plain librdkafka consumes
 * or produces the same records on the same broker, with no work per record.
 *
 *   kafka_raw consume BROKERS TOPIC           read every partition from the start to the end
 *                                             (read_committed), print records and records/s
 *   kafka_raw produce BROKERS TOPIC FILE      produce each line of FILE, "KEY<tab>TIMESTAMP_MS<tab>
 *                                             VALUE" (kcat -f '%k\t%T\t%s\n' of another topic), so
 *                                             the records equal another producer's; idempotent,
 *                                             waits for every delivery
 *   kafka_raw next BROKERS TOPIC TIMEOUT_S    wait for the next committed record on TOPIC (from its
 *                                             end, read_committed); print the wait in ms
 * Output: one line "raw-consume N records S s R records/s" (or raw-produce, next-record). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static rd_kafka_t *make(rd_kafka_type_t type, const char *brokers, const char *const *kv)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err);
    for (size_t i = 0; kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "kafka_raw: %s\n", err);
            exit(1);
        }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kafka_raw: %s\n", err);
        exit(1);
    }
    return rk;
}

static int consume(const char *brokers, const char *topic)
{
    const char *const kv[] = {"group.id", "kafka-raw-bench", "enable.auto.commit", "false",
                              "isolation.level", "read_committed", "enable.partition.eof", "true",
                              NULL};
    rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, brokers, kv);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topic_cnt != 1 ||
        md->topics[0].partition_cnt == 0) {
        fprintf(stderr, "kafka_raw: no topic %s\n", topic);
        return 1;
    }
    int n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_poll_set_consumer(rk);
    long count = 0;
    size_t bytes = 0;
    int eofs = 0;
    double t0 = 0;
    while (eofs < n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (!m->err) {
            if (!count)
                t0 = now_s();
            count++;
            bytes += m->len;
        }
        rd_kafka_message_destroy(m);
    }
    double secs = now_s() - t0;
    printf("raw-consume %ld records %.3f s %.0f records/s (%zu bytes)\n", count, secs,
           secs > 0 ? (double)count / secs : 0.0, bytes);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

static long failed;
static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *op)
{
    (void)rk;
    (void)op;
    if (m->err)
        failed++;
}

static int produce(const char *brokers, const char *topic, const char *path)
{
    /* The producer settings `wxstream replay` uses, so the baseline differs only in the work
     * replay does per record. */
    const char *const kv[] = {"enable.idempotence", "true", "linger.ms", "10",
                              "batch.num.messages", "100000", "batch.size", "1000000",
                              "queue.buffering.max.messages", "500000",
                              "partitioner", "murmur2_random", NULL};
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err);
    for (size_t i = 0; kv[i]; i += 2)
        rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    FILE *f = fopen(path, "r");
    if (!rk || !f) {
        fprintf(stderr, "kafka_raw: cannot start (%s)\n", f ? err : path);
        return 1;
    }
    /* Read everything first so file I/O is not timed. */
    char *line = NULL;
    size_t cap = 0, n_lines = 0, n_cap = 0;
    ssize_t len;
    char **lines = NULL;
    size_t *lens = NULL;
    /* key and timestamp of each line, split off its value */
    size_t *klens = NULL;
    int64_t *stamps = NULL;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (n_lines == n_cap) {
            n_cap = n_cap ? n_cap * 2 : 1024;
            lines = realloc(lines, n_cap * sizeof *lines);
            lens = realloc(lens, n_cap * sizeof *lens);
            klens = realloc(klens, n_cap * sizeof *klens);
            stamps = realloc(stamps, n_cap * sizeof *stamps);
        }
        if (line[len - 1] == '\n')
            len--;
        char *t1 = memchr(line, '\t', (size_t)len);
        char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(len - (t1 + 1 - line))) : NULL;
        if (!t2) {
            fprintf(stderr, "kafka_raw: line %zu is not KEY<tab>TS<tab>VALUE\n", n_lines + 1);
            return 1;
        }
        klens[n_lines] = (size_t)(t1 - line);
        stamps[n_lines] = strtoll(t1 + 1, NULL, 10);
        lines[n_lines] = malloc((size_t)len);
        memcpy(lines[n_lines], line, (size_t)len);
        lens[n_lines++] = (size_t)len;
    }
    fclose(f);
    free(line);
    /* Time the produce, not the wait for a new topic's leader. */
    for (int tries = 0; tries < 100; tries++) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
        rd_kafka_topic_destroy(rkt);
        bool ready = !e && md->topic_cnt == 1 && !md->topics[0].err &&
                     md->topics[0].partition_cnt > 0 && md->topics[0].partitions[0].leader >= 0;
        if (md)
            rd_kafka_metadata_destroy(md);
        if (ready)
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    double t0 = now_s();
    for (size_t i = 0; i < n_lines; i++) {
        for (;;) {
            const char *value = memchr(lines[i] + klens[i] + 1, '\t', lens[i] - klens[i] - 1) + 1;
            rd_kafka_resp_err_t e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(lines[i], klens[i]),
                RD_KAFKA_V_TIMESTAMP(stamps[i]),
                RD_KAFKA_V_VALUE((void *)value, lens[i] - (size_t)(value - lines[i])),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 10);
                continue;
            }
            if (e)
                failed++;
            break;
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    double secs = now_s() - t0;
    printf("raw-produce %zu records %.3f s %.0f records/s (%ld failed)\n", n_lines, secs,
           secs > 0 ? (double)n_lines / secs : 0.0, failed);
    for (size_t i = 0; i < n_lines; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    free(klens);
    free(stamps);
    rd_kafka_destroy(rk);
    return failed ? 1 : 0;
}

/* Waits for the first record committed after the call (recovery benchmark). */
static int next_record(const char *brokers, const char *topic, int timeout_s)
{
    const char *const kv[] = {"group.id", "kafka-raw-bench", "enable.auto.commit", "false",
                              "isolation.level", "read_committed", "fetch.wait.max.ms", "10",
                              NULL};
    rd_kafka_t *rk = make(RD_KAFKA_CONSUMER, brokers, kv);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_poll_set_consumer(rk);
    double t0 = now_s();
    int rc = 1;
    /* Ready: the parent may start the process under test now. */
    printf("ready\n");
    fflush(stdout);
    while (now_s() - t0 < timeout_s) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        bool got = !m->err;
        rd_kafka_message_destroy(m);
        if (got) {
            struct timespec wall;
            clock_gettime(CLOCK_REALTIME, &wall);
            printf("next-record %.0f ms, at %lld ms since the epoch\n", (now_s() - t0) * 1000.0,
                   (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
            rc = 0;
            break;
        }
    }
    if (rc)
        printf("next-record none within %d s\n", timeout_s);
    rd_kafka_destroy(rk);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "next"))
        return next_record(argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && !strcmp(argv[1], "consume"))
        return consume(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "produce"))
        return produce(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: kafka_raw consume BROKERS TOPIC | produce BROKERS TOPIC FILE | "
                    "next BROKERS TOPIC TIMEOUT_S\n");
    return 2;
}
