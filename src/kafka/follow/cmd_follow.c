/* cmd_follow: `wxstream follow` — the live source. Polls the current year's file of each station
 * on NOAA NCEI's site, asks only for the bytes after what it has already read (HTTP range
 * requests, conditional on the ETag), and produces each new complete reading once to InputData
 * in replay's record format (input_record.h); a line that does not read goes to DeadLetter with
 * the reason, as `process` writes it.
 *
 * Exactly once: the position in each file (byte offset after the last complete line, that
 * line's length and FNV-1a hash, the newest reading's time, the ETag) is a record of the
 * compacted topic <prefix>wxstream-follow-<id>-positions, keyed by file name, produced in the
 * SAME transaction as the readings it covers. At start, after init_transactions has fenced and
 * aborted an earlier incarnation, the positions are read back read_committed: a kill -9 at any
 * moment resumes exactly after the last committed reading.
 *
 * What the server may do, and what follow does about it:
 *   304 / 416 at our offset       nothing new
 *   206 from offset - tail_len    the tail must hash as stored (else: rewritten, see below)
 *   200 (range ignored)           the same check at offset inside the whole body, then go on
 *   file rewritten or shrunk      read it whole; produce only readings newer than the newest
 *                                 produced from it (nothing is produced twice)
 *   half-written last line        not consumed; read again at the next poll
 *   404                           the file is not there (yet): a year folder before New Year
 *   5xx, time-out, reset          retried with back-off (1, 2, 4 s... up to --retries), logged
 * At New Year the previous year's file is still polled while its station's new file is not
 * there or holds no reading of January 2nd (its last lines arrive after midnight), then until a
 * poll of it finds nothing new.
 * --start end: a file without a position starts at its current end (a suffix range request).
 *
 * One request at a time (one host), a User-Agent naming wxstream, --interval between polls. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow.h"
#include "kafka_commands.h"

/* ------------------------------------------------------------------ command line */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: wxstream follow (--stations LIST | --all) [options]\n\n"
            "The live source: polls NOAA NCEI for the current year's sub-hourly file of each\n"
            "station, reads only the bytes after what it already has (HTTP range requests,\n"
            "conditional on the ETag), and produces each new complete reading once to InputData\n"
            "in replay's format (key the WBAN, timestamp the reading's UTC time). A line that does\n"
            "not read goes to DeadLetter with the reason. Needs the internet (or a --base-url\n"
            "mirror). Exactly once across crashes: the position in each file is committed in the\n"
            "same Kafka transaction as the readings (topic <prefix>wxstream-follow-<id>-positions).\n"
            "A file followed for the first time is read from its start (see --start).\n\n"
            "options:\n"
            "  --stations LIST        stations to follow: WBANs, file names (TX_Austin_33_NW) or\n"
            "                         unique name parts, comma-separated\n"
            "  --all                  every station of the catalogue that has a WBAN\n"
            "  --base-url URL         the NCEI products folder (default:\n"
            "                         " HTTP_DEFAULT_BASE_URL ")\n"
            "  --catalog FILE         a local stations.tsv instead of <base-url>/stations.tsv\n"
            "  --interval SECS        seconds between polls of a file (default: 300; NOAA adds\n"
            "                         readings about once an hour)\n"
            "  --start WHERE          where a file without a position starts: begin (every\n"
            "                         reading of the year so far) or end (only readings added from\n"
            "                         now on; one small request per file) (default: begin)\n"
            "  --year YEAR            follow YEAR's files as the current year's (default: the UTC\n"
            "                         clock's); the year before is also polled while a station's\n"
            "                         new file is not there or holds no reading of January 2nd,\n"
            "                         then until a poll of it finds nothing new\n"
            "  --polls N              stop after N rounds (default: 0, never)\n"
            "  --retries N            retries of a failed request within a round, with back-off\n"
            "                         1, 2, 4... s (default: 4)\n"
            "  --timeout SECS         a request's time limit; a transfer stalled for a third of it\n"
            "                         fails early (default: 60)\n"
            "  --user-agent UA        (default: wxstream/VERSION (USCRN data client))\n"
            "  --id ID                names this follower's transactional id and positions topic;\n"
            "                         one running follower per id (default: default)\n"
            "  -t, --topic TOPIC      readings topic (default: InputData)\n"
            "  --dead-letter-topic T  (default: DeadLetter)\n"
            "  --topic-prefix P       put P in front of every topic name, as `process` does\n"
            "                         (default: none)\n"
            "  --format FORM          value: json (the seed's record) or uscrn (the line)\n"
            "                         (default: json)\n"
            "  -v, --verbose          log every file's progress\n"
            "  -q, --quiet            no summary at the end\n"
            "  -h, --help             this help\n\n");
    wx_kafka_opts_help(out);
    fprintf(out, "\nExit status: 0 stopped (signal or --polls); 1 the catalogue or the cluster could\n"
                 "not be had, or a fatal Kafka error; 2 usage.\n");
}

