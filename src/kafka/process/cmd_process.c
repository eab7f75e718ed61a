/* cmd_process.c: `wxstream process` (the rooms: process.h) — its options and the names they
 * give the topics and the group (proc_settings_t), then setup, the run, teardown and the
 * summary. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "kafka_commands.h"
#include "options.h"
#include "process.h"
#include "station.h"
#include "wxk_names.h"

static void usage(FILE *f)
{
    wx_config_t d;
    wx_config_default(&d);
    fprintf(f,
            "usage: wxstream process [options]\n\n"
            "Consumes readings (USCRN lines or the seed's JSON) from the input topic in a consumer\n"
            "group and publishes, exactly once (Kafka transactions, read_committed):\n"
            "  Output      hourly mean per station, once per hour, when the station's own event\n"
            "              time passes its end plus the grace period\n"
            "  MaxTemp     hottest station per UTC hour, once every station has passed it; a\n"
            "              station that reports after it was decided makes a corrected record\n"
            "              for that hour (keep the last record per hour)\n"
            "  Outliers    flagged readings, with the test that flagged them\n"
            "  DeadLetter  input that could not be used (unreadable, late, duplicate), with why\n"
            "Run several with the same --group to share the partitions; a killed or restarted\n"
            "instance resumes from its last commit (state snapshots on an internal topic).\n\n"
            "options:\n"
            "  -t, --topic TOPIC      input topic (default: InputData; e.g. Partitioned)\n"
            "  --topic-prefix P       prefix for every topic name (input, results, internal) and\n"
            "                         for the group: a separate deployment on the same cluster\n"
            "                         (default: none)\n"
            "  -G, --group GROUP      consumer group, also names the internal topics\n"
            "                         GROUP-hourly and GROUP-changelog (default: wxstream)\n"
            "  --instance-id ID       distinct per instance of a group and stable across its\n"
            "                         restarts: it names the transactional id, so a restart fences\n"
            "                         the instance it replaces (default: 0)\n"
            "  --grace SECS           how far out of order a station's readings may arrive; other\n"
            "                         stations never make a reading late (default: %d)\n"
            "  --idle-timeout SECS    a station whose input partition is caught up and that has\n"
            "                         sent nothing this long stops holding back the hottest-\n"
            "                         station step (default: 600; 0 = never)\n"
            "  --stations LIST        the stations MaxTemp waits for even before they report (WBAN\n"
            "                         numbers or catalogue names, comma-separated), until they\n"
            "                         report or --idle-timeout passes without them: no corrected\n"
            "                         MaxTemp records when station files come one after another\n"
            "                         (default: none; stations are waited for once seen)\n"
            "  --corrections HOURS    how long a decided MaxTemp hour can still be corrected by a\n"
            "                         station that reports after it (behind the latest decided\n"
            "                         hour); later ones are DeadLetter `late` (default: 8784, a\n"
            "                         leap year; 0 = none)\n"
            "  --exit-idle SECS       for scripted runs: once an input partition is caught up and\n"
            "                         quiet this long, treat its input as finished (emit every open\n"
            "                         hour; later readings for them are late), and exit as soon as\n"
            "                         all is done (default: 0 = run until SIGINT/SIGTERM)\n"
            "  --commit-interval MS   transaction length (default: 200); a caught-up run commits\n"
            "                         its results at once (live results visible in milliseconds)\n"
            "  --commit-records N     at most N records consumed per transaction: bounds what a\n"
            "                         crash makes a restart read again (default: 20000)\n"
            "  --partitions N         partitions of the input topic when it has to be created\n"
            "                         (default: 1)\n"
            "  --broker-timeout SECS  how long transactions may keep failing (broker away) before\n"
            "                         the run ends with exit status 1 (default: 120)\n"
            "  --metrics ADDR         serve Prometheus metrics at http://ADDR/metrics, ADDR =\n"
            "                         HOST:PORT; 127.0.0.1:PORT is the safe choice (this machine\n"
            "                         only); port 0 takes a free one, logged (default: off;\n"
            "                         docs/metrics.md)\n"
            "  -q, --quiet            no progress or summary on stderr\n"
            "  -v, --verbose          a line per committed transaction\n"
            "  -h, --help             this help\n\n",
            (int)d.grace_sec);
    wx_kafka_opts_help(f);
    fputc('\n', f);
    options_analytics_help(f);
    fprintf(f, "\nSIGINT/SIGTERM: the transaction in flight is committed and the group left\n"
               "cleanly. Exit status: 0 done, 1 runtime failure (broker lost, transaction\n"
               "failed: a restart resumes from the last commit), 2 usage.\n");
}

/* The results' topics, before --topic-prefix (static: a constant table). */
static const char *const RESULT_TOPICS[T_COUNT] = {"Output", "MaxTemp", "Outliers", "DeadLetter"};

