/* cmd_tail: `wxstream tail TOPIC` — a console consumer, like the seed's run_consumer.
 *
 * Reads every partition of the topic from the earliest offset with read_committed isolation, so
 * it shows what a downstream consumer would see (no aborted or open transactions). Partitions
 * are assigned, never subscribed: no group is joined and no offset is committed, so any number
 * of tails can run beside `process` without disturbing it. librdkafka's consumer API needs a
 * group.id even for assign(); it is set but never used for membership or commits.
 *
 * Output: each value as one line (JSON lines as published), or --table: columns picked from the
 * record's fields (Output, MaxTemp, Outliers, DeadLetter; anything else as it is), a header
 * line whenever the kind of record changes. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "kafka_commands.h"
#include "kafka_common.h"
#include "options.h"

#define TAIL_METADATA_MS 10000
#define TAIL_ERRORS_SHOWN 10

typedef struct tail_col {
    const char *field;
    int width; /* 0: last column, not padded */
    const char *prefer; /* shown instead of `field` when the record has it */
} tail_col_t;

typedef struct tail_kind {
    const char *name;
    const char *needs[3]; /* fields that identify the kind (all present) */
    tail_col_t cols[8];
} tail_kind_t;

/* Most specific first: DeadLetter and Outliers both have "reason". */
static const tail_kind_t KINDS[] = {
    {"DeadLetter",
     {"reason", "detail", NULL},
     {{"reason", 10, NULL}, {"source", 28, NULL}, {"detail", 0, NULL}, {NULL, 0, NULL}}},
    {"Outliers",
     {"reason", "temp", NULL},
     {{"station", 7, "wban"},
      {"lst_date", 10, NULL},
      {"lst_time", 8, NULL},
      {"temp", 7, NULL},
      {"reason", 0, NULL},
      {NULL, 0, NULL}}},
    {"MaxTemp",
     {"mean_station", "max_temp", NULL},
     {{"window_start", 20, NULL},
      {"station", 7, "wban"},
      {"max_temp", 8, NULL},
      {"mean_station", 12, "mean_wban"},
      {"mean_temp", 9, NULL},
      {"stations", 0, NULL},
      {NULL, 0, NULL}}},
    {"Output",
     {"mean_temp", "lst_hour", NULL},
     {{"station", 7, "wban"},
      {"lst_date", 10, NULL},
      {"lst_hour", 8, NULL},
      {"mean_temp", 9, NULL},
      {"count", 5, NULL},
      {"partial", 0, NULL},
      {NULL, 0, NULL}}},
};
#define N_KINDS (sizeof KINDS / sizeof KINDS[0])
#define KIND_RAW ((int)N_KINDS)

typedef struct tail_run {
    wx_kafka_opts_t kopts;
    const char *topic;
    bool table, keys, quiet;
    long idle, count;
    int last_kind; /* -1: nothing printed yet */
} tail_run_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream tail [options] TOPIC\n\n"
            "Prints every record of TOPIC, all partitions from the earliest offset, as JSON lines\n"
            "(the values as published) or as a table. Reads with isolation.level=read_committed;\n"
            "partitions are assigned directly: no consumer group is joined, nothing is committed.\n\n"
            "options:\n"
            "  --table                human columns picked from the record's fields (Output,\n"
            "                         MaxTemp, Outliers, DeadLetter; other values as they are)\n"
            "                         (default: JSON lines)\n"
            "  --keys                 print the key, a tab, then the value (no key: empty)\n"
            "  --idle N               exit after N consecutive polls of 1 s that bring nothing;\n"
            "                         0 = run until interrupted (default: 0)\n"
            "  -c, --count N          exit after N records (default: 0, no limit)\n"
            "  -q, --quiet            no \"N records\" line on stderr at exit\n"
            "  -h, --help             this help\n\n");
    wx_kafka_opts_help(f);
    fprintf(f, "\nExit status: 0 done (--idle, --count or interrupted), 1 the topic does not\n"
               "exist, the cluster could not be reached or stdout failed; 2 usage.\n");
}

/* ------------------------------------------------------------------ table */

