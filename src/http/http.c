/* http: libcurl set up for NOAA NCEI (see http.h). */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef WX_VERSION
#define WX_VERSION "0.1.0"
#endif
#define DEFAULT_UA "wxstream/" WX_VERSION " (USCRN data client)"

int http_global_init(char *errstr, size_t errstr_size)
{
    CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (c != CURLE_OK) {
        snprintf(errstr, errstr_size, "libcurl: %s", curl_easy_strerror(c));
        return -1;
    }
    return 0;
}

void http_req_init(http_req_t *req, const char *url)
{
    char copy[sizeof req->url];
    snprintf(copy, sizeof copy, "%s", url); /* url may be req->url */
    url = copy;
    wxbuf_t keep = req->body;
    memset(req, 0, sizeof *req);
    req->body = keep;
    wxbuf_reset(&req->body);
    snprintf(req->url, sizeof req->url, "%s", url);
    req->range_from = -1;
    req->cr_start = -1;
    req->total_size = -1;
}

void http_req_free(http_req_t *req)
{
    wxbuf_free(&req->body);
    if (req->headers) {
        curl_slist_free_all(req->headers);
        req->headers = NULL;
    }
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    http_req_t *req = ctx;
    size_t len = size * n;
    /* only 200 and 206 carry the file; an error page is counted, not kept */
    if (req->status == 200 || req->status == 206) {
        if (req->max_body > 0 && req->bytes + (int64_t)len > req->max_body) {
            req->write_failed = true;
            return 0;
        }
        if (req->sink) {
            if (req->sink_resume && req->status == 200) {
                /* the server sent the whole file: start the partial download over */
                fflush(req->sink);
                if (ftruncate(fileno(req->sink), 0) != 0 || fseek(req->sink, 0, SEEK_SET) != 0) {
                    req->write_failed = true;
                    return 0;
                }
                req->sink_resume = false;
            }
            if (fwrite(data, 1, len, req->sink) != len) {
                req->write_failed = true;
                return 0;
            }
        } else {
            wxbuf_append(&req->body, data, len);
            if (req->body.failed) {
                req->write_failed = true;
                return 0;
            }
        }
    }
    req->bytes += (int64_t)len;
    return len;
}

static void copy_value(char *dst, size_t size, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    http_req_t *req = ctx;
    size_t len = size * n;
    if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
        /* a new response (after a redirect or 100): forget the last one's headers */
        long st = 0;
        const char *sp = memchr(data, ' ', len);
        if (sp)
            st = strtol(sp + 1, NULL, 10);
        req->status = st;
        req->etag[0] = req->last_modified[0] = '\0';
        req->cr_start = req->total_size = -1;
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    size_t nl = (size_t)(colon - data);
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    if (nl == 4 && !strncasecmp(data, "ETag", 4)) {
        copy_value(req->etag, sizeof req->etag, v, vl);
    } else if (nl == 13 && !strncasecmp(data, "Last-Modified", 13)) {
        copy_value(req->last_modified, sizeof req->last_modified, v, vl);
    } else if (nl == 13 && !strncasecmp(data, "Content-Range", 13)) {
        char cr[128];
        copy_value(cr, sizeof cr, v, vl);
        /* "bytes A-B/SIZE", or "bytes *\/SIZE" for a 416 */
        const char *p = cr;
        if (!strncasecmp(p, "bytes", 5))
            p += 5;
        while (*p == ' ')
            p++;
        if (*p == '*') {
            req->cr_start = -1;
        } else {
            req->cr_start = strtoll(p, NULL, 10);
        }
        const char *slash = strchr(p, '/');
        if (slash && slash[1] != '*')
            req->total_size = strtoll(slash + 1, NULL, 10);
    }
    return len;
}

int http_req_setup(CURL *h, const http_opts_t *o, http_req_t *req)
{
    curl_easy_reset(h);
    req->status = 0;
    req->bytes = 0;
    req->error[0] = '\0';
    req->write_failed = false;
    req->etag[0] = req->last_modified[0] = '\0';
    req->cr_start = req->total_size = -1;
    if (req->headers) {
        curl_slist_free_all(req->headers);
        req->headers = NULL;
    }
    char hdr[HTTP_VALIDATOR_MAX + 32];
    if (req->if_none_match[0]) {
        snprintf(hdr, sizeof hdr, "If-None-Match: %s", req->if_none_match);
        req->headers = curl_slist_append(req->headers, hdr);
    } else if (req->if_modified_since[0]) {
        snprintf(hdr, sizeof hdr, "If-Modified-Since: %s", req->if_modified_since);
        req->headers = curl_slist_append(req->headers, hdr);
    }
    /* NOAA's files are plain text: no content coding, so byte offsets are the file's */
    req->headers = curl_slist_append(req->headers, "Accept-Encoding: identity");
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, req->headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : DEFAULT_UA);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 15L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 60L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_s > 0 ? o->low_speed_s : 20L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, req->error);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, req);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(h, CURLOPT_PRIVATE, req);
    curl_easy_setopt(h, CURLOPT_VERBOSE, o->verbose ? 1L : 0L);
    if (req->head)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (req->range_from >= 0 || req->range_last > 0) {
        char r[48];
        if (req->range_from >= 0)
            snprintf(r, sizeof r, "%lld-", (long long)req->range_from);
        else
            snprintf(r, sizeof r, "-%lld", (long long)req->range_last);
        curl_easy_setopt(h, CURLOPT_RANGE, r);
    }
    return 0;
}

void http_req_done(CURL *h, http_req_t *req, CURLcode code)
{
    req->code = code;
    long st = 0;
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st) == CURLE_OK && st)
        req->status = st;
    if (code != CURLE_OK && !req->error[0])
        snprintf(req->error, sizeof req->error, "%s", curl_easy_strerror(code));
    if (req->headers) {
        curl_slist_free_all(req->headers);
        req->headers = NULL;
    }
}

int http_perform(CURL *h, const http_opts_t *o, http_req_t *req)
{
    http_req_setup(h, o, req);
    CURLcode c = curl_easy_perform(h);
    http_req_done(h, req, c);
    return c == CURLE_OK ? 0 : -1;
}

int http_url_join(char *out, size_t size, const char *base, const char *path)
{
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    while (*path == '/')
        path++;
    int n = snprintf(out, size, "%.*s/%s", (int)bl, base, path);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

const char *http_describe(const http_req_t *req, char *buf, size_t size)
{
    if (req->code != CURLE_OK)
        snprintf(buf, size, "%s (after %lld body bytes%s)", req->error[0] ? req->error : "failed",
                 (long long)req->bytes, req->status ? ", HTTP status received" : "");
    else
        snprintf(buf, size, "HTTP %ld", req->status);
    return buf;
}
