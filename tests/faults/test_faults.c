/* test_faults: injected broker faults against `wxstream process`, on librdkafka's mock cluster.
 *
 * For each scenario the harness starts a mock Kafka cluster of three brokers inside its own
 * process (rd_kafka_mock_cluster_new: real TCP listeners served by the mock's own threads),
 * creates every topic `process` uses, feeds the first hours of two synthetic days of three
 * stations to the input topic and runs `wxstream process -b <mock>` as a child process. The
 * rest of the input trickles in while it works, and the scenario's faults are injected: protocol
 * errors (or delays) on the next N requests of one type (Produce, AddPartitionsToTxn, EndTxn,
 * ...), or a broker that goes down for a while or for good. When `process` has exited, the
 * result topics are read back (read_committed, beginning to end) and compared, as multisets,
 * with what `wxstream batch` computes from the same lines. What must hold depends on the
 * scenario (see expect_t): a retriable fault must leave the results exactly equal to batch's
 * (no gap, no duplicate, exit 0); a fatal one must end the run with exit 1, a message naming
 * the problem, within a bounded time, and nothing written twice.
 *
 * Every scenario checks that its faults were met (the mock's per-broker error stacks were
 * consumed), so a fault that never fired cannot pass as "handled".
 *
 * The mock cluster (fixed, so a fault can target one role):
 *   broker 1  leads the input topic (the harness's feeder writes there),
 *   broker 2  leads every topic `process` writes (results, GROUP-hourly, GROUP-changelog),
 *   broker 3  is the transaction coordinator and the group coordinator.
 *
 * What librdkafka 2.0.2's mock cannot do, and how the checks allow for it, is in docs/faults.md
 * (no transaction markers: aborted records stay visible; TxnOffsetCommit is acknowledged but not
 * stored; no fencing by a second producer with the same transactional.id).
 *
 * Usage: test_faults --wx PATH/wxstream [--work DIR] [--jobs N] [--skip NAME]... [--keep]
 *                    [--list] [SCENARIO...]
 * Exit status: 0 every scenario passed, 1 one failed, 2 usage or setup error. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "wxk_names.h"

/* ------------------------------------------------------------------ constants */

/* No --topic-prefix: every scenario has a cluster of its own, and without a prefix the group
 * and transactional id do not depend on how process combines prefix and group. */
#define PREFIX ""
#define GROUP "fx"
#define INSTANCE "0" /* process's default --instance */
#define N_BROKERS 3
#define B_INPUT 1   /* leads the input topic */
#define B_RESULTS 2 /* leads every topic process writes */
#define B_COORD 3   /* transaction and group coordinator */

#define SYNTH_DAYS "2"
#define SYNTH_SEED "17" /* a sensor outage: a few hundred Outliers records besides the hours */
#define FIRST_PART 216   /* lines fed before process starts: the first 6 hours */
#define TRICKLE_LINES 4  /* then this many lines ... */
#define TRICKLE_MS 10    /* ... every this many ms, once process is producing (about 4 s) */
#define EXIT_IDLE "3"
#define BROKER_TIMEOUT "20"
#define RUN_TIMEOUT_MS 60000     /* a process run longer than this is a hang (per scenario) */
#define GONE_TIMEOUT_MS 90000    /* a broker gone for good: exit 1 within this (4.5 x 20 s) */
#define SCENARIO_WALL_EXTRA_MS 60000 /* setup and read-back, on top of the run's timeout */

enum { T_OUTPUT, T_MAXTEMP, T_OUTLIERS, T_DEADLETTER, T_COUNT };
static const char *const RESULT[T_COUNT] = {"Output", "MaxTemp", "Outliers", "DeadLetter"};

/* Kafka protocol request types used below. */
enum {
    API_PRODUCE = 0,
    API_OFFSET_FETCH = 9,
    API_FIND_COORDINATOR = 10,
    API_JOIN_GROUP = 11,
    API_HEARTBEAT = 12,
    API_SYNC_GROUP = 14,
    API_INIT_PRODUCER_ID = 22,
    API_ADD_PARTITIONS_TO_TXN = 24,
    API_ADD_OFFSETS_TO_TXN = 25,
    API_END_TXN = 26,
    API_TXN_OFFSET_COMMIT = 28,
};

/* ------------------------------------------------------------------ scenarios */

/* What a scenario must end with.
 *   OK         exit 0; Output, MaxTemp, Outliers and DeadLetter equal batch's exactly (no gap,
 *              no duplicate); process never aborted a transaction.
 *   REBALANCE  as OK, except that DeadLetter may hold `late`/`duplicate` records of input read
 *              a second time: the mock does not store offsets committed in a transaction
 *              (TxnOffsetCommit is acknowledged and dropped), so after a rebalance the group
 *              resumes at the beginning of the input instead of at its commit.
 *   REWIND     exit 0 after aborting a transaction and resuming from the last commit; no
 *              result missing and none batch would not produce. Duplicates are counted but
 *              cannot be judged: the mock writes no transaction markers, so the records of the
 *              aborted transaction stay visible to read_committed readers (a real broker hides
 *              them). DeadLetter may hold re-read input as for REBALANCE.
 *   FATAL      exit 1 with a message naming the problem; what reached the result topics has
 *              no duplicate and nothing batch would not produce (a gap is expected: the run
 *              ended, loudly). */
typedef enum { EXPECT_OK, EXPECT_REBALANCE, EXPECT_REWIND, EXPECT_FATAL } expect_t;
static const char *const EXPECT_NAME[] = {"ok", "rebalance", "rewind", "fatal"};

typedef enum { AT_START, AT_LIVE } when_t; /* before process starts / after its first Output */
typedef enum { F_NONE, F_ERRORS, F_DOWN } fault_kind_t;

#define MAX_ERRS 4
typedef struct fault {
    fault_kind_t kind;
    when_t when;
    int delay_ms; /* after the trigger */
    int broker;   /* F_ERRORS: whose error stack (0 = the cluster's, any broker); F_DOWN: which */
    int16_t api;  /* F_ERRORS: the request type */
    int cnt;      /* F_ERRORS: how many requests fail; a shorter list repeats its last error */
    int rtt_ms;   /* F_ERRORS: each response is also delayed this long */
    int down_ms;  /* F_DOWN: how long (0 = until the run ends) */
    rd_kafka_resp_err_t err[MAX_ERRS];
} fault_t;

#define MAX_FAULTS 2
#define MAX_PATTERNS 3
#define MAX_ARGS 4
typedef struct scenario {
    const char *name;
    const char *what; /* one line: what the scenario shows */
    expect_t expect;
    fault_t faults[MAX_FAULTS];
    const char *log_must[MAX_PATTERNS]; /* substrings process's stderr must contain */
    const char *args[MAX_ARGS];         /* more process options */
    int timeout_ms;                     /* run timeout (default RUN_TIMEOUT_MS) */
} scenario_t;

#define E(x) RD_KAFKA_RESP_ERR_##x
/* ERRORS(when, delay, broker, api, cnt, rtt, errors...) / DOWN(delay, broker, ms) */
#define ERRORS(when, delay, broker, api, cnt, rtt, ...)                                        \
    {F_ERRORS, when, delay, broker, api, cnt, rtt, 0, {__VA_ARGS__}}
#define DOWN(delay, broker, ms) {F_DOWN, AT_LIVE, delay, broker, 0, 0, 0, ms, {0}}
#define REWOUND "resumed from the last commit"

