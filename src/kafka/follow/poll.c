/* follow's poll room: the files followed and the poll / range-request cycle of each one (a
 * request, what its answer means, retries with back-off), one round over every station. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "follow.h"
#include "wx_time.h"

static int current_year(const follow_t *f)
{
    if (f->set.year)
        return f->set.year;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

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
        http_url_join(ff->url, sizeof ff->url, f->set.base_url, path);
    }
    return ff;
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
    f->stats.requests++;
    char why[600];
    int rc = http_perform(f->curl, &f->set.hopts, req);
    f->stats.bytes += req->bytes;
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
        f->stats.requests++;
        rc = http_perform(f->curl, &f->set.hopts, req);
        f->stats.bytes += req->bytes;
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
    if (follow_commit_position(f, &next) != 0)
        return -1;
    *ff = next;
    ff->known = true;
    ff->missing = false;
    if (f->set.verbose)
        wx_log(CMD, "%s: starting at its end (byte %" PRId64 ")", ff->name, ff->offset);
    return 0;
}

/* One request for a file and what follows from its answer. Returns 0 when the answer was used
 * (or is final: 404, nothing new), -1 to retry (HTTP error, transport failure, Kafka). */
static int poll_file(follow_t *f, ffile_t *ff, bool whole)
{
    if (f->set.start_end && !ff->known) {
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
    f->stats.requests++;
    char why[600];
    int rc = http_perform(f->curl, &f->set.hopts, req);
    f->stats.bytes += req->bytes;
    if (rc != 0) {
        wx_log(CMD, "%s: %s", ff->url, http_describe(req, why, sizeof why));
        return -1;
    }
    switch (req->status) {
    case 304:
        f->stats.unchanged++;
        return 0;
    case 404:
        if (!ff->missing && f->set.verbose)
            wx_log(CMD, "%s: not there (404)", ff->name);
        ff->missing = true;
        return 0;
    case 416:
        if (req->total_size >= 0 && req->total_size == ff->offset) {
            f->stats.unchanged++;
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
        if (!whole && ff->offset > 0 && f->set.verbose)
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
        return follow_consume_bytes(f, ff, body, blen, 0, req->etag);
    }
    int64_t skip = ff->offset - body_off;
    if (ff->offset == body_off + (int64_t)blen && !ff->etag[0] && req->etag[0]) {
        /* nothing new, but now we know the validator: a 304 next time (kept in memory; the
         * next committed position carries it) */
        snprintf(ff->etag, sizeof ff->etag, "%s", req->etag);
        f->stats.unchanged++;
        return 0;
    }
    return follow_consume_bytes(f, ff, body + skip, blen - (size_t)skip, ff->offset, req->etag);
}

/* 0 when the file was polled, -1 when it could not be (given up, stopped, fatal). */
static int poll_with_retries(follow_t *f, ffile_t *ff)
{
    for (long attempt = 0;; attempt++) {
        if (poll_file(f, ff, false) == 0)
            return 0;
        if (f->fatal || wx_stop_requested())
            return -1;
        if (attempt >= f->set.retries) {
            f->stats.failed_polls++;
            wx_log(CMD, "%s: giving up until the next poll (%ld attempts)", ff->name,
                   attempt + 1);
            return -1;
        }
        int64_t wait = 1000LL << (attempt < 6 ? attempt : 6);
        f->stats.retried++;
        wx_log(CMD, "%s: retrying in %" PRId64 " s", ff->name, wait / 1000);
        follow_sleep_ms(wait);
    }
}

/* One round over every followed file. */
void follow_poll_round(follow_t *f)
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
            if (f->set.verbose)
                wx_log(CMD, "%s: done (the new year's file is past January 2nd)", old->name);
        }
    }
}
