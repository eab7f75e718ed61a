/* watchdog.h: blocking calls, the watchdog thread, broker outages (proc_health_t). */
#ifndef WX_PROCESS_WATCHDOG_H
#define WX_PROCESS_WATCHDOG_H

#include "process.h"

void busy_begin(proc_t *p);
void busy_end(proc_t *p);
int call_timeout_ms(const proc_t *p, int wanted);
void watchdog_start(proc_t *p);
void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque);
void health_check_brokers(proc_t *p, int64_t now);
int64_t health_quiet_since(const proc_t *p, int64_t last_msg_ms);

#endif
