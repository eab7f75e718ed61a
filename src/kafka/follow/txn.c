/* follow's Kafka room: the transactional producer, and the transactions that carry a file's
 * new readings, its dead letters and its position together. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dead_letter.h"
#include "decode.h"
#include "follow.h"
#include "input_record.h"
#include "json_results.h"
#include "uscrn.h"

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
        follow_sleep_ms(500);
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

/* One complete line of a transaction (ll bytes before its '\n'): a reading
 * produced to the readings topic, or a dead letter; after a rewrite, nothing at or below the
 * floor. Returns 0, or -1 when the transaction must be aborted. */
static int consume_line(follow_t *f, const ffile_t *ff, ffile_t *next, uscrn_line_cache_t *cache,
                        const char *line, size_t ll, int64_t line_off, long *produced, long *dead)
{
    size_t pl = ll;
    if (pl && line[pl - 1] == '\r')
        pl--;
    if (pl == 0)
        return 0;
    uscrn_reading_t rd;
    char why[256];
    bool too_long = pl > FOLLOW_LINE_MAX;
    int ok = -1;
    if (!too_long)
        ok = uscrn_parse_line_cached(cache, line, pl, &rd, why, sizeof why);
    else
        snprintf(why, sizeof why, "longer than %d bytes", FOLLOW_LINE_MAX);
    if (ok == 0) {
        if (ff->floor_utc != INT64_MIN && rd.utc <= ff->floor_utc)
            return 0;
        input_record_t meta;
        wxbuf_reset(&f->value);
        input_record_encode(&rd, DECODE_USCRN, line, pl, f->set.json, ff->name, &meta,
                            &f->value);
        if (f->value.failed ||
            produce(f, f->set.topic, meta.key, (size_t)meta.key_len, meta.ts_ms, &f->value))
            return -1;
        if (next->last_utc == INT64_MIN || rd.utc > next->last_utc)
            next->last_utc = rd.utc;
        (*produced)++;
    } else {
        if (line_off < ff->floor_offset)
            return 0;
        char source[NCEI_FILE_NAME_MAX + 32];
        snprintf(source, sizeof source, "%s:%ld", ff->name, next->line_no);
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
            produce(f, f->set.dead_topic, d.wban ? key : NULL, d.wban ? strlen(key) : 0, 0,
                    &f->value))
            return -1;
        (*dead)++;
        wx_log(CMD, "%s: dead letter (%s): %s", source, d.reason, why);
    }
    return 0;
}

/* Produces the complete lines of data[0..len) (file bytes from file_off) in transactions, with
 * the position; after a rewrite, only readings newer than the floor and dead letters past it.
 * Updates *ff only with what was committed. Returns 0, or -1 when a transaction failed (the
 * position stays; the next poll tries again). */
int follow_consume_bytes(follow_t *f, ffile_t *ff, const char *data, size_t len, int64_t file_off,
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
            if (consume_line(f, ff, &next, &cache, line, ll, line_off, &produced, &dead) != 0)
                goto abort;
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
        follow_position_json(&next, &f->pos_value);
        if (produce(f, f->set.pos_topic, next.name, strlen(next.name), 0, &f->pos_value))
            goto abort;
        for (;;) {
            rd_kafka_error_t *ce = rd_kafka_commit_transaction(f->rk, 60000);
            if (!ce)
                break;
            int t = txn_trouble(f, ce, "commit transaction");
            if (t < 0)
                return -1;
        }
        f->stats.transactions++;
        f->stats.produced += produced;
        f->stats.dead += dead;
        /* committed: this is the position now */
        ff->offset = next.offset;
        ff->line_no = next.line_no;
        ff->tail_len = next.tail_len;
        ff->tail_hash = next.tail_hash;
        ff->last_utc = next.last_utc;
        memcpy(ff->etag, next.etag, sizeof ff->etag);
        ff->known = true;
        if (f->set.verbose)
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
int follow_commit_position(follow_t *f, const ffile_t *ff)
{
    rd_kafka_error_t *e = rd_kafka_begin_transaction(f->rk);
    if (e) {
        wx_log(CMD, "begin transaction: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        f->fatal = true;
        return -1;
    }
    follow_position_json(ff, &f->pos_value);
    if (produce(f, f->set.pos_topic, ff->name, strlen(ff->name), 0, &f->pos_value) != 0) {
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
    f->stats.transactions++;
    return 0;
}

int follow_setup_kafka(follow_t *f)
{
    char err[512];
    const char *const settings[] = {"transactional.id", f->set.txn_id, "enable.idempotence", "true",
                                    "partitioner", "murmur2_random", "linger.ms", "50",
                                    "transaction.timeout.ms", "60000", NULL};
    rd_kafka_conf_t *conf = wx_kafka_conf(&f->set.kopts, settings, err, sizeof err);
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
    if (wx_kafka_ensure_topic(f->rk, f->set.topic, 1, NULL, 15000, err, sizeof err) < 0 ||
        wx_kafka_ensure_topic(f->rk, f->set.dead_topic, 1, NULL, 15000, err, sizeof err) < 0 ||
        wx_kafka_ensure_topic(f->rk, f->set.pos_topic, 1, compact, 15000, err, sizeof err) < 0) {
        wx_log(CMD, "%s", err);
        return -1;
    }
    rd_kafka_error_t *e = wx_kafka_init_transactions(f->rk, 60000);
    if (e) {
        wx_log(CMD, "initializing transactions (transactional.id %s): %s", f->set.txn_id,
               rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
    }
    return follow_positions_load(f);
}