/* Reads the command line into f->set: the options over their defaults, the HTTP limits that
 * follow from --timeout, and the topic names and transactional id. Returns -1 to go on, or the
 * exit status when the command ends here (--help, a usage error). */
static int settings_parse(follow_t *f, int argc, char **argv)
{
    enum { O_STATIONS = 1000, O_ALL, O_BASE, O_CATALOG, O_INTERVAL, O_YEAR, O_POLLS, O_RETRIES,
           O_TIMEOUT, O_UA, O_ID, O_DEAD, O_PREFIX, O_FORMAT, O_START, O_DEBUG };
    static const struct option LONG[] = {
        {"stations", required_argument, NULL, O_STATIONS},
        {"all", no_argument, NULL, O_ALL},
        {"base-url", required_argument, NULL, O_BASE},
        {"catalog", required_argument, NULL, O_CATALOG},
        {"interval", required_argument, NULL, O_INTERVAL},
        {"year", required_argument, NULL, O_YEAR},
        {"polls", required_argument, NULL, O_POLLS},
        {"retries", required_argument, NULL, O_RETRIES},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"user-agent", required_argument, NULL, O_UA},
        {"id", required_argument, NULL, O_ID},
        {"topic", required_argument, NULL, 't'},
        {"dead-letter-topic", required_argument, NULL, O_DEAD},
        {"topic-prefix", required_argument, NULL, O_PREFIX},
        {"format", required_argument, NULL, O_FORMAT},
        {"start", required_argument, NULL, O_START},
        {"debug", no_argument, NULL, O_DEBUG},
        {"brokers", required_argument, NULL, 'b'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wx_kafka_opts_init(&f->set.kopts);
    f->set.base_url = HTTP_DEFAULT_BASE_URL;
    f->set.id = "default";
    f->set.json = true;
    f->set.interval_s = 300;
    f->set.retries = 4;
    f->set.hopts.timeout_s = 60;
    const char *topic = "InputData", *dead = "DeadLetter", *prefix = "";
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:X:t:vqh", LONG, NULL)) != -1) {
        switch (c) {
        case O_STATIONS: f->set.stations = optarg; break;
        case O_ALL: f->set.all = true; break;
        case O_BASE: f->set.base_url = optarg; break;
        case O_CATALOG: f->set.catalog_file = optarg; break;
        case O_INTERVAL:
        case O_YEAR:
        case O_POLLS:
        case O_RETRIES:
        case O_TIMEOUT: {
            char *end;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || *end || v < 0 || (c == O_TIMEOUT && v == 0) ||
                (c == O_YEAR && (v < 1900 || v > 9999))) {
                fprintf(stderr, "wxstream follow: bad number '%s'\n", optarg);
                return WX_EXIT_USAGE;
            }
            if (c == O_INTERVAL) f->set.interval_s = v;
            else if (c == O_YEAR) f->set.year = (int)v;
            else if (c == O_POLLS) f->set.polls = v;
            else if (c == O_RETRIES) f->set.retries = v;
            else f->set.hopts.timeout_s = v;
            break;
        }
        case O_UA: f->set.hopts.user_agent = optarg; break;
        case O_ID: f->set.id = optarg; break;
        case 't': topic = optarg; break;
        case O_DEAD: dead = optarg; break;
        case O_PREFIX: prefix = optarg; break;
        case O_FORMAT:
            if (!strcmp(optarg, "json")) f->set.json = true;
            else if (!strcmp(optarg, "uscrn")) f->set.json = false;
            else {
                fprintf(stderr, "wxstream follow: --format json or uscrn\n");
                return WX_EXIT_USAGE;
            }
            break;
        case O_START:
            if (!strcmp(optarg, "begin")) f->set.start_end = false;
            else if (!strcmp(optarg, "end")) f->set.start_end = true;
            else {
                fprintf(stderr, "wxstream follow: --start begin or end\n");
                return WX_EXIT_USAGE;
            }
            break;
        case O_DEBUG: f->set.kopts.debug = true; break;
        case 'b': f->set.kopts.brokers = optarg; break;
        case 'X':
            if (wx_kafka_opts_add(&f->set.kopts, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case 'v': f->set.verbose = true; break;
        case 'q': f->set.quiet = true; break;
        case 'h': usage(stdout); return WX_EXIT_OK;
        default: usage(stderr); return WX_EXIT_USAGE;
        }
    }
    if (optind < argc || (!f->set.stations && !f->set.all) || (f->set.stations && f->set.all)) {
        fprintf(stderr, "wxstream follow: give --stations LIST or --all (and no other argument)\n");
        usage(stderr);
        return WX_EXIT_USAGE;
    }
    f->set.hopts.low_speed_s = f->set.hopts.timeout_s / 3 > 0 ? f->set.hopts.timeout_s / 3 : 1;
    f->set.hopts.connect_timeout_s = f->set.hopts.timeout_s < 15 ? f->set.hopts.timeout_s : 15;
    snprintf(f->set.topic, sizeof f->set.topic, "%s%s", prefix, topic);
    snprintf(f->set.dead_topic, sizeof f->set.dead_topic, "%s%s", prefix, dead);
    snprintf(f->set.pos_topic, sizeof f->set.pos_topic, "%swxstream-follow-%s-positions", prefix,
             f->set.id);
    snprintf(f->set.txn_id, sizeof f->set.txn_id, "%swxstream-follow-%s", prefix, f->set.id);

    return -1;
}

int cmd_follow(int argc, char **argv)
{
    /* static, not on the stack: follow_t holds several KB (four topic names, the HTTP request
     * with its URL and error buffers), and librdkafka's delivery callback gets its address */
    static follow_t fs;
    follow_t *f = &fs;
    memset(f, 0, sizeof *f);
    int prc = settings_parse(f, argc, argv);
    if (prc >= 0)
        return prc;

    int rc = WX_EXIT_FAIL;
    char err[1024];
    f->files = calloc(FOLLOW_MAX_FILES, sizeof *f->files);
    if (!f->files || http_global_init(err, sizeof err) != 0 || !(f->curl = curl_easy_init())) {
        wx_log(CMD, "cannot start (out of memory or libcurl)");
        goto done;
    }
    wx_signals_install();
    if (ncei_source_catalog(f->curl, &f->set.hopts, f->set.base_url, f->set.catalog_file, &f->cat,
                            err, sizeof err) != 0) {
        wx_log(CMD, "%s", err);
        goto done;
    }
    f->n_sel = ncei_source_select(&f->cat, f->set.stations, f->set.all, &f->sel, err, sizeof err);
    if (f->n_sel < 0) {
        wx_log(CMD, "%s", err);
        rc = WX_EXIT_USAGE;
        goto done;
    }
    if (follow_setup_kafka(f) != 0)
        goto done;
    if (!f->set.quiet)
        wx_log(CMD, "following %ld station(s) every %ld s from %s into %s", f->n_sel,
               f->set.interval_s, f->set.base_url, f->set.topic);
    for (long round = 1; !wx_stop_requested() && !f->fatal; round++) {
        int64_t t0 = follow_now_ms();
        follow_poll_round(f);
        if (f->set.verbose)
            wx_log(CMD, "round %ld: %ld requests, %" PRId64 " bytes, %ld readings, %ld dead "
                        "letters so far",
                   round, f->stats.requests, f->stats.bytes, f->stats.produced, f->stats.dead);
        if (f->set.polls && round >= f->set.polls)
            break;
        follow_sleep_ms(t0 + f->set.interval_s * 1000 - follow_now_ms());
    }
    rc = f->fatal ? WX_EXIT_FAIL : WX_EXIT_OK;
    if (!f->set.quiet)
        wx_log(CMD, "%ld requests (%ld unchanged, %ld retried, %ld given up), %" PRId64
                    " body bytes, %ld readings, %ld dead letters, %ld transactions",
               f->stats.requests, f->stats.unchanged, f->stats.retried, f->stats.failed_polls,
               f->stats.bytes, f->stats.produced, f->stats.dead, f->stats.transactions);
done:
    if (f->rk) {
        rd_kafka_flush(f->rk, 10000);
        rd_kafka_destroy(f->rk);
    }
    http_req_free(&f->req);
    wxbuf_free(&f->value);
    wxbuf_free(&f->pos_value);
    free(f->sel);
    free(f->files);
    ncei_catalog_free(&f->cat);
    if (f->curl)
        curl_easy_cleanup(f->curl);
    return rc;
}
