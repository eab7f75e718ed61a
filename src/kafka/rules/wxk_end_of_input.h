/* wxk_end_of_input: when `process --exit-idle` is done, as a pure rule over facts the caller
 * gathers and two questions it answers on demand (they ask the broker and are rate-limited, so
 * the rule asks them only when the answer matters, in a fixed order).
 *
 * Done when every input partition we own is finished, every hour we own is decided, our hour
 * stages have read back everything committed so far — and the whole input is finished, not
 * just our share: either an hour stage of ours has seen every input partition report final
 * progress, or no other member is left whose partitions could still come to us (a killed
 * instance's, after its session times out). Waiting for other instances' progress gives up
 * after ten quiet periods without any record on our internal partitions, as long as nobody
 * else is left who could still send one: then it ends "stuck" (hours left undecided).
 * Pure: no Kafka, no I/O, no allocation. */
#ifndef WX_WXK_END_OF_INPUT_H
#define WX_WXK_END_OF_INPUT_H

#include <stdbool.h>

typedef enum {
    WXK_EOI_RUNNING, /* not done */
    WXK_EOI_DONE,    /* done: everything is decided */
    WXK_EOI_STUCK    /* done, but hours we own could not be decided (other instances gone) */
} wxk_eoi_t;

typedef struct wxk_eoi_facts {
    bool awaiting_assignment; /* in a rebalance: partitions may come back, or come to us */
    bool within_first_quiet;  /* assigned less than one quiet period (--exit-idle) ago */
    bool txn_has_records;     /* the open transaction holds records */
    bool inputs_flushed;      /* every input partition we own is finished (flushed) */
    bool open_hours;          /* an hour stage of ours has an hour not decided (or revised) */
    bool any_hour_stage;      /* we own an internal partition (an hour stage) */
    bool all_final;           /* an hour stage of ours has seen every input partition final */
    bool stages_quiet_10x;    /* every hour stage of ours has been quiet for ten quiet periods */
} wxk_eoi_facts_t;

typedef struct wxk_eoi_questions {
    /* Our hour stages have read their internal partitions up to the end the broker tells now. */
    bool (*internal_caught_up)(void *ctx);
    /* No other member of the group holds partitions. May be asked twice in one decision. */
    bool (*alone)(void *ctx);
    void *ctx;
} wxk_eoi_questions_t;

/* True when the first three facts (awaiting_assignment, within_first_quiet, txn_has_records)
 * already keep the run going: wxk_end_of_input then reads no other fact, so a caller may skip
 * gathering them (they cost a pass over every partition). */
bool wxk_eoi_busy(const wxk_eoi_facts_t *f);

/* The decision. Asks internal_caught_up at most once, only when every fact before it allows
 * an end, and alone only after it. */
wxk_eoi_t wxk_end_of_input(const wxk_eoi_facts_t *f, const wxk_eoi_questions_t *q);

#endif