static const scenario_t SCENARIOS[] = {
    {"baseline", "no fault: the comparison itself works on the mock", EXPECT_OK, {{0}},
     {NULL}, {NULL}, 0},

    /* ---- retried inside librdkafka: the run must not even notice */
    {"produce_not_leader",
     "Produce fails NOT_LEADER_FOR_PARTITION x3: metadata refreshed, batch retried", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 3, 0, E(NOT_LEADER_FOR_PARTITION))},
     {NULL}, {NULL}, 0},
    {"produce_timed_out",
     "Produce fails REQUEST_TIMED_OUT x3: retried with the same sequence numbers", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 3, 0, E(REQUEST_TIMED_OUT))},
     {NULL}, {NULL}, 0},
    {"produce_disconnect",
     "the results broker drops the connection on Produce x2: reconnect, retry", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 2, 0, E(_TRANSPORT))},
     {NULL}, {NULL}, 0},
    {"produce_not_enough_replicas",
     "Produce fails NOT_ENOUGH_REPLICAS x4: retried", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 4, 0, E(NOT_ENOUGH_REPLICAS))},
     {NULL}, {NULL}, 0},
    {"addparts_coord_unavailable",
     "AddPartitionsToTxn fails COORDINATOR_NOT_AVAILABLE x3: coordinator found again",
     EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_ADD_PARTITIONS_TO_TXN, 3, 0, E(COORDINATOR_NOT_AVAILABLE))},
     {NULL}, {NULL}, 0},
    {"addparts_concurrent",
     "AddPartitionsToTxn fails CONCURRENT_TRANSACTIONS x5: retried after a backoff", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_ADD_PARTITIONS_TO_TXN, 5, 0, E(CONCURRENT_TRANSACTIONS))},
     {NULL}, {NULL}, 0},
    {"addoffsets_load_in_progress",
     "AddOffsetsToTxn fails COORDINATOR_LOAD_IN_PROGRESS x3: retried", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_ADD_OFFSETS_TO_TXN, 3, 0,
             E(COORDINATOR_LOAD_IN_PROGRESS))},
     {NULL}, {NULL}, 0},
    {"addoffsets_not_coordinator",
     "AddOffsetsToTxn fails NOT_COORDINATOR x2: coordinator found again, retried", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_ADD_OFFSETS_TO_TXN, 2, 0, E(NOT_COORDINATOR))},
     {NULL}, {NULL}, 0},
    {"txnoffsetcommit_not_coordinator",
     "TxnOffsetCommit fails NOT_COORDINATOR, then COORDINATOR_LOAD_IN_PROGRESS: retried",
     EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_TXN_OFFSET_COMMIT, 2, 0, E(NOT_COORDINATOR),
             E(COORDINATOR_LOAD_IN_PROGRESS))},
     {NULL}, {NULL}, 0},
    {"endtxn_coord_unavailable",
     "EndTxn (commit) fails COORDINATOR_NOT_AVAILABLE x3: retried, committed once", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 3, 0, E(COORDINATOR_NOT_AVAILABLE))},
     {NULL}, {NULL}, 0},
    {"endtxn_slow",
     "EndTxn answers after 2.5 s, twice: the commits wait, nothing is repeated", EXPECT_OK,
     {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 2, 2500, E(NO_ERROR))},
     {NULL}, {NULL}, 0},
    {"init_coord_unavailable",
     "InitProducerId fails COORDINATOR_NOT_AVAILABLE x3 at start: init_transactions retries",
     EXPECT_OK,
     {ERRORS(AT_START, 0, B_COORD, API_INIT_PRODUCER_ID, 3, 0, E(COORDINATOR_NOT_AVAILABLE))},
     {NULL}, {NULL}, 0},
    {"findcoord_unavailable",
     "FindCoordinator fails COORDINATOR_NOT_AVAILABLE x6 at start (any client): retried",
     EXPECT_OK,
     {ERRORS(AT_START, 0, 0, API_FIND_COORDINATOR, 6, 0, E(COORDINATOR_NOT_AVAILABLE))},
     {NULL}, {NULL}, 0},
    {"joingroup_errors",
     "JoinGroup fails COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR at start: joins late, "
     "still does the whole input",
     EXPECT_OK,
     {ERRORS(AT_START, 0, B_COORD, API_JOIN_GROUP, 2, 0, E(COORDINATOR_LOAD_IN_PROGRESS),
             E(NOT_COORDINATOR))},
     {NULL}, {NULL}, 0},
    {"results_broker_down",
     "the broker leading every output topic is down for 3 s: produce waits, resumes", EXPECT_OK,
     {DOWN(300, B_RESULTS, 3000)}, {NULL}, {NULL}, 0},
    {"exit_idle_after_slow_commit",
     "EndTxn answers after 4 s once, longer than --exit-idle 3, while input keeps arriving: "
     "the input is not idle and must not be treated as finished",
     EXPECT_OK, {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 1, 4000, E(NO_ERROR))},
     {NULL}, {NULL}, 0},

    /* ---- the consumer group rebalances: commit on revoke, restore on assign */
    {"coordinator_down",
     "the transaction and group coordinator is down for 3 s: the commit waits; the group "
     "session may time out (reconnect backoff): revoke, rejoin, restore",
     EXPECT_REBALANCE, {DOWN(300, B_COORD, 3000)}, {NULL}, {NULL}, 0},
    {"heartbeat_rebalance",
     "Heartbeat answers REBALANCE_IN_PROGRESS: revoke commits, assign restores the snapshots",
     EXPECT_REBALANCE,
     {ERRORS(AT_LIVE, 0, B_COORD, API_HEARTBEAT, 1, 0, E(REBALANCE_IN_PROGRESS))},
     {"partitions revoked", NULL}, {NULL}, 0},
    {"heartbeat_fenced_instance",
     "Heartbeat answers FENCED_INSTANCE_ID (what librdkafka 2.0 can do to a static member after "
     "its own rejoin, #3437): a fatal consumer error; abort, a new consumer joins, restores, "
     "resumes",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_COORD, API_HEARTBEAT, 1, 0, E(FENCED_INSTANCE_ID))},
     {"fenced by its own rejoin", NULL}, {NULL}, 0},

    /* ---- abortable: abort, reload the last committed state, re-read, produce again */
    {"rewind_first_txn",
     "AddPartitionsToTxn fails TOPIC_AUTHORIZATION_FAILED on the first transaction: abort and "
     "start over; nothing reached the log, so the mock can check it exactly",
     EXPECT_OK,
     {ERRORS(AT_START, 0, B_COORD, API_ADD_PARTITIONS_TO_TXN, 1, 0,
             E(TOPIC_AUTHORIZATION_FAILED))},
     {REWOUND, NULL}, {NULL}, 0},
    {"addparts_authz_midrun",
     "AddPartitionsToTxn fails TOPIC_AUTHORIZATION_FAILED mid-run: abort, rewind, exit 0",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_COORD, API_ADD_PARTITIONS_TO_TXN, 1, 0,
             E(TOPIC_AUTHORIZATION_FAILED))},
     {REWOUND, NULL}, {NULL}, 0},
    {"txnoffsetcommit_illegal_generation",
     "TxnOffsetCommit fails ILLEGAL_GENERATION: send_offsets is abortable: abort, rewind",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_COORD, API_TXN_OFFSET_COMMIT, 1, 0, E(ILLEGAL_GENERATION))},
     {REWOUND, NULL}, {NULL}, 0},
    {"endtxn_timed_out",
     "EndTxn (commit) fails REQUEST_TIMED_OUT (librdkafka 2.0.2: abortable): abort, rewind",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 1, 0, E(REQUEST_TIMED_OUT))},
     {REWOUND, NULL}, {NULL}, 0},
    {"endtxn_timed_out_twice",
     "EndTxn fails REQUEST_TIMED_OUT for the commit and for the abort: the abort is tried "
     "again (it succeeds the second time), rewind",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 2, 0, E(REQUEST_TIMED_OUT))},
     {REWOUND, NULL}, {NULL}, 0},
    {"produce_invalid_record",
     "Produce fails INVALID_RECORD while process is producing: the transaction becomes "
     "abortable in the background: abort, rewind",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 1, 0, E(INVALID_RECORD))},
     {REWOUND, NULL}, {NULL}, 0},
    {"rewind_offsetfetch_retry",
     "EndTxn fails REQUEST_TIMED_OUT, then the rewind's OffsetFetch meets "
     "COORDINATOR_LOAD_IN_PROGRESS x2: retried, rewind completes",
     EXPECT_REWIND,
     {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 1, 0, E(REQUEST_TIMED_OUT)),
      ERRORS(AT_LIVE, 0, B_COORD, API_OFFSET_FETCH, 2, 0, E(COORDINATOR_LOAD_IN_PROGRESS))},
     {REWOUND, NULL}, {NULL}, 0},
    {"results_broker_down_long",
     "the results broker is down for 9 s, longer than message.timeout.ms (5 s here): the "
     "messages time out, abort, rewind once it is back",
     EXPECT_REWIND, {DOWN(300, B_RESULTS, 9000)},
     {REWOUND, NULL}, {"-X", "message.timeout.ms=5000", NULL}, 0},

    /* ---- fatal: fenced, or a broker gone for longer than --broker-timeout */
    {"init_fenced",
     "InitProducerId fails PRODUCER_FENCED at start: exit 1 naming the fencing", EXPECT_FATAL,
     {ERRORS(AT_START, 0, B_COORD, API_INIT_PRODUCER_ID, 1, 0, E(PRODUCER_FENCED))},
     {"initializing transactions", "fenced", NULL}, {NULL}, 0},
    {"endtxn_fenced",
     "EndTxn (commit) fails PRODUCER_FENCED mid-run: exit 1, no duplicate written",
     EXPECT_FATAL, {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 1, 0, E(PRODUCER_FENCED))},
     {"fenced", NULL}, {NULL}, 0},
    {"endtxn_invalid_epoch",
     "EndTxn (commit) fails INVALID_PRODUCER_EPOCH mid-run: exit 1", EXPECT_FATAL,
     {ERRORS(AT_LIVE, 0, B_COORD, API_END_TXN, 1, 0, E(INVALID_PRODUCER_EPOCH))},
     {"fenced", NULL}, {NULL}, 0},
    {"produce_invalid_epoch",
     "Produce fails INVALID_PRODUCER_EPOCH mid-run (fenced while producing): exit 1",
     EXPECT_FATAL, {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 1, 0, E(INVALID_PRODUCER_EPOCH))},
     {"fenced", NULL}, {NULL}, 0},
    {"produce_topic_authz",
     "Produce fails TOPIC_AUTHORIZATION_FAILED: abort, rewind, then librdkafka refuses the "
     "topic: exit 1 naming the authorization failure",
     EXPECT_FATAL,
     {ERRORS(AT_LIVE, 0, B_RESULTS, API_PRODUCE, 1, 0, E(TOPIC_AUTHORIZATION_FAILED))},
     {"authorization", NULL}, {NULL}, 0},
    {"coordinator_gone",
     "the coordinator goes down for good: exit 1 within a bounded time (--broker-timeout 20)",
     EXPECT_FATAL, {DOWN(300, B_COORD, 0)}, {NULL}, {NULL}, GONE_TIMEOUT_MS},
    {"results_broker_gone",
     "the results broker goes down for good (message.timeout.ms 5 s): exit 1 within a bounded "
     "time (--broker-timeout 20)",
     EXPECT_FATAL, {DOWN(300, B_RESULTS, 0)}, {NULL}, {"-X", "message.timeout.ms=5000", NULL},
     GONE_TIMEOUT_MS},
};
#define N_SCENARIOS (sizeof SCENARIOS / sizeof SCENARIOS[0])

