#!/usr/bin/env bash
# Install the Debian packages wxstream needs to build, test and run its Kafka broker, and the
# PyPI packages of the tests (a venv: ~/.cache/wxstream/venv, or $WX_VENV): the seed's clients
# (confluent-kafka, pandas) and the Prometheus parser (prometheus_client).
# Idempotent: checks each package with dpkg -s, runs `apt-get update` once and only
# when something is missing, installs non-interactively; pip runs only when a pinned
# version is missing. Runs as root, or through sudo when not root.
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
    librdkafka-dev libcmocka-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev
    kcat valgrind jq python3 python3-venv
    chromium curl
)
# Node.js and npm for web/ (scripts/install-web.sh: uPlot, and playwright-core for the browser
# test, which drives the chromium above): Debian's unless a node is already there
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

# PyPI, pinned, binary wheels only: the seed's producer and consumer
# (tests/integration/test_seed_clients.sh) are written with confluent-kafka and pandas, as the
# seed's notebook was; tests/integration/test_metrics.py parses scrapes with prometheus_client.
WX_VENV=${WX_VENV:-$HOME/.cache/wxstream/venv}
PYPI_PACKAGES=(confluent-kafka==2.12.2 pandas==2.2.3 prometheus_client==0.23.1)

# The pinned PyPI packages missing from the venv (all of them when there is no venv).
pypi_missing() {
    if [ ! -x "$WX_VENV/bin/python" ]; then
        printf '%s\n' "${PYPI_PACKAGES[@]}"
        return
    fi
    "$WX_VENV/bin/python" - "${PYPI_PACKAGES[@]}" <<'PY'
import sys
from importlib import metadata
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    try:
        ok = metadata.version(name) == version
    except metadata.PackageNotFoundError:
        ok = False
    if not ok:
        print(pin)
PY
}

install_pypi() {
    local missing_py
    missing_py=$(pypi_missing)
    if [ -z "$missing_py" ]; then
        echo "install-deps.sh: PyPI packages present ($WX_VENV)"
        return 0
    fi
    echo "install-deps.sh: PyPI missing: $(echo $missing_py)"
    [ "$CHECK_ONLY" = 1 ] && return 1
    [ -x "$WX_VENV/bin/python" ] || python3 -m venv "$WX_VENV"
    # shellcheck disable=SC2086
    "$WX_VENV/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: $missing_py
    missing_py=$(pypi_missing)
    if [ -n "$missing_py" ]; then
        echo "install-deps.sh: error: still missing from $WX_VENV: $(echo $missing_py)" >&2
        return 1
    fi
    echo "install-deps.sh: installed into $WX_VENV: ${PYPI_PACKAGES[*]}"
}

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
    install_pypi
    exit $?
fi
echo "install-deps.sh: missing: ${missing[*]}"
if [ "$CHECK_ONLY" = 1 ]; then
    install_pypi || true
    exit 1
fi

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
install_pypi
