/* cmd_replay: `wxstream replay FILE...` — produce USCRN readings (sub-hourly lines or the seed's
 * JSON records) to Kafka, keyed by station, stamped with the reading's UTC time.
 *
 * Several files go into one topic through a k-way merge by event time (each file read as a
 * stream, in its own order), so a partition sees time advance steadily, as it would live. With
 * --partition-per-file every file has its own thread, producer and partition, as the seed did.
 * A line that does not decode is still sent, as it was read, so `process` dead-letters it:
 * replay never drops input.
 *
 * Memory: per file a line reader and the records waiting to be sent (one, or with --jitter
 * those within the jitter window, at most REPLAY_PENDING_MAX). Record slots and their value
 * buffers are reused, so the hot path does no allocation of its own; librdkafka copies each
 * value into its message (RD_KAFKA_MSG_F_COPY, one allocation it would make anyway).
 *
 * This file: the options, opening the files, starting the run and its summary. Producing is in
 * replay_out.c, the counts in replay_report.c, reading and merging the files in input/ (see
 * replay.h). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka_commands.h"
#include "options.h"
#include "replay.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream replay [options] FILE...\n\n"
            "Produces USCRN sub-hourly readings to Kafka: lines of NOAA's subhourly01 files and/or\n"
            "the seed's JSON records (the form is told per line; FILE may be - for stdin).\n"
            "Key: the station's WBAN (\"03072\"); timestamp: the reading's UTC time; value: the\n"
            "seed's JSON record (\"source_file\" = the file's name) or the USCRN line.\n"
            "Several files into one topic are merged by event time (each file keeps its order).\n"
            "A line that does not decode is sent as read (key and time of the file's last good\n"
            "reading) so `process` dead-letters it; it is counted, never dropped.\n\n"
            "options:\n"
            "  -t, --topic TOPIC      topic to produce to (default: InputData, or Partitioned with\n"
            "                         --partition-per-file)\n"
            "  --topic-prefix P       put P in front of the topic name, as `process\n"
            "                         --topic-prefix` does (default: none)\n"
            "  --partitions N         partitions when the topic has to be created (default: 1;\n"
            "                         the number of files with --partition-per-file)\n"
            "  --partition-per-file   file i to partition i, one producer thread per file (the\n"
            "                         seed's partitioned topic); the topic needs a partition per\n"
            "                         file\n"
            "  --format FORM          value: json (the seed's record, with source_file) or uscrn\n"
            "                         (NOAA's fixed-width line as the file has it, as kcat would\n"
            "                         send it; not what the seed sent: no source_file, so results\n"
            "                         have source_file null; JSON input is written as a line)\n"
            "                         (default: json)\n"
            "  --speed N              N times real time, paced by event time; 0 = as fast as\n"
            "                         possible (default: 0)\n"
            "  --jitter SECS          send each reading at event time + uniform[0, SECS): out-of-\n"
            "                         order input for tests (default: 0)\n"
            "  --seed S               random seed of --jitter (default: 1)\n"
            "  --limit N              stop after N records (default: 0, no limit)\n"
            "  --flush-timeout SECS   wait at most this long at the end for delivery reports\n"
            "                         (default: 60, or message.timeout.ms + 5 s if longer)\n"
            "  --metrics ADDR         serve Prometheus metrics at http://ADDR/metrics while the\n"
            "                         run lasts, ADDR = HOST:PORT; 127.0.0.1:PORT is the safe\n"
            "                         choice (this machine only); port 0 takes a free one, logged\n"
            "                         (default: off; docs/metrics.md)\n"
            "  -q, --quiet            no summary or progress line on stderr\n"
            "  -h, --help             this help\n\n");
    wx_kafka_opts_help(f);
    fprintf(f,
            "\nProducer defaults (override with -X): enable.idempotence=true, linger.ms=10,\n"
            "batch.size=1000000, message.timeout.ms=30000, partitioner=murmur2_random (the Java\n"
            "client's key -> partition), allow.auto.create.topics=false.\n\n"
            "Every record is written at least once. A broker restart can make the idempotent\n"
            "producer bump its epoch and leave a copy written twice: the summary counts them\n"
            "(\"D written twice\"; exact when replay is the only producer of the partitions).\n\n"
            "Exit status: 0 every record delivered; 1 a delivery failed or was not confirmed, a\n"
            "file could not be read, the cluster could not be reached, or interrupted; 2 usage.\n");
}

enum {
    OPT_TOPIC_PREFIX = 2000,
    OPT_PARTITIONS,
    OPT_PER_FILE,
    OPT_FORMAT,
    OPT_SPEED,
    OPT_JITTER,
    OPT_SEED,
    OPT_LIMIT,
    OPT_FLUSH_TIMEOUT,
    OPT_DEBUG,
    OPT_METRICS,
};

/* After the options: the input files (stdin at most once; one partition each with
 * --partition-per-file) and the topic's full name. 0, or WX_EXIT_USAGE after a message. */
