#!/usr/bin/env bash
# Renames the JSON modules' identifiers, includes and mentions to the json_* scheme (issue 10):
#   record_json_* / record_json.h  -> json_record_* / json_record.h  (the seed's reading)
#   wxjson_* / wxjson.h            -> json_results_* / json_results.h (the result writers)
#   wxbuf_json_{string,number,reading} -> json_put_* in json_put.h   (JSON value appenders)
# The scanner (json_scan.h) is new and has no old name. Word-bounded and idempotent: run it
# again after merging a branch that still uses the old names.
#   scripts/rename-json.sh [PATH...]     (default: src tests bench fuzz docs README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(src tests bench fuzz docs README.md)
mapfile -t files < <(grep -rlE 'record_json|RECORD_JSON|wxjson|WXJSON|wxbuf_json_' \
    --include='*.c' --include='*.h' --include='*.md' --include='*.dict' --include='*.sh' \
    --include='CMakeLists.txt' "${paths[@]}" 2>/dev/null | grep -v 'scripts/rename-json.sh' || true)
[ ${#files[@]} -eq 0 ] || sed -i -E \
    -e 's/\bwxbuf_json_(string|number|reading)\b/json_put_\1/g' \
    -e 's/\brecord_json_(parse|write)\b/json_record_\1/g' \
    -e 's/\bRECORD_JSON_SOURCE_MAX\b/JSON_RECORD_SOURCE_MAX/g' \
    -e 's/\bRECORD_JSON_MAX_DEPTH\b/JSON_SCAN_MAX_DEPTH/g' \
    -e 's/\bWX_RECORD_JSON_H\b/WX_JSON_RECORD_H/g' \
    -e 's/\bWX_WXJSON_H\b/WX_JSON_RESULTS_H/g' \
    -e 's/\btest_record_json\b/test_json_record/g' \
    -e 's/\brecord_json\.(h|c)\b/json_record.\1/g' \
    -e 's/\brecord_json\b/json_record/g' \
    -e 's/\bwxjson_/json_results_/g' \
    -e 's/\bwxjson\.(h|c)\b/json_results.\1/g' \
    -e 's/\bwxjson\b/json_results/g' \
    "${files[@]}"
# A file that calls json_put_* needs its header (wxbuf.h no longer declares them): added among
# the file's local includes in name order, after its own header.
for f in $(grep -rlE '\bjson_put_(string|number|reading)\b' --include='*.c' "${paths[@]}" 2>/dev/null); do
    case "$f" in */json_put.c) continue ;; esac
    grep -q '#include "json_put.h"' "$f" && continue
    python3 - "$f" <<'PY'
import os, re, sys
path = sys.argv[1]
lines = open(path).read().split("\n")
own = os.path.splitext(os.path.basename(path))[0] + ".h"
local = [i for i, l in enumerate(lines) if re.match(r'#include "', l)]
rest = [i for i in local if lines[i] != '#include "%s"' % own]
new = '#include "json_put.h"'
after = [i for i in rest if lines[i][10:] > new[10:]]
if after:
    lines.insert(after[0], new)
elif rest:
    lines.insert(rest[-1] + 1, new)
else:
    lines[local[0] + 1:local[0] + 1] = ["", new]
open(path, "w").write("\n".join(lines))
PY
done
printf 'rename-json: %d file(s) rewritten\n' "${#files[@]}"
