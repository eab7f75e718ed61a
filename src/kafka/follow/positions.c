/* follow's positions: the record of a file's committed position (JSON, keyed by file name, in
 * the compacted positions topic) and reading the committed positions back at start. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow.h"
#include "json_put.h"

void follow_position_json(const ffile_t *ff, wxbuf_t *b)
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
int follow_positions_load(follow_t *f)
{
    char err[512];
    char group[600];
    snprintf(group, sizeof group, "%s-restore", f->set.txn_id);
    const char *const settings[] = {"group.id", group, "enable.auto.commit", "false",
                                    "isolation.level", "read_committed",
                                    "enable.partition.eof", "true",
                                    "auto.offset.reset", "earliest", NULL};
    rd_kafka_conf_t *conf = wx_kafka_conf(&f->set.kopts, settings, err, sizeof err);
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
    int n_parts = wx_kafka_partition_count(c, f->set.pos_topic, 10000, err, sizeof err);
    if (n_parts <= 0) {
        wx_log(CMD, "positions topic %s: %s", f->set.pos_topic, n_parts == 0 ? "not there" : err);
        rd_kafka_destroy(c);
        return -1;
    }
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(n_parts);
    for (int p = 0; p < n_parts; p++)
        rd_kafka_topic_partition_list_add(tp, f->set.pos_topic, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(c, tp);
    rd_kafka_topic_partition_list_destroy(tp);
    int eof = 0, rc = 0;
    long n = 0;
    int64_t deadline = follow_now_ms() + 60000;
    while (eof < n_parts) {
        if (follow_now_ms() > deadline || wx_stop_requested()) {
            wx_log(CMD, "reading the positions in %s took too long", f->set.pos_topic);
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
    if (rc == 0 && f->set.verbose)
        wx_log(CMD, "%ld position records read from %s", n, f->set.pos_topic);
    return rc;
}