static int take_files_and_topic(replay_run_t *run, int argc, char **argv, const char *topic,
                                const char *prefix)
{
    if (optind >= argc) {
        fprintf(stderr, "wxstream replay: no input files (see wxstream replay --help)\n");
        return WX_EXIT_USAGE;
    }
    run->files = argv + optind;
    run->n_files = (size_t)(argc - optind);
    int stdin_count = 0;
    for (size_t i = 0; i < run->n_files; i++)
        stdin_count += !strcmp(run->files[i], "-");
    if (stdin_count > 1) {
        fprintf(stderr, "wxstream replay: standard input (-) can be given only once\n");
        return WX_EXIT_USAGE;
    }
    if (run->per_file && run->partitions && (size_t)run->partitions < run->n_files) {
        fprintf(stderr,
                "wxstream replay: --partition-per-file with %zu files needs --partitions >= %zu\n",
                run->n_files, run->n_files);
        return WX_EXIT_USAGE;
    }
    if (!topic)
        topic = run->per_file ? "Partitioned" : "InputData";
    int n = snprintf(run->topic_buf, sizeof run->topic_buf, "%s%s", prefix, topic);
    if (n <= 0 || (size_t)n >= sizeof run->topic_buf || n > 249) {
        fprintf(stderr, "wxstream replay: topic name '%s%s' is too long\n", prefix, topic);
        return WX_EXIT_USAGE;
    }
    run->topic = run->topic_buf;
    return 0;
}

static int parse_args(replay_run_t *run, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"topic-prefix", required_argument, NULL, OPT_TOPIC_PREFIX},
        {"partitions", required_argument, NULL, OPT_PARTITIONS},
        {"partition-per-file", no_argument, NULL, OPT_PER_FILE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"jitter", required_argument, NULL, OPT_JITTER},
        {"seed", required_argument, NULL, OPT_SEED},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"flush-timeout", required_argument, NULL, OPT_FLUSH_TIMEOUT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"metrics", required_argument, NULL, OPT_METRICS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *topic = NULL, *prefix = "";
    double d;
    long l;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:X:t:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            run->kopts.brokers = optarg;
            break;
        case 'X':
            if (wx_kafka_opts_add(&run->kopts, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case 't':
            topic = optarg;
            break;
        case OPT_TOPIC_PREFIX:
            prefix = optarg;
            break;
        case OPT_PARTITIONS:
            if (!options_parse_long(optarg, &l) || l < 1 || l > 100000) {
                options_bad("replay", "partitions", optarg, "a count from 1 to 100000");
                return WX_EXIT_USAGE;
            }
            run->partitions = (int)l;
            break;
        case OPT_PER_FILE:
            run->per_file = true;
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json"))
                run->format = FORMAT_JSON;
            else if (!strcmp(optarg, "uscrn"))
                run->format = FORMAT_USCRN;
            else {
                options_bad("replay", "format", optarg, "json or uscrn");
                return WX_EXIT_USAGE;
            }
            break;
        case OPT_SPEED:
            if (!options_parse_double(optarg, &d) || d < 0) {
                options_bad("replay", "speed", optarg, "a factor >= 0");
                return WX_EXIT_USAGE;
            }
            run->speed = d;
            break;
        case OPT_JITTER:
            if (!options_parse_double(optarg, &d) || d < 0 || d > 1e9) {
                options_bad("replay", "jitter", optarg, "seconds >= 0");
                return WX_EXIT_USAGE;
            }
            run->jitter_ms = (int64_t)(d * 1000.0 + 0.5);
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long u = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-') {
                options_bad("replay", "seed", optarg, "a non-negative integer");
                return WX_EXIT_USAGE;
            }
            run->seed = u;
            break;
        }
        case OPT_LIMIT:
            if (!options_parse_long(optarg, &l) || l < 0) {
                options_bad("replay", "limit", optarg, "a count >= 0");
                return WX_EXIT_USAGE;
            }
            run->limit = l;
            break;
        case OPT_FLUSH_TIMEOUT:
            if (!options_parse_double(optarg, &d) || d < 0 || d > 86400) {
                options_bad("replay", "flush-timeout", optarg, "seconds from 0 to 86400");
                return WX_EXIT_USAGE;
            }
            run->flush_timeout_ms = (int)(d * 1000.0 + 0.5);
            run->flush_timeout_given = true;
            break;
        case OPT_DEBUG:
            run->kopts.debug = true;
            break;
        case OPT_METRICS:
            run->metrics_addr = optarg;
            break;
        case 'q':
            run->quiet = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            usage(stderr);
            return WX_EXIT_USAGE;
        }
    }
    return take_files_and_topic(run, argc, argv, topic, prefix);
}

