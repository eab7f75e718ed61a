#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft) broker for wxstream development and tests.
#
# The broker comes from Maven Central (org.apache.kafka:kafka_2.13 and friends,
# resolved by scripts/kafka-pom.xml); no tarball, no Docker.
#
#   scripts/kafka.sh fetch                 resolve the broker jars (once; cached)
#   scripts/kafka.sh start [--clean]       format storage if new, start, wait until it answers;
#                                          prints the bootstrap address on stdout
#   scripts/kafka.sh stop [--clean]        SIGTERM, wait, SIGKILL after a timeout
#   scripts/kafka.sh restart               stop + start, data kept
#   scripts/kafka.sh status                exit 0 if running and answering, 3 if not running
#   scripts/kafka.sh wipe                  stop if running, delete the data dir
#   scripts/kafka.sh logs [-f]             tail of the broker log
#   scripts/kafka.sh topics ARGS...        kafka-topics (TopicCommand) against the broker
#   scripts/kafka.sh groups ARGS...        kafka-consumer-groups (ConsumerGroupCommand) against it
#   scripts/kafka.sh bootstrap             print the bootstrap address
#
# Options (anywhere before a `topics` argument list): --port N, --controller-port N, --clean
# Environment: see usage() below and docs/broker.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/kafka-pom.xml"
DEP_PLUGIN=3.8.1   # maven-dependency-plugin

HOME="${HOME:-/tmp}"
KAFKA_VERSION="${WX_KAFKA_VERSION:-4.2.1}"
PORT="${WX_KAFKA_PORT:-9092}"
CPORT="${WX_KAFKA_CONTROLLER_PORT:-}"
START_TIMEOUT="${WX_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${WX_KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${WX_KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
JVM_OPTS="${WX_KAFKA_JVM_OPTS:-}"
AUTO_CREATE="${WX_KAFKA_AUTO_CREATE:-true}"
LOG_LEVEL="${WX_KAFKA_LOG_LEVEL:-INFO}"
CLEAN=0

usage() {
    cat <<EOF
usage: $(basename "$0") [--port N] [--controller-port N] [--clean] COMMAND [ARGS]

commands:
  fetch          resolve Kafka $KAFKA_VERSION from Maven Central into \$WX_KAFKA_HOME/libs (cached)
  start          fetch if needed, format storage if new, start the broker and wait until it
                 answers; prints the bootstrap address (127.0.0.1:PORT) on stdout
  stop           stop the broker (SIGTERM, then SIGKILL after \$WX_KAFKA_STOP_TIMEOUT s)
  restart        stop + start, keeping the data
  status         exit 0 if running and answering, 1 if running but not answering, 3 if stopped
  wipe           stop if running, then delete the data dir
  logs [-f]      show the tail of the broker log (-f: follow)
  topics ARGS    run kafka-topics against the broker, e.g. topics --create --topic t --partitions 3
  groups ARGS    run kafka-consumer-groups against the broker, e.g. groups --describe --group g
  bootstrap      print the bootstrap address

options:
  --port N             broker port (default \$WX_KAFKA_PORT or 9092)
  --controller-port N  KRaft controller port (default \$WX_KAFKA_CONTROLLER_PORT or PORT+1)
  --clean              with start: wipe the data first; with stop: wipe after stopping

environment:
  WX_KAFKA_VERSION          Kafka version from Maven Central (default 4.2.1)
  WX_KAFKA_HOME             where the jars go (default ~/.cache/wxstream/kafka-VERSION)
  WX_KAFKA_PORT             broker port (default 9092)
  WX_KAFKA_CONTROLLER_PORT  controller port (default PORT+1)
  WX_KAFKA_DATA             data dir: config, pid, log, KRaft storage (default /tmp/wxstream-kafka-PORT)
  WX_KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 60)
  WX_KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
  WX_KAFKA_HEAP_OPTS        JVM heap options (default "-Xms128m -Xmx512m")
  WX_KAFKA_JVM_OPTS         extra JVM options
  WX_KAFKA_AUTO_CREATE      auto.create.topics.enable (default true)
  WX_KAFKA_LOG_LEVEL        broker root log level (default INFO)
  WX_KAFKA_BOOTSTRAP        for 'topics' only: talk to this cluster instead of the local broker
