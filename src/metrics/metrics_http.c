/* metrics_http: the /metrics endpoint (metrics_http.h) on libmicrohttpd's internal polling
 * thread. Every answer is built whole before it is queued (MHD_RESPMEM_MUST_FREE), so a slow
 * client costs a connection slot, never the caller's thread. */
#include "metrics_http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct metrics_server {
    struct MHD_Daemon *daemon;
    metrics_registry_t *registry;
    char address[300];
};

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned int status,
                                   const char *text, const char *allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    (void)upload_data;
    metrics_server_t *s = cls;
    /* The first call only announces the request; a body (a POST's) is read and dropped before
     * the answer. */
    static int seen;
    if (!*con_cls) {
        *con_cls = &seen;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n",
                           NULL);
    bool head = !strcmp(method, MHD_HTTP_METHOD_HEAD);
    if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
        return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n",
                           "GET, HEAD");
    wxbuf_t b = WXBUF_INIT;
    if (metrics_format(s->registry, &b) != 0 || !b.data) {
        wxbuf_free(&b);
        return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        wxbuf_free(&b);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* libmicrohttpd's own complaints (a client that went away...) are not ours to print. */
static void quiet_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap;
}

metrics_server_t *metrics_server_start(metrics_registry_t *r, const char *addr, int *usage,
                                       char *errstr, size_t errstr_size)
{
    char host[256];
    int port;
    *usage = 0;
    if (metrics_parse_addr(addr, host, sizeof host, &port, errstr, errstr_size) != 0) {
        *usage = 1;
        return NULL;
    }
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, service, &hints, &ai);
    if (gai != 0) {
        snprintf(errstr, errstr_size, "%s: %s", addr, gai_strerror(gai));
        *usage = 1;
        return NULL;
    }
    metrics_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        freeaddrinfo(ai);
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->registry = r;
    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
                                 MHD_OPTION_STRICT_FOR_CLIENT, (int)1, /* e.g. Host required */
                                 MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL,
                                 MHD_OPTION_END);
    bool v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    if (!s->daemon) {
        snprintf(errstr, errstr_size, "cannot listen on %s (in use, or not an address of this "
                                      "machine?)", addr);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    int bound = info && info->port ? info->port : port;
    snprintf(s->address, sizeof s->address, v6 ? "[%s]:%d" : "%s:%d", host, bound);
    return s;
}

const char *metrics_server_address(const metrics_server_t *s)
{
    return s ? s->address : "";
}

void metrics_server_stop(metrics_server_t *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