/* ------------------------------------------------------------------ small utilities */

static const char *g_wx;            /* the wxstream binary */
static char g_work[1024];           /* working directory */
static char g_input_path[1200]; /* the input lines, in event-time order */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec_t;

static char **g_input; /* the lines, in order */
static size_t g_n_input;
static strvec_t g_expected[T_COUNT]; /* batch's records, sorted */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("test_faults: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void sv_push(strvec_t *sv, char *s)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? 2 * sv->cap : 64;
        char **nv = realloc(sv->v, sv->cap * sizeof *nv);
        if (!nv)
            die("out of memory");
        sv->v = nv;
    }
    sv->v[sv->n++] = s;
}

static void sv_free(strvec_t *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sv_sort(strvec_t *sv)
{
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
}

/* Reads FILE's lines (without the newline) into sv. Returns 0 or -1. */
static int read_lines(const char *path, strvec_t *sv)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        sv_push(sv, xstrndup(line, (size_t)n));
    }
    free(line);
    fclose(f);
    return 0;
}

static void mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        die("mkdir %s: %s", path, strerror(errno));
}

static void rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rm_rf(sub);
            else
                unlink(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Starts argv with stdout and stderr to log (appended). Returns the pid. */
static pid_t spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            close(devnull);
        }
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits up to timeout_ms for pid. Returns its exit status, 128+signal, or -1 on a timeout
 * (the child is then killed). */
static int wait_for(pid_t pid, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        sleep_ms(20);
    }
}

/* Runs argv to completion (bounded), output to log. Returns its exit status or -1. */
static int run_cmd(char *const argv[], const char *log, int timeout_ms)
{
    return wait_for(spawn(argv, log), timeout_ms);
}

/* The last n lines of a file, indented, to out. */
static void tail_file(FILE *out, const char *path, int n)
{
    strvec_t lines = {0};
    if (read_lines(path, &lines) != 0) {
        fprintf(out, "      (no log at %s)\n", path);
        return;
    }
    size_t from = lines.n > (size_t)n ? lines.n - (size_t)n : 0;
    for (size_t i = from; i < lines.n; i++)
        fprintf(out, "      | %.300s\n", lines.v[i]);
    sv_free(&lines);
}

static bool file_contains(const char *path, const char *needle)
{
    strvec_t lines = {0};
    bool found = false;
    if (read_lines(path, &lines) == 0)
        for (size_t i = 0; i < lines.n && !found; i++)
            found = strstr(lines.v[i], needle) != NULL;
    sv_free(&lines);
    return found;
}

/* ------------------------------------------------------------------ the data (shared) */

/* Event-time order: UTC date and time (columns 7-19 of a USCRN line), then station. */
static int cmp_reading(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    if (lx >= 19 && ly >= 19) {
        int c = memcmp(x + 6, y + 6, 13);
        if (c)
            return c;
    }
    return strcmp(x, y);
}

