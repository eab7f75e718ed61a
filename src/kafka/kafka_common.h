/* kafka_common: what every Kafka command shares — broker list and -X properties (kcat's
 * conventions), topic creation, signal handling for a clean stop. Diagnostics go through
 * wx_log (src/edge), included here for the commands.
 *
 * Global state: the stop flag set by SIGINT/SIGTERM, here, is the only mutable global the
 * commands share. Otherwise a command keeps its state in one struct of its own; process keeps
 * its proc_t static (src/kafka/process/cmd_process.c) because its detached watchdog thread
 * reads it until the process exits (said where it is declared), and follow its follow_t.
 * Other statics are constant tables (option tables, topic names). */
#ifndef WX_KAFKA_COMMON_H
#define WX_KAFKA_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "wx_log.h"

#define WX_DEFAULT_BROKERS "127.0.0.1:9092"
#define WX_KAFKA_MAX_PROPS 64

typedef struct wx_kafka_opts {
    const char *brokers;                    /* -b; default $WX_BROKERS or WX_DEFAULT_BROKERS */
    const char *props[WX_KAFKA_MAX_PROPS];  /* -X key=value, applied last, in order */
    size_t n_props;
    bool debug;                             /* log librdkafka's messages too */
} wx_kafka_opts_t;

void wx_kafka_opts_init(wx_kafka_opts_t *o);
/* Records one -X key=value. Returns 0, or -1 with a message on stderr. */
int wx_kafka_opts_add(wx_kafka_opts_t *o, const char *kv);

/* A configuration with bootstrap.servers, the caller's settings (pairs of key, value, ended by
 * NULL), then every -X property, so the user has the last word. NULL with errstr on a bad
 * property. */
rd_kafka_conf_t *wx_kafka_conf(const wx_kafka_opts_t *o, const char *const *settings,
                               char *errstr, size_t errstr_size);

/* The topic's partition count, 0 when it does not exist, -1 when metadata could not be had. */
int wx_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *errstr,
                             size_t errstr_size);

/* Creates the topic with `partitions` partitions (the broker's default replication) and the
 * given configs (pairs, NULL-ended; may be NULL) unless it exists. retention.ms is -1 unless
 * given: records carry the readings' historical timestamps, which time-based retention would
 * delete at once. A cluster that is restarting (no metadata, its broker still fenced, no
 * controller) is asked again every half second until timeout_ms have passed. Returns its
 * partition count, or -1 with errstr. */
int wx_kafka_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions,
                          const char *const *configs, int timeout_ms, char *errstr,
                          size_t errstr_size);

/* rd_kafka_init_transactions, called again while its error is retriable (a transaction
 * coordinator still loading after a broker restart; CONCURRENT_TRANSACTIONS while the broker
 * still aborts what an earlier incarnation left open) until timeout_ms have passed in all or a
 * stop is requested. NULL when done, else the last error (the caller destroys it). */
rd_kafka_error_t *wx_kafka_init_transactions(rd_kafka_t *rk, int timeout_ms);

/* SIGINT/SIGTERM set the stop flag (a second one exits at once). */
void wx_signals_install(void);
bool wx_stop_requested(void);

/* Help text for -b/-X shared by the Kafka commands. */
void wx_kafka_opts_help(FILE *f);

#endif
