/* setup.h: the Kafka handles and topics, made and torn down. */
#ifndef WX_PROCESS_SETUP_H
#define WX_PROCESS_SETUP_H

#include "process.h"

int proc_setup(proc_t *p);
void proc_teardown(proc_t *p);

#endif