static void prepare_data(void)
{
    char data_dir[1200], log[1200], expected_dir[1200];
    snprintf(data_dir, sizeof data_dir, "%s/data", g_work);
    snprintf(log, sizeof log, "%s/prepare.log", g_work);
    snprintf(expected_dir, sizeof expected_dir, "%s/expected", g_work);
    char *synth[] = {(char *)g_wx, "synth", "--days", SYNTH_DAYS, "--seed", SYNTH_SEED,
                     "--anomalies", "--out", data_dir, NULL};
    if (run_cmd(synth, log, 60000) != 0)
        die("wxstream synth failed (see %s)", log);
    strvec_t lines = {0};
    DIR *d = opendir(data_dir);
    if (!d)
        die("%s: %s", data_dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", data_dir, e->d_name);
        if (read_lines(path, &lines) != 0)
            die("cannot read %s", path);
    }
    closedir(d);
    if (lines.n <= FIRST_PART)
        die("synth wrote only %zu lines", lines.n);
    qsort(lines.v, lines.n, sizeof *lines.v, cmp_reading);
    snprintf(g_input_path, sizeof g_input_path, "%s/input.txt", g_work);
    FILE *f = fopen(g_input_path, "w");
    if (!f)
        die("%s: %s", g_input_path, strerror(errno));
    for (size_t i = 0; i < lines.n; i++)
        fprintf(f, "%s\n", lines.v[i]);
    if (fclose(f) != 0)
        die("writing %s failed", g_input_path);
    g_input = lines.v;
    g_n_input = lines.n;
    /* The harness produces raw USCRN lines, which name no source file: --source-file record. */
    char *batch[] = {(char *)g_wx, "batch", "-q", "--source-file", "record", "--out",
                     expected_dir, g_input_path, NULL};
    if (run_cmd(batch, log, 60000) != 0)
        die("wxstream batch failed (see %s)", log);
    for (int t = 0; t < T_COUNT; t++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s.jsonl", expected_dir, RESULT[t]);
        if (read_lines(path, &g_expected[t]) != 0)
            die("batch wrote no %s", path);
        sv_sort(&g_expected[t]);
    }
    if (g_expected[T_OUTPUT].n == 0 || g_expected[T_MAXTEMP].n == 0)
        die("batch produced no Output or MaxTemp: the comparison would prove nothing");
}

/* ------------------------------------------------------------------ one scenario */

typedef struct run {
    const scenario_t *sc;
    FILE *report; /* the scenario's verdict and details */
    char dir[1100];
    char harness_log[1200];
    char process_log[1200];
    FILE *hlog;
    rd_kafka_t *mock_rk;
    rd_kafka_mock_cluster_t *mc;
    char bootstraps[512];
    rd_kafka_t *feeder; /* produces the input */
    rd_kafka_t *probe;  /* watches the Output topic's end offset */
    size_t fed;         /* input lines produced so far */
    bool feed_failed, feed_flushed;
    bool fired[MAX_FAULTS];
    int64_t fired_at[MAX_FAULTS];
    bool restored[MAX_FAULTS]; /* F_DOWN: broker up again */
    bool failed;
    char notes[2048];
} run_t;

static void note(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(run_t *r, const char *fmt, ...)
{
    size_t l = strlen(r->notes);
    if (l + 3 >= sizeof r->notes)
        return;
    if (l)
        r->notes[l++] = ';', r->notes[l++] = ' ', r->notes[l] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->notes + l, sizeof r->notes - l, fmt, ap);
    va_end(ap);
}

/* A reason for FAIL, written to the report as found. */
static void problem(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(run_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("    - ", r->report);
    vfprintf(r->report, fmt, ap);
    fputc('\n', r->report);
    va_end(ap);
    r->failed = true;
}

static void hlog(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hlog(run_t *r, const char *fmt, ...)
{
    if (!r->hlog)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    va_list ap;
    va_start(ap, fmt);
    fprintf(r->hlog, "[%lld.%03ld] ", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
    vfprintf(r->hlog, fmt, ap);
    fputc('\n', r->hlog);
    fflush(r->hlog);
    va_end(ap);
}

static FILE *g_rk_log; /* librdkafka's own log lines of the harness's handles */

static void on_rk_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (g_rk_log) {
        fprintf(g_rk_log, "rdkafka %d %s: %s\n", level, fac, buf);
        fflush(g_rk_log);
    }
}

static rd_kafka_t *new_handle(rd_kafka_type_t type, const char *const *kv,
                              rd_kafka_conf_t *conf)
{
    char err[512];
    if (!conf)
        conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, on_rk_log);
    for (size_t i = 0; kv && kv[i]; i += 2)
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], err, sizeof err) != RD_KAFKA_CONF_OK)
            die("%s=%s: %s", kv[i], kv[i + 1], err);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk)
        die("rd_kafka_new: %s", err);
    return rk;
}

static void topic_name(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s%s", PREFIX, name);
}

static int setup_mock(run_t *r)
{
    r->mock_rk = new_handle(RD_KAFKA_PRODUCER, NULL, NULL);
    r->mc = rd_kafka_mock_cluster_new(r->mock_rk, N_BROKERS);
    if (!r->mc) {
        problem(r, "could not create the mock cluster");
        return -1;
    }
    snprintf(r->bootstraps, sizeof r->bootstraps, "%s", rd_kafka_mock_cluster_bootstraps(r->mc));
    /* The mock does not serve the Admin API (CreateTopics): create every topic process needs,
     * with the partition counts its setup_topics would choose (it then finds them in the
     * metadata and creates nothing). */
    char hourly[256], changelog[256];
    wxk_topic(hourly, sizeof hourly, GROUP, WXK_HOURLY);
    wxk_topic(changelog, sizeof changelog, GROUP, WXK_CHANGELOG);
    const char *const written[] = {"Output", "MaxTemp", "Outliers", "DeadLetter", hourly,
                                   changelog};
    char t[256];
    topic_name(t, sizeof t, "InputData");
    if (rd_kafka_mock_topic_create(r->mc, t, 1, N_BROKERS) ||
        rd_kafka_mock_partition_set_leader(r->mc, t, 0, B_INPUT)) {
        problem(r, "could not create %s on the mock", t);
        return -1;
    }
    for (size_t i = 0; i < sizeof written / sizeof written[0]; i++) {
        topic_name(t, sizeof t, written[i]);
        if (rd_kafka_mock_topic_create(r->mc, t, 1, N_BROKERS) ||
            rd_kafka_mock_partition_set_leader(r->mc, t, 0, B_RESULTS)) {
            problem(r, "could not create %s on the mock", t);
            return -1;
        }
    }
    char txn_id[256], restore_group[256]; /* as process names them */
    wxk_name(txn_id, sizeof txn_id, GROUP, INSTANCE);
    wxk_name(restore_group, sizeof restore_group, GROUP, "restore-" INSTANCE);
    rd_kafka_mock_coordinator_set(r->mc, "transaction", txn_id, B_COORD);
    rd_kafka_mock_coordinator_set(r->mc, "group", GROUP, B_COORD);
    rd_kafka_mock_coordinator_set(r->mc, "group", restore_group, B_COORD);
    hlog(r, "mock cluster at %s", r->bootstraps);
    return 0;
}

static volatile int g_delivery_failed;

static void on_feed_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        g_delivery_failed = 1;
}

