/* fetch: the state `wxstream fetch`'s command (cmd_fetch.c) and its transfers (fetch_jobs.c)
 * share: a job per file, and the run's settings and tallies. */
#ifndef WX_FETCH_H
#define WX_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "ncei.h"
#include "ncei_source.h"

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

/* One job per station and year (the file's URL, paths and handle) into jobs, counted in *n_jobs
 * as they are made, so the caller frees what was made. 0, or -1 when libcurl has no handle. */
int fetch_make_jobs(const fetch_t *ft, const ncei_station_t **sel, long n_sel, int y0, int y1,
                    const char *base, job_t *jobs, size_t *n_jobs);
/* Runs the transfers until every job is done (fetch_jobs.c). */
void fetch_run_jobs(fetch_t *ft, CURLM *m, job_t *jobs, size_t n_jobs);

#endif