EOF
}

say() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { printf 'kafka.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- arguments
CMD=""
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --port) [ $# -ge 2 ] || die "--port needs a value"; PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#*=}"; shift ;;
        --controller-port) [ $# -ge 2 ] || die "--controller-port needs a value"; CPORT="$2"; shift 2 ;;
        --controller-port=*) CPORT="${1#*=}"; shift ;;
        --clean) CLEAN=1; shift ;;
        -h|--help|help) usage; exit 0 ;;
        *)
            if [ -z "$CMD" ]; then
                CMD="$1"; shift
                # everything after `topics` goes to the tool untouched
                if [ "$CMD" = topics ]; then ARGS=("$@"); break; fi
            else
                ARGS+=("$1"); shift
            fi
            ;;
    esac
done
[ -n "$CMD" ] || { usage >&2; exit 2; }

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }
is_port "$PORT" || die "invalid port: '$PORT'"
[ -n "$CPORT" ] || CPORT=$((PORT + 1))
is_port "$CPORT" || die "invalid controller port: '$CPORT'"
[ "$CPORT" != "$PORT" ] || die "broker and controller port must differ (both $PORT)"
[[ "$START_TIMEOUT" =~ ^[0-9]+$ ]] || die "WX_KAFKA_START_TIMEOUT must be a number of seconds"
[[ "$STOP_TIMEOUT" =~ ^[0-9]+$ ]] || die "WX_KAFKA_STOP_TIMEOUT must be a number of seconds"
case "$AUTO_CREATE" in true|false) ;; *) die "WX_KAFKA_AUTO_CREATE must be true or false" ;; esac

KHOME="${WX_KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/wxstream/kafka-$KAFKA_VERSION}"
LIBS="$KHOME/libs"
STAMP="$KHOME/.fetched"
DATA="${WX_KAFKA_DATA:-/tmp/wxstream-kafka-$PORT}"
PIDFILE="$DATA/kafka.pid"
LOGFILE="$DATA/kafka.log"
PROPS="$DATA/server.properties"
LOG4J="$DATA/log4j2.properties"
STORAGE="$DATA/kraft"
BOOTSTRAP="127.0.0.1:$PORT"

# ---------------------------------------------------------------- java / maven
JAVA=""
need_java() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        JAVA="$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        JAVA="$(command -v java)"
    else
        die "java not found: Kafka $KAFKA_VERSION needs a Java 17+ runtime (run scripts/install-deps.sh, or set JAVA_HOME)"
    fi
    local v major
    v="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
    major="${v%%.*}"
    [ "$major" = 1 ] && major="$(echo "$v" | cut -d. -f2)"   # 1.8.0 -> 8
    if ! [[ "$major" =~ ^[0-9]+$ ]]; then
        die "cannot tell the version of $JAVA (got '$v')"
    fi
    [ "$major" -ge 17 ] || die "$JAVA is Java $v; the Kafka $KAFKA_VERSION broker needs Java 17+ (set JAVA_HOME)"
}

