/* cmd_batch: `wxstream batch FILES...` — the analytics straight from files, no Kafka.
 *
 * Reads USCRN lines and seed JSON lines (per line), hands every good reading to the core's
 * batch driver and every bad one to DeadLetter, then writes the four record streams the
 * streaming pipeline publishes. Counts add up: lines read = readings used + dead letters. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "cli_commands.h"
#include "decode.h"
#include "json_put.h"
#include "json_record.h"
#include "json_results.h"
#include "line_reader.h"
#include "options.h"

#define BATCH_MAX_LINE 65536
#define SEQ_LINE_BITS 40 /* seq = file index << 40 | line number */
enum { OPT_SOURCE_FILE = OPT_ANALYTICS_END + 1 };

enum { OUT_OUTPUT, OUT_MAXTEMP, OUT_OUTLIERS, OUT_DEADLETTER, OUT_COUNT };
static const char *const OUT_NAMES[OUT_COUNT] = {"Output", "MaxTemp", "Outliers", "DeadLetter"};

typedef struct batch_run_ctx {
    FILE *out[OUT_COUNT]; /* all stdout when --out is not given */
    bool wrap;            /* stdout: {"topic":..,"key":..,"value":..} */
    char *const *files;
    bool file_source; /* --source-file file: a USCRN line's source is its file's name */
    long counts[OUT_COUNT];
    long dead_by_reason[DEAD_LETTER_REASON_COUNT];
    wxbuf_t value, key;
    bool write_failed;
} batch_run_ctx_t;


static void write_record(batch_run_ctx_t *c, int which)
{
    FILE *f = c->out[which];
    c->counts[which]++;
    if (c->wrap) {
        fprintf(f, "{\"topic\":\"%s\",\"key\":", OUT_NAMES[which]);
        if (c->key.len) {
            wxbuf_t k = WXBUF_INIT;
            json_put_string(&k, c->key.data, c->key.len);
            fwrite(k.data, 1, k.len, f);
            wxbuf_free(&k);
        } else {
            fputs("null", f);
        }
        fputs(",\"value\":", f);
        fwrite(c->value.data, 1, c->value.len, f);
        fputs("}\n", f);
    } else {
        fwrite(c->value.data, 1, c->value.len, f);
        fputc('\n', f);
    }
    if (c->value.failed || c->key.failed)
        c->write_failed = true;
}

static void on_hourly(void *ctx, const hourly_result_t *r)
{
    batch_run_ctx_t *c = ctx;
    wxbuf_reset(&c->value);
    wxbuf_reset(&c->key);
    json_results_hourly(r, &c->value);
    if (c->wrap) /* keys are only printed on stdout */
        json_results_hourly_key(r, &c->key);
    write_record(c, OUT_OUTPUT);
}

static void on_hottest(void *ctx, const hottest_result_t *r)
{
    batch_run_ctx_t *c = ctx;
    wxbuf_reset(&c->value);
    wxbuf_reset(&c->key);
    json_results_hottest(r, &c->value);
    if (c->wrap) /* keys are only printed on stdout */
        json_results_hottest_key(r, &c->key);
    write_record(c, OUT_MAXTEMP);
}

static void on_outlier(void *ctx, const outlier_event_t *o)
{
    batch_run_ctx_t *c = ctx;
    wxbuf_reset(&c->value);
    wxbuf_reset(&c->key);
    json_results_outlier(o, &c->value);
    if (c->wrap) /* keys are only printed on stdout */
        json_results_outlier_key(o, &c->key);
    write_record(c, OUT_OUTLIERS);
}

