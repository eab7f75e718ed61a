#!/usr/bin/env bash
# Install the Debian packages wxstream needs to build, test and run its Kafka broker.
# Idempotent: checks each package with dpkg -s, runs `apt-get update` once and only
# when something is missing, installs non-interactively. Runs as root, or through
# sudo when not root.
#
#   scripts/install-deps.sh            install what is missing
#   scripts/install-deps.sh --check    only report what is missing (exit 1 if anything is)
set -euo pipefail

CHECK_ONLY=0
case "${1:-}" in
    --check) CHECK_ONLY=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "install-deps.sh: unknown option: $1" >&2; exit 2 ;;
esac

PACKAGES=(
    build-essential cmake pkg-config clang libclang-rt-14-dev
    librdkafka-dev libcmocka-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev curl
    kcat valgrind jq python3
)

# Java 17+ for the Kafka broker: skip the JRE package when a java is already there
java_ok() {
    local j v major
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then j="$JAVA_HOME/bin/java"
    else j="$(command -v java 2>/dev/null)" || return 1; fi
    v="$("$j" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
    major="${v%%.*}"
    [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge 17 ]
}
java_ok || PACKAGES+=(default-jre-headless)
# Maven only fetches the broker jars (scripts/kafka.sh fetch)
command -v mvn >/dev/null 2>&1 || PACKAGES+=(maven)

installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps.sh: all packages present"
    exit 0
fi
echo "install-deps.sh: missing: ${missing[*]}"
[ "$CHECK_ONLY" = 1 ] && exit 1

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-deps.sh: error: not root and sudo is not available; install as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
if [ ${#still[@]} -gt 0 ]; then
    echo "install-deps.sh: error: still missing after install: ${still[*]}" >&2
    exit 1
fi
echo "install-deps.sh: installed: ${missing[*]}"
