/* txn.h: producing and the transactions (proc_txn_t). */
#ifndef WX_PROCESS_TXN_H
#define WX_PROCESS_TXN_H

#include "process.h"

void txn_produce_h(proc_t *p, const char *topic, int32_t partition, const void *key,
                   size_t key_len, const void *value, size_t value_len,
                   const char *offset_header);
void txn_produce(proc_t *p, const char *topic, int32_t partition, const void *key,
                 size_t key_len, const void *value, size_t value_len);
void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
bool txn_abort(proc_t *p);
bool txn_abort_and_rewind(proc_t *p, const char *why);
void txn_begin(proc_t *p);
void txn_commit(proc_t *p);

#endif
