/* serve_http: `wxstream serve`'s HTTP side, on libmicrohttpd — the page and its static files,
 * the JSON API over the index, the Server-Sent Events stream, /metrics. This file is the server:
 * the responses, the static files, /metrics and the routing; the API and the event stream are
 * serve_api.c.
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION): an SSE stream waits in its own
 * thread for the hub, so a slow or stalled client only holds its own thread. Every answer is
 * built in memory under the context's lock and sent after the lock is released. A bad
 * parameter is a 400 with {"error": "..."}; an unknown path a 404; a method other than GET or
 * HEAD a 405 — never a crash: nothing from the request is trusted (docs/serve.md). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "json_put.h"
#include "serve.h"
#include "serve_api.h"
#include "serve_metrics.h"
#include "serve_query.h"

#define STATIC_MAX (8u << 20)

struct serve_http {
    struct MHD_Daemon *d;
    serve_ctx_t *c;
    serve_metrics_t *m; /* /metrics */
};

int64_t serve_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ responses */

static enum MHD_Result send_body(serve_ctx_t *c, struct MHD_Connection *conn, unsigned status,
                                 const char *type, const char *data, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self' "
                            "'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                            "base-uri 'none'; frame-ancestors 'none'");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    pthread_mutex_lock(&c->lock);
    c->http_requests++;
    if (status >= 500)
        c->http_5xx++;
    else if (status >= 400)
        c->http_4xx++;
    pthread_mutex_unlock(&c->lock);
    return ret;
}

enum MHD_Result serve_send_json(serve_ctx_t *c, struct MHD_Connection *conn, unsigned status,
                                wxbuf_t *b)
{
    if (b->failed)
        return send_body(c, conn, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
    return send_body(c, conn, status, "application/json; charset=utf-8", b->data ? b->data : "",
                     b->len);
}

enum MHD_Result serve_send_error(serve_ctx_t *c, struct MHD_Connection *conn, unsigned status,
                                 const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wxbuf_t b = WXBUF_INIT;
    wxbuf_puts(&b, "{\"error\":");
    json_str(&b, msg);
    wxbuf_printf(&b, ",\"status\":%u}", status);
    enum MHD_Result r = serve_send_json(c, conn, status, &b);
    wxbuf_free(&b);
    return r;
}

/* ------------------------------------------------------------------ static files */

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return "application/octet-stream";
    if (!strcmp(dot, ".html"))
        return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    return "application/octet-stream";
}

static enum MHD_Result send_file(serve_ctx_t *c, struct MHD_Connection *conn, const char *dir,
                                 const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return serve_send_error(c, conn, 500, "cannot read %s: %s (see --web-dir, --web-lib)", name,
                                strerror(errno));
    wxbuf_t b = WXBUF_INIT;
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < STATIC_MAX)
        wxbuf_append(&b, chunk, n);
    bool bad = ferror(f) || b.failed;
    fclose(f);
    enum MHD_Result r = bad ? serve_send_error(c, conn, 500, "cannot read %s", name)
                            : send_body(c, conn, 200, mime_of(name), b.data ? b.data : "", b.len);
    wxbuf_free(&b);
    return r;
}

/* ------------------------------------------------------------------ metrics */

/* The registry's exposition (serve_metrics.c); its collector takes c->lock itself. */
static enum MHD_Result send_metrics(serve_http_t *s, struct MHD_Connection *conn)
{
    serve_ctx_t *c = s->c;
    wxbuf_t b = WXBUF_INIT;
    int rc = serve_metrics_format(s->m, &b);
    enum MHD_Result r = rc != 0 ? serve_send_error(c, conn, 500, "out of memory")
                                 : send_body(c, conn, 200, "text/plain; version=0.0.4; charset=utf-8",
                                             b.data, b.len);
    wxbuf_free(&b);
    return r;
}

/* ------------------------------------------------------------------ routing */

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    serve_http_t *s = cls;
    serve_ctx_t *c = s->c;
    if (!*con_cls) {
        /* First call: headers only. Answer on the second, when any body has been seen. */
        static int marker;
        *con_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* a body is not wanted: drop it, answer 405 at the end */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return serve_send_error(c, conn, 405, "method not allowed: GET or HEAD only");

    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return send_file(c, conn, c->web_dir, "index.html");
    if (!strcmp(url, "/app.js") || !strcmp(url, "/app.css"))
        return send_file(c, conn, c->web_dir, url + 1);
    if (!strcmp(url, "/vendor/uPlot.iife.min.js") || !strcmp(url, "/vendor/uPlot.min.css"))
        return send_file(c, conn, c->lib_dir, url + 8);
    if (!strcmp(url, "/api/hourly"))
        return serve_api_hourly(c, conn);
    if (!strcmp(url, "/api/hottest"))
        return serve_api_hottest(c, conn);
    if (!strcmp(url, "/api/outliers"))
        return serve_api_outliers(c, conn);
    if (!strcmp(url, "/api/deadletters"))
        return serve_api_dead(c, conn);
    if (!strcmp(url, "/api/stations"))
        return serve_api_stations(c, conn);
    if (!strcmp(url, "/api/health"))
        return serve_api_health(c, conn);
    if (!strcmp(url, "/events"))
        return serve_api_events(c, conn);
    if (!strcmp(url, "/metrics"))
        return send_metrics(s, conn);
    return serve_send_error(c, conn, 404, "no such path (see docs/serve.md)");
}

/* "HOST:PORT", "[V6]:PORT". */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
                        char *host, size_t host_size, char *errstr, size_t errstr_size)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1]) {
        snprintf(errstr, errstr_size, "--listen '%s': want HOST:PORT", listen);
        return -1;
    }
    size_t hl = (size_t)(colon - listen);
    const char *h = listen;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= host_size) {
        snprintf(errstr, errstr_size, "--listen '%s': host too long", listen);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(errstr, errstr_size, "--listen '%s': %s", listen, gai_strerror(rc));
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

serve_http_t *serve_http_start(serve_ctx_t *c, const char *listen, size_t max_clients,
                               char *bound, size_t bound_size, char *errstr, size_t errstr_size)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    char host[256];
    if (parse_listen(listen, &ss, &sl, host, sizeof host, errstr, errstr_size) != 0)
        return NULL;
    serve_http_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->c = c;
    s->m = serve_metrics_new(c);
    if (!s->m) {
        snprintf(errstr, errstr_size, "out of memory");
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)(max_clients + 64), MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)30, MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(errstr, errstr_size, "cannot listen on %s (in use, or not an address here)",
                 listen);
        serve_metrics_free(s->m);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : 0;
    if (ss.ss_family == AF_INET6)
        snprintf(bound, bound_size, "http://[%s]:%u/", host, port);
    else
        snprintf(bound, bound_size, "http://%s:%u/", host, port);
    return s;
}

void serve_http_stop(serve_http_t *s)
{
    if (!s)
        return;
    serve_hub_close(s->c->hub); /* live streams end, so their threads can be joined */
    MHD_stop_daemon(s->d); /* no scrape runs after this */
    serve_metrics_free(s->m);
    free(s);
}

