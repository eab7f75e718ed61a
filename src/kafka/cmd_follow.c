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
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "kafka_commands.h"
#include "dead_letter.h"
#include "decode.h"
#include "http.h"
#include "input_record.h"
#include "json_put.h"
#include "kafka_common.h"
#include "ncei.h"
#include "ncei_source.h"
#include "uscrn.h"
#include "wx_time.h"
#include "wxbuf.h"
#include "json_results.h"

#define CMD "follow"
#define FOLLOW_TXN_MAX_LINES 20000  /* readings per transaction, at most */
#define FOLLOW_LINE_MAX 4096        /* a longer "line" is a dead letter (too_long) */
#define FOLLOW_FILE_MAX (64L << 20) /* a year's file is ~14 MB */
#define FOLLOW_MAX_FILES 4096

typedef struct ffile {
    const ncei_station_t *st;
    int year;
    char name[NCEI_FILE_NAME_MAX];
    char url[2048];
    /* the committed position */
    int64_t offset;     /* bytes consumed: just after the last complete line's '\n' */
    int32_t tail_len;   /* that line's length with its '\n' (0 at the start) */
    uint64_t tail_hash; /* its FNV-1a */
    int64_t last_utc;   /* newest reading produced from this file, s (INT64_MIN: none) */
    long line_no;       /* lines consumed */
    /* after a rewrite: readings at or before floor_utc were produced from the file as it was,
     * and unreadable lines before floor_offset were dead-lettered already */
    int64_t floor_utc;  /* INT64_MIN: no rewrite */
    int64_t floor_offset;
    char etag[HTTP_VALIDATOR_MAX];
    bool missing;       /* 404 at the last poll */
    bool known;         /* has a position (read back, or set by this run) */
    bool settled;       /* an old year's file found with nothing new after its successor
                           passed January 2nd: no longer polled */
    bool partial_noted;
} ffile_t;