static void put_cell_value(const json_t *v, FILE *out)
{
    if (!v) {
        fputs("-", out);
    } else if (json_is_string(v)) {
        fwrite(json_string_value(v), 1, json_string_length(v), out);
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                fputc(',', out);
            const json_t *x = json_array_get(v, i);
            /* The only array of integers is MaxTemp's stations: WBANs, five digits as the
             * station columns show them. */
            if (json_is_integer(x) && json_integer_value(x) >= 0 && json_integer_value(x) <= 99999)
                fprintf(out, "%05d", (int)json_integer_value(x));
            else
                put_cell_value(x, out);
        }
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(10));
        fputs(s ? s : "?", out);
        free(s);
    }
}

static void put_cell(const json_t *v, int width, FILE *out)
{
    if (width == 0) {
        put_cell_value(v, out);
        return;
    }
    /* Padding needs the cell's length: render into memory first. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    put_cell_value(v, m);
    fclose(m);
    fprintf(out, "%-*s ", width, buf ? buf : "");
    free(buf);
}

static int kind_of(const json_t *obj)
{
    if (!json_is_object(obj))
        return KIND_RAW;
    for (size_t k = 0; k < N_KINDS; k++) {
        bool all = true;
        for (size_t i = 0; KINDS[k].needs[i]; i++)
            all &= json_object_get(obj, KINDS[k].needs[i]) != NULL;
        if (all)
            return (int)k;
    }
    return KIND_RAW;
}

static void print_table_row(tail_run_t *t, const char *key, size_t key_len, const char *value,
                            size_t len, FILE *out)
{
    json_error_t jerr;
    json_t *obj = value ? json_loadb(value, len, JSON_DECODE_ANY, &jerr) : NULL;
    int kind = kind_of(obj);
    if (kind != t->last_kind && kind != KIND_RAW) {
        if (t->keys)
            fprintf(out, "%-20s ", "key");
        for (const tail_col_t *c = KINDS[kind].cols; c->field; c++) {
            if (c->width)
                fprintf(out, "%-*s ", c->width, c->field);
            else
                fputs(c->field, out);
        }
        fputc('\n', out);
    }
    t->last_kind = kind;
    if (t->keys) {
        if (kind == KIND_RAW)
            fprintf(out, "%.*s\t", (int)key_len, key ? key : "");
        else
            fprintf(out, "%-20.*s ", (int)key_len, key ? key : "");
    }
    if (kind == KIND_RAW) {
        if (value)
            fwrite(value, 1, len, out);
        else
            fputs("null", out);
    } else {
        for (const tail_col_t *c = KINDS[kind].cols; c->field; c++) {
            /* The five-digit WBAN ("03072") where the record has it; older records had only
             * `station`, as a string. */
            const json_t *v = c->prefer ? json_object_get(obj, c->prefer) : NULL;
            put_cell(v && !json_is_null(v) ? v : json_object_get(obj, c->field), c->width, out);
        }
    }
    fputc('\n', out);
    json_decref(obj);
}

static void print_record(tail_run_t *t, const rd_kafka_message_t *m, FILE *out)
{
    const char *value = m->payload;
    if (t->table) {
        print_table_row(t, m->key, m->key_len, value, m->len, out);
        return;
    }
    if (t->keys) {
        if (m->key)
            fwrite(m->key, 1, m->key_len, out);
        fputc('\t', out);
    }
    if (value)
        fwrite(value, 1, m->len, out);
    else
        fputs("null", out);
    fputc('\n', out);
}

/* ------------------------------------------------------------------ command */

enum { OPT_TABLE = 3000, OPT_KEYS, OPT_IDLE, OPT_DEBUG };