enum { OPT_TOPIC_PREFIX = OPT_ANALYTICS_END + 1, OPT_INSTANCE, OPT_IDLE_TIMEOUT, OPT_EXIT_IDLE,
       OPT_COMMIT_INTERVAL, OPT_PARTITIONS, OPT_DEBUG, OPT_BROKER_TIMEOUT, OPT_COMMIT_RECORDS,
       OPT_CORRECTIONS, OPT_STATIONS, OPT_METRICS };

/* --stations: WBAN numbers (any station) or names the catalogue knows, comma-separated. */
static bool parse_stations(const char *arg, int32_t *out, int max, int *n)
{
    char item[128];
    const char *p = arg;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof item || *n == max) {
            fprintf(stderr, "wxstream process: --stations: '%s' is not a list of stations\n", arg);
            return false;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        long v;
        const station_info_t *s = station_find(item);
        if (s)
            out[(*n)++] = s->wban;
        else if (options_parse_long(item, &v) && v > 0 && v <= 99999)
            out[(*n)++] = (int32_t)v;
        else {
            fprintf(stderr, "wxstream process: --stations: '%s' is neither a WBAN number nor a "
                            "catalogued station name\n", item);
            return false;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return true;
}

/* Parses the options into p->set. Returns -1 to go on, or the exit status (help, usage). */
static int settings_parse(proc_t *p, int argc, char **argv, const char **prefix,
                          const char **input)
{
    /* static: a constant table */
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'G'},
        {"topic-prefix", required_argument, NULL, OPT_TOPIC_PREFIX},
        {"instance-id", required_argument, NULL, OPT_INSTANCE},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"corrections", required_argument, NULL, OPT_CORRECTIONS},
        {"stations", required_argument, NULL, OPT_STATIONS},
        {"exit-idle", required_argument, NULL, OPT_EXIT_IDLE},
        {"commit-interval", required_argument, NULL, OPT_COMMIT_INTERVAL},
        {"commit-records", required_argument, NULL, OPT_COMMIT_RECORDS},
        {"partitions", required_argument, NULL, OPT_PARTITIONS},
        {"broker-timeout", required_argument, NULL, OPT_BROKER_TIMEOUT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        OPTIONS_ANALYTICS,
        OPTIONS_STREAMING,
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:t:G:X:qvh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': p->set.kafka.brokers = optarg; break;
        case 't': *input = optarg; break;
        case 'G': p->set.group = optarg; break;
        case 'X':
            if (wx_kafka_opts_add(&p->set.kafka, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case 'q': p->set.quiet = true; break;
        case 'v': p->set.verbose = true; break;
        case 'h': usage(stdout); return WX_EXIT_OK;
        case OPT_TOPIC_PREFIX: *prefix = optarg; break;
        case OPT_INSTANCE: p->set.instance = optarg; break;
        case OPT_DEBUG: p->set.kafka.debug = true; break;
        case OPT_METRICS: p->set.metrics_addr = optarg; break;
        case OPT_IDLE_TIMEOUT:
            if (!options_int("process", "idle-timeout", optarg, 0, 7 * 86400,
                             &p->set.idle_timeout_s))
                return WX_EXIT_USAGE;
            break;
        case OPT_STATIONS:
            if (!parse_stations(optarg, p->set.expected, MAX_EXPECTED, &p->set.n_expected))
                return WX_EXIT_USAGE;
            break;
        case OPT_CORRECTIONS:
            if (!options_int("process", "corrections", optarg, 0, 10 * 8784, &p->set.correct_hours))
                return WX_EXIT_USAGE;
            break;
        case OPT_EXIT_IDLE:
            if (!options_int("process", "exit-idle", optarg, 0, 86400, &p->set.exit_idle_s))
                return WX_EXIT_USAGE;
            break;
        case OPT_COMMIT_RECORDS:
            if (!options_int("process", "commit-records", optarg, 1, 100000000,
                             &p->set.commit_records))
                return WX_EXIT_USAGE;
            break;
        case OPT_COMMIT_INTERVAL:
            if (!options_int("process", "commit-interval", optarg, 10, 10000,
                             &p->set.commit_interval_ms))
                return WX_EXIT_USAGE;
            break;
        case OPT_BROKER_TIMEOUT:
            if (!options_int("process", "broker-timeout", optarg, 1, 86400,
                             &p->set.broker_timeout_s))
                return WX_EXIT_USAGE;
            break;
        case OPT_PARTITIONS:
            if (!options_int("process", "partitions", optarg, 1, MAX_PARTITIONS,
                             &p->set.create_partitions))
                return WX_EXIT_USAGE;
            break;
        default: {
            int r = options_analytics(opt, optarg, &p->set.cfg);
            if (r == 1)
                break;
            if (r == 0)
                usage(stderr);
            return WX_EXIT_USAGE;
        }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wxstream process: unexpected argument '%s' (see --help)\n", argv[optind]);
        return WX_EXIT_USAGE;
    }
    char err[256];
    if (wx_config_check(&p->set.cfg, err, sizeof err) != 0) {
        fprintf(stderr, "wxstream process: %s\n", err);
        return WX_EXIT_USAGE;
    }
    return -1;
}

/* The names of the topics and of the group, from the options (p->set). The prefix names a
 * separate deployment: its group (and so its transactional ids) too, so runs side by side on
 * one cluster never join each other's group or fence each other. */
static void settings_name_topics(proc_t *p, const char *prefix, const char *input)
{
    snprintf(p->set.group_buf, sizeof p->set.group_buf, "%s%s", prefix, p->set.group);
    p->set.group = p->set.group_buf;
    snprintf(p->set.input, sizeof p->set.input, "%s%s", prefix, input);
    wxk_topic(p->set.hourly, sizeof p->set.hourly, p->set.group, WXK_HOURLY);
    wxk_topic(p->set.changelog, sizeof p->set.changelog, p->set.group, WXK_CHANGELOG);
    for (int i = 0; i < T_COUNT; i++)
        snprintf(p->set.results[i], sizeof p->set.results[i], "%s%s", prefix, RESULT_TOPICS[i]);
}

int cmd_process(int argc, char **argv)
{
    /* Static, not on this frame: the detached watchdog thread (watchdog.c) reads it until the
     * process exits. */
    static proc_t proc;
    proc_t *p = &proc;
    memset(p, 0, sizeof *p);
    wx_kafka_opts_init(&p->set.kafka);
    wx_config_default(&p->set.cfg);
    p->set.group = "wxstream";
    p->set.instance = "0";
    p->set.create_partitions = 1;
    p->set.commit_interval_ms = 200;
    p->set.commit_records = 20000;
    p->set.idle_timeout_s = 600;
    p->set.correct_hours = 8784;
    p->set.broker_timeout_s = 120;
    p->res.key = (wxbuf_t)WXBUF_INIT;
    p->res.value = (wxbuf_t)WXBUF_INIT;
    const char *prefix = "", *input = "InputData";
    int parsed = settings_parse(p, argc, argv, &prefix, &input);
    if (parsed >= 0)
        return parsed;
    settings_name_topics(p, prefix, input);

    if (p->set.metrics_addr) {
        char err[256];
        int usage_err;
        p->rep.metrics = process_metrics_start(p->set.metrics_addr, &usage_err, err, sizeof err);
        if (!p->rep.metrics) {
            fprintf(stderr, "wxstream process: --metrics: %s\n", err);
            return usage_err ? WX_EXIT_USAGE : WX_EXIT_FAIL;
        }
        wx_log(CMD, "metrics at http://%s/metrics", process_metrics_address(p->rep.metrics));
    }
    wx_signals_install();
    watchdog_start(p);
    int status = WX_EXIT_FAIL;
    if (proc_setup(p) == 0 && proc_run(p) == 0)
        status = WX_EXIT_OK;
    proc_teardown(p);
    process_metrics_stop(p->rep.metrics);
    report_summary(p);
    return status;
}
