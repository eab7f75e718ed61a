/* consumer.h: the group consumer: make, replace, rewind (proc_consumer_t). */
#ifndef WX_PROCESS_CONSUMER_H
#define WX_PROCESS_CONSUMER_H

#include "process.h"

int consumer_make(proc_t *p);
void consumer_replace(proc_t *p);
int consumer_rewind(proc_t *p);

#endif