static void on_dead(void *ctx, const dead_letter_t *d)
{
    batch_run_ctx_t *c = ctx;
    char source[1100];
    dead_letter_t copy = *d;
    if (!copy.source) {
        unsigned long file = (unsigned long)(d->seq >> SEQ_LINE_BITS);
        unsigned long line = (unsigned long)(d->seq & ((1ull << SEQ_LINE_BITS) - 1));
        snprintf(source, sizeof source, "%s:%lu", c->files[file], line);
        copy.source = source;
    }
    int reason = dead_letter_reason_index(d->reason);
    if (reason >= 0)
        c->dead_by_reason[reason]++;
    wxbuf_reset(&c->value);
    wxbuf_reset(&c->key);
    json_results_dead_letter(&copy, &c->value);
    write_record(c, OUT_DEADLETTER);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream batch [options] FILE...\n\n"
            "Computes hourly means (Output), the hottest station per hour (MaxTemp), outliers\n"
            "(Outliers) and unusable input (DeadLetter) from USCRN sub-hourly files and/or files of\n"
            "the seed's JSON records (one per line; the form is told per line). This is the\n"
            "reference the streaming pipeline is tested against; the result does not depend on\n"
            "the order of the input lines. FILE may be - for standard input.\n\n"
            "options:\n"
            "  -o, --out DIR          write DIR/Output.jsonl, DIR/MaxTemp.jsonl, DIR/Outliers.jsonl\n"
            "                         and DIR/DeadLetter.jsonl (DIR is created). Without it, every\n"
            "                         record goes to stdout as {\"topic\":..,\"key\":..,\"value\":..}\n"
            "  --source-file FROM     the source_file of Outliers and MaxTemp: file = the JSON\n"
            "                         record's own, else the input file's name as `replay` writes\n"
            "                         it (so `batch FILES` equals `replay FILES` + `process`);\n"
            "                         record = the JSON record's own, null for a USCRN line (what\n"
            "                         `process` gives for lines sent by `replay --format uscrn`\n"
            "                         or kcat) (default: file)\n"
            "  -q, --quiet            no summary line on stderr\n"
            "  -h, --help             this help\n\n");
    options_analytics_help(f);
    fprintf(f, "\nExit status: 0 done (dead letters are results, not failures), 1 a file could\n"
               "not be read or written, 2 usage.\n");
}