/* Produces the next n input lines (key: the station's WBAN, as replay does). */
static int feed(run_t *r, size_t n)
{
    char t[256];
    topic_name(t, sizeof t, "InputData");
    size_t end = r->fed + n < g_n_input ? r->fed + n : g_n_input;
    for (; r->fed < end; r->fed++) {
        const char *line = g_input[r->fed];
        size_t len = strlen(line);
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(r->feeder, RD_KAFKA_V_TOPIC(t), RD_KAFKA_V_PARTITION(0),
                                        RD_KAFKA_V_KEY((void *)line, len >= 5 ? 5 : len),
                                        RD_KAFKA_V_VALUE((void *)line, len),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(r->feeder, 10);
        if (err) {
            problem(r, "feeding the input: %s", rd_kafka_err2str(err));
            r->feed_failed = true;
            return -1;
        }
    }
    rd_kafka_poll(r->feeder, 0);
    return 0;
}

static int feed_flush(run_t *r)
{
    r->feed_flushed = true;
    if (rd_kafka_flush(r->feeder, 15000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        problem(r, "feeding the input: not delivered within 15 s");
        r->feed_failed = true;
        return -1;
    }
    hlog(r, "fed %zu lines", r->fed);
    return 0;
}

static void fire(run_t *r, int i)
{
    const fault_t *f = &r->sc->faults[i];
    r->fired[i] = true;
    r->fired_at[i] = now_ms();
    if (f->kind == F_DOWN) {
        rd_kafka_mock_broker_set_down(r->mc, f->broker);
        hlog(r, "broker %d down", f->broker);
        return;
    }
    /* The list ends at its first 0 after the first entry (which may be 0: no error, only a
     * delay); a list shorter than cnt repeats its last error. */
    int listed = 1;
    while (listed < MAX_ERRS && f->err[listed] != RD_KAFKA_RESP_ERR_NO_ERROR)
        listed++;
    for (int k = 0; k < f->cnt; k++) {
        rd_kafka_resp_err_t e = f->err[k < listed ? k : listed - 1];
        if (f->broker > 0) {
            rd_kafka_mock_broker_push_request_error_rtts(r->mc, f->broker, f->api, 1, e,
                                                         f->rtt_ms);
        } else {
            /* Any broker may get the request: every broker's stack gets the errors. */
            for (int b = 1; b <= N_BROKERS; b++)
                rd_kafka_mock_broker_push_request_error_rtts(r->mc, b, f->api, 1, e, f->rtt_ms);
        }
    }
    hlog(r, "injected %d x %s on ApiKey %d (broker %d, rtt %d ms)", f->cnt,
         rd_kafka_err2name(f->err[0]), f->api, f->broker, f->rtt_ms);
}

static void faults_tick(run_t *r, bool started, int64_t live_at)
{
    int64_t now = now_ms();
    for (int i = 0; i < MAX_FAULTS; i++) {
        const fault_t *f = &r->sc->faults[i];
        if (f->kind == F_NONE)
            continue;
        if (!r->fired[i]) {
            if ((f->when == AT_START && !started) ||
                (f->when == AT_LIVE && live_at && now >= live_at + f->delay_ms))
                fire(r, i);
        } else if (f->kind == F_DOWN && f->down_ms > 0 && !r->restored[i] &&
                   now >= r->fired_at[i] + f->down_ms) {
            rd_kafka_mock_broker_set_up(r->mc, f->broker);
            r->restored[i] = true;
            hlog(r, "broker %d up again", f->broker);
        }
    }
}

/* The Output topic's end offset, or -1. (Only asked while every broker is up: librdkafka
 * 2.0.2's rd_kafka_query_watermark_offsets ignores its timeout when the leader is down.) */
static int64_t output_end(run_t *r)
{
    char t[256];
    int64_t lo, hi;
    topic_name(t, sizeof t, "Output");
    if (rd_kafka_query_watermark_offsets(r->probe, t, 0, &lo, &hi, 500))
        return -1;
    return hi;
}

/* Runs process to its end while feeding input and firing faults. Returns its exit status, or
 * -1 when it had to be killed. */
static int run_process(run_t *r, double *secs)
{
    char *argv[32];
    int argc = 0;
    static const char *const base[] = {"process", "-b", NULL, "-G", GROUP, "--exit-idle",
                                       EXIT_IDLE, "--broker-timeout", BROKER_TIMEOUT};
    argv[argc++] = (char *)g_wx;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        argv[argc++] = base[i] ? (char *)base[i] : r->bootstraps;
    for (int i = 0; i < MAX_ARGS && r->sc->args[i]; i++)
        argv[argc++] = (char *)r->sc->args[i];
    argv[argc] = NULL;
    int timeout = r->sc->timeout_ms ? r->sc->timeout_ms : RUN_TIMEOUT_MS;

    faults_tick(r, false, 0); /* AT_START faults */
    int64_t t0 = now_ms();
    pid_t pid = spawn(argv, r->process_log);
    hlog(r, "process started (pid %d)", (int)pid);
    int64_t live_at = 0, last_probe = 0, last_feed = 0, term_at = 0;
    int status = -1;
    for (;;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (term_at)
                status = -1;
            break;
        }
        int64_t now = now_ms();
        if (!live_at && now - last_probe >= 100) {
            last_probe = now;
            if (output_end(r) > 0) {
                live_at = now;
                hlog(r, "process is producing (first Output after %.1f s)",
                     (double)(now - t0) / 1000.0);
            } else if (now - t0 > 30000) {
                live_at = now;
                note(r, "no Output within 30 s: the rest of the input was fed anyway");
            }
        }
        /* The rest of the input trickles in while process works, so faults meet it busy. */
        if (live_at && !r->feed_failed && r->fed < g_n_input && now - last_feed >= TRICKLE_MS) {
            last_feed = now;
            feed(r, TRICKLE_LINES);
        } else if (r->fed == g_n_input && !r->feed_flushed) {
            feed_flush(r);
        } else if (r->feeder) {
            rd_kafka_poll(r->feeder, 0);
        }
        faults_tick(r, true, live_at);
        if (!term_at && now - t0 > timeout) {
            problem(r, "process still running after %d s: sent SIGTERM (a hang)", timeout / 1000);
            hlog(r, "timeout: SIGTERM");
            kill(pid, SIGTERM);
            term_at = now;
        } else if (term_at && now - term_at > 5000) {
            problem(r, "process did not stop within 5 s of SIGTERM: killed");
            hlog(r, "SIGKILL");
            kill(pid, SIGKILL);
            term_at = now + 3600 * 1000; /* once */
        }
        sleep_ms(2);
    }
    *secs = (double)(now_ms() - t0) / 1000.0;
    hlog(r, "process exited with status %d after %.1f s", status, *secs);
    return status;
}

/* Every record of partition 0 of each result topic, from the beginning to the end
 * (read_committed); end[t] gets each partition's end offset. */
static int read_results(run_t *r, strvec_t got[T_COUNT], int64_t end[T_COUNT])
{
    const char *const kv[] = {"bootstrap.servers", r->bootstraps, "group.id", "fx-readback",
                              "isolation.level", "read_committed", "enable.partition.eof", "true",
                              "enable.auto.commit", "false", "auto.offset.reset", "earliest",
                              NULL};
    rd_kafka_t *c = new_handle(RD_KAFKA_CONSUMER, kv, NULL);
    char names[T_COUNT][256];
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(T_COUNT);
    for (int t = 0; t < T_COUNT; t++) {
        int64_t lo = -1;
        topic_name(names[t], sizeof names[t], RESULT[t]);
        end[t] = -1;
        rd_kafka_query_watermark_offsets(c, names[t], 0, &lo, &end[t], 10000);
        rd_kafka_topic_partition_list_add(l, names[t], 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    bool eof[T_COUNT] = {false};
    int n_eof = 0;
    int64_t deadline = now_ms() + 20000;
    while (n_eof < T_COUNT && now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c, 200);
        if (!m)
            continue;
        int t = 0;
        if (m->rkt)
            for (t = 0; t < T_COUNT; t++)
                if (!strcmp(rd_kafka_topic_name(m->rkt), names[t]))
                    break;
        if (t == T_COUNT) {
            hlog(r, "reading back: %s", rd_kafka_message_errstr(m));
        } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (!eof[t])
                n_eof++;
            eof[t] = true;
        } else if (m->err) {
            hlog(r, "reading %s: %s", names[t], rd_kafka_message_errstr(m));
        } else {
            sv_push(&got[t], xstrndup(m->payload ? (const char *)m->payload : "", m->len));
        }
        rd_kafka_message_destroy(m);
    }
    for (int t = 0; t < T_COUNT; t++)
        if (!eof[t])
            problem(r, "could not read %s to its end within 20 s", names[t]);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return n_eof == T_COUNT ? 0 : -1;
}

/* The group's committed offset of the input partition (what a restart would resume from). */
static int64_t committed_input_offset(run_t *r)
{
    const char *const kv[] = {"bootstrap.servers", r->bootstraps, "group.id", GROUP,
                              "enable.auto.commit", "false", NULL};
    rd_kafka_t *c = new_handle(RD_KAFKA_CONSUMER, kv, NULL);
    char t[256];
    topic_name(t, sizeof t, "InputData");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, t, 0);
    int64_t off = -2;
    if (rd_kafka_committed(c, l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(c);
    return off;
}

typedef struct cmp_result {
    size_t expected, got, missing, extra, dup; /* dup: copies beyond the expected count */
    size_t extra_reread; /* of extra: DeadLetter `late`/`duplicate` (input read again) */
} cmp_result_t;

static bool is_reread(const char *dead_letter)
{
    return strstr(dead_letter, "\"reason\":\"late\"") ||
           strstr(dead_letter, "\"reason\":\"duplicate\"");
}

/* Multiset comparison of got (sorted) with exp (sorted); with show, examples to the report. */
static cmp_result_t compare(run_t *r, const char *name, const strvec_t *exp, const strvec_t *got,
                            bool show)
{
    cmp_result_t c = {exp->n, got->n, 0, 0, 0, 0};
    size_t i = 0, j = 0;
    int shown[3] = {0, 0, 0};
    while (i < exp->n || j < got->n) {
        int d = i == exp->n ? 1 : j == got->n ? -1 : strcmp(exp->v[i], got->v[j]);
        const char *what = NULL, *rec = NULL;
        int kind = 0;
        if (d == 0) {
            i++, j++;
            continue;
        } else if (d < 0) {
            c.missing++;
            what = "missing:  ", rec = exp->v[i++], kind = 0;
        } else if (j > 0 && !strcmp(got->v[j], got->v[j - 1])) {
            c.dup++;
            what = "duplicate:", rec = got->v[j++], kind = 1;
        } else {
            c.extra++;
            c.extra_reread += is_reread(got->v[j]);
            what = "extra:    ", rec = got->v[j++], kind = 2;
        }
        if (show && shown[kind]++ < 3)
            fprintf(r->report, "      %s %s %.260s\n", name, what, rec);
    }
    return c;
}

static const char *api_name(int16_t api)
{
    switch (api) {
    case API_PRODUCE: return "Produce";
    case API_OFFSET_FETCH: return "OffsetFetch";
    case API_FIND_COORDINATOR: return "FindCoordinator";
    case API_JOIN_GROUP: return "JoinGroup";
    case API_HEARTBEAT: return "Heartbeat";
    case API_SYNC_GROUP: return "SyncGroup";
    case API_INIT_PRODUCER_ID: return "InitProducerId";
    case API_ADD_PARTITIONS_TO_TXN: return "AddPartitionsToTxn";
    case API_ADD_OFFSETS_TO_TXN: return "AddOffsetsToTxn";
    case API_END_TXN: return "EndTxn";
    case API_TXN_OFFSET_COMMIT: return "TxnOffsetCommit";
    default: return "?";
    }
}

/* Was every fault actually met? A fault that never fired proves nothing. */
static void check_faults_hit(run_t *r)
{
    for (int i = 0; i < MAX_FAULTS; i++) {
        const fault_t *f = &r->sc->faults[i];
        if (f->kind == F_NONE)
            continue;
        if (!r->fired[i]) {
            problem(r, "fault %d was never injected (process ended before its trigger)", i + 1);
            continue;
        }
        if (f->kind != F_ERRORS)
            continue;
        size_t left = 0, pushed = (size_t)f->cnt * (f->broker > 0 ? 1 : N_BROKERS);
        for (int b = 1; b <= N_BROKERS; b++) {
            if (f->broker > 0 && b != f->broker)
                continue;
            size_t n = 0;
            rd_kafka_mock_broker_error_stack_cnt(r->mc, b, f->api, &n);
            left += n;
        }
        if (left == pushed)
            problem(r, "none of the injected %s errors was met: the fault was not exercised",
                    api_name(f->api));
        else if (f->broker > 0 && left > 0)
            problem(r, "%zu of %d injected %s errors were never met", left, f->cnt,
                    api_name(f->api));
        else
            note(r, "%zu injected %s fault(s) met", pushed - left, api_name(f->api));
    }
}

/* The last line process wrote about a failure (to show what it said), or "". */
static void last_complaint(const char *log, char *out, size_t size)
{
    static const char *const info[] = {"assigned ", "partitions revoked", "input rate:",
                                       "readings and", "resumed from the last commit",
                                       "(retrying)"};
    strvec_t lines = {0};
    out[0] = '\0';
    if (read_lines(log, &lines) != 0)
        return;
    for (size_t i = 0; i < lines.n; i++) {
        const char *l = strstr(lines.v[i], "wxstream process: ");
        if (!l)
            continue;
        bool skip = false;
        for (size_t k = 0; k < sizeof info / sizeof info[0]; k++)
            skip |= strstr(l, info[k]) != NULL;
        if (!skip)
            snprintf(out, size, "%s", l + strlen("wxstream process: "));
    }
    sv_free(&lines);
}

static void run_scenario(const scenario_t *sc, FILE *report)
{
    run_t run, *r = &run;
    memset(r, 0, sizeof *r);
    r->sc = sc;
    r->report = report;
    snprintf(r->dir, sizeof r->dir, "%s/%s", g_work, sc->name);
    rm_rf(r->dir);
    mkdir_p(r->dir);
    if (snprintf(r->harness_log, sizeof r->harness_log, "%s/harness.log", r->dir) >=
            (int)sizeof r->harness_log ||
        snprintf(r->process_log, sizeof r->process_log, "%s/process.log", r->dir) >=
            (int)sizeof r->process_log)
        die("work directory path too long");
    r->hlog = fopen(r->harness_log, "w");
    g_rk_log = r->hlog;
    int64_t t0 = now_ms();
    int status = -2;
    double secs = 0;
    strvec_t got[T_COUNT] = {{0}};
    int64_t end[T_COUNT] = {0};
    bool aborted = false;

    if (setup_mock(r) != 0)
        goto verdict;
    {
        const char *const fkv[] = {"bootstrap.servers", r->bootstraps, "enable.idempotence",
                                   "false", "acks", "all", "linger.ms", "5", NULL};
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set_dr_msg_cb(conf, on_feed_delivery);
        r->feeder = new_handle(RD_KAFKA_PRODUCER, fkv, conf);
        const char *const pkv[] = {"bootstrap.servers", r->bootstraps, "group.id", "fx-probe",
                                   NULL};
        r->probe = new_handle(RD_KAFKA_CONSUMER, pkv, NULL);
    }
    g_delivery_failed = 0;
    if (feed(r, FIRST_PART) != 0 || rd_kafka_flush(r->feeder, 15000) != 0) {
        problem(r, "could not feed the first part of the input");
        goto verdict;
    }
    status = run_process(r, &secs);
    /* Everything back to normal before reading. */
    for (int i = 0; i < MAX_FAULTS; i++)
        if (sc->faults[i].kind == F_DOWN && r->fired[i] && !r->restored[i]) {
            rd_kafka_mock_broker_set_up(r->mc, sc->faults[i].broker);
            r->restored[i] = true;
        }
    if (!r->feed_flushed && !r->feed_failed)
        rd_kafka_flush(r->feeder, 15000);
    if (g_delivery_failed)
        problem(r, "the harness could not deliver some input (see %s)", r->harness_log);
    check_faults_hit(r);
    read_results(r, got, end);
    for (int t = 0; t < T_COUNT; t++) {
        sv_sort(&got[t]);
        char path[1300];
        FILE *f = snprintf(path, sizeof path, "%s/%s.jsonl", r->dir, RESULT[t]) <
                          (int)sizeof path
                      ? fopen(path, "w")
                      : NULL;
        for (size_t i = 0; f && i < got[t].n; i++)
            fprintf(f, "%s\n", got[t].v[i]);
        if (f)
            fclose(f);
    }
    if (!strcmp(sc->name, "baseline")) {
        /* What the mock does with transactions, measured rather than assumed. */
        size_t n = 0;
        int64_t e = 0;
        for (int t = 0; t < T_COUNT; t++)
            n += got[t].n, e += end[t];
        note(r, "mock: %" PRId64 " offsets hold %zu records (%s)", e, n,
             (size_t)e > n ? "transaction markers written" : "no transaction markers");
        int64_t off = committed_input_offset(r);
        note(r, "mock: the group's committed input offset after the run: %" PRId64 " of %zu (%s)",
             off, g_n_input,
             off >= 0 ? "TxnOffsetCommit stored" : "TxnOffsetCommit acknowledged, not stored");
    }

verdict:;
    /* librdkafka 2.0.2 can leave a transaction call blocked past its timeout after
     * coordinator-lookup errors (librdkafka issue #5456); process's watchdog then ends the run
     * with exit 1 and says so. That is the loud ending the issue allows ("or ends the run with
     * a clear error"), so for this scenario it is judged as FATAL, not as a hang. */
    expect_t expect = sc->expect;
    if (!strcmp(sc->name, "findcoord_unavailable") && status == 1 &&
        file_contains(r->process_log, "has not returned for"))
        expect = EXPECT_FATAL;
    if (status == -1) {
        problem(r, "process had to be killed");
    } else if (status >= 0 && expect != EXPECT_FATAL && status != 0) {
        problem(r, "process exited with status %d, expected 0", status);
    } else if (status >= 0 && expect == EXPECT_FATAL && status != 1) {
        problem(r, "process exited with status %d, expected 1 (a clear failure)", status);
    }
    if (status >= -1) {
        aborted = file_contains(r->process_log, "aborting the transaction");
        bool rewind_expected = false;
        for (int k = 0; k < MAX_PATTERNS && sc->log_must[k]; k++) {
            rewind_expected |= !strcmp(sc->log_must[k], REWOUND);
            if (!file_contains(r->process_log, sc->log_must[k]))
                problem(r, "process's log does not say \"%s\"", sc->log_must[k]);
        }
        if (aborted && !rewind_expected && expect != EXPECT_FATAL)
            problem(r, "process aborted a transaction: a retriable fault must not cost one");
    }
    char counts[512] = "";
    if (status >= -1) {
        size_t cl = 0, dups = 0;
        for (int t = 0; t < T_COUNT; t++) {
            cmp_result_t c = compare(r, RESULT[t], &g_expected[t], &got[t], false);
            cl += (size_t)snprintf(counts + cl, sizeof counts - cl, "%s%s %zu/%zu", t ? ", " : "",
                                   RESULT[t], c.got, c.expected);
            if (cl >= sizeof counts)
                cl = sizeof counts - 1;
            /* After an abort the mock still shows the aborted records (no transaction
             * markers), and after a rewind or rebalance the group resumes at the start of the
             * input (TxnOffsetCommit is not stored): judged only where that cannot happen. */
            bool judge_dups = expect == EXPECT_OK || expect == EXPECT_REBALANCE ||
                              (expect == EXPECT_FATAL && !aborted);
            bool reread_ok = expect == EXPECT_REBALANCE || expect == EXPECT_REWIND ||
                             (expect == EXPECT_FATAL && aborted);
            size_t extra = c.extra - (t == T_DEADLETTER && reread_ok ? c.extra_reread : 0);
            size_t dup = c.dup;
            if (!judge_dups)
                dups += dup, dup = 0; /* reported, not judged */
            if (t == T_DEADLETTER && reread_ok && c.extra_reread)
                note(r, "%zu DeadLetter late/duplicate: input read again (mock)", c.extra_reread);
            bool gap = expect != EXPECT_FATAL && c.missing > 0;
            if (gap || extra || dup) {
                problem(r, "%s: expected %zu, read %zu: %zu missing, %zu extra, %zu duplicate%s",
                        RESULT[t], c.expected, c.got, c.missing, c.extra, c.dup,
                        expect == EXPECT_FATAL ? " (a gap is expected here; the rest is not)"
                                                   : "");
                compare(r, RESULT[t], &g_expected[t], &got[t], true);
            }
        }
        if (dups)
            note(r, "%zu duplicate result(s) after an abort: the mock leaves aborted records "
                    "visible (not judged)", dups);
    }
    if (expect == EXPECT_FATAL && status >= 0) {
        char said[400];
        last_complaint(r->process_log, said, sizeof said);
        note(r, "process said: \"%.300s\"", said[0] ? said : "(nothing)");
    }
    double total = (double)(now_ms() - t0) / 1000.0;
    if (r->failed) {
        fprintf(report, "    process log (last 12 lines of %s):\n", r->process_log);
        tail_file(report, r->process_log, 12);
    }
    fprintf(report, "  %s  %s; exit %d after %.1f s; %s; %.1f s in all%s%s\n",
            r->failed ? "=> FAIL" : "=> PASS", EXPECT_NAME[expect], status, secs, counts,
            total, r->notes[0] ? "; " : "", r->notes);

    for (int t = 0; t < T_COUNT; t++)
        sv_free(&got[t]);
    if (r->probe)
        rd_kafka_destroy(r->probe);
    if (r->feeder)
        rd_kafka_destroy(r->feeder);
    if (r->mc)
        rd_kafka_mock_cluster_destroy(r->mc);
    if (r->mock_rk)
        rd_kafka_destroy(r->mock_rk);
    g_rk_log = NULL;
    if (r->hlog)
        fclose(r->hlog);
}

/* ------------------------------------------------------------------ driver */

typedef struct job {
    const scenario_t *sc;
    pid_t pid;
    int64_t started;
    bool done, passed;
    char report_path[1200];
} job_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: test_faults --wx PATH/wxstream [options] [SCENARIO...]\n\n"
            "Runs `wxstream process` against librdkafka's mock cluster with injected faults and\n"
            "checks that each run either ends equal to `wxstream batch` (no gap, no duplicate)\n"
            "or fails loudly (exit 1, a clear message, no duplicate in what was written).\n"
            "Without SCENARIO, all of them (see --list). docs/faults.md explains each.\n\n"
            "options:\n"
            "  --wx PATH     the wxstream binary (required)\n"
            "  --work DIR    working directory (default: a new one under $TMPDIR or /tmp,\n"
            "                removed when every scenario passed)\n"
            "  --jobs N      scenarios at once, each with its own mock cluster (default: 6)\n"
            "  --skip NAME   leave scenario NAME out (repeatable)\n"
            "  --keep        keep the working directory (logs) even when everything passed\n"
            "  --list        list the scenarios and exit\n"
            "  -h, --help    this help\n\n"
            "Exit status: 0 every scenario passed, 1 one failed, 2 usage or setup error.\n");
}

