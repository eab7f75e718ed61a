/* serve_metrics: what `wxstream serve` answers on /metrics (docs/serve.md, "/metrics"), on top
 * of the metrics registry (metrics.h). The families are made once, when serve starts; their
 * values are read from the serve context (under its lock), the index and the live-event hub at
 * each scrape, so the consumer does nothing more for metrics. serve_http.c serves the text on
 * its own HTTP server, beside the page and the API. */
#ifndef WX_SERVE_METRICS_H
#define WX_SERVE_METRICS_H

#include "serve.h"
#include "wxbuf.h"

typedef struct serve_metrics serve_metrics_t;

/* The registry and its families for `c` (its topic names must be set). NULL when out of
 * memory. */
serve_metrics_t *serve_metrics_new(serve_ctx_t *c);
/* Appends the exposition (format 0.0.4) with the values of now. Takes c->lock: call without
 * it. Returns 0, or -1 when out of memory. */
int serve_metrics_format(serve_metrics_t *m, wxbuf_t *out);
void serve_metrics_free(serve_metrics_t *m);

#endif
