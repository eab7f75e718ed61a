/* cmd_serve: `wxstream serve` — a live web dashboard of the results.
 *
 * One process: this thread consumes Output, MaxTemp, Outliers and DeadLetter (read_committed,
 * every partition assigned directly, no group joined, nothing committed) into a bounded
 * in-memory index (serve_index.c) and publishes each record as a live event (serve_hub.c);
 * libmicrohttpd's threads answer the page, the JSON API, the event stream and /metrics
 * (serve_http.c). Topics that do not exist yet are looked for again every few seconds, so
 * serve can start before process. Once a second a "health" event goes out.
 *
 * Records are kept as published (their bytes, checked to be JSON objects); a record that does
 * not read as its topic's kind is counted as invalid and skipped. `station` may be the WBAN as
 * a string ("03072") or a number (3072, then `wban` gives the string when present). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "kafka_commands.h"
#include "kafka_common.h"
#include "options.h"
#include "serve.h"
#include "serve_query.h"

#ifndef WX_WEB_DIR
#define WX_WEB_DIR "web"
#endif

#define SERVE_DEFAULT_LISTEN "127.0.0.1:8787"
#define SERVE_METADATA_MS 5000
#define SERVE_RESCAN_MS 2000
#define SERVE_RESCAN_ALL_MS 30000

static const char *const TOPIC_NAMES[SERVE_TOPICS] = {"Output", "MaxTemp", "Outliers",
                                                      "DeadLetter"};
static const char *const EVENT_NAMES[SERVE_TOPICS] = {"output", "maxtemp", "outlier", "dead"};

typedef struct serve_run {
    wx_kafka_opts_t kopts;
    const char *prefix, *listen, *web_dir, *lib_dir;
    char lib_default[4096];
    wx_time_t since; /* WX_TIME_MIN: from the start */
    serve_limits_t limits;
    long client_queue, max_clients, exit_after;
    bool quiet;
} serve_run_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream serve [options]\n\n"
            "A live web dashboard of the results: reads Output, MaxTemp, Outliers and DeadLetter\n"
            "(isolation.level=read_committed, every partition, no consumer group) into a bounded\n"
            "in-memory index and serves the page, a JSON API, live updates (Server-Sent Events)\n"
            "and Prometheus metrics (docs/serve.md). Prints the dashboard's address on stdout.\n\n"
            "options:\n"
            "  --listen HOST:PORT     address to serve on; PORT 0 picks a free one\n"
            "                         (default: " SERVE_DEFAULT_LISTEN ", this machine only)\n"
            "  --topic-prefix P       prefix of the four topic names (default: none)\n"
            "  --since TIME           read records whose Kafka timestamp is TIME or later:\n"
            "                         2024-01-01T00:00:00Z, or -N[smhd] before now\n"
            "                         (default: every record from the start)\n"
            "  --retention HOURS      event time kept behind the newest hour (default: 168)\n"
            "  --max-stations N       stations kept; records of more are refused (default: 1024)\n"
            "  --max-outliers N       outliers kept per station, newest (default: 1000)\n"
            "  --max-dead N           recent dead letters kept (counts are kept for all)\n"
            "                         (default: 1000)\n"
            "  --client-queue N       live events a client may fall behind before it is\n"
            "                         dropped (it reconnects and reloads) (default: 16384)\n"
            "  --max-clients N        live clients at once; more get 503 (default: 512)\n"
            "  --web-dir DIR          the page's files (default: " WX_WEB_DIR ")\n"
            "  --web-lib DIR          uPlot's dist/ folder (default: WEB-DIR/node_modules/uplot/dist,\n"
            "                         installed by scripts/install-web.sh)\n"
            "  --exit-after SECONDS   stop after SECONDS; 0 = until interrupted (default: 0)\n"
            "  -q, --quiet            no progress lines on stderr\n"
            "  -h, --help             this help\n\n");
    wx_kafka_opts_help(f);
    fprintf(f, "\nExit status: 0 stopped (signal or --exit-after), 1 the address could not be\n"
               "bound, the page's files are missing or Kafka failed; 2 usage.\n");
}

