/* sink: where the analytics put their results — one callback per output topic. Shared by the
 * batch driver and the streaming operators so both feed the same writers. Any pointer may be
 * NULL (that kind of result is dropped by the caller's choice). */
#ifndef WX_SINK_H
#define WX_SINK_H

#include "dead_letter.h"
#include "hottest.h"
#include "station_state.h"

typedef struct wx_sink {
    void *ctx;
    void (*hourly)(void *ctx, const hourly_result_t *r);
    void (*outlier)(void *ctx, const outlier_event_t *o);
    void (*hottest)(void *ctx, const hottest_result_t *r);
    void (*dead)(void *ctx, const dead_letter_t *d);
} wx_sink_t;

#endif