static int parse_args(tail_run_t *t, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"table", no_argument, NULL, OPT_TABLE},
        {"keys", no_argument, NULL, OPT_KEYS},
        {"idle", required_argument, NULL, OPT_IDLE},
        {"count", required_argument, NULL, 'c'},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:X:c:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            t->kopts.brokers = optarg;
            break;
        case 'X':
            if (wx_kafka_opts_add(&t->kopts, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case OPT_TABLE:
            t->table = true;
            break;
        case OPT_KEYS:
            t->keys = true;
            break;
        case OPT_IDLE:
            if (!options_parse_long(optarg, &t->idle) || t->idle < 0) {
                options_bad("tail", "idle", optarg, "a count >= 0");
                return WX_EXIT_USAGE;
            }
            break;
        case 'c':
            if (!options_parse_long(optarg, &t->count) || t->count < 0) {
                options_bad("tail", "count", optarg, "a count >= 0");
                return WX_EXIT_USAGE;
            }
            break;
        case OPT_DEBUG:
            t->kopts.debug = true;
            break;
        case 'q':
            t->quiet = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return WX_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "wxstream tail: %s (see wxstream tail --help)\n",
                optind >= argc ? "no topic given" : "one topic only");
        return WX_EXIT_USAGE;
    }
    t->topic = argv[optind];
    return 0;
}

int cmd_tail(int argc, char **argv)
{
    tail_run_t t;
    memset(&t, 0, sizeof t);
    wx_kafka_opts_init(&t.kopts);
    t.last_kind = -1;
    int status = parse_args(&t, argc, argv);
    if (status != 0)
        return status < 0 ? WX_EXIT_OK : status;
    status = WX_EXIT_FAIL;
    wx_signals_install();

    char err[512];
    const char *settings[] = {
        "group.id", "wxstream-tail", /* needed by the consumer API; never joined */
        "enable.auto.commit", "false",
        "enable.auto.offset.store", "false",
        "isolation.level", "read_committed",
        "auto.offset.reset", "earliest",
        "allow.auto.create.topics", "false",
        NULL,
    };
    rd_kafka_t *rk = NULL;
    rd_kafka_topic_partition_list_t *parts = NULL;
    long n = 0;
    rd_kafka_conf_t *conf = wx_kafka_conf(&t.kopts, settings, err, sizeof err);
    if (!conf) {
        wx_log("tail", "%s", err);
        return WX_EXIT_USAGE;
    }
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        wx_log("tail", "%s", err);
        goto done;
    }
    int np = wx_kafka_partition_count(rk, t.topic, TAIL_METADATA_MS, err, sizeof err);
    if (np < 0) {
        wx_log("tail", "%s (brokers %s)", err, t.kopts.brokers);
        goto done;
    }
    if (np == 0) {
        wx_log("tail", "topic %s does not exist (brokers %s)", t.topic, t.kopts.brokers);
        goto done;
    }
    parts = rd_kafka_topic_partition_list_new(np);
    for (int p = 0; p < np; p++)
        rd_kafka_topic_partition_list_add(parts, t.topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t aerr = rd_kafka_assign(rk, parts);
    if (aerr) {
        wx_log("tail", "assign %s: %s", t.topic, rd_kafka_err2str(aerr));
        goto done;
    }

    FILE *out = stdout;
    long empty = 0, errors = 0;
    int out_errno = 0; /* errno of the first failed write (librdkafka's threads do not touch
                          ours, but our own later calls would) */
    status = WX_EXIT_OK;
    while (!wx_stop_requested()) {
        if (t.count > 0 && n >= t.count)
            break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) {
            if (fflush(out) != 0) {
                out_errno = errno;
                break;
            }
            if (t.idle > 0 && ++empty >= t.idle)
                break;
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && errors++ < TAIL_ERRORS_SHOWN)
                wx_log("tail", "%s [%" PRId32 "]: %s", t.topic, m->partition,
                       rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (t.idle > 0 && ++empty >= t.idle)
                break;
            continue;
        }
        empty = 0;
        errno = 0;
        print_record(&t, m, out);
        rd_kafka_message_destroy(m);
        n++;
        if (ferror(out)) {
            out_errno = errno ? errno : EIO;
            break;
        }
    }
    if (!out_errno && fflush(out) != 0)
        out_errno = errno;
    /* A reader that went away (tail | head) is a normal end, as for cat. */
    if (out_errno && out_errno != EPIPE) {
        wx_log("tail", "writing stdout failed: %s", strerror(out_errno));
        status = WX_EXIT_FAIL;
    }
    if (!t.quiet)
        fprintf(stderr, "%ld records\n", n);

done:
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    return status;
}