static int open_outputs(batch_run_ctx_t *c, const char *dir)
{
    if (!dir) {
        for (int i = 0; i < OUT_COUNT; i++)
            c->out[i] = stdout;
        c->wrap = true;
        return 0;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "wxstream batch: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < OUT_COUNT; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.jsonl", dir, OUT_NAMES[i]);
        c->out[i] = fopen(path, "w");
        if (!c->out[i]) {
            fprintf(stderr, "wxstream batch: cannot write %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int close_outputs(batch_run_ctx_t *c, const char *dir)
{
    int rc = 0;
    for (int i = 0; i < OUT_COUNT; i++) {
        if (!c->out[i])
            continue;
        if (dir) {
            if (fclose(c->out[i]) != 0) {
                fprintf(stderr, "wxstream batch: writing %s/%s.jsonl failed: %s\n", dir,
                        OUT_NAMES[i], strerror(errno));
                rc = -1;
            }
        } else if (i == 0 && fflush(stdout) != 0) {
            fprintf(stderr, "wxstream batch: writing stdout failed: %s\n", strerror(errno));
            rc = -1;
        }
        c->out[i] = NULL;
    }
    return rc;
}

/* The name `replay` puts in "source_file" for a file (cmd_replay.c base_name). */
static const char *replay_name(const char *path)
{
    if (!strcmp(path, "-"))
        return "stdin";
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* Reads one file: good readings to the batch, bad ones straight to DeadLetter. */
static int read_file(batch_t *b, batch_run_ctx_t *c, size_t index, long *lines)
{
    const char *path = c->files[index];
    int file_source = batch_source(b, c->file_source ? replay_name(path) : NULL);
    line_reader_t lr;
    char err[512], source[1100], source_file[JSON_RECORD_SOURCE_MAX];
    if (file_source < 0) {
        fprintf(stderr, "wxstream batch: out of memory\n");
        return -1;
    }
    if (line_reader_open(&lr, path, BATCH_MAX_LINE, err, sizeof err) != 0) {
        fprintf(stderr, "wxstream batch: cannot read %s\n", err);
        return -1;
    }
    const char *line;
    size_t len;
    bool too_long;
    int rc;
    wx_sink_t sink = {c, NULL, NULL, NULL, on_dead};
    uscrn_line_cache_t cache;
    memset(&cache, 0, sizeof cache);
    while ((rc = line_reader_next(&lr, &line, &len, &too_long, err, sizeof err)) == 1) {
        uscrn_reading_t r;
        uint64_t seq = ((uint64_t)index << SEQ_LINE_BITS) | (uint64_t)lr.line_no;
        const char *reason = NULL;
        int handle;
        (*lines)++;
        if (too_long) {
            reason = "too_long";
            snprintf(err, sizeof err, "line longer than %d bytes (first %d kept)",
                     BATCH_MAX_LINE, LINE_READER_KEEP);
        } else if (decode_record(line, len, &cache, &r, source_file, sizeof source_file, NULL,
                                 err, sizeof err) != 0) {
            reason = "parse";
        } else if ((handle = source_file[0] ? batch_source(b, source_file) : file_source) < 0) {
            fprintf(stderr, "wxstream batch: %s: out of memory\n", path);
            line_reader_close(&lr);
            return -1;
        } else if (batch_add(b, &r, handle, seq, err, sizeof err) != 0) {
            if (!strcmp(err, "out of memory")) {
                fprintf(stderr, "wxstream batch: %s: out of memory\n", path);
                line_reader_close(&lr);
                return -1;
            }
            reason = "station";
        }
        if (reason) {
            dead_letter_t d;
            snprintf(source, sizeof source, "%s:%ld", path, lr.line_no);
            dead_letter_init(&d, reason, err, source);
            d.input = line;
            d.input_len = len;
            d.seq = seq;
            sink.dead(sink.ctx, &d);
        }
    }
    line_reader_close(&lr);
    if (rc < 0) {
        fprintf(stderr, "wxstream batch: %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

int cmd_batch(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"source-file", required_argument, NULL, OPT_SOURCE_FILE},
        {"help", no_argument, NULL, 'h'},
        OPTIONS_ANALYTICS,
        {NULL, 0, NULL, 0},
    };
    wx_config_t cfg;
    wx_config_default(&cfg);
    const char *dir = NULL;
    bool quiet = false, file_source = true;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            dir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_SOURCE_FILE:
            if (!strcmp(optarg, "file") || !strcmp(optarg, "record")) {
                file_source = !strcmp(optarg, "file");
                break;
            }
            fprintf(stderr, "wxstream batch: --source-file must be file or record, got \"%s\"\n",
                    optarg);
            return WX_EXIT_USAGE;
        case 'h':
            usage(stdout);
            return WX_EXIT_OK;
        default: {
            int r = options_analytics(opt, optarg, &cfg);
            if (r == 1)
                break;
            if (r == 0)
                usage(stderr);
            return WX_EXIT_USAGE;
        }
        }
    }
    char err[256];
    if (wx_config_check(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "wxstream batch: %s\n", err);
        return WX_EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "wxstream batch: no input files (see wxstream batch --help)\n");
        return WX_EXIT_USAGE;
    }
    /* Every input must be readable before anything is written. */
    for (int i = optind; i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;
        struct stat st;
        if (!f) {
            fprintf(stderr, "wxstream batch: cannot read %s: %s\n", argv[i], strerror(errno));
            return WX_EXIT_FAIL;
        }
        if (f != stdin) {
            bool dir_in = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
            fclose(f);
            if (dir_in) {
                fprintf(stderr, "wxstream batch: cannot read %s: is a directory\n", argv[i]);
                return WX_EXIT_FAIL;
            }
        }
    }

    batch_run_ctx_t c;
    memset(&c, 0, sizeof c);
    c.files = argv + optind;
    c.file_source = file_source;
    c.value = (wxbuf_t)WXBUF_INIT;
    c.key = (wxbuf_t)WXBUF_INIT;
    int status = WX_EXIT_FAIL;
    long lines = 0, used = 0;
    batch_t *b = batch_new(&cfg);
    if (!b || open_outputs(&c, dir) != 0)
        goto done;
    for (int i = 0; i < argc - optind; i++)
        if (read_file(b, &c, (size_t)i, &lines) != 0)
            goto done;
    wx_sink_t sink = {&c, on_hourly, on_outlier, on_hottest, on_dead};
    used = batch_run(b, &sink);
    if (used < 0) {
        fprintf(stderr, "wxstream batch: out of memory\n");
        goto done;
    }
    if (c.write_failed) {
        fprintf(stderr, "wxstream batch: out of memory while formatting records\n");
        goto done;
    }
    status = WX_EXIT_OK;
done:
    if (close_outputs(&c, dir) != 0)
        status = WX_EXIT_FAIL;
    if (status == WX_EXIT_OK && lines != used + c.counts[OUT_DEADLETTER]) {
        fprintf(stderr, "wxstream batch: internal error: %ld lines but %ld used + %ld dead\n",
                lines, used, c.counts[OUT_DEADLETTER]);
        status = WX_EXIT_FAIL;
    }
    if (status == WX_EXIT_OK && !quiet)
        fprintf(stderr,
                "wxstream batch: %ld lines = %ld readings used + %ld dead letters"
                " (parse %ld, too_long %ld, station %ld, duplicate %ld);"
                " Output %ld, MaxTemp %ld, Outliers %ld\n",
                lines, used, c.counts[OUT_DEADLETTER], c.dead_by_reason[0], c.dead_by_reason[1],
                c.dead_by_reason[2], c.dead_by_reason[3], c.counts[OUT_OUTPUT],
                c.counts[OUT_MAXTEMP], c.counts[OUT_OUTLIERS]);
    batch_destroy(b);
    wxbuf_free(&c.value);
    wxbuf_free(&c.key);
    return status;
}
