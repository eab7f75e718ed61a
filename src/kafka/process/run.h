/* run.h: the loop and its periodic chores (proc_loop_t). */
#ifndef WX_PROCESS_RUN_H
#define WX_PROCESS_RUN_H

#include "process.h"

int proc_run(proc_t *p);

#endif
