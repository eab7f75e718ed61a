#!/usr/bin/env bash
# Install the npm packages of web/ (web/package.json, pinned by web/package-lock.json):
# uPlot, the chart library `wxstream serve` hands to the page, and playwright-core, which the
# browser test drives Debian's chromium with (no browser is downloaded: --ignore-scripts).
# Idempotent: does nothing when web/node_modules already matches the lockfile.
#
#   scripts/install-web.sh            install what is missing
#   scripts/install-web.sh --check    only tell whether it is installed (exit 1 if not)
set -euo pipefail
WEB=$(cd "$(dirname "$0")/../web" && pwd)

case "${1:-}" in
    --check|"") ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-web.sh: unknown option: $1" >&2; exit 2 ;;
esac

# npm writes node_modules/.package-lock.json after an install; equal to the lockfile's
# packages means nothing to do.
current() {
    [ -f "$WEB/node_modules/.package-lock.json" ] && [ -f "$WEB/node_modules/uplot/dist/uPlot.iife.min.js" ] &&
        [ -f "$WEB/node_modules/playwright-core/package.json" ] &&
        node -e '
            const a = require(process.argv[1]).packages, b = require(process.argv[2]).packages;
            const strip = (p) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== "")
                .map(([k, v]) => [k, v.version + " " + (v.integrity || "")]));
            process.exit(JSON.stringify(strip(a)) === JSON.stringify(strip(b)) ? 0 : 1);
        ' "$WEB/package-lock.json" "$WEB/node_modules/.package-lock.json" 2>/dev/null
}

if current; then
    echo "install-web.sh: web/node_modules matches web/package-lock.json"
    exit 0
fi
if [ "${1:-}" = --check ]; then
    echo "install-web.sh: web/node_modules is missing or does not match the lockfile"
    exit 1
fi
command -v npm >/dev/null 2>&1 || {
    echo "install-web.sh: error: npm is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
}
echo "install-web.sh: npm ci in $WEB"
(cd "$WEB" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
current || { echo "install-web.sh: error: web/node_modules does not match the lockfile after npm ci" >&2; exit 1; }
echo "install-web.sh: installed $(cd "$WEB" && node -p 'Object.keys(require("./package-lock.json").packages).filter(Boolean).join(", ")')"
