/* cmd_fetch: `wxstream fetch` — a local mirror of stations' yearly sub-hourly files from NOAA
 * NCEI, with NCEI's file names, several downloads at once (libcurl multi, bounded), a progress
 * line on a terminal, partial downloads resumed (Range on NAME.part), unchanged files skipped
 * (If-None-Match / If-Modified-Since with the validators kept in .NAME.meta), and every line of
 * a new file checked with the USCRN reader (bad lines reported, never a stop).
 *
 * Files: DIR/NAME (complete), DIR/NAME.part (in progress; resumed next time), DIR/.NAME.meta
 * (ETag and Last-Modified of the complete file, one a line). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kafka_commands.h"
#include "http.h"
#include "ncei.h"
#include "ncei_source.h"
#include "uscrn.h"

#define FETCH_SHOW_BAD 5 /* bad lines printed per file */

typedef enum { J_WAIT, J_RUN, J_DONE } job_state_t;

typedef struct job {
    int year;
    const char *file_part;
    bool looked_up; /* the year's index was searched for another spelling of the name */
    char name[NCEI_FILE_NAME_MAX];
    char url[2048];
    char path[4096], part[4200], meta[4200];
    job_state_t state;
    int attempts;
    int64_t not_before_ms;
    int64_t resumed_from;
    http_req_t req;
    CURL *h;
} job_t;

#define FETCH_INDEX_YEARS 64

typedef struct fetch {
    http_opts_t ho;
    const char *out_dir, *base;
    CURL *index_h;                       /* year indexes, fetched when a name is not found */
    int index_year[FETCH_INDEX_YEARS];
    wxbuf_t index_html[FETCH_INDEX_YEARS];
    bool index_ok[FETCH_INDEX_YEARS];
    int n_index;
    long parallel, retries;
    bool quiet, progress;
    /* tallies */
    long downloaded, unchanged, resumed, missing, failed, bad_lines;
    int64_t bytes;
    size_t done;
} fetch_t;

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

/* "2024" or "2020-2025" */
static int parse_years(const char *s, int *from, int *to)
{
    char *end;
    long a = strtol(s, &end, 10), b = a;
    if (*end == '-')
        b = strtol(end + 1, &end, 10);
    if (*end || a < 2000 || b < a || b > 9999)
        return -1;
    *from = (int)a;
    *to = (int)b;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream fetch (--stations LIST | --all) --years RANGE --out DIR [options]\n\n"
            "Downloads stations' yearly sub-hourly files from NOAA NCEI into DIR, with NCEI's names\n"
            "(CRNS0101-05-YEAR-ST_Location_Vector.txt), so that `wxstream replay DIR/*.txt` and\n"
            "`wxstream batch DIR/*.txt` work on them. Needs the internet (or a --base-url mirror).\n"
            "A partial download (NAME.part) is resumed with a range request; a file already\n"
            "there is asked for only if it changed (its ETag and Last-Modified are kept in\n"
            ".NAME.meta), so a second fetch transfers nothing. Every line of a new file is checked\n"
            "with the USCRN reader; bad lines are reported on stderr and kept.\n\n"
            "options:\n"
            "  --stations LIST   WBANs, file names (TX_Austin_33_NW) or unique name parts, comma-\n"
            "                    separated\n"
            "  --all             every station of the catalogue that has a WBAN\n"
            "  --years RANGE     a year (2025) or a range (2020-2025)\n"
            "  --out DIR         the mirror folder, created if missing\n"
            "  --base-url URL    the NCEI products folder (default:\n"
            "                    " HTTP_DEFAULT_BASE_URL ")\n"
            "  --catalog FILE    a local stations.tsv instead of <base-url>/stations.tsv\n"
            "  --parallel N      downloads at once (default: 4)\n"
            "  --retries N       retries of a failed download, with back-off 1, 2, 4... s; each\n"
            "                    resumes where the last stopped (default: 3)\n"
            "  --timeout SECS    one download's time limit (default: 600); a transfer stalled for\n"
            "                    30 s fails early\n"
            "  --user-agent UA   (default: wxstream/VERSION (USCRN data client))\n"
            "  -q, --quiet       no progress line and no summary\n"
            "  -h, --help        this help\n\n"
            "A progress line is drawn only when stderr is a terminal. When the name made from the\n"
            "catalogue is not found (404), the year folder's index is searched for the station's\n"
            "file spelled otherwise; a station-year NCEI does not publish is reported and skipped.\n\n"
            "Exit status: 0 every file is in DIR (downloaded or unchanged; 404s skipped), even with\n"
            "bad lines; 1 a download failed or the catalogue could not be had; 2 usage.\n");
}