typedef struct follow {
    wx_kafka_opts_t kopts;
    http_opts_t hopts;
    const char *base_url, *catalog_file, *stations, *id;
    bool all, json, quiet, verbose;
    bool start_end;      /* a file without a position starts at its end */
    int year;            /* 0: the UTC clock's */
    long interval_s, polls, retries;
    char topic[512], dead_topic[512], pos_topic[512], txn_id[512];
    ncei_catalog_t cat;
    const ncei_station_t **sel;
    long n_sel;
    ffile_t *files;
    size_t n_files;
    CURL *curl;
    http_req_t req;
    rd_kafka_t *rk;
    wxbuf_t value, pos_value;
    /* stats */
    long requests, produced, dead, unchanged, retried, failed_polls, transactions;
    int64_t bytes;
    bool fatal;
} follow_t;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    while (ms > 0 && !wx_stop_requested()) {
        int64_t step = ms > 100 ? 100 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static int current_year(const follow_t *f)
{
    if (f->year)
        return f->year;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

/* ------------------------------------------------------------------ positions */

static void position_json(const ffile_t *ff, wxbuf_t *b)
{
    wxbuf_reset(b);
    wxbuf_puts(b, "{\"file\":");
    json_put_string(b, ff->name, strlen(ff->name));
    wxbuf_printf(b,
                 ",\"offset\":%" PRId64 ",\"line\":%ld,\"tail_len\":%d,\"tail_hash\":\"%016" PRIx64
                 "\",\"last_utc\":",
                 ff->offset, ff->line_no, (int)ff->tail_len, ff->tail_hash);
    if (ff->last_utc == INT64_MIN)
        wxbuf_puts(b, "null");
    else
        wxbuf_printf(b, "%" PRId64, ff->last_utc);
    if (ff->floor_utc != INT64_MIN)
        wxbuf_printf(b, ",\"floor_utc\":%" PRId64 ",\"floor_offset\":%" PRId64, ff->floor_utc,
                     ff->floor_offset);
    wxbuf_puts(b, ",\"etag\":");
    json_put_string(b, ff->etag, strlen(ff->etag));
    wxbuf_puts(b, "}");
}

static int position_parse(const char *data, size_t len, ffile_t *ff)
{
    json_error_t je;
    json_t *o = json_loadb(data, len, 0, &je);
    if (!o)
        return -1;
    int rc = -1;
    json_t *off = json_object_get(o, "offset"), *line = json_object_get(o, "line"),
           *tl = json_object_get(o, "tail_len"), *th = json_object_get(o, "tail_hash"),
           *lu = json_object_get(o, "last_utc"), *et = json_object_get(o, "etag"),
           *fu = json_object_get(o, "floor_utc"), *fo = json_object_get(o, "floor_offset");
    if (!json_is_integer(off) || !json_is_integer(tl) || !json_is_string(th))
        goto done;
    ff->offset = json_integer_value(off);
    ff->line_no = json_is_integer(line) ? (long)json_integer_value(line) : 0;
    ff->tail_len = (int32_t)json_integer_value(tl);
    ff->tail_hash = strtoull(json_string_value(th), NULL, 16);
    ff->last_utc = json_is_integer(lu) ? json_integer_value(lu) : INT64_MIN;
    ff->floor_utc = json_is_integer(fu) ? json_integer_value(fu) : INT64_MIN;
    ff->floor_offset = json_is_integer(fo) ? json_integer_value(fo) : 0;
    snprintf(ff->etag, sizeof ff->etag, "%s", json_is_string(et) ? json_string_value(et) : "");
    rc = 0;
done:
    json_decref(o);
    return rc;
}

/* Reads the committed positions (read_committed, from the start to the end of the topic) into
 * files created for them. Called after init_transactions, so nothing is pending. */
static int positions_load(follow_t *f)
{
    char err[512];
    char group[600];
    snprintf(group, sizeof group, "%s-restore", f->txn_id);
    const char *const settings[] = {"group.id", group, "enable.auto.commit", "false",
                                    "isolation.level", "read_committed",
                                    "enable.partition.eof", "true",
                                    "auto.offset.reset", "earliest", NULL};
    rd_kafka_conf_t *conf = wx_kafka_conf(&f->kopts, settings, err, sizeof err);
    if (!conf) {
        wx_log(CMD, "%s", err);
        return -1;
    }
    rd_kafka_t *c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!c) {
        wx_log(CMD, "%s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    int n_parts = wx_kafka_partition_count(c, f->pos_topic, 10000, err, sizeof err);
    if (n_parts <= 0) {
        wx_log(CMD, "positions topic %s: %s", f->pos_topic, n_parts == 0 ? "not there" : err);
        rd_kafka_destroy(c);
        return -1;
    }
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(n_parts);
    for (int p = 0; p < n_parts; p++)
        rd_kafka_topic_partition_list_add(tp, f->pos_topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(c, tp);
    rd_kafka_topic_partition_list_destroy(tp);
    int eof = 0, rc = 0;
    long n = 0;
    int64_t deadline = now_ms() + 60000;
    while (eof < n_parts) {
        if (now_ms() > deadline || wx_stop_requested()) {
            wx_log(CMD, "reading the positions in %s took too long", f->pos_topic);
            rc = -1;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 500);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof++;
        } else if (m->err) {
            wx_log(CMD, "reading positions: %s", rd_kafka_message_errstr(m));
            if (m->err != RD_KAFKA_RESP_ERR__TRANSPORT)
                rc = -1;
        } else if (m->key && m->payload) {
            char name[NCEI_FILE_NAME_MAX];
            snprintf(name, sizeof name, "%.*s", (int)m->key_len, (const char *)m->key);
            ffile_t *ff = NULL;
            for (size_t i = 0; i < f->n_files; i++)
                if (!strcmp(f->files[i].name, name))
                    ff = &f->files[i];
            if (!ff && f->n_files < FOLLOW_MAX_FILES) {
                ff = &f->files[f->n_files++];
                memset(ff, 0, sizeof *ff);
                snprintf(ff->name, sizeof ff->name, "%s", name);
                ff->floor_utc = INT64_MIN;
            }
            if (ff && position_parse(m->payload, m->len, ff) != 0)
                wx_log(CMD, "positions: unreadable record for %s (ignored)", name);
            else if (ff)
                ff->known = true;
            n++;
        }
        rd_kafka_message_destroy(m);
        if (rc)
            break;
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    if (rc == 0 && f->verbose)
        wx_log(CMD, "%ld position records read from %s", n, f->pos_topic);
    return rc;
}

/* ------------------------------------------------------------------ files */

/* The state of a station's file of `year`, created (from the start) when new. */
static ffile_t *file_get(follow_t *f, const ncei_station_t *st, int year)
{
    char name[NCEI_FILE_NAME_MAX];
    if (ncei_file_name(year, st->file_part, name, sizeof name) < 0)
        return NULL;
    ffile_t *ff = NULL;
    for (size_t i = 0; i < f->n_files; i++)
        if (!strcmp(f->files[i].name, name))
            ff = &f->files[i];
    if (!ff) {
        if (f->n_files >= FOLLOW_MAX_FILES)
            return NULL;
        ff = &f->files[f->n_files++];
        memset(ff, 0, sizeof *ff);
        snprintf(ff->name, sizeof ff->name, "%s", name);
        ff->last_utc = INT64_MIN;
        ff->floor_utc = INT64_MIN;
    }
    if (!ff->st) {
        char path[512];
        ff->st = st;
        ff->year = year;
        snprintf(path, sizeof path, "subhourly01/%d/%s", year, name);
        http_url_join(ff->url, sizeof ff->url, f->base_url, path);
    }
    return ff;
}

/* ------------------------------------------------------------------ Kafka */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    follow_t *f = opaque;
    if (m->err) {
        wx_log(CMD, "delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
               rd_kafka_err2str(m->err));
    }
    (void)f;
}

/* Handles a transaction call's error. Returns 0 to retry the call, -1 when the transaction was
 * aborted (try again later), -2 fatal. */
static int txn_trouble(follow_t *f, rd_kafka_error_t *e, const char *what)
{
    wx_log(CMD, "%s: %s", what, rd_kafka_error_string(e));
    int rc;
    if (rd_kafka_error_is_retriable(e)) {
        rc = 0;
        sleep_ms(500);
    } else if (rd_kafka_error_txn_requires_abort(e)) {
        rd_kafka_error_t *a = rd_kafka_abort_transaction(f->rk, 60000);
        if (a) {
            wx_log(CMD, "abort: %s", rd_kafka_error_string(a));
            rd_kafka_error_destroy(a);
            rc = -2;
        } else {
            rc = -1;
        }
    } else {
        rc = -2;
    }
    rd_kafka_error_destroy(e);
    if (rc == -2)
        f->fatal = true;
    return rc;
}

static int produce(follow_t *f, const char *topic, const char *key, size_t key_len,
                   int64_t ts_ms, const wxbuf_t *v)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            f->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE(v->data, v->len), RD_KAFKA_V_TIMESTAMP(ts_ms),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!err)
            return 0;
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(f->rk, 100);
            continue;
        }
        wx_log(CMD, "produce to %s: %s", topic, rd_kafka_err2str(err));
        return -1;
    }
}

