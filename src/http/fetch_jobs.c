/* fetch_jobs: `wxstream fetch`'s transfers (fetch.h) — a job per station and year, started on
 * libcurl's multi handle within --parallel, resumed, made conditional on the kept validators,
 * retried with back-off, the name looked up in the year's index when it is not found, every
 * line of a new file checked; and the progress line. The command and its options are
 * cmd_fetch.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "uscrn.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void read_meta(const char *path, char *etag, size_t esz, char *lm, size_t lsz)
{
    etag[0] = lm[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        copy_cut(etag, esz, line);
    }
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        copy_cut(lm, lsz, line);
    }
    fclose(f);
}

static int write_meta(const char *path, const http_req_t *req)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n%s\n", req->etag, req->last_modified);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

/* Checks every line with the USCRN reader; reports bad ones. Returns the count of bad lines. */
static long check_lines(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long line_no = 0, bad = 0;
    uscrn_line_cache_t cache;
    memset(&cache, 0, sizeof cache);
    while ((n = getline(&line, &cap, f)) >= 0) {
        line_no++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        uscrn_reading_t r;
        char why[256];
        if (len == 0)
            continue;
        if (uscrn_parse_line_cached(&cache, line, len, &r, why, sizeof why) != 0) {
            if (bad < FETCH_SHOW_BAD)
                fprintf(stderr, "wxstream fetch: %s:%ld: bad line: %s\n", name, line_no, why);
            bad++;
        }
    }
    if (bad > FETCH_SHOW_BAD)
        fprintf(stderr, "wxstream fetch: %s: %ld bad lines in all\n", name, bad);
    free(line);
    fclose(f);
    return bad;
}

static int start_job(fetch_t *ft, CURLM *m, job_t *j)
{
    http_req_init(&j->req, j->url);
    struct stat st;
    j->resumed_from = -1;
    const char *mode = "wb";
    if (stat(j->path, &st) == 0) {
        /* have it: ask whether it changed */
        read_meta(j->meta, j->req.if_none_match, sizeof j->req.if_none_match,
                  j->req.if_modified_since, sizeof j->req.if_modified_since);
    } else if (stat(j->part, &st) == 0 && st.st_size > 0) {
        j->req.range_from = st.st_size;
        j->resumed_from = st.st_size;
        j->req.sink_resume = true;
        mode = "ab";
    }
    j->req.sink = fopen(j->part, mode);
    if (!j->req.sink) {
        fprintf(stderr, "wxstream fetch: %s: %s\n", j->part, strerror(errno));
        ft->failed++;
        j->state = J_DONE;
        ft->done++;
        return -1;
    }
    http_req_setup(j->h, &ft->ho, &j->req);
    curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
    curl_multi_add_handle(m, j->h);
    j->state = J_RUN;
    j->attempts++;
    return 0;
}

typedef struct find_ctx {
    const char *part;
    char found[NCEI_FILE_NAME_MAX];
} find_ctx_t;

static int find_in_index(void *ctx, const char *file_name)
{
    find_ctx_t *fc = ctx;
    int year;
    char part[NCEI_FILE_NAME_MAX];
    if (ncei_parse_file_name(file_name, &year, part, sizeof part) == 0 &&
        ncei_same_part(part, fc->part)) {
        snprintf(fc->found, sizeof fc->found, "%s", file_name);
        return 1;
    }
    return 0;
}

/* The year's index (fetched once per run): the published name of j's station, if spelled
 * differently from the name made from the catalogue. 0 and j renamed, or -1. */
static int look_up_name(fetch_t *ft, job_t *j)
{
    int k;
    for (k = 0; k < ft->n_index; k++)
        if (ft->index_year[k] == j->year)
            break;
    if (k == ft->n_index) {
        if (k >= FETCH_INDEX_YEARS)
            return -1;
        ft->n_index++;
        ft->index_year[k] = j->year;
        char url[2048], rel[64];
        snprintf(rel, sizeof rel, "subhourly01/%d/", j->year);
        http_url_join(url, sizeof url, ft->base, rel);
        http_req_t req;
        memset(&req, 0, sizeof req);
        http_req_init(&req, url);
        req.max_body = 16 << 20;
        ft->index_ok[k] = http_perform(ft->index_h, &ft->ho, &req) == 0 && req.status == 200;
        ft->index_html[k] = req.body;
        req.body = (wxbuf_t){0};
        http_req_free(&req);
    }
    if (!ft->index_ok[k] || !ft->index_html[k].data)
        return -1;
    find_ctx_t fc = {.part = j->file_part, .found = ""};
    ncei_index_each(ft->index_html[k].data, ft->index_html[k].len, j->year, find_in_index, &fc);
    if (!fc.found[0] || !strcmp(fc.found, j->name))
        return -1;
    fprintf(stderr, "wxstream fetch: %s is published as %s\n", j->name, fc.found);
    char rel[512];
    snprintf(j->name, sizeof j->name, "%s", fc.found);
    snprintf(rel, sizeof rel, "subhourly01/%d/%s", j->year, j->name);
    http_url_join(j->url, sizeof j->url, ft->base, rel);
    snprintf(j->path, sizeof j->path, "%s/%s", ft->out_dir, j->name);
    snprintf(j->part, sizeof j->part, "%s.part", j->path);
    snprintf(j->meta, sizeof j->meta, "%s/.%s.meta", ft->out_dir, j->name);
    return 0;
}