/* What the command line asks for beyond fetch_t: the stations, the years, where from. */
typedef struct fetch_args {
    const char *stations, *base, *catalog;
    bool all;
    int y0, y1;
} fetch_args_t;

/* Reads the command line into *ft (over its defaults) and *a. Returns -1 to go on, or the exit
 * status when the command ends here (--help, a usage error). */
static int settings_parse(fetch_t *ft, fetch_args_t *a, int argc, char **argv)
{
    enum { O_STATIONS = 1000, O_ALL, O_YEARS, O_OUT, O_BASE, O_CATALOG, O_PARALLEL, O_RETRIES,
           O_TIMEOUT, O_UA };
    static const struct option LONG[] = {
        {"stations", required_argument, NULL, O_STATIONS},
        {"all", no_argument, NULL, O_ALL},
        {"years", required_argument, NULL, O_YEARS},
        {"out", required_argument, NULL, O_OUT},
        {"base-url", required_argument, NULL, O_BASE},
        {"catalog", required_argument, NULL, O_CATALOG},
        {"parallel", required_argument, NULL, O_PARALLEL},
        {"retries", required_argument, NULL, O_RETRIES},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"user-agent", required_argument, NULL, O_UA},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ft->parallel = 4;
    ft->retries = 3;
    ft->ho.timeout_s = 600;
    ft->ho.low_speed_s = 30;
    a->stations = NULL;
    a->base = HTTP_DEFAULT_BASE_URL;
    a->catalog = NULL;
    a->all = false;
    a->y0 = 0;
    a->y1 = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", LONG, NULL)) != -1) {
        switch (c) {
        case O_STATIONS: a->stations = optarg; break;
        case O_ALL: a->all = true; break;
        case O_YEARS:
            if (parse_years(optarg, &a->y0, &a->y1) != 0) {
                fprintf(stderr, "wxstream fetch: --years: '%s' is not YEAR or YEAR-YEAR\n", optarg);
                return WX_EXIT_USAGE;
            }
            break;
        case O_OUT: ft->out_dir = optarg; break;
        case O_BASE: a->base = optarg; break;
        case O_CATALOG: a->catalog = optarg; break;
        case O_PARALLEL:
        case O_RETRIES:
        case O_TIMEOUT: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || (c != O_RETRIES && v == 0) || v > 100000) {
                fprintf(stderr, "wxstream fetch: bad number '%s'\n", optarg);
                return WX_EXIT_USAGE;
            }
            if (c == O_PARALLEL) ft->parallel = v;
            else if (c == O_RETRIES) ft->retries = v;
            else {
                ft->ho.timeout_s = v;
                if (ft->ho.low_speed_s > v) ft->ho.low_speed_s = v;
            }
            break;
        }
        case O_UA: ft->ho.user_agent = optarg; break;
        case 'q': ft->quiet = true; break;
        case 'h': usage(stdout); return WX_EXIT_OK;
        default: usage(stderr); return WX_EXIT_USAGE;
        }
    }
    if (optind < argc || (!a->stations == !a->all) || a->y1 < 0 || !ft->out_dir) {
        fprintf(stderr, "wxstream fetch: give --stations LIST or --all, --years and --out\n");
        usage(stderr);
        return WX_EXIT_USAGE;
    }
    return -1;
}