/* ------------------------------------------------------------------ records */

static wx_time_t field_time(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    wx_time_t t;
    if (json_is_string(v) && serve_parse_time(json_string_value(v), &t))
        return t;
    return WX_TIME_MIN;
}

static const char *field_str(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The station key of a record: "station" as a string, or as a number (then "wban" when it is
 * a string, else the number zero-padded). */
static bool station_of(const json_t *o, char *key, size_t size)
{
    const json_t *v = json_object_get(o, "station");
    if (json_is_string(v))
        return serve_station_key(json_string_value(v), key, size);
    if (json_is_integer(v)) {
        const char *w = field_str(o, "wban");
        if (w && serve_station_key(w, key, size))
            return true;
        char num[32];
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return serve_station_key(num, key, size);
    }
    return false;
}

static serve_part_t *part_of(serve_ctx_t *c, int topic, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].topic == topic && c->parts[i].partition == partition)
            return &c->parts[i];
    return NULL;
}

/* Reads one record into the index and out as a live event. Called without the lock. */
static void take_record(serve_ctx_t *c, int topic, const rd_kafka_message_t *m, char *scratch)
{
    json_error_t jerr;
    json_t *o = m->payload ? json_loadb(m->payload, m->len, 0, &jerr) : NULL;
    char key[SERVE_STATION_MAX], err[256];
    int rc = -1;
    wx_time_t event = WX_TIME_MIN;
    /* Accepted JSON has newlines only as whitespace: blanks keep it valid and one SSE line. */
    const char *json = m->payload;
    size_t len = m->len;
    if (o && len <= SERVE_RECORD_MAX && (memchr(json, '\n', len) || memchr(json, '\r', len))) {
        memcpy(scratch, json, len);
        for (size_t i = 0; i < len; i++)
            if (scratch[i] == '\n' || scratch[i] == '\r')
                scratch[i] = ' ';
        json = scratch;
    }
    pthread_mutex_lock(&c->lock);
    if (json_is_object(o)) {
        switch (topic) {
        case SERVE_T_OUTPUT: {
            wx_time_t t = field_time(o, "window_start");
            if (station_of(o, key, sizeof key) && t != WX_TIME_MIN) {
                rc = serve_index_put_output(c->idx, key, field_str(o, "station_name"), t, json, len,
                                            err, sizeof err);
                event = t + WX_HOUR;
            }
            break;
        }
        case SERVE_T_MAXTEMP: {
            wx_time_t t = field_time(o, "window_start");
            if (t != WX_TIME_MIN) {
                rc = serve_index_put_hottest(c->idx, t, json, len, err, sizeof err);
                event = t + WX_HOUR;
            }
            break;
        }
        case SERVE_T_OUTLIERS: {
            wx_time_t t = field_time(o, "utc_time");
            const char *reason = field_str(o, "reason");
            if (station_of(o, key, sizeof key) && t != WX_TIME_MIN && reason) {
                rc = serve_index_put_outlier(c->idx, key, t, reason, json, len, err, sizeof err);
                event = t;
            }
            break;
        }
        default:
            rc = serve_index_put_dead(c->idx, field_str(o, "reason"), json, len, err, sizeof err);
            event = field_time(o, "utc_time");
            break;
        }
    }
    serve_part_t *p = part_of(c, topic, m->partition);
    if (p) {
        p->next = m->offset + 1;
        if (event != WX_TIME_MIN && (p->newest == WX_TIME_MIN || event > p->newest))
            p->newest = event;
    }
    c->records[topic]++;
    if (rc != 0)
        c->invalid[topic]++;
    c->last_update_ms = serve_now_ms();
    pthread_mutex_unlock(&c->lock);
    if (rc == 0)
        serve_hub_publish(c->hub, EVENT_NAMES[topic], json, len);
    json_decref(o);
}

