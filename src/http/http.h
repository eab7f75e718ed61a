/* http: wxstream's HTTP edge — libcurl set up the same way for `stations`, `fetch` and
 * `follow`: a User-Agent naming wxstream, time-outs, conditional and range requests, and the
 * response's validators (ETag, Last-Modified) and Content-Range read back.
 *
 * One http_req_t is one request; its body goes into a buffer (body) or, for fetch, a file
 * (sink), and only when the answer is a 200 or 206, so an error page never lands in a mirror. */
#ifndef WX_HTTP_H
#define WX_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>

#include "wxbuf.h"

#define HTTP_DEFAULT_BASE_URL "https://www.ncei.noaa.gov/pub/data/uscrn/products"
#define HTTP_VALIDATOR_MAX 160

typedef struct http_opts {
    const char *user_agent;  /* NULL: "wxstream/VERSION (+https://github.com/wxstream)" */
    long connect_timeout_s;  /* default 15 */
    long timeout_s;          /* whole request, default 60 */
    long low_speed_s;        /* abort when under 1 byte/s for this long (a stall), default 20 */
    bool verbose;            /* curl's own trace on stderr */
} http_opts_t;

typedef struct http_req {
    /* request */
    char url[2048];
    int64_t range_from;                     /* -1: no Range header */
    int64_t range_last;                     /* > 0 (and range_from -1): the last N bytes */
    char if_none_match[HTTP_VALIDATOR_MAX]; /* "" none */
    char if_modified_since[64];             /* "" none */
    bool head;                              /* HEAD instead of GET */
    /* body sink: file when sink != NULL, else body */
    FILE *sink;
    bool sink_resume;                       /* sink holds a partial download: a 200 (range
                                               ignored) empties it before writing */
    wxbuf_t body;
    int64_t max_body;                       /* 0: no limit */
    /* response */
    long status;                            /* 0: no HTTP response */
    char etag[HTTP_VALIDATOR_MAX];
    char last_modified[64];
    int64_t cr_start;                       /* Content-Range first byte (206), else -1 */
    int64_t total_size;                     /* Content-Range's /SIZE (206, 416), else -1 */
    int64_t bytes;                          /* body bytes received */
    CURLcode code;
    char error[CURL_ERROR_SIZE];
    bool write_failed;
    /* internal */
    struct curl_slist *headers;
} http_req_t;

/* curl_global_init once per process (not thread-safe; call from main before threads). */
int http_global_init(char *errstr, size_t errstr_size);

/* Resets req to a GET of url: no range, no validators, empty body. Keeps the body's memory. */
void http_req_init(http_req_t *req, const char *url);
void http_req_free(http_req_t *req);

/* Configures the easy handle for req (callbacks, headers, time-outs). The request is then run
 * with curl_easy_perform or a multi handle; http_req_done must be called after it. */
int http_req_setup(CURL *h, const http_opts_t *o, http_req_t *req);
/* Reads the response status into req after a transfer ended with code; frees the header list. */
void http_req_done(CURL *h, http_req_t *req, CURLcode code);

/* One blocking request on h. Returns 0 when a complete HTTP response arrived (any status;
 * look at req->status), -1 on a transport failure (time-out, reset, refused: req->error). */
int http_perform(CURL *h, const http_opts_t *o, http_req_t *req);

/* base + "/" + path, without doubling the slash. -1 when it does not fit. */
int http_url_join(char *out, size_t size, const char *base, const char *path);

/* What went wrong with a request, for a log line: "HTTP 500", "timed out after 20 s: ...". */
const char *http_describe(const http_req_t *req, char *buf, size_t size);

#endif