/* A transfer ended: decide what it means. */
static void finish_job(fetch_t *ft, job_t *j, CURLcode code)
{
    http_req_t *req = &j->req;
    http_req_done(j->h, req, code);
    ft->bytes += req->bytes;
    fflush(req->sink);
    long part_size = ftell(req->sink);
    fclose(req->sink);
    req->sink = NULL;
    char why[600];
    bool ok = code == CURLE_OK && !req->write_failed;
    if (ok && req->status == 304) {
        ft->unchanged++;
        unlink(j->part);
        j->state = J_DONE;
        return;
    }
    if (ok && req->status == 404 && !j->looked_up) {
        j->looked_up = true;
        unlink(j->part);
        if (look_up_name(ft, j) == 0) {
            j->attempts = 0;
            j->not_before_ms = 0;
            j->state = J_WAIT;
            return;
        }
    }
    if (ok && req->status == 404) {
        fprintf(stderr, "wxstream fetch: %s: not published (404)\n", j->name);
        ft->missing++;
        unlink(j->part);
        j->state = J_DONE;
        return;
    }
    bool complete = ok && (req->status == 200 || req->status == 206);
    if (ok && req->status == 206 && req->cr_start != j->resumed_from) {
        complete = false; /* not the bytes we asked for: start over */
        unlink(j->part);
    }
    if (ok && req->status == 416 && req->total_size >= 0 && part_size == req->total_size)
        complete = true; /* the part was the whole file already */
    else if (ok && req->status == 416)
        unlink(j->part);
    if (!complete) {
        if (j->attempts > ft->retries) {
            fprintf(stderr, "wxstream fetch: %s: %s; giving up after %d attempts (the partial "
                            "file is kept and resumed next time)\n",
                    j->name, http_describe(req, why, sizeof why), j->attempts);
            ft->failed++;
            j->state = J_DONE;
            return;
        }
        int64_t wait = 1000LL << (j->attempts < 6 ? j->attempts - 1 : 5);
        if (!ft->quiet)
            fprintf(stderr, "%swxstream fetch: %s: %s; retrying in %" PRId64 " s\n",
                    ft->progress ? "\r\033[K" : "", j->name, http_describe(req, why, sizeof why),
                    wait / 1000);
        j->not_before_ms = now_ms() + wait;
        j->state = J_WAIT;
        return;
    }
    if (rename(j->part, j->path) != 0) {
        fprintf(stderr, "wxstream fetch: %s: %s\n", j->path, strerror(errno));
        ft->failed++;
        j->state = J_DONE;
        return;
    }
    if (write_meta(j->meta, req) != 0)
        fprintf(stderr, "wxstream fetch: %s: cannot write\n", j->meta);
    if (req->status == 206)
        ft->resumed++;
    ft->downloaded++;
    ft->bad_lines += check_lines(j->path, j->name);
    j->state = J_DONE;
}

static void draw_progress(const fetch_t *ft, size_t total)
{
    const int width = 30;
    int fill = total ? (int)((double)ft->done / (double)total * width) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[width] = '\0';
    fprintf(stderr, "\r\033[K[%s] %zu/%zu files, %.1f MB", bar, ft->done, total,
            (double)ft->bytes / 1e6);
    fflush(stderr);
}

/* One job per station and year (the file's URL, paths and handle) into jobs, counted in *n_jobs
 * as they are made, so the caller frees what was made. 0, or -1 when libcurl has no handle. */
int fetch_make_jobs(const fetch_t *ft, const ncei_station_t **sel, long n_sel, int y0, int y1,
                    const char *base, job_t *jobs, size_t *n_jobs)
{
    for (long i = 0; i < n_sel; i++) {
        for (int y = y0; y <= y1; y++) {
            job_t *j = &jobs[(*n_jobs)++];
            char rel[512];
            j->year = y;
            j->file_part = sel[i]->file_part;
            ncei_file_name(y, sel[i]->file_part, j->name, sizeof j->name);
            snprintf(rel, sizeof rel, "subhourly01/%d/%s", y, j->name);
            http_url_join(j->url, sizeof j->url, base, rel);
            snprintf(j->path, sizeof j->path, "%s/%s", ft->out_dir, j->name);
            snprintf(j->part, sizeof j->part, "%s.part", j->path);
            snprintf(j->meta, sizeof j->meta, "%s/.%s.meta", ft->out_dir, j->name);
            j->state = J_WAIT;
            if (!(j->h = curl_easy_init()))
                return -1;
        }
    }
    return 0;
}

/* Runs the transfers: starts what may start (--parallel, back-off), reaps what finished, draws
 * the progress line, until every job is done. */
void fetch_run_jobs(fetch_t *ft, CURLM *m, job_t *jobs, size_t n_jobs)
{
    long running = 0;
    int64_t last_draw = 0;
    while (ft->done < n_jobs) {
        /* start what may start */
        int64_t now = now_ms();
        for (size_t i = 0; i < n_jobs && running < ft->parallel; i++) {
            if (jobs[i].state == J_WAIT && jobs[i].not_before_ms <= now) {
                if (start_job(ft, m, &jobs[i]) == 0)
                    running++;
            }
        }
        int still;
        curl_multi_perform(m, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            job_t *j = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            CURLcode code = msg->data.result;
            curl_multi_remove_handle(m, msg->easy_handle);
            running--;
            finish_job(ft, j, code);
            if (j->state == J_DONE)
                ft->done++;
        }
        if (ft->progress && now_ms() - last_draw > 200) {
            draw_progress(ft, n_jobs);
            last_draw = now_ms();
        }
        if (ft->done < n_jobs)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    if (ft->progress) {
        draw_progress(ft, n_jobs);
        fputc('\n', stderr);
    }
}
