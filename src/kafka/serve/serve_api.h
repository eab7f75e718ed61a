/* serve_api: the handlers of serve's JSON API and event stream (serve_api.c), which
 * serve_http.c's routing calls, and the responses of serve_http.c they answer with. Internal to
 * src/kafka/serve. */
#ifndef WX_SERVE_API_H
#define WX_SERVE_API_H

#include <string.h>

#include <microhttpd.h>

#include "json_put.h"
#include "serve.h"
#include "wx_time.h"
#include "wxbuf.h"

/* A time as an ISO string, or null for none. */
static inline void json_time(wxbuf_t *b, wx_time_t t)
{
    char iso[32];
    if (t == WX_TIME_MIN || t == WX_TIME_MAX) {
        wxbuf_puts(b, "null");
        return;
    }
    wxbuf_putc(b, '"');
    wxbuf_puts(b, wx_time_iso(t, iso, sizeof iso));
    wxbuf_putc(b, '"');
}

static inline void json_str(wxbuf_t *b, const char *s)
{
    json_put_string(b, s, strlen(s));
}

/* serve_http.c: b as the JSON body (a 500 when b ran out of memory). */
enum MHD_Result serve_send_json(serve_ctx_t *c, struct MHD_Connection *conn, unsigned status,
                                wxbuf_t *b);
/* serve_http.c: {"error": MSG, "status": STATUS}. */
enum MHD_Result serve_send_error(serve_ctx_t *c, struct MHD_Connection *conn, unsigned status,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* serve_api.c: one per path */
enum MHD_Result serve_api_hourly(serve_ctx_t *c, struct MHD_Connection *conn);
enum MHD_Result serve_api_hottest(serve_ctx_t *c, struct MHD_Connection *conn);
enum MHD_Result serve_api_outliers(serve_ctx_t *c, struct MHD_Connection *conn);
enum MHD_Result serve_api_dead(serve_ctx_t *c, struct MHD_Connection *conn);
enum MHD_Result serve_api_stations(serve_ctx_t *c, struct MHD_Connection *conn);
enum MHD_Result serve_api_health(serve_ctx_t *c, struct MHD_Connection *conn);
enum MHD_Result serve_api_events(serve_ctx_t *c, struct MHD_Connection *conn);

#endif
