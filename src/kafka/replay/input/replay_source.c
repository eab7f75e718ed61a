/* replay_source: reading one replay input file into pending records (see replay_source.h). */
#include "replay_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "input_record.h"
#include "json_record.h"
#include "wx_log.h"

int replay_src_open(replay_src_t *s, const replay_read_cfg_t *cfg, size_t index, const char *path,
                    const char *base, uint64_t seed)
{
    char err[512];
    s->cfg = cfg;
    s->index = index;
    s->path = path;
    s->base = base;
    s->last_read_ms = SORT_NONE;
    s->last_key_len = -1;
    s->rng = seed ^ (0x5851F42D4C957F2Dull * (index + 1));
    if (strcmp(s->path, "-")) {
        struct stat st;
        if (stat(s->path, &st) == 0 && S_ISDIR(st.st_mode)) {
            wx_log("replay", "cannot read %s: is a directory", s->path);
            return -1;
        }
    }
    if (line_reader_open(&s->lr, s->path, REPLAY_MAX_LINE, err, sizeof err) != 0) {
        wx_log("replay", "cannot read %s", err);
        return -1;
    }
    s->opened = true;
    return 0;
}

void replay_src_close(replay_src_t *s)
{
    if (s->opened)
        line_reader_close(&s->lr);
    s->opened = false;
    replay_heap_free(&s->pending);
}

static void show_raw(replay_src_t *s, const char *why)
{
    const replay_read_cfg_t *cfg = s->cfg;
    if (cfg->quiet)
        return;
    int n = atomic_fetch_add(cfg->raw_shown, 1);
    if (n < REPLAY_SHOW_MAX)
        wx_log("replay", "%s:%ld: does not decode, sent as read: %s", s->path, s->lr.line_no,
               why);
    else if (n == REPLAY_SHOW_MAX)
        wx_log("replay", "(more lines sent raw; the summary counts them)");
}

/* Reads one line into a pending record. 1 done, 0 end of file, REPLAY_SRC_ERR (read error) or
 * REPLAY_SRC_NOMEM, with err saying which. */
static int src_read_one(replay_src_t *s, char *err, size_t err_size)
{
    const replay_read_cfg_t *cfg = s->cfg;
    const char *line;
    size_t len;
    bool too_long;
    int rc = line_reader_next(&s->lr, &line, &len, &too_long, err, err_size);
    if (rc == 0) {
        s->eof = true;
        atomic_fetch_add_explicit(&s->stats->files_done, 1, memory_order_relaxed);
    }
    if (rc <= 0)
        return rc < 0 ? REPLAY_SRC_ERR : 0;
    replay_rec_t *r = replay_heap_get(&s->pending);
    if (!r) {
        snprintf(err, err_size, "out of memory");
        return REPLAY_SRC_NOMEM;
    }
    atomic_fetch_add_explicit(&s->stats->lines, 1, memory_order_relaxed);
    r->line_no = s->lr.line_no;
    r->raw = r->too_long = false;
    wxbuf_reset(&r->value);

    uscrn_reading_t rd;
    decode_form_t form = DECODE_USCRN;
    char source[JSON_RECORD_SOURCE_MAX], why[256];
    if (too_long) {
        snprintf(why, sizeof why, "longer than %d bytes (first %d sent)", REPLAY_MAX_LINE,
                 LINE_READER_KEEP);
    } else if (decode_record(line, len, &s->cache, &rd, source, sizeof source, &form, why,
                             sizeof why) ==
               0) {
        input_record_t meta;
        input_record_encode(&rd, form, line, len, cfg->format == FORMAT_JSON,
                            source[0] ? source : s->base, &meta, &r->value);
        r->ts_ms = meta.ts_ms;
        r->sort_ms = r->ts_ms;
        if (cfg->jitter_ms > 0)
            r->sort_ms += (int64_t)(replay_splitmix64(&s->rng) % (uint64_t)cfg->jitter_ms);
        memcpy(r->key, meta.key, sizeof r->key);
        r->key_len = meta.key_len;
        memcpy(s->last_key, r->key, sizeof r->key);
        s->last_key_len = r->key_len;
        s->last_ts_ms = r->ts_ms;
        s->last_read_ms = r->ts_ms;
        goto queue;
    }
    /* Undecodable: as read, with the file's last good key and time, in file order. */
    show_raw(s, why);
    r->raw = true;
    r->too_long = too_long;
    wxbuf_append(&r->value, line, len);
    r->ts_ms = s->last_ts_ms; /* 0 (= now) before the file's first good reading */
    r->sort_ms = s->last_key_len >= 0 ? s->last_ts_ms : SORT_NONE;
    memcpy(r->key, s->last_key, sizeof r->key);
    r->key_len = s->last_key_len;
queue:
    if (r->value.failed) {
        wxbuf_free(&r->value);
        free(r);
        snprintf(err, err_size, "out of memory");
        return REPLAY_SRC_NOMEM;
    }
    replay_heap_push(&s->pending, r);
    return 1;
}

/* Reads until the file's next record to send is known: the first one without --jitter; with
 * it, reads ahead until the file's event time has passed the smallest pending sort key (a
 * sorted file cannot produce anything earlier after that). */
int replay_src_fill(replay_src_t *s)
{
    char err[512];
    while (!s->eof) {
        if (s->pending.len > 0) {
            if (s->cfg->jitter_ms == 0 || s->pending.len >= REPLAY_PENDING_MAX)
                break;
            if (s->last_read_ms >= s->pending.recs[0]->sort_ms)
                break;
        }
        int rc = src_read_one(s, err, sizeof err);
        if (rc < 0) {
            wx_log("replay", "%s: %s", s->path, err);
            s->eof = true;
            return rc;
        }
    }
    return REPLAY_SRC_OK;
}
