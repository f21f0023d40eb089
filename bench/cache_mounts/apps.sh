#!/usr/bin/env bash
# The end-to-end sample apps (tests/e2e/apps/*): naive Dockerfile vs Dockerfile.expected.
# For each app: rebuild-bench (cold, source edit, dependency change where the app has dependencies)
# under the same bandwidth limit as the cache-mount benchmarks, then image-diff of the two cold images
# and of the two final images (exit 0 = EQUIVALENT). Prints figures; results in results/app-*.json.
#   bench/cache_mounts/apps.sh [APP ...]
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
LAB="${BUILDLAB:-$REPO/../shared/buildlab}"; [ -x "$LAB/rebuild-bench" ] || LAB=/work/shared/buildlab
APPS="$REPO/tests/e2e/apps"
OUT="$HERE/results"; mkdir -p "$OUT"
RATE="${RATE:-50mbit}"
REPEAT="${REPEAT:-1}"
HOSTTOOLS="${HOSTTOOLS:-/tmp/hosttools}"

dep_cmd() {   # the --dep-change-cmd per app ("" = rebuild-bench's own npm / requirements.txt change; "-" = no deps)
  case "$1" in
    node-yarn) echo "npx -y yarn@1.22.22 add is-number@7.0.0 --ignore-scripts --no-progress >/dev/null" ;;
    python-uv) echo "$HOSTTOOLS/bin/uv add --no-sync six==1.16.0 >/dev/null 2>&1" ;;
    go-stdlib|java-javac|debian-apt) echo "-" ;;
    *) echo "" ;;
  esac
}

[ $# -gt 0 ] || set -- $(cd "$APPS" && ls -d */ | tr -d /)
for app in "$@"; do
  ctx="$APPS/$app"
  [ -f "$ctx/Dockerfile.expected" ] || continue
  dep=$(dep_cmd "$app")
  phases=cold,edit,dep; [ "$dep" = "-" ] && phases=cold,edit
  args=("$ctx" Dockerfile Dockerfile.expected --label "$app-naive" --label "$app-expected"
        --phases "$phases" --repeat "$REPEAT" --json "$OUT/app-$app.json")
  [ -n "$RATE" ] && args+=(--limit-rate "$RATE")
  [ -n "$dep" ] && [ "$dep" != "-" ] && args+=(--dep-change-cmd "$dep")
  echo "== $app: rebuild-bench ${args[*]}"
  "$LAB/rebuild-bench" "${args[@]}" >"$OUT/app-$app.log" 2>&1 || echo "   (rebuild-bench exit $?)"
  python3 - "$OUT/app-$app.json" <<'PY' > "$OUT/app-$app.images"
import json, sys
d = json.load(open(sys.argv[1]))
a, b = d["dockerfiles"]
done = [p for p in d["phases"] if a["summary"].get(p, {}).get("image") and b["summary"].get(p, {}).get("image")]
for ph in dict.fromkeys(["cold", done[-1] if done else "cold"]):
    print(ph, a["summary"][ph].get("image", ""), b["summary"][ph].get("image", ""))
PY
  while read -r ph ia ib; do
    "$LAB/image-diff" "$ia" "$ib" --json "$OUT/diff-$app-$ph.json" >"$OUT/diff-$app-$ph.txt" 2>&1; rc=$?
    verdict=$([ $rc -eq 0 ] && echo EQUIVALENT || ([ $rc -eq 1 ] && echo DIFFERENT || echo ERROR))
    echo "   image-diff $ph: $verdict (exit $rc)  $ia vs $ib"
  done < "$OUT/app-$app.images"
done

# Negative checks: each Dockerfile.broken is a wrong rewrite (manifest-first without the files the install
# reads); it must fail to build, or build a different image.
for app in "$@"; do
  ctx="$APPS/$app"; [ -f "$ctx/Dockerfile.broken" ] || continue
  # Empty builder cache first: a warm npm cache mount serves a missing file: tarball by its integrity,
  # so the wrong rewrite "works" on a warm builder and fails on a fresh one.
  docker builder prune -af >/dev/null 2>&1
  "$LAB/lab-build" -- --progress=plain -t "dfix-e2e/$app:broken" -f "$ctx/Dockerfile.broken" "$ctx" \
      >"$OUT/$app-broken.log" 2>&1
  rc=$?
  msg=$(grep -m1 -E 'Error: |ENOENT|Cannot find|ERR!|error ' "$OUT/$app-broken.log" | sed 's/^#[0-9]* [0-9.]* //')
  echo "== $app Dockerfile.broken: build exit $rc ${msg:+($msg)}"
  if [ $rc -eq 0 ]; then
    cold=$(awk '$1=="cold"{print $2}' "$OUT/app-$app.images" 2>/dev/null)
    [ -n "$cold" ] && { "$LAB/image-diff" "$cold" "dfix-e2e/$app:broken" --json "$OUT/diff-$app-broken.json" \
        >"$OUT/diff-$app-broken.txt" 2>&1; echo "   image-diff naive vs broken: exit $? (1 = DIFFERENT)"; }
  fi
done

# Alternative rewrites that must also be correct (Dockerfile.minimal): build, then image-diff vs naive.
for app in "$@"; do
  ctx="$APPS/$app"; [ -f "$ctx/Dockerfile.minimal" ] || continue
  docker builder prune -af >/dev/null 2>&1
  "$LAB/lab-build" -- --progress=plain -t "dfix-e2e/$app:minimal" -f "$ctx/Dockerfile.minimal" "$ctx" \
      >"$OUT/$app-minimal.log" 2>&1
  rc=$?
  cold=$(awk '$1=="cold"{print $2}' "$OUT/app-$app.images" 2>/dev/null)
  echo "== $app Dockerfile.minimal: build exit $rc (expected 0)"
  [ $rc -eq 0 ] && [ -n "$cold" ] && { "$LAB/image-diff" "$cold" "dfix-e2e/$app:minimal" \
      --json "$OUT/diff-$app-minimal.json" >"$OUT/diff-$app-minimal.txt" 2>&1;
      echo "   image-diff naive vs minimal: exit $? (0 = EQUIVALENT)"; }
done
