/* report.h: the progress line, --metrics, the summary (proc_report_t). */
#ifndef WX_PROCESS_REPORT_H
#define WX_PROCESS_REPORT_H

#include "process.h"

void progress_line(proc_t *p, int64_t now);
void publish_metrics(proc_t *p, int64_t now);
void publish_metrics_now(proc_t *p);
void report_summary(const proc_t *p);

#endif