/* ------------------------------------------------------------------ one file's new bytes */

/* Produces the complete lines of data[0..len) (file bytes from file_off) in transactions, with
 * the position; after a rewrite, only readings newer than the floor and dead letters past it.
 * Updates *ff only with what was committed. Returns 0, or -1 when a transaction failed (the
 * position stays; the next poll tries again). */
static int consume_bytes(follow_t *f, ffile_t *ff, const char *data, size_t len, int64_t file_off,
                         const char *etag)
{
    ffile_t next = *ff;
    size_t pos = 0;
    uscrn_line_cache_t cache;
    memset(&cache, 0, sizeof cache);
    while (pos < len && memchr(data + pos, '\n', len - pos)) {
        /* one transaction */
        rd_kafka_error_t *e = rd_kafka_begin_transaction(f->rk);
        if (e) {
            wx_log(CMD, "begin transaction: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
            f->fatal = true;
            return -1;
        }
        long lines = 0, produced = 0, dead = 0;
        size_t start = pos;
        while (pos < len && lines < FOLLOW_TXN_MAX_LINES) {
            const char *line = data + pos;
            const char *nl = memchr(line, '\n', len - pos);
            if (!nl)
                break; /* half-written last line: wait for the rest */
            size_t ll = (size_t)(nl - line);
            int64_t line_off = file_off + (int64_t)pos;
            pos += ll + 1;
            lines++;
            next.line_no++;
            next.offset = file_off + (int64_t)pos;
            next.tail_len = (int32_t)(ll + 1);
            next.tail_hash = ncei_fnv1a(line, ll + 1);
            size_t pl = ll;
            if (pl && line[pl - 1] == '\r')
                pl--;
            if (pl == 0)
                continue;
            uscrn_reading_t rd;
            char why[256];
            bool too_long = pl > FOLLOW_LINE_MAX;
            int ok = -1;
            if (!too_long)
                ok = uscrn_parse_line_cached(&cache, line, pl, &rd, why, sizeof why);
            else
                snprintf(why, sizeof why, "longer than %d bytes", FOLLOW_LINE_MAX);
            if (ok == 0) {
                if (ff->floor_utc != INT64_MIN && rd.utc <= ff->floor_utc)
                    continue;
                input_record_t meta;
                wxbuf_reset(&f->value);
                input_record_encode(&rd, DECODE_USCRN, line, pl, f->json, ff->name, &meta,
                                    &f->value);
                if (f->value.failed ||
                    produce(f, f->topic, meta.key, (size_t)meta.key_len, meta.ts_ms, &f->value))
                    goto abort;
                if (next.last_utc == INT64_MIN || rd.utc > next.last_utc)
                    next.last_utc = rd.utc;
                produced++;
            } else {
                if (line_off < ff->floor_offset)
                    continue;
                char source[NCEI_FILE_NAME_MAX + 32];
                snprintf(source, sizeof source, "%s:%ld", ff->name, next.line_no);
                dead_letter_t d;
                dead_letter_init(&d, too_long ? "too_long" : "parse", why, source);
                d.input = line;
                d.input_len = too_long ? 1024 : pl;
                d.wban = ff->st ? ff->st->wban : 0;
                wxbuf_reset(&f->value);
                json_results_dead_letter(&d, &f->value);
                char key[16] = "";
                if (d.wban)
                    json_results_wban(d.wban, key, sizeof key);
                if (f->value.failed ||
                    produce(f, f->dead_topic, d.wban ? key : NULL, d.wban ? strlen(key) : 0, 0,
                            &f->value))
                    goto abort;
                dead++;
                wx_log(CMD, "%s: dead letter (%s): %s", source, d.reason, why);
            }
        }
        if (lines == 0) {
            /* nothing complete: nothing to commit */
            rd_kafka_error_t *a = rd_kafka_abort_transaction(f->rk, 60000);
            if (a) {
                wx_log(CMD, "abort: %s", rd_kafka_error_string(a));
                rd_kafka_error_destroy(a);
                f->fatal = true;
                return -1;
            }
            break;
        }
        /* the ETag names the file as it is: keep it only when every byte of it is consumed,
         * so a 304 can never hide a line we have not read */
        snprintf(next.etag, sizeof next.etag, "%s", pos == len ? etag : "");
        position_json(&next, &f->pos_value);
        if (produce(f, f->pos_topic, next.name, strlen(next.name), 0, &f->pos_value))
            goto abort;
        for (;;) {
            rd_kafka_error_t *ce = rd_kafka_commit_transaction(f->rk, 60000);
            if (!ce)
                break;
            int t = txn_trouble(f, ce, "commit transaction");
            if (t < 0)
                return -1;
        }
        f->transactions++;
        f->produced += produced;
        f->dead += dead;
        /* committed: this is the position now */
        ff->offset = next.offset;
        ff->line_no = next.line_no;
        ff->tail_len = next.tail_len;
        ff->tail_hash = next.tail_hash;
        ff->last_utc = next.last_utc;
        memcpy(ff->etag, next.etag, sizeof ff->etag);
        ff->known = true;
        if (f->verbose)
            wx_log(CMD, "%s: %ld readings, %ld dead letters, offset %" PRId64, ff->name,
                   produced, dead, ff->offset);
        (void)start;
        continue;
    abort:;
        rd_kafka_error_t *a = rd_kafka_abort_transaction(f->rk, 60000);
        if (a) {
            wx_log(CMD, "abort: %s", rd_kafka_error_string(a));
            rd_kafka_error_destroy(a);
            f->fatal = true;
        }
        return -1;
    }
    if (pos < len && !ff->partial_noted) {
        wx_log(CMD, "%s: half-written last line (%zu bytes) left for the next poll", ff->name,
               len - pos);
        ff->partial_noted = true;
    } else if (pos >= len) {
        ff->partial_noted = false;
    }
    return 0;
}

/* A transaction holding only the file's position. 0, or -1 (the position is not committed). */
static int commit_position(follow_t *f, const ffile_t *ff)
{
    rd_kafka_error_t *e = rd_kafka_begin_transaction(f->rk);
    if (e) {
        wx_log(CMD, "begin transaction: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        f->fatal = true;
        return -1;
    }
    position_json(ff, &f->pos_value);
    if (produce(f, f->pos_topic, ff->name, strlen(ff->name), 0, &f->pos_value) != 0) {
        rd_kafka_error_t *a = rd_kafka_abort_transaction(f->rk, 60000);
        if (a) {
            rd_kafka_error_destroy(a);
            f->fatal = true;
        }
        return -1;
    }
    for (;;) {
        rd_kafka_error_t *ce = rd_kafka_commit_transaction(f->rk, 60000);
        if (!ce)
            break;
        if (txn_trouble(f, ce, "commit transaction") < 0)
            return -1;
    }
    f->transactions++;
    return 0;
}

#define START_END_PROBE 4096 /* bytes asked for to find a file's last complete line */

/* --start end, a file without a position: its end becomes the position (committed at once, so
 * a restart does not move it), found with a suffix range request for its last bytes. Returns 0
 * (position set, or the file is not there: 404), -1 to retry. */
static int start_at_end(follow_t *f, ffile_t *ff)
{
    http_req_t *req = &f->req;
    http_req_init(req, ff->url);
    req->range_last = START_END_PROBE;
    req->max_body = FOLLOW_FILE_MAX;
    f->requests++;
    char why[600];
    int rc = http_perform(f->curl, &f->hopts, req);
    f->bytes += req->bytes;
    if (rc != 0 || (req->status != 200 && req->status != 206 && req->status != 404 &&
                    req->status != 416)) {
        wx_log(CMD, "%s: %s", ff->url, http_describe(req, why, sizeof why));
        return -1;
    }
    if (req->status == 404) {
        ff->missing = true;
        return 0;
    }
    if (req->status == 416 && req->total_size > 0) {
        /* a server without suffix ranges: ask for the same bytes by offset */
        int64_t total = req->total_size;
        http_req_init(req, ff->url);
        req->range_from = total > START_END_PROBE ? total - START_END_PROBE : 0;
        req->max_body = FOLLOW_FILE_MAX;
        f->requests++;
        rc = http_perform(f->curl, &f->hopts, req);
        f->bytes += req->bytes;
        if (rc != 0 || (req->status != 200 && req->status != 206)) {
            wx_log(CMD, "%s: %s", ff->url, http_describe(req, why, sizeof why));
            return -1;
        }
    }
    const char *body = req->body.data ? req->body.data : "";
    size_t blen = req->status == 416 ? 0 : req->body.len;
    int64_t body_off = req->status == 206 ? req->cr_start : 0;
    ffile_t next = *ff;
    next.offset = 0;
    next.tail_len = 0;
    next.tail_hash = 0;
    const char *last = NULL; /* the last '\n' */
    for (size_t i = blen; i > 0; i--)
        if (body[i - 1] == '\n') {
            last = body + i - 1;
            break;
        }
    if (last) {
        const char *prev = last; /* the '\n' before it, if the probe holds it */
        while (prev > body && prev[-1] != '\n')
            prev--;
        if (prev > body || body_off == 0) {
            next.offset = body_off + (last + 1 - body);
            next.tail_len = (int32_t)(last + 1 - prev);
            next.tail_hash = ncei_fnv1a(prev, (size_t)next.tail_len);
        }
    }
    if (next.offset == 0 && body_off > 0) {
        wx_log(CMD, "%s: no complete line in the last %d bytes: starting at its start", ff->name,
               START_END_PROBE);
    }
    int64_t size = req->status == 206 ? req->total_size : (int64_t)blen;
    if (next.offset == size && size > 0)
        snprintf(next.etag, sizeof next.etag, "%s", req->etag); /* then a 304 next time */
    else
        next.etag[0] = '\0';
    if (commit_position(f, &next) != 0)
        return -1;
    *ff = next;
    ff->known = true;
    ff->missing = false;
    if (f->verbose)
        wx_log(CMD, "%s: starting at its end (byte %" PRId64 ")", ff->name, ff->offset);
    return 0;
}

/* One request for a file and what follows from its answer. Returns 0 when the answer was used
 * (or is final: 404, nothing new), -1 to retry (HTTP error, transport failure, Kafka). */
static int poll_file(follow_t *f, ffile_t *ff, bool whole)
{
    if (f->start_end && !ff->known) {
        int r = start_at_end(f, ff);
        if (r != 0 || !ff->known)
            return r;
        return 0;
    }
    http_req_t *req = &f->req;
    http_req_init(req, ff->url);
    req->max_body = FOLLOW_FILE_MAX;
    int64_t from = 0;
    if (!whole && ff->offset > 0) {
        from = ff->offset - ff->tail_len;
        req->range_from = from;
        if (ff->etag[0])
            snprintf(req->if_none_match, sizeof req->if_none_match, "%s", ff->etag);
    }
    f->requests++;
    char why[600];
    int rc = http_perform(f->curl, &f->hopts, req);
    f->bytes += req->bytes;
    if (rc != 0) {
        wx_log(CMD, "%s: %s", ff->url, http_describe(req, why, sizeof why));
        return -1;
    }
    switch (req->status) {
    case 304:
        f->unchanged++;
        return 0;
    case 404:
        if (!ff->missing && f->verbose)
            wx_log(CMD, "%s: not there (404)", ff->name);
        ff->missing = true;
        return 0;
    case 416:
        if (req->total_size >= 0 && req->total_size == ff->offset) {
            f->unchanged++;
            return 0;
        }
        wx_log(CMD, "%s: the file shrank (%" PRId64 " bytes, %" PRId64 " read): reading it whole",
               ff->name, req->total_size, ff->offset);
        return poll_file(f, ff, true);
    case 200:
    case 206:
        break;
    default:
        wx_log(CMD, "%s: HTTP %ld", ff->url, req->status);
        return -1;
    }
    if (ff->missing) {
        wx_log(CMD, "%s: there now", ff->name);
        ff->missing = false;
    }
    const char *body = req->body.data ? req->body.data : "";
    size_t blen = req->body.len;
    int64_t body_off; /* file offset of body[0] */
    if (req->status == 206) {
        if (req->cr_start != from) {
            wx_log(CMD, "%s: 206 from byte %" PRId64 ", asked for %" PRId64 ": reading it whole",
                   ff->name, req->cr_start, from);
            return poll_file(f, ff, true);
        }
        body_off = from;
    } else {
        body_off = 0;
        if (!whole && ff->offset > 0 && f->verbose)
            wx_log(CMD, "%s: the server ignored the range (200, %zu bytes)", ff->name, blen);
    }
    /* Is what we consumed still there? The stored tail must sit just before ff->offset. */
    bool same = ncei_tail_matches(body, blen, body_off, ff->offset, ff->tail_len, ff->tail_hash);
    if (!same) {
        if (req->status == 206)
            return poll_file(f, ff, true);
        wx_log(CMD, "%s: the file was rewritten (%zu bytes; %" PRId64 " read before): "
                    "producing only readings newer than the last one produced",
               ff->name, blen, ff->offset);
        /* Read the new file from its start above a floor; re-reading it after a failure is
         * harmless, since the floor, not the offset, decides what is new. */
        if (ff->last_utc != INT64_MIN &&
            (ff->floor_utc == INT64_MIN || ff->last_utc > ff->floor_utc))
            ff->floor_utc = ff->last_utc;
        if (ff->offset > ff->floor_offset)
            ff->floor_offset = ff->offset;
        ff->offset = 0;
        ff->line_no = 0;
        ff->tail_len = 0;
        ff->tail_hash = 0;
        return consume_bytes(f, ff, body, blen, 0, req->etag);
    }
    int64_t skip = ff->offset - body_off;
    if (ff->offset == body_off + (int64_t)blen && !ff->etag[0] && req->etag[0]) {
        /* nothing new, but now we know the validator: a 304 next time (kept in memory; the
         * next committed position carries it) */
        snprintf(ff->etag, sizeof ff->etag, "%s", req->etag);
        f->unchanged++;
        return 0;
    }
    return consume_bytes(f, ff, body + skip, blen - (size_t)skip, ff->offset, req->etag);
}

/* 0 when the file was polled, -1 when it could not be (given up, stopped, fatal). */
static int poll_with_retries(follow_t *f, ffile_t *ff)
{
    for (long attempt = 0;; attempt++) {
        if (poll_file(f, ff, false) == 0)
            return 0;
        if (f->fatal || wx_stop_requested())
            return -1;
        if (attempt >= f->retries) {
            f->failed_polls++;
            wx_log(CMD, "%s: giving up until the next poll (%ld attempts)", ff->name,
                   attempt + 1);
            return -1;
        }
        int64_t wait = 1000LL << (attempt < 6 ? attempt : 6);
        f->retried++;
        wx_log(CMD, "%s: retrying in %" PRId64 " s", ff->name, wait / 1000);
        sleep_ms(wait);
    }
}

/* One round over every followed file. */
static void poll_round(follow_t *f)
{
    int year = current_year(f);
    for (long i = 0; i < f->n_sel && !f->fatal && !wx_stop_requested(); i++) {
        const ncei_station_t *st = f->sel[i];
        ffile_t *cur = file_get(f, st, year);
        if (!cur) {
            wx_log(CMD, "too many files");
            f->fatal = true;
            return;
        }
        poll_with_retries(f, cur);
        if (f->fatal || wx_stop_requested())
            return;
        /* The old year's last lines arrive after midnight: poll its file too while this
         * year's file is not there or holds no reading of January 2nd yet. Asked after the new
         * file, so a follower started mid-year never reads last year. */
        wx_time_t jan2 = wx_days_from_civil(year, 1, 2) * 86400;
        bool past = cur->last_utc != INT64_MIN && cur->last_utc >= jan2;
        ffile_t *old = file_get(f, st, year - 1);
        if (!old || (past && (!old->known || old->settled)))
            continue;
        /* once the new file is past January 2nd, the old one is polled until a poll finds
         * nothing new, so lines it got while the new one raced ahead are still read */
        int64_t before = old->offset;
        if (poll_with_retries(f, old) == 0 && past && old->offset == before) {
            old->settled = true;
            if (f->verbose)
                wx_log(CMD, "%s: done (the new year's file is past January 2nd)", old->name);
        }
    }
}

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

static int setup_kafka(follow_t *f)
{
    char err[512];
    const char *const settings[] = {"transactional.id", f->txn_id, "enable.idempotence", "true",
                                    "partitioner", "murmur2_random", "linger.ms", "50",
                                    "transaction.timeout.ms", "60000", NULL};
    rd_kafka_conf_t *conf = wx_kafka_conf(&f->kopts, settings, err, sizeof err);
    if (!conf) {
        wx_log(CMD, "%s", err);
        return -1;
    }
    rd_kafka_conf_set_opaque(conf, f);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!f->rk) {
        wx_log(CMD, "%s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    static const char *const compact[] = {"cleanup.policy", "compact", NULL};
    if (wx_kafka_ensure_topic(f->rk, f->topic, 1, NULL, 15000, err, sizeof err) < 0 ||
        wx_kafka_ensure_topic(f->rk, f->dead_topic, 1, NULL, 15000, err, sizeof err) < 0 ||
        wx_kafka_ensure_topic(f->rk, f->pos_topic, 1, compact, 15000, err, sizeof err) < 0) {
        wx_log(CMD, "%s", err);
        return -1;
    }
    rd_kafka_error_t *e = rd_kafka_init_transactions(f->rk, 60000);
    if (e) {
        wx_log(CMD, "initializing transactions (transactional.id %s): %s", f->txn_id,
               rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    return positions_load(f);
}

int cmd_follow(int argc, char **argv)
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
    static follow_t fs;
    follow_t *f = &fs;
    memset(f, 0, sizeof *f);
    wx_kafka_opts_init(&f->kopts);
    f->base_url = HTTP_DEFAULT_BASE_URL;
    f->id = "default";
    f->json = true;
    f->interval_s = 300;
    f->retries = 4;
    f->hopts.timeout_s = 60;
    const char *topic = "InputData", *dead = "DeadLetter", *prefix = "";
    int c;
    long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:X:t:vqh", LONG, NULL)) != -1) {
        switch (c) {
        case O_STATIONS: f->stations = optarg; break;
        case O_ALL: f->all = true; break;
        case O_BASE: f->base_url = optarg; break;
        case O_CATALOG: f->catalog_file = optarg; break;
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
            if (c == O_INTERVAL) f->interval_s = v;
            else if (c == O_YEAR) f->year = (int)v;
            else if (c == O_POLLS) f->polls = v;
            else if (c == O_RETRIES) f->retries = v;
            else f->hopts.timeout_s = v;
            break;
        }
        case O_UA: f->hopts.user_agent = optarg; break;
        case O_ID: f->id = optarg; break;
        case 't': topic = optarg; break;
        case O_DEAD: dead = optarg; break;
        case O_PREFIX: prefix = optarg; break;
        case O_FORMAT:
            if (!strcmp(optarg, "json")) f->json = true;
            else if (!strcmp(optarg, "uscrn")) f->json = false;
            else {
                fprintf(stderr, "wxstream follow: --format json or uscrn\n");
                return WX_EXIT_USAGE;
            }
            break;
        case O_START:
            if (!strcmp(optarg, "begin")) f->start_end = false;
            else if (!strcmp(optarg, "end")) f->start_end = true;
            else {
                fprintf(stderr, "wxstream follow: --start begin or end\n");
                return WX_EXIT_USAGE;
            }
            break;
        case O_DEBUG: f->kopts.debug = true; break;
        case 'b': f->kopts.brokers = optarg; break;
        case 'X':
            if (wx_kafka_opts_add(&f->kopts, optarg) != 0)
                return WX_EXIT_USAGE;
            break;
        case 'v': f->verbose = true; break;
        case 'q': f->quiet = true; break;
        case 'h': usage(stdout); return WX_EXIT_OK;
        default: usage(stderr); return WX_EXIT_USAGE;
        }
    }
    if (optind < argc || (!f->stations && !f->all) || (f->stations && f->all)) {
        fprintf(stderr, "wxstream follow: give --stations LIST or --all (and no other argument)\n");
        usage(stderr);
        return WX_EXIT_USAGE;
    }
    f->hopts.low_speed_s = f->hopts.timeout_s / 3 > 0 ? f->hopts.timeout_s / 3 : 1;
    f->hopts.connect_timeout_s = f->hopts.timeout_s < 15 ? f->hopts.timeout_s : 15;
    snprintf(f->topic, sizeof f->topic, "%s%s", prefix, topic);
    snprintf(f->dead_topic, sizeof f->dead_topic, "%s%s", prefix, dead);
    snprintf(f->pos_topic, sizeof f->pos_topic, "%swxstream-follow-%s-positions", prefix, f->id);
    snprintf(f->txn_id, sizeof f->txn_id, "%swxstream-follow-%s", prefix, f->id);

    int rc = WX_EXIT_FAIL;
    char err[1024];
    f->files = calloc(FOLLOW_MAX_FILES, sizeof *f->files);
    if (!f->files || http_global_init(err, sizeof err) != 0 || !(f->curl = curl_easy_init())) {
        wx_log(CMD, "cannot start (out of memory or libcurl)");
        goto done;
    }
    wx_signals_install();
    if (ncei_source_catalog(f->curl, &f->hopts, f->base_url, f->catalog_file, &f->cat, err,
                            sizeof err) != 0) {
        wx_log(CMD, "%s", err);
        goto done;
    }
    f->n_sel = ncei_source_select(&f->cat, f->stations, f->all, &f->sel, err, sizeof err);
    if (f->n_sel < 0) {
        wx_log(CMD, "%s", err);
        rc = WX_EXIT_USAGE;
        goto done;
    }
    if (setup_kafka(f) != 0)
        goto done;
    if (!f->quiet)
        wx_log(CMD, "following %ld station(s) every %ld s from %s into %s", f->n_sel,
               f->interval_s, f->base_url, f->topic);
    for (long round = 1; !wx_stop_requested() && !f->fatal; round++) {
        int64_t t0 = now_ms();
        poll_round(f);
        if (f->verbose)
            wx_log(CMD, "round %ld: %ld requests, %" PRId64 " bytes, %ld readings, %ld dead "
                        "letters so far",
                   round, f->requests, f->bytes, f->produced, f->dead);
        if (f->polls && round >= f->polls)
            break;
        sleep_ms(t0 + f->interval_s * 1000 - now_ms());
    }
    rc = f->fatal ? WX_EXIT_FAIL : WX_EXIT_OK;
    if (!f->quiet)
        wx_log(CMD, "%ld requests (%ld unchanged, %ld retried, %ld given up), %" PRId64
                    " body bytes, %ld readings, %ld dead letters, %ld transactions",
               f->requests, f->unchanged, f->retried, f->failed_polls, f->bytes, f->produced,
               f->dead, f->transactions);
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
