/* input.h: consumed messages into the state; progress reports (proc_input_t). */
#ifndef WX_PROCESS_INPUT_H
#define WX_PROCESS_INPUT_H

#include "process.h"

void input_handle(proc_t *p, rd_kafka_message_t *m, int64_t now);
void input_report_progress(proc_t *p);

#endif
