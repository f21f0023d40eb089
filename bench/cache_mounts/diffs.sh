#!/usr/bin/env bash
# image-diff of every variant's final image against the baseline (first Dockerfile) of the same benchmark:
# a cache mount or flag must not change the image (caches excepted: see image-diff --list-ignores).
#   bench/cache_mounts/diffs.sh [BENCH ...]       (BENCH = results/BENCH.json; default: all but apps)
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="${BUILDLAB:-$HERE/../../../shared/buildlab}"; [ -x "$LAB/image-diff" ] || LAB=/work/shared/buildlab
OUT="$HERE/results"
[ $# -gt 0 ] || set -- $(cd "$OUT" && ls *.json | grep -v -E '^(app-|diff-)' | sed 's/\.json$//')
for b in "$@"; do
  python3 - "$OUT/$b.json" <<'PY' | while read -r label base img; do
import json, sys
d = json.load(open(sys.argv[1]))
last = d["phases"][-1]
dfs = d["dockerfiles"]
base = dfs[0]["summary"].get(last, {}).get("image")
for df in dfs[1:]:
    img = df["summary"].get(last, {}).get("image")
    if base and img:
        print(df["label"], base, img)
PY
    "$LAB/image-diff" "$base" "$img" --json "$OUT/diff-$b-$label.json" >"$OUT/diff-$b-$label.txt" 2>&1; rc=$?
    v=$([ $rc -eq 0 ] && echo EQUIVALENT || ([ $rc -eq 1 ] && echo DIFFERENT || echo ERROR))
    echo "$b: ${label} vs baseline: $v (exit $rc)"
    [ $rc -eq 1 ] && grep -E "^\s*(only in|content|metadata|config|[-+~] )" "$OUT/diff-$b-$label.txt" | head -8
  done
done
