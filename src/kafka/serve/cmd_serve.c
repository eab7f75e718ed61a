/* cmd_serve: `wxstream serve` — a live web dashboard of the results.
 *
 * One process: this thread consumes Output, MaxTemp, Outliers and DeadLetter (read_committed,
 * every partition assigned directly, no group joined, nothing committed; serve_consume.c) into
 * a bounded in-memory index (serve_index.c) and publishes each record as a live event
 * (serve_hub.c); libmicrohttpd's threads answer the page, /metrics (serve_http.c), the JSON API
 * and the event stream (serve_api.c). This file holds the options, the settings and setup.
 * Topics that do not exist yet are looked for again every few seconds, so serve can start
 * before process. Once a second a "health" event goes out.
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

#include "kafka_commands.h"
#include "kafka_common.h"
#include "options.h"
#include "serve.h"
#include "serve_consume.h"
#include "serve_query.h"

#ifndef WX_WEB_DIR
#define WX_WEB_DIR "web"
#endif

#define SERVE_DEFAULT_LISTEN "127.0.0.1:8787"

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
            "  --burst-hold MS        hold a burst of results (a backlog being processed) back\n"
            "                         from live clients until it has been quiet for 0.5 s, at\n"
            "                         most MS; 0 = send every event at once (default: 2000)\n"
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
    OPT_BURST_HOLD,
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
        {"burst-hold", required_argument, NULL, OPT_BURST_HOLD},
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
            if (count_opt("--client-queue", optarg, 16, 10000000, &v))
                return WX_EXIT_USAGE;
            r->hub.capacity = (size_t)v;
            break;
        case OPT_MAX_CLIENTS:
            if (count_opt("--max-clients", optarg, 1, 100000, &v))
                return WX_EXIT_USAGE;
            r->hub.max_clients = (size_t)v;
            break;
        case OPT_BURST_HOLD:
            if (count_opt("--burst-hold", optarg, 0, 600000, &r->hub.hold_ms))
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

/* The command line over the defaults, and the page's files checked for. Returns -1 to go on,
 * or the exit status when the command ends here (--help, a usage error, no page). */
static int settings_parse(serve_run_t *r, int argc, char **argv)
{
    wx_kafka_opts_init(&r->kopts);
    serve_limits_default(&r->limits);
    r->prefix = "";
    r->listen = SERVE_DEFAULT_LISTEN;
    r->web_dir = WX_WEB_DIR;
    r->since = WX_TIME_MIN;
    serve_hub_config_default(&r->hub);
    int status = parse_args(r, argc, argv);
    if (status != 0)
        return status < 0 ? WX_EXIT_OK : status;
    if (!r->lib_dir) {
        snprintf(r->lib_default, sizeof r->lib_default, "%s/node_modules/uplot/dist", r->web_dir);
        r->lib_dir = r->lib_default;
    }
    if (!readable(r->web_dir, "index.html") || !readable(r->web_dir, "app.js")) {
        wx_log("serve", "the page's files are not in %s (--web-dir)", r->web_dir);
        return WX_EXIT_FAIL;
    }
    if (!readable(r->lib_dir, "uPlot.iife.min.js")) {
        wx_log("serve", "uPlot is not in %s: run scripts/install-web.sh (or give --web-lib)",
               r->lib_dir);
        return WX_EXIT_FAIL;
    }
    return -1;
}

/* ------------------------------------------------------------------ command */

int cmd_serve(int argc, char **argv)
{
    serve_run_t r;
    memset(&r, 0, sizeof r);
    int status = settings_parse(&r, argc, argv);
    if (status >= 0)
        return status;

    status = WX_EXIT_FAIL;
    wx_signals_install();
    serve_ctx_t c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.lock, NULL);
    c.web_dir = r.web_dir;
    c.lib_dir = r.lib_dir;
    c.started_ms = serve_now_ms();
    c.from_start = r.since == WX_TIME_MIN;
    serve_name_topics(&c, r.prefix);
    c.idx = serve_index_new(&r.limits);
    c.hub = serve_hub_new(&r.hub);
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
    http = serve_http_start(&c, r.listen, r.hub.max_clients, bound, sizeof bound, err,
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
    serve_consume_loop(&r, &c, rk, scratch);
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
