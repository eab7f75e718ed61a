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
#include <unistd.h>

#include "kafka_commands.h"
#include "fetch.h"

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
    if (fetch_make_jobs(&ft, sel, n_sel, a.y0, a.y1, a.base, jobs, &n_jobs) != 0)
        goto done;
    m = curl_multi_init();
    ft.index_h = curl_easy_init();
    if (!m || !ft.index_h)
        goto done;
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, ft.parallel);
    fetch_run_jobs(&ft, m, jobs, n_jobs);
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
