#!/usr/bin/env bash
# Non-root installs under a cache mount: USER node + `npm ci` with the mount at /home/node/.npm.
# Builds each variant twice on an empty builder cache (cold, then after a dependency change made by hand)
# and prints: exit status, the npm error if any, and where npm's cache ended up.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="${BUILDLAB:-$HERE/../../../shared/buildlab}"; [ -x "$LAB/lab-build" ] || LAB=/work/shared/buildlab
SRC="$HERE/contexts/npm-nonroot"
OUT="$HERE/results/nonroot"; mkdir -p "$OUT"
export DOCKER_BUILDKIT=1
for v in nomount mount-rootowned mount-uid mount-roottarget; do
  docker builder prune -af >/dev/null 2>&1
  ctx=$(mktemp -d); cp -a "$SRC/." "$ctx/"
  t0=$(date +%s.%N)
  "$LAB/lab-build" -- --progress=plain -t "cm-nonroot:$v" -f "$ctx/Dockerfile.$v" "$ctx" >"$OUT/$v.log" 2>&1; rc=$?
  t1=$(date +%s.%N)
  err=$(grep -m1 -E "npm (ERR|error) (code|syscall|path)|EACCES" "$OUT/$v.log" | sed 's/^#[0-9]* [0-9.]* //')
  if [ $rc -eq 0 ]; then
    in_image=$(docker run --rm --user root --entrypoint sh "cm-nonroot:$v" -c 'du -sh /home/node/.npm 2>/dev/null | cut -f1; true')
    echo "$v: build OK ($(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s); npm cache inside the image: ${in_image:-none}"
  else
    echo "$v: build FAILED (exit $rc): ${err:-see $OUT/$v.log}"
  fi
  rm -rf "$ctx"
done