/* One job per station and year (the file's URL, paths and handle) into jobs, counted in *n_jobs
 * as they are made, so the caller frees what was made. 0, or -1 when libcurl has no handle. */
static int make_jobs(const fetch_t *ft, const ncei_station_t **sel, long n_sel, int y0, int y1,
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
static void run_jobs(fetch_t *ft, CURLM *m, job_t *jobs, size_t n_jobs)
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

int cmd_fetch(int argc, char **argv)
{
    fetch_t ft;
    memset(&ft, 0, sizeof ft);
    fetch_args_t a;
    int prc = settings_parse(&ft, &a, argc, argv);
    if (prc >= 0)
        return prc;
    ft.progress = !ft.quiet && isatty(STDERR_FILENO);
    ft.base = a.base;
    char err[1024];
    int rc = WX_EXIT_FAIL;
    ncei_catalog_t cat = {0};
    const ncei_station_t **sel = NULL;
    job_t *jobs = NULL;
    size_t n_jobs = 0;
    CURLM *m = NULL;
    CURL *h = NULL;
    if (http_global_init(err, sizeof err) != 0 || !(h = curl_easy_init())) {
        fprintf(stderr, "wxstream fetch: cannot start libcurl\n");
        return WX_EXIT_FAIL;
    }
    http_opts_t cat_opts = ft.ho;
    cat_opts.timeout_s = 60;
    if (ncei_source_catalog(h, &cat_opts, a.base, a.catalog, &cat, err, sizeof err) != 0) {
        fprintf(stderr, "wxstream fetch: %s\n", err);
        goto done;
    }
    long n_sel = ncei_source_select(&cat, a.stations, a.all, &sel, err, sizeof err);
    if (n_sel < 0) {
        fprintf(stderr, "wxstream fetch: %s\n", err);
        rc = WX_EXIT_USAGE;
        goto done;
    }
    if (mkdir(ft.out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "wxstream fetch: %s: %s\n", ft.out_dir, strerror(errno));
        goto done;
    }
    jobs = calloc((size_t)n_sel * (size_t)(a.y1 - a.y0 + 1), sizeof *jobs);
    if (!jobs)
        goto done;
    if (make_jobs(&ft, sel, n_sel, a.y0, a.y1, a.base, jobs, &n_jobs) != 0)
        goto done;
    m = curl_multi_init();
    ft.index_h = curl_easy_init();
    if (!m || !ft.index_h)
        goto done;
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, ft.parallel);
    run_jobs(&ft, m, jobs, n_jobs);
    if (!ft.quiet)
        fprintf(stderr,
                "wxstream fetch: %zu files: %ld downloaded (%ld resumed), %ld unchanged, %ld not "
                "published, %ld failed; %" PRId64 " bytes transferred; %ld bad lines\n",
                n_jobs, ft.downloaded, ft.resumed, ft.unchanged, ft.missing, ft.failed, ft.bytes,
                ft.bad_lines);
    rc = ft.failed ? WX_EXIT_FAIL : WX_EXIT_OK;
done:
    for (size_t i = 0; i < n_jobs; i++) {
        if (jobs[i].req.sink)
            fclose(jobs[i].req.sink);
        http_req_free(&jobs[i].req);
        if (jobs[i].h)
            curl_easy_cleanup(jobs[i].h);
    }
    free(jobs);
    for (int k = 0; k < ft.n_index; k++)
        wxbuf_free(&ft.index_html[k]);
    if (ft.index_h)
        curl_easy_cleanup(ft.index_h);
    if (m)
        curl_multi_cleanup(m);
    free(sel);
    ncei_catalog_free(&cat);
    curl_easy_cleanup(h);
    return rc;
}
