/* snapshot.h: the partitions' state, restored from and written to the changelog
 * (proc_state_t). */
#ifndef WX_PROCESS_SNAPSHOT_H
#define WX_PROCESS_SNAPSHOT_H

#include "process.h"

int snapshot_restore(proc_t *p, const rd_kafka_topic_partition_list_t *parts,
                     rd_kafka_topic_partition_list_t *resume);
void snapshot_drop_state(proc_t *p);
void snapshot_write_dirty(proc_t *p);

#endif
