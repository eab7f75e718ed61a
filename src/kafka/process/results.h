/* results.h: producing Output, MaxTemp, Outliers and DeadLetter records (proc_results_t). */
#ifndef WX_PROCESS_RESULTS_H
#define WX_PROCESS_RESULTS_H

#include "process.h"

void results_dead_letter(proc_t *p, const dead_letter_t *d);
wx_sink_t results_sink(route_t *route);
void results_emit_hottest(proc_t *p);

#endif