static const scenario_t *find_scenario(const char *name)
{
    for (size_t i = 0; i < N_SCENARIOS; i++)
        if (!strcmp(SCENARIOS[i].name, name))
            return &SCENARIOS[i];
    return NULL;
}

static void print_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
}

static bool report_passed(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[2048];
    bool pass = false;
    while (f && fgets(line, sizeof line, f))
        pass = strncmp(line, "  => PASS", 9) == 0;
    if (f)
        fclose(f);
    return pass;
}

int main(int argc, char **argv)
{
    const scenario_t *chosen[N_SCENARIOS];
    size_t n_chosen = 0;
    const scenario_t *skip[N_SCENARIOS];
    size_t n_skip = 0;
    const char *work = NULL;
    int jobs = 6;
    bool keep = false, list = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--wx") && i + 1 < argc) {
            g_wx = argv[++i];
        } else if (!strcmp(argv[i], "--work") && i + 1 < argc) {
            work = argv[++i];
        } else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
            jobs = atoi(argv[++i]);
            if (jobs < 1 || jobs > 32) {
                fprintf(stderr, "test_faults: --jobs takes 1..32\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--skip") && i + 1 < argc) {
            const scenario_t *sc = find_scenario(argv[++i]);
            if (!sc) {
                fprintf(stderr, "test_faults: --skip: no scenario '%s' (see --list)\n", argv[i]);
                return 2;
            }
            if (n_skip < N_SCENARIOS)
                skip[n_skip++] = sc;
        } else if (!strcmp(argv[i], "--keep")) {
            keep = true;
        } else if (!strcmp(argv[i], "--list")) {
            list = true;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            usage(stderr);
            return 2;
        } else {
            const scenario_t *sc = find_scenario(argv[i]);
            if (!sc) {
                fprintf(stderr, "test_faults: no scenario '%s' (see --list)\n", argv[i]);
                return 2;
            }
            bool dup = false;
            for (size_t k = 0; k < n_chosen; k++)
                dup |= chosen[k] == sc;
            if (!dup)
                chosen[n_chosen++] = sc;
        }
    }
    if (list) {
        for (size_t i = 0; i < N_SCENARIOS; i++)
            printf("%-36s %-9s %s\n", SCENARIOS[i].name, EXPECT_NAME[SCENARIOS[i].expect],
                   SCENARIOS[i].what);
        return 0;
    }
    if (!g_wx) {
        usage(stderr);
        return 2;
    }
    if (access(g_wx, X_OK) != 0)
        die("%s is not an executable", g_wx);
    if (n_chosen == 0)
        for (size_t i = 0; i < N_SCENARIOS; i++)
            chosen[n_chosen++] = &SCENARIOS[i];
    size_t kept = 0;
    for (size_t i = 0; i < n_chosen; i++) {
        bool skipped = false;
        for (size_t k = 0; k < n_skip; k++)
            skipped |= chosen[i] == skip[k];
        if (skipped)
            printf("test_faults: skipping %s\n", chosen[i]->name);
        else
            chosen[kept++] = chosen[i];
    }
    n_chosen = kept;
    if (n_chosen == 0) {
        fprintf(stderr, "test_faults: every scenario was skipped\n");
        return 2;
    }
    bool own_work = !work;
    if (work) {
        if (snprintf(g_work, sizeof g_work, "%s", work) >= (int)sizeof g_work)
            die("--work path too long");
        mkdir_p(g_work);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(g_work, sizeof g_work, "%.900s/wx-faults-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(g_work))
            die("mkdtemp %s: %s", g_work, strerror(errno));
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int64_t t0 = now_ms();
    /* No librdkafka handle exists in this process before the scenarios fork: each scenario's
     * child creates its own mock cluster and clients. */
    prepare_data();
    printf("test_faults: %s with librdkafka %s; work dir %s\n", g_wx, rd_kafka_version_str(),
           g_work);
    printf("test_faults: input %zu readings (synth --days %s --seed %s --anomalies), %d before "
           "process starts, the rest trickling in; batch expects Output %zu, MaxTemp %zu, "
           "Outliers %zu, DeadLetter %zu\n",
           g_n_input, SYNTH_DAYS, SYNTH_SEED, FIRST_PART, g_expected[T_OUTPUT].n,
           g_expected[T_MAXTEMP].n, g_expected[T_OUTLIERS].n, g_expected[T_DEADLETTER].n);
    printf("test_faults: %zu scenarios, %d at once:", n_chosen, jobs);
    for (size_t i = 0; i < n_chosen; i++)
        printf(" %s", chosen[i]->name);
    printf("\n");

    job_t *js = calloc(n_chosen, sizeof *js);
    if (!js)
        die("out of memory");
    /* The slow scenarios (a broker gone for good) start first; reports follow the list. */
    size_t *order = calloc(n_chosen, sizeof *order);
    if (!order)
        die("out of memory");
    size_t n_order = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_chosen; i++)
            if ((chosen[i]->timeout_ms > RUN_TIMEOUT_MS) == (pass == 0))
                order[n_order++] = i;
    for (size_t i = 0; i < n_chosen; i++)
        js[i].sc = chosen[i];
    size_t next = 0, running = 0, finished = 0, printed = 0;
    while (finished < n_chosen) {
        while (running < (size_t)jobs && next < n_chosen) {
            job_t *j = &js[order[next]];
            if (snprintf(j->report_path, sizeof j->report_path, "%s/%s.report", g_work,
                         j->sc->name) >= (int)sizeof j->report_path)
                die("work directory path too long");
            fflush(NULL);
            j->pid = fork();
            if (j->pid < 0)
                die("fork: %s", strerror(errno));
            if (j->pid == 0) {
                setpgid(0, 0); /* its own children go with it if it must be killed */
                FILE *rep = fopen(j->report_path, "w");
                if (!rep)
                    _exit(2);
                setvbuf(rep, NULL, _IOLBF, 0);
                fprintf(rep, "[%s] %s\n", j->sc->name, j->sc->what);
                run_scenario(j->sc, rep);
                fclose(rep);
                _exit(report_passed(j->report_path) ? 0 : 1);
            }
            setpgid(j->pid, j->pid);
            j->started = now_ms();
            running++;
            next++;
        }
        for (size_t i = 0; i < n_chosen; i++) {
            job_t *j = &js[i];
            if (j->done || !j->pid)
                continue;
            int st;
            int wall = (j->sc->timeout_ms ? j->sc->timeout_ms : RUN_TIMEOUT_MS) +
                       SCENARIO_WALL_EXTRA_MS;
            if (waitpid(j->pid, &st, WNOHANG) == j->pid) {
                j->done = true;
                j->passed = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            } else if (now_ms() - j->started > wall) {
                kill(-j->pid, SIGKILL);
                waitpid(j->pid, &st, 0);
                FILE *rep = fopen(j->report_path, "a");
                if (rep) {
                    fprintf(rep, "  => FAIL  the scenario did not finish within %d s\n",
                            wall / 1000);
                    fclose(rep);
                }
                j->done = true;
            }
            if (j->done)
                running--, finished++;
        }
        /* Reports in the order of the list. */
        while (printed < n_chosen && js[printed].done)
            print_file(js[printed++].report_path);
        sleep_ms(50);
    }
    size_t failed = 0;
    for (size_t i = 0; i < n_chosen; i++)
        failed += !js[i].passed;
    printf("test_faults: %zu of %zu scenarios passed in %.1f s\n", n_chosen - failed, n_chosen,
           (double)(now_ms() - t0) / 1000.0);
    if (failed) {
        printf("test_faults: FAILED:");
        for (size_t i = 0; i < n_chosen; i++)
            if (!js[i].passed)
                printf(" %s", js[i].sc->name);
        printf("\ntest_faults: logs in %s (SCENARIO/process.log, SCENARIO/harness.log); run one "
               "again with: test_faults --wx %s SCENARIO\n",
               g_work, g_wx);
    } else if (!keep && own_work) {
        rm_rf(g_work);
    }
    free(order);
    free(js);
    return failed ? 1 : 0;
}
