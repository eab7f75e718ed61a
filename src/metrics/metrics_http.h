/* metrics_http: serves a metrics registry over HTTP (libmicrohttpd, its own thread):
 * GET or HEAD /metrics answers the text exposition (format 0.0.4); any other path is 404, any
 * other method 405, a failure to format 500. It listens only on the address it is given
 * (127.0.0.1:PORT keeps it on this machine), at most 32 connections, 10 s idle timeout.
 * Scrapes never touch the caller's thread: they read the registry's atomics (metrics.h). */
#ifndef WX_METRICS_HTTP_H
#define WX_METRICS_HTTP_H

#include <stddef.h>

#include "metrics.h"

typedef struct metrics_server metrics_server_t;

/* Starts serving `r` (not owned; it must outlive the server) on `addr` ("HOST:PORT",
 * "[IPV6]:PORT"; port 0 takes a free one). NULL with errstr when the address is bad (*usage
 * set) or cannot be bound. */
metrics_server_t *metrics_server_start(metrics_registry_t *r, const char *addr, int *usage,
                                       char *errstr, size_t errstr_size);
/* The address it listens on, with the real port ("127.0.0.1:9464"). */
const char *metrics_server_address(const metrics_server_t *s);
/* Stops the thread and closes the socket; NULL is fine. */
void metrics_server_stop(metrics_server_t *s);

#endif