/* ------------------------------------------------------------------ assignment */

static bool all_found(serve_ctx_t *c)
{
    bool found[SERVE_TOPICS] = {false};
    for (size_t i = 0; i < c->n_parts; i++)
        found[c->parts[i].topic] = true;
    for (int t = 0; t < SERVE_TOPICS; t++)
        if (!found[t])
            return false;
    return true;
}

/* Looks for the topics (and partitions) not followed yet; assigns them all again with every
 * known partition at its position. Returns true when the assignment changed. */
static bool rescan(serve_run_t *r, serve_ctx_t *c, rd_kafka_t *rk)
{
    char err[512];
    bool changed = false;
    for (int t = 0; t < SERVE_TOPICS; t++) {
        int np = wx_kafka_partition_count(rk, c->topics[t], SERVE_METADATA_MS, err, sizeof err);
        if (np <= 0)
            continue;
        for (int32_t p = 0; p < np; p++) {
            pthread_mutex_lock(&c->lock);
            bool known = part_of(c, t, p) != NULL;
            if (!known && c->n_parts < SERVE_MAX_PARTS) {
                serve_part_t *sp = &c->parts[c->n_parts++];
                sp->topic = t;
                sp->partition = p;
                sp->next = -1;
                sp->high = -1;
                sp->low = -1;
                sp->newest = WX_TIME_MIN;
                changed = true;
            }
            pthread_mutex_unlock(&c->lock);
        }
    }
    if (!changed)
        return false;
    rd_kafka_topic_partition_list_t *all = rd_kafka_topic_partition_list_new((int)c->n_parts);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_parts; i++) {
        const serve_part_t *p = &c->parts[i];
        int64_t off = p->next >= 0 ? p->next
                      : r->since != WX_TIME_MIN ? (int64_t)r->since * 1000
                                                : RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_topic_partition_list_add(all, c->topics[p->topic], p->partition)->offset = off;
    }
    pthread_mutex_unlock(&c->lock);
    if (r->since != WX_TIME_MIN) {
        /* Offsets for times, only for partitions not read yet (their offset is a timestamp). */
        rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(all->cnt);
        for (int i = 0; i < all->cnt; i++)
            if (all->elems[i].offset >= 0 && all->elems[i].offset == (int64_t)r->since * 1000)
                rd_kafka_topic_partition_list_add(q, all->elems[i].topic, all->elems[i].partition)
                    ->offset = all->elems[i].offset;
        if (q->cnt && rd_kafka_offsets_for_times(rk, q, SERVE_METADATA_MS) == 0) {
            for (int i = 0; i < q->cnt; i++) {
                rd_kafka_topic_partition_t *a = rd_kafka_topic_partition_list_find(
                    all, q->elems[i].topic, q->elems[i].partition);
                if (a)
                    a->offset = q->elems[i].err ? RD_KAFKA_OFFSET_END : q->elems[i].offset;
            }
        }
        rd_kafka_topic_partition_list_destroy(q);
    }
    rd_kafka_resp_err_t aerr = rd_kafka_assign(rk, all);
    if (aerr && !r->quiet)
        wx_log("serve", "assign: %s", rd_kafka_err2str(aerr));
    else if (!r->quiet)
        wx_log("serve", "following %d partitions (topics %s{%s,%s,%s,%s} as they appear)",
               all->cnt, r->prefix, TOPIC_NAMES[0], TOPIC_NAMES[1], TOPIC_NAMES[2],
               TOPIC_NAMES[3]);
    rd_kafka_topic_partition_list_destroy(all);
    return true;
}

