/* end_of_input.h: --exit-idle: quiet inputs flushed, whether the run is done (proc_eoi_t). */
#ifndef WX_PROCESS_END_OF_INPUT_H
#define WX_PROCESS_END_OF_INPUT_H

#include "process.h"

/* Whether input partition i's position has reached the high watermark of its last fetch (the
 * end librdkafka last saw; no broker request). */
bool eoi_input_at_cached_end(const proc_t *p, int i);
void notice_caught_up(proc_t *p, int64_t now);
void eoi_flush_quiet_inputs(proc_t *p, int64_t now);
bool eoi_finished(proc_t *p, int64_t now, bool *stuck);

#endif
