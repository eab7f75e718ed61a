/* watchdog.c: the process's health (proc_health_t): calls that may block the loop are
 * bracketed (busy_begin/busy_end) and bounded (call_timeout_ms), a thread ends a run stuck in
 * one, and broker outages are noticed, probed and timed out. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "process.h"

/* Brackets a call that may block (transactions, restore): the watchdog watches it, and quiet
 * periods are measured from its end. */
void busy_begin(proc_t *p)
{
    if (p->health.busy_depth++ == 0)
        atomic_store(&p->health.busy_since_ms, (long long)proc_now_ms());
}

void busy_end(proc_t *p)
{
    if (--p->health.busy_depth > 0)
        return;
    atomic_store(&p->health.busy_since_ms, 0);
    p->health.unblocked_ms = proc_now_ms();
}

/* A transaction call may block up to this long: never longer than --broker-timeout, so a lost
 * cluster ends the run in about that time. */
int call_timeout_ms(const proc_t *p, int wanted)
{
    int limit = p->set.broker_timeout_s * 1000;
    return wanted < limit ? wanted : limit;
}

/* A transaction call that never returns (librdkafka issue #5456 can leave send_offsets
 * blocked past its timeout) would hang the run; this thread ends it instead, once a call has
 * been blocked for --broker-timeout + 15 s (every call's own timeout is at most
 * --broker-timeout). Exiting is safe:
 * everything not committed is aborted and a restart resumes from the last commit. */
static void *watchdog(void *arg)
{
    proc_t *p = arg;
    const long long limit = (long long)p->set.broker_timeout_s * 1000 + 15000;
    for (;;) {
        nanosleep(&(struct timespec){1, 0}, NULL);
        long long since = atomic_load(&p->health.busy_since_ms);
        if (since && proc_now_ms() - since > limit) {
            fprintf(stderr, "wxstream process: a Kafka call has not returned for %lld s "
                            "(more than --broker-timeout + 15 s); exiting — a restart resumes "
                            "from the last commit\n",
                    (proc_now_ms() - since) / 1000);
            _exit(1);
        }
    }
    return NULL;
}

/* Starts the watchdog thread, detached. It reads p until the process exits, which is why the
 * proc_t is static in cmd_process. If the thread cannot start, the run goes on unwatched. */
void watchdog_start(proc_t *p)
{
    pthread_t dog;
    if (pthread_create(&dog, NULL, watchdog, p) == 0)
        pthread_detach(dog);
}

/* librdkafka's own errors (called from its threads: only set flags here). */
void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    (void)reason;
    proc_t *p = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        atomic_store(&p->health.brokers_down, 1);
}

/* With the brokers down, nothing else would notice an idle processor waiting forever: check
 * every 2 s whether the cluster answers again, and give up after --broker-timeout. */
void health_check_brokers(proc_t *p, int64_t now)
{
    if (atomic_exchange(&p->health.brokers_down, 0) && !p->health.down_since_ms) {
        p->health.down_since_ms = now;
        if (!p->set.quiet)
            wx_log(CMD, "all brokers are down; waiting up to %d s (--broker-timeout)",
                   p->set.broker_timeout_s);
    }
    if (!p->health.down_since_ms ||
        !proc_due(&p->health.last_probe_ms, now, PROC_BROKER_PROBE_PERIOD_MS))
        return;
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(p->txn.producer, 0, NULL, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        if (!p->set.quiet)
            wx_log(CMD, "the cluster answers again after %" PRId64 " s",
                   (now - p->health.down_since_ms) / 1000);
        p->health.down_since_ms = 0;
        p->health.up_again_ms = now;
        return;
    }
    if (now - p->health.down_since_ms > p->set.broker_timeout_s * 1000LL) {
        char msg[160];
        snprintf(msg, sizeof msg, "no broker reachable for %" PRId64 " s",
                 (now - p->health.down_since_ms) / 1000);
        proc_fail(p, "%s; giving up (--broker-timeout)", msg);
    }
}

/* When a partition went quiet: its last message, or the end of the last call that blocked the
 * loop if later (records that came in meanwhile are still in the queue). */
int64_t health_quiet_since(const proc_t *p, int64_t last_msg_ms)
{
    /* Nor is input quiet while the brokers are away: it may be waiting for them (a broker
     * restart made --exit-idle finish a partition whose producer was only held up). */
    if (p->health.down_since_ms)
        return INT64_MAX / 2;
    int64_t t = last_msg_ms > p->health.unblocked_ms ? last_msg_ms : p->health.unblocked_ms;
    return t > p->health.up_again_ms ? t : p->health.up_again_ms;
}