/* Positions and partition ends, for the lag (positions skip transaction markers). */
static void refresh_lag(serve_ctx_t *c, rd_kafka_t *rk)
{
    if (!c->n_parts)
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->n_parts);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_parts; i++)
        rd_kafka_topic_partition_list_add(l, c->topics[c->parts[i].topic], c->parts[i].partition);
    pthread_mutex_unlock(&c->lock);
    rd_kafka_position(rk, l);
    for (int i = 0; i < l->cnt; i++) {
        int64_t lo = -1, hi = -1;
        rd_kafka_get_watermark_offsets(rk, l->elems[i].topic, l->elems[i].partition, &lo, &hi);
        pthread_mutex_lock(&c->lock);
        for (size_t k = 0; k < c->n_parts; k++) {
            serve_part_t *p = &c->parts[k];
            if (p->partition != l->elems[i].partition || strcmp(c->topics[p->topic], l->elems[i].topic))
                continue;
            if (l->elems[i].offset >= 0 && l->elems[i].offset > p->next)
                p->next = l->elems[i].offset;
            if (hi >= 0)
                p->high = hi;
            if (lo >= 0)
                p->low = lo;
        }
        pthread_mutex_unlock(&c->lock);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* ------------------------------------------------------------------ options */

enum {
    OPT_LISTEN = 3000,
    OPT_PREFIX,
    OPT_SINCE,
    OPT_RETENTION,
    OPT_MAX_STATIONS,
    OPT_MAX_OUTLIERS,
    OPT_MAX_DEAD,
    OPT_CLIENT_QUEUE,
    OPT_MAX_CLIENTS,
    OPT_WEB_DIR,
    OPT_WEB_LIB,
    OPT_EXIT_AFTER,
    OPT_DEBUG
};

static bool parse_since(const char *s, wx_time_t *out)
{
    if (s[0] == '-' && s[1]) {
        char *end;
        long v = strtol(s + 1, &end, 10);
        long unit = !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
                  : !strcmp(end, "d") ? 86400 : 0;
        if (end == s + 1 || v < 0 || !unit || v > 100L * 365 * 86400 / unit)
            return false;
        *out = (wx_time_t)time(NULL) - (wx_time_t)v * unit;
        return true;
    }
    return serve_parse_time(s, out) && s[0] != '-';
}

static int count_opt(const char *name, const char *arg, long min, long max, long *out)
{
    if (!options_parse_long(arg, out) || *out < min || *out > max) {
        fprintf(stderr, "wxstream serve: %s: '%s' is not a number from %ld to %ld\n", name, arg,
                min, max);
        return -1;
    }
    return 0;
}

static int parse_args(serve_run_t *r, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"since", required_argument, NULL, OPT_SINCE},
        {"retention", required_argument, NULL, OPT_RETENTION},
        {"max-stations", required_argument, NULL, OPT_MAX_STATIONS},
        {"max-outliers", required_argument, NULL, OPT_MAX_OUTLIERS},
        {"max-dead", required_argument, NULL, OPT_MAX_DEAD},
        {"client-queue", required_argument, NULL, OPT_CLIENT_QUEUE},
        {"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
        {"web-dir", required_argument, NULL, OPT_WEB_DIR},
        {"web-lib", required_argument, NULL, OPT_WEB_LIB},
        {"exit-after", required_argument, NULL, OPT_EXIT_AFTER},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    long v;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:X:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': r->kopts.brokers = optarg; break;
        case 'X':
            if (wx_kafka_opts_add(&r->kopts, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case OPT_LISTEN: r->listen = optarg; break;
        case OPT_PREFIX: r->prefix = optarg; break;
        case OPT_SINCE:
            if (!parse_since(optarg, &r->since)) {
                fprintf(stderr, "wxstream serve: --since: '%s' is not a time "
                                "(2024-01-01T00:00:00Z or -N[smhd])\n", optarg);
                return WX_EXIT_USAGE;
            }
            break;
        case OPT_RETENTION:
            if (count_opt("--retention", optarg, 1, 24L * 365 * 100, &v))
                return WX_EXIT_USAGE;
            r->limits.retention = (wx_time_t)v * WX_HOUR;
            break;
        case OPT_MAX_STATIONS:
            if (count_opt("--max-stations", optarg, 1, 1000000, &v))
                return WX_EXIT_USAGE;
            r->limits.max_stations = (size_t)v;
            break;
        case OPT_MAX_OUTLIERS:
            if (count_opt("--max-outliers", optarg, 1, 10000000, &v))
                return WX_EXIT_USAGE;
            r->limits.max_outliers = (size_t)v;
            break;
        case OPT_MAX_DEAD:
            if (count_opt("--max-dead", optarg, 1, 10000000, &v))
                return WX_EXIT_USAGE;
            r->limits.max_dead = (size_t)v;
            break;
        case OPT_CLIENT_QUEUE:
            if (count_opt("--client-queue", optarg, 16, 10000000, &r->client_queue))
                return WX_EXIT_USAGE;
            break;
        case OPT_MAX_CLIENTS:
            if (count_opt("--max-clients", optarg, 1, 100000, &r->max_clients))
                return WX_EXIT_USAGE;
            break;
        case OPT_WEB_DIR: r->web_dir = optarg; break;
        case OPT_WEB_LIB: r->lib_dir = optarg; break;
        case OPT_EXIT_AFTER:
            if (count_opt("--exit-after", optarg, 0, 100L * 365 * 86400, &r->exit_after))
                return WX_EXIT_USAGE;
            break;
        case OPT_DEBUG: r->kopts.debug = true; break;
        case 'q': r->quiet = true; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return WX_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "wxstream serve: unexpected argument '%s' (see wxstream serve --help)\n",
                argv[optind]);
        return WX_EXIT_USAGE;
    }
    return 0;
}

static bool readable(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ------------------------------------------------------------------ command */

int cmd_serve(int argc, char **argv)
{
    serve_run_t r;
    memset(&r, 0, sizeof r);
    wx_kafka_opts_init(&r.kopts);
    serve_limits_default(&r.limits);
    r.prefix = "";
    r.listen = SERVE_DEFAULT_LISTEN;
    r.web_dir = WX_WEB_DIR;
    r.since = WX_TIME_MIN;
    r.client_queue = 16384;
    r.max_clients = 512;
    int status = parse_args(&r, argc, argv);
    if (status != 0)
        return status < 0 ? WX_EXIT_OK : status;
    if (!r.lib_dir) {
        snprintf(r.lib_default, sizeof r.lib_default, "%s/node_modules/uplot/dist", r.web_dir);
        r.lib_dir = r.lib_default;
    }
    if (!readable(r.web_dir, "index.html") || !readable(r.web_dir, "app.js")) {
        wx_log("serve", "the page's files are not in %s (--web-dir)", r.web_dir);
        return WX_EXIT_FAIL;
    }
    if (!readable(r.lib_dir, "uPlot.iife.min.js")) {
        wx_log("serve", "uPlot is not in %s: run scripts/install-web.sh (or give --web-lib)",
               r.lib_dir);
        return WX_EXIT_FAIL;
    }

    status = WX_EXIT_FAIL;
    wx_signals_install();
    serve_ctx_t c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.lock, NULL);
    c.web_dir = r.web_dir;
    c.lib_dir = r.lib_dir;
    c.started_ms = serve_now_ms();
    c.from_start = r.since == WX_TIME_MIN;
    for (int t = 0; t < SERVE_TOPICS; t++)
        snprintf(c.topics[t], sizeof c.topics[t], "%s%s", r.prefix, TOPIC_NAMES[t]);
    c.idx = serve_index_new(&r.limits);
    c.hub = serve_hub_new((size_t)r.client_queue, (size_t)r.max_clients);
    char *scratch = malloc(SERVE_RECORD_MAX + 1);
    rd_kafka_t *rk = NULL;
    serve_http_t *http = NULL;
    char err[512], bound[300];
    if (!c.idx || !c.hub || !scratch) {
        wx_log("serve", "out of memory");
        goto done;
    }

    const char *settings[] = {
        "group.id", "wxstream-serve", /* needed by the consumer API; never joined */
        "enable.auto.commit", "false",
        "enable.auto.offset.store", "false",
        "isolation.level", "read_committed",
        "auto.offset.reset", "earliest",
        "allow.auto.create.topics", "false",
        "fetch.wait.max.ms", "100",
        NULL,
    };
    rd_kafka_conf_t *conf = wx_kafka_conf(&r.kopts, settings, err, sizeof err);
    if (!conf) {
        wx_log("serve", "%s", err);
        status = WX_EXIT_USAGE;
        goto done;
    }
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        wx_log("serve", "%s", err);
        goto done;
    }
    http = serve_http_start(&c, r.listen, (size_t)r.max_clients, bound, sizeof bound, err,
                            sizeof err);
    if (!http) {
        wx_log("serve", "%s", err);
        goto done;
    }
    printf("%s\n", bound);
    fflush(stdout);
    if (!r.quiet)
        wx_log("serve", "dashboard at %s (brokers %s)", bound, r.kopts.brokers);

    status = WX_EXIT_OK;
    int64_t start = serve_now_ms(), last_tick = start, last_scan = 0;
    uint64_t last_total = 0;
    bool unflushed = false;
    wxbuf_t hb = WXBUF_INIT;
    while (!wx_stop_requested()) {
        int64_t now = serve_now_ms();
        if (r.exit_after > 0 && now - start >= r.exit_after * 1000)
            break;
        /* Until all four topics are there, look often; then only for new partitions. */
        if (now - last_scan >= (all_found(&c) ? SERVE_RESCAN_ALL_MS : SERVE_RESCAN_MS) &&
            c.n_parts < SERVE_MAX_PARTS) {
            rescan(&r, &c, rk);
            last_scan = serve_now_ms();
        }
        /* After a record, look for the next without waiting; when there is none, the live
         * clients are woken for what was published (serve_hub_flush). */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, unflushed ? 0 : 100);
        if (!m && unflushed) {
            serve_hub_flush(c.hub);
            unflushed = false;
        }
        if (m) {
            unflushed = true;
            if (!m->err) {
                const char *tn = rd_kafka_topic_name(m->rkt);
                for (int t = 0; t < SERVE_TOPICS; t++)
                    if (!strcmp(tn, c.topics[t])) {
                        take_record(&c, t, m, scratch);
                        break;
                    }
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && !r.quiet) {
                wx_log("serve", "%s", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
        }
        now = serve_now_ms();
        if (now - last_tick >= 1000) {
            refresh_lag(&c, rk);
            serve_hub_sweep(c.hub);
            pthread_mutex_lock(&c.lock);
            uint64_t total = 0;
            for (int t = 0; t < SERVE_TOPICS; t++)
                total += c.records[t];
            double inst = (double)(total - last_total) * 1000.0 / (double)(now - last_tick);
            c.rate = c.rate == 0 ? inst : 0.5 * c.rate + 0.5 * inst;
            last_total = total;
            wxbuf_reset(&hb);
            serve_health_json(&c, &hb);
            pthread_mutex_unlock(&c.lock);
            if (!hb.failed) {
                serve_hub_publish(c.hub, "health", hb.data, hb.len);
                unflushed = true;
            }
            last_tick = now;
        }
    }
    wxbuf_free(&hb);
    if (!r.quiet)
        wx_log("serve", "stopping");

done:
    serve_http_stop(http);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    serve_hub_destroy(c.hub);
    serve_index_destroy(c.idx);
    pthread_mutex_destroy(&c.lock);
    free(scratch);
    return status;
}