fetched() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(fetch_key)" ] && [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]
}
fetch_key() {
    # refetch when the version or the POM changes
    printf '%s %s\n' "$KAFKA_VERSION" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

write_tools_log4j() {
    mkdir -p "$KHOME/config"
    cat >"$KHOME/config/tools-log4j2.properties" <<'EOF'
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

cmd_fetch() {
    if fetched; then
        [ "${1:-}" = quiet ] || say "Kafka $KAFKA_VERSION already fetched in $LIBS"
        return 0
    fi
    [ -f "$POM" ] || die "missing $POM"
    command -v mvn >/dev/null 2>&1 || die "mvn not found: it is needed once to fetch Kafka $KAFKA_VERSION from Maven Central (run scripts/install-deps.sh)"
    mkdir -p "$KHOME"
    # one fetch at a time per WX_KAFKA_HOME (parallel CI jobs)
    exec 9>"$KHOME/.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if fetched; then exec 9>&-; return 0; fi
    say "fetching Kafka $KAFKA_VERSION (org.apache.kafka:kafka_2.13) from Maven Central into $LIBS ..."
    local tmp mvnlog t0
    t0=$SECONDS
    tmp="$KHOME/libs.tmp.$$"
    mvnlog="$KHOME/fetch.log"
    rm -rf "$tmp"
    # fully qualified goal: no plugin-prefix lookup; -U: retry artifacts whose earlier
    # download failed (Maven otherwise caches the failure for a day)
    local mvn_args=(-B -U -f "$POM" "org.apache.maven.plugins:maven-dependency-plugin:$DEP_PLUGIN:copy-dependencies"
        -DoutputDirectory="$tmp" -DincludeScope=runtime -Dkafka.version="$KAFKA_VERSION")
    [ -n "${WX_KAFKA_LOG4J_VERSION:-}" ] && mvn_args+=(-Dlog4j.version="$WX_KAFKA_LOG4J_VERSION")
    if ! mvn "${mvn_args[@]}" >"$mvnlog" 2>&1; then
        rm -rf "$tmp"
        grep -E '^\[ERROR\] [^ ]' "$mvnlog" | grep -vE 'Re-run Maven|To see the full|For more information|^\[ERROR\] \[Help' \
            | head -n 5 | cut -c1-400 >&2 || tail -n 15 "$mvnlog" >&2
        die "fetching Kafka $KAFKA_VERSION with Maven failed (is Maven Central reachable? does version $KAFKA_VERSION exist?); full log: $mvnlog"
    fi
    [ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || { rm -rf "$tmp"; die "Maven ran but $tmp/kafka_2.13-$KAFKA_VERSION.jar is missing; see $mvnlog"; }
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    write_tools_log4j
    fetch_key >"$STAMP"
    exec 9>&-
    say "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS" | cut -f1)) in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- process helpers
read_pid() { if [ -f "$PIDFILE" ]; then tr -dc '0-9' <"$PIDFILE"; fi; }

# true if $1 is a live broker process started for this data dir
is_our_broker() {
    local pid="$1"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $PROPS"
}

running_pid() {
    local pid
    pid="$(read_pid)"
    if is_our_broker "$pid"; then echo "$pid"; fi
}

port_in_use() {
    # something accepts connections on 127.0.0.1:$1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_owner() {
    command -v ss >/dev/null 2>&1 || return 0
    ss -Hltnp "sport = :$1" 2>/dev/null | head -n 3 >&2 || true
}

# the broker answers a metadata request and lists itself
broker_answers() {
    if command -v kcat >/dev/null 2>&1; then
        kcat -b "$BOOTSTRAP" -L -m 2 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$PORT"
    else
        port_in_use "$PORT" && [ -f "$LOGFILE" ] && grep -q 'Kafka Server started' "$LOGFILE"
    fi
}

show_log_tail() {
    if [ -f "$LOGFILE" ]; then
        say "last lines of $LOGFILE:"
        tail -n "${1:-40}" "$LOGFILE" >&2
    fi
}

# ---------------------------------------------------------------- config
random_cluster_id() {
    # a Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'
    local id
    while :; do
        id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
        [ "${id:0:1}" != - ] && break
    done
    echo "$id"
}

write_config() {
    mkdir -p "$DATA" "$STORAGE"
    cat >"$PROPS" <<EOF
# written by scripts/kafka.sh on every start; edit the script, not this file
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$STORAGE

# single node: every internal topic has one replica
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=$AUTO_CREATE
delete.topic.enable=true

# small machine: fewer threads
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
# No time-based retention: replayed readings carry their historical timestamps (the record
# timestamp is the reading's time), so any retention.ms would delete them as they arrive.
log.retention.ms=-1
log.retention.bytes=-1
log.segment.bytes=104857600
EOF
    # shutdownHook = disable: otherwise log4j2 stops logging at the first SIGTERM,
    # before Kafka's own shutdown hook has logged its (clean) shutdown
    cat >"$LOG4J" <<EOF
status = warn
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $LOG_LEVEL
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
EOF
}

format_storage() {
    [ -f "$STORAGE/meta.properties" ] && return 0
    local id out
    id="$(random_cluster_id)"
    say "formatting KRaft storage in $STORAGE (cluster id $id)"
    if ! out="$("$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$KHOME/config/tools-log4j2.properties" \
            -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$PROPS" 2>&1)"; then
        printf '%s\n' "$out" >&2
        die "formatting $STORAGE failed"
    fi
}

# ---------------------------------------------------------------- commands
cmd_start() {
    need_java
    cmd_fetch quiet
    [ -f "$KHOME/config/tools-log4j2.properties" ] || write_tools_log4j

    local pid
    pid="$(running_pid)"
    if [ -n "$pid" ]; then
        if broker_answers; then
            say "already running (pid $pid), data in $DATA"
            echo "$BOOTSTRAP"
            return 0
        fi
        say "broker process $pid exists but does not answer yet; waiting"
    else
        [ "$CLEAN" = 1 ] && wipe_data
        rm -f "$PIDFILE"
        local p
        for p in "$PORT" "$CPORT"; do
            if port_in_use "$p"; then
                port_owner "$p"
                die "port $p on 127.0.0.1 is already in use (another broker? use --port / WX_KAFKA_PORT, or scripts/kafka.sh stop --port $PORT)"
            fi
        done
        write_config
        format_storage
        [ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.1"
        say "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller 127.0.0.1:$CPORT), data in $DATA"
        # setsid: own session, so the terminal's Ctrl-C does not reach the broker
        # (in a script's background job setsid execs java itself, so $! is the java pid)
        # shellcheck disable=SC2086
        setsid "$JAVA" $HEAP_OPTS \
            -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
            -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
            -Djava.awt.headless=true \
            -Dlog4j2.configurationFile="$LOG4J" \
            -Dkafka.logs.dir="$DATA/logs" \
            $JVM_OPTS \
            -cp "$LIBS/*" kafka.Kafka "$PROPS" \
            >"$LOGFILE" 2>&1 </dev/null &
        pid=$!
        sleep 0.2
        if ! is_our_broker "$pid"; then
            # setsid forked after all: find the java process by its unique arguments
            local found
            found="$(pgrep -n -f "kafka.Kafka $PROPS" || true)"
            [ -n "$found" ] && pid="$found"
        fi
        echo "$pid" >"$PIDFILE"
    fi

    local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        if ! is_our_broker "$pid"; then
            show_log_tail 40
            rm -f "$PIDFILE"
            die "the broker exited during startup (full log: $LOGFILE)"
        fi
        if broker_answers; then break; fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            show_log_tail 40
            say "the broker (pid $pid) did not answer on $BOOTSTRAP within ${START_TIMEOUT}s; stopping it"
            kill_broker "$pid"
            rm -f "$PIDFILE"
            die "the broker did not come up (raise WX_KAFKA_START_TIMEOUT if the machine is just slow; full log: $LOGFILE)"
        fi
        sleep 0.25
    done
    if grep -qE '\] (ERROR|FATAL) ' "$LOGFILE"; then
        say "warning: the broker log has errors:"
        grep -E '\] (ERROR|FATAL) ' "$LOGFILE" | tail -n 5 >&2
    fi
    say "Kafka $KAFKA_VERSION is up on $BOOTSTRAP (pid $pid, answered after $((SECONDS - t0)) s); log: $LOGFILE"
    echo "$BOOTSTRAP"
}

# SIGTERM (Kafka's clean shutdown), then SIGKILL after STOP_TIMEOUT seconds
kill_broker() {
    local pid="$1"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while is_our_broker "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if is_our_broker "$pid"; then
        say "still running after ${STOP_TIMEOUT}s: sending SIGKILL to $pid"
        kill -KILL "$pid" 2>/dev/null || true
        local n=0
        while is_our_broker "$pid" && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        if is_our_broker "$pid"; then die "pid $pid survived SIGKILL"; fi
    fi
    return 0
}

cmd_stop() {
    local pid
    pid="$(running_pid)"
    if [ -z "$pid" ]; then
        if [ -f "$PIDFILE" ]; then
            say "not running (removing stale $PIDFILE)"
            rm -f "$PIDFILE"
        else
            say "not running on port $PORT"
        fi
    else
        say "stopping broker (pid $pid) ..."
        kill_broker "$pid"
        rm -f "$PIDFILE"
        say "stopped"
    fi
    [ "$CLEAN" = 1 ] && wipe_data
    return 0
}

wipe_data() {
    [ -d "$DATA" ] || return 0
    case "$(cd "$DATA" && pwd -P)" in
        /|"$HOME"|/tmp|/root|/home) die "refusing to delete $DATA" ;;
    esac
    # only a dir this script made (or an empty one)
    if [ -n "$(ls -A "$DATA")" ] && [ ! -e "$PROPS" ] && [ ! -d "$STORAGE" ]; then
        die "refusing to delete $DATA: it does not look like a wxstream Kafka data dir"
    fi
    rm -rf "$DATA"
    say "deleted $DATA"
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [ -z "$pid" ]; then
        echo "stopped (port $PORT, data $DATA)"
        return 3
    fi
    if broker_answers; then
        echo "running: Kafka $KAFKA_VERSION, pid $pid, bootstrap $BOOTSTRAP, controller 127.0.0.1:$CPORT, data $DATA"
        return 0
    fi
    echo "running but not answering: pid $pid, bootstrap $BOOTSTRAP, log $LOGFILE"
    return 1
}

cmd_topics() {
    need_java
    cmd_fetch quiet
    [ -f "$KHOME/config/tools-log4j2.properties" ] || write_tools_log4j
    local bs="${WX_KAFKA_BOOTSTRAP:-$BOOTSTRAP}"
    # shellcheck disable=SC2086
    exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j2.configurationFile="$KHOME/config/tools-log4j2.properties" \
        -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" "$@"
}

cmd_groups() {
    need_java
    cmd_fetch quiet
    [ -f "$KHOME/config/tools-log4j2.properties" ] || write_tools_log4j
    local bs="${WX_KAFKA_BOOTSTRAP:-$BOOTSTRAP}"
    exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j2.configurationFile="$KHOME/config/tools-log4j2.properties" \
        -cp "$LIBS/*" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        --bootstrap-server "$bs" "$@"
}

case "$CMD" in
    fetch) need_java; cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) CLEAN_SAVED=$CLEAN; CLEAN=0; cmd_stop; CLEAN=$CLEAN_SAVED; cmd_start ;;
    status) cmd_status ;;
    wipe|clean) CLEAN=1; cmd_stop ;;
    logs)
        [ -f "$LOGFILE" ] || die "no log at $LOGFILE"
        if [ "${ARGS[0]:-}" = -f ]; then exec tail -n 50 -f "$LOGFILE"; else tail -n 50 "$LOGFILE"; fi ;;
    topics) cmd_topics "${ARGS[@]}" ;;
    groups) cmd_groups "${ARGS[@]}" ;;
    bootstrap) echo "$BOOTSTRAP" ;;
    *) usage >&2; die "unknown command: $CMD" ;;
esac