static const char *base_name(const char *path)
{
    if (!strcmp(path, "-"))
        return "stdin";
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* Opens every file, so a missing file fails before anything is sent. */
static int open_files(replay_run_t *run)
{
    for (size_t i = 0; i < run->n_files; i++)
        if (replay_src_open(&run->srcs[i], &run->read, i, run->files[i], base_name(run->files[i]),
                            run->seed) != 0)
            return -1;
    return 0;
}

/* The producer's message.timeout.ms (-X may set it), 0 when it cannot be read. */
static long message_timeout_ms(rd_kafka_t *rk)
{
    char v[64];
    size_t vs = sizeof v;
    if (rd_kafka_conf_get(rd_kafka_conf(rk), "message.timeout.ms", v, &vs) != RD_KAFKA_CONF_OK)
        return 0;
    long m = strtol(v, NULL, 10);
    return m > 0 ? m : 0;
}

/* How long to wait for the cluster at the start: the message timeout, at most 10 s. */
static int metadata_timeout_ms(rd_kafka_t *rk)
{
    long m = message_timeout_ms(rk);
    return (int)(m > 0 && m < REPLAY_METADATA_MS ? m : REPLAY_METADATA_MS);
}

/* Creates the producers and the topic, notes each partition's end, then sends: here (one
 * producer, the merge of all files) or from one thread per file, drawing the progress line
 * until they are done. false when it failed before anything was sent (*status may say usage):
 * no summary then; true when replay_finish is to report, also after a read error at the
 * start. */
static bool replay_start(replay_run_t *run, replay_src_t **src_ptrs, int *status)
{
    char err[512];
    for (size_t i = 0; i < run->n_outs; i++) {
        replay_out_t *o = &run->outs[i];
        o->run = run;
        o->partition = run->per_file ? (int32_t)i : RD_KAFKA_PARTITION_UA;
        if (run->per_file) {
            src_ptrs[i] = &run->srcs[i];
            o->merge.srcs = &src_ptrs[i];
            o->merge.n_srcs = 1;
        } else {
            for (size_t j = 0; j < run->n_files; j++)
                src_ptrs[j] = &run->srcs[j];
            o->merge.srcs = src_ptrs;
            o->merge.n_srcs = run->n_files;
        }
        for (size_t j = 0; j < o->merge.n_srcs; j++)
            o->merge.srcs[j]->stats = &o->stats;
        int rc = replay_out_new_handle(run, o, run->n_outs, err, sizeof err);
        if (rc != 0) {
            wx_log("replay", "%s", err);
            if (rc == -2)
                *status = WX_EXIT_USAGE;
            return false;
        }
    }

    /* Unless told otherwise, the end waits out the message timeout: each record then has a
     * definite outcome, delivered or failed, never "not confirmed". */
    long m = message_timeout_ms(run->outs[0].rk);
    if (!run->flush_timeout_given && m + 5000 > run->flush_timeout_ms)
        run->flush_timeout_ms = (int)(m + 5000);

    /* The topic, with the partitions this run needs. */
    int want = run->partitions ? run->partitions : run->per_file ? (int)run->n_files : 1;
    int tmo = metadata_timeout_ms(run->outs[0].rk);
    int have = wx_kafka_ensure_topic(run->outs[0].rk, run->topic, want, NULL, tmo, err,
                                     sizeof err);
    if (have < 0) {
        wx_log("replay", "%s (brokers %s)", err, run->kopts.brokers);
        return false;
    }
    if (run->per_file && (size_t)have < run->n_files) {
        wx_log("replay",
               "topic %s has %d partitions, --partition-per-file needs one per file (%zu)",
               run->topic, have, run->n_files);
        return false;
    }

    /* Each partition's end before the run, for replay_doubled_records(). */
    run->n_parts = have;
    run->start_offset = calloc((size_t)have, sizeof *run->start_offset);
    for (size_t i = 0; run->start_offset && i < run->n_outs; i++) {
        run->outs[i].part_delivered = calloc((size_t)have, sizeof(long));
        run->outs[i].part_max_offset = calloc((size_t)have, sizeof(int64_t));
        for (int p = 0; run->outs[i].part_max_offset && p < have; p++)
            run->outs[i].part_max_offset[p] = -1;
    }
    for (int p = 0; run->start_offset && p < have; p++) {
        /* A topic just created may not have its leaders yet: ask again for a while. */
        run->start_offset[p] = -1;
        for (int attempt = 0; attempt < 25 && !wx_stop_requested(); attempt++) {
            int64_t lo = -1, hi = -1;
            if (rd_kafka_query_watermark_offsets(run->outs[0].rk, run->topic, p, &lo, &hi,
                                                 tmo) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                hi >= 0) {
                run->start_offset[p] = hi;
                break;
            }
            nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
        }
    }

    run->start_ns = replay_now_ns();
    run->last_progress_ns = run->start_ns;
    for (size_t i = 0; i < run->n_files; i++) {
        int rc = replay_src_fill(&run->srcs[i]);
        if (rc != REPLAY_SRC_OK) {
            if (rc == REPLAY_SRC_NOMEM)
                atomic_store(&run->oom, true);
            return true;
        }
    }
    if (run->per_file) {
        /* All threads pace against one clock: the earliest first record of any file. */
        int64_t t0 = SORT_NONE;
        for (size_t i = 0; i < run->n_files; i++) {
            replay_src_t *s = &run->srcs[i];
            if (s->pending.len && s->pending.recs[0]->sort_ms != SORT_NONE &&
                (t0 == SORT_NONE || s->pending.recs[0]->sort_ms < t0))
                t0 = s->pending.recs[0]->sort_ms;
        }
        atomic_store(&run->t0_ms, (long long)t0);
        for (size_t i = 0; i < run->n_outs; i++) {
            int e = pthread_create(&run->outs[i].thread, NULL, replay_out_thread, &run->outs[i]);
            if (e != 0) {
                wx_log("replay", "cannot start a thread: %s", strerror(e));
                atomic_store(&run->fatal, true);
                break;
            }
            run->outs[i].started = true;
        }
        /* Progress while the threads work. */
        for (;;) {
            bool busy = false;
            for (size_t i = 0; i < run->n_outs; i++)
                busy |= run->outs[i].started && !atomic_load(&run->outs[i].done);
            if (!busy)
                break;
            nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
            replay_progress(run, false);
        }
    } else {
        replay_pump(&run->outs[0], true);
    }
    return true;
}

/* After the sending: flushes the single producer (the threads flushed their own), prints the
 * summary and the warnings, and returns the exit status. */
static int replay_finish(replay_run_t *run)
{
    int status = WX_EXIT_FAIL;
    if (!run->per_file)
        replay_flush_out(&run->outs[0]);
    replay_progress(run, true);
    replay_totals_t t = replay_totals(run);
    bool read_failed = false;
    for (size_t i = 0; i < run->n_outs; i++)
        read_failed |= run->outs[i].read_failed;
    long unconfirmed = t.sent - t.delivered - t.failed;
    double secs = (double)(replay_now_ns() - run->start_ns) / 1e9;
    bool interrupted = wx_stop_requested();
    /* Counted once every producer is done (its reports all served). */
    long doubled = run->start_offset ? replay_doubled_records(run) : -1;
    char twice[160] = "";
    if (doubled > 0)
        snprintf(twice, sizeof twice, ", %ld written twice", doubled);
    else if (doubled < 0)
        snprintf(twice, sizeof twice, ", copies written twice not counted");
    if (!run->quiet || t.failed + t.refused || interrupted || unconfirmed > 0 || doubled != 0)
        fprintf(stderr,
                "wxstream replay: %zu file%s, %ld lines: %ld records sent to %s (%ld"
                " undecodable sent raw, %ld of them too long), %ld delivered%s, %ld failed"
                " in %.1f s (%.0f records/s)%s\n",
                run->n_files, run->n_files == 1 ? "" : "s", t.lines, t.sent, run->topic, t.raw,
                t.too_long, t.delivered, twice, t.failed + t.refused, secs,
                secs > 0 ? (double)t.delivered / secs : 0.0,
                interrupted ? "; interrupted" : "");
    if (doubled > 0)
        wx_log("replay",
               "%ld records are in %s twice: a retry after the producer's epoch bump (broker "
               "restart) wrote again what the broker had already written, or another "
               "producer wrote to its partitions meanwhile (process dead-letters a second "
               "copy as `duplicate`)",
               doubled, run->topic);
    if (t.delivered == t.sent && t.failed + t.refused == 0 && !interrupted && !read_failed &&
        !atomic_load(&run->fatal) && !atomic_load(&run->oom))
        status = WX_EXIT_OK;
    if (unconfirmed > 0)
        wx_log("replay", "%ld records not confirmed by the broker", unconfirmed);
    return status;
}

/* Joins the threads, drops what the producers still hold and frees the run. */
static void replay_teardown(replay_run_t *run, replay_metrics_t *metrics, replay_src_t **src_ptrs)
{
    replay_metrics_stop(metrics); /* before the counts it reads go */
    for (size_t i = 0; run->outs && i < run->n_outs; i++) {
        if (run->outs[i].started)
            pthread_join(run->outs[i].thread, NULL);
        if (run->outs[i].rkt)
            rd_kafka_topic_destroy(run->outs[i].rkt);
        if (run->outs[i].rk) {
            /* after an interrupted or timed-out flush: drop what is left, do not wait */
            if (rd_kafka_outq_len(run->outs[i].rk) > 0)
                rd_kafka_purge(run->outs[i].rk,
                               RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_destroy(run->outs[i].rk);
        }
    }
    for (size_t i = 0; run->outs && i < run->n_outs; i++) {
        free(run->outs[i].part_delivered);
        free(run->outs[i].part_max_offset);
    }
    free(run->start_offset);
    for (size_t i = 0; run->srcs && i < run->n_files; i++)
        replay_src_close(&run->srcs[i]);
    free(run->srcs);
    free(run->outs);
    free(src_ptrs);
}

int cmd_replay(int argc, char **argv)
{
    replay_run_t run;
    memset(&run, 0, sizeof run);
    wx_kafka_opts_init(&run.kopts);
    run.seed = 1;
    run.flush_timeout_ms = 60000;
    int status = parse_args(&run, argc, argv);
    if (status != 0)
        return status < 0 ? WX_EXIT_OK : status;
    status = WX_EXIT_FAIL;
    run.progress = !run.quiet && isatty(STDERR_FILENO);
    run.read = (replay_read_cfg_t){run.format, run.jitter_ms, run.quiet, &run.raw_shown};
    atomic_init(&run.t0_ms, (long long)SORT_NONE);
    wx_signals_install();

    char err[512];
    run.srcs = calloc(run.n_files, sizeof *run.srcs);
    run.n_outs = run.per_file ? run.n_files : 1;
    run.outs = calloc(run.n_outs, sizeof *run.outs);
    replay_src_t **src_ptrs = calloc(run.n_files, sizeof *src_ptrs);
    replay_metrics_t *metrics = NULL;
    if (!run.srcs || !run.outs || !src_ptrs) {
        wx_log("replay", "out of memory");
        goto done;
    }
    if (run.metrics_addr) {
        int usage_err;
        metrics = replay_metrics_start(run.metrics_addr, run.topic, run.n_files,
                                       replay_metrics_counts, &run, &usage_err, err, sizeof err);
        if (!metrics) {
            wx_log("replay", "--metrics: %s", err);
            status = usage_err ? WX_EXIT_USAGE : WX_EXIT_FAIL;
            goto done;
        }
        wx_log("replay", "metrics at http://%s/metrics", replay_metrics_address(metrics));
    }
    if (open_files(&run) != 0)
        goto done;
    if (replay_start(&run, src_ptrs, &status))
        status = replay_finish(&run);
done:
    replay_teardown(&run, metrics, src_ptrs);
    return status;
}
