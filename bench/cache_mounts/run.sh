#!/usr/bin/env bash
# Reproduce the cache-mount measurements in FINDINGS.md (prints figures; not a test).
#
#   bench/cache_mounts/run.sh [PM ...]     PM in: npm yarn yarn-berry pnpm pip pip-wheelhouse uv poetry poetry-split go apt npm-nonroot apps
#   RATE=50mbit REPEAT=1 bench/cache_mounts/run.sh npm pip
#
# Needs the buildlab (../shared/buildlab/setup) and root. Runs one benchmark at a time: each
# `rebuild-bench` prunes the whole builder cache. Raw JSON goes to bench/cache_mounts/results/
# (git-ignored); summarize.py turns it into the tables of FINDINGS.md.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
LAB="${BUILDLAB:-$REPO/../shared/buildlab}"
[ -x "$LAB/rebuild-bench" ] || LAB=/work/shared/buildlab
RATE="${RATE:-50mbit}"
REPEAT="${REPEAT:-1}"
OUT="$HERE/results"
CTX="$HERE/contexts"
mkdir -p "$OUT"

# Host tools used only to compute a dependency change (lockfile edits) in rebuild-bench's scratch copy.
YARN="npx -y yarn@1.22.22"
PNPM="npx -y pnpm@9.15.9"
HOSTTOOLS="${HOSTTOOLS:-/tmp/hosttools}"   # a venv with uv and poetry (created on demand)
ensure_hosttools() {
  [ -x "$HOSTTOOLS/bin/poetry" ] && [ -x "$HOSTTOOLS/bin/uv" ] && return
  python3 -m venv "$HOSTTOOLS" && "$HOSTTOOLS/bin/pip" install -q uv==0.13.9 poetry==2.5.1
}

bench() {   # bench NAME CONTEXT PHASES DEP_CMD DF:LABEL...
  local name=$1 ctx=$2 phases=$3 dep=$4; shift 4
  [ "$REPEAT" -gt 1 ] && name="$name-r$REPEAT"
  local dfs=() labels=()
  for spec in "$@"; do dfs+=("${spec%%:*}"); labels+=(--label "${spec#*:}"); done
  local args=("$ctx" "${dfs[@]}" "${labels[@]}" --phases "$phases" --repeat "$REPEAT" --json "$OUT/$name.json")
  [ -n "$RATE" ] && args+=(--limit-rate "$RATE")
  [ -n "$dep" ] && args+=(--dep-change-cmd "$dep")
  echo "== $name: rebuild-bench ${args[*]}"
  "$LAB/rebuild-bench" "${args[@]}" 2>&1 | tee "$OUT/$name.log" | grep -v '^\[bench' || true
}

run_pm() {
  case "$1" in
  npm)    bench npm "$CTX/npm" cold,dep "" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount Dockerfile.flags:mount+prefer-offline \
            Dockerfile.flags-noaudit:mount+prefer-offline+no-audit Dockerfile.defeated:mount+cache-clean ;;
  yarn)   bench yarn "$CTX/yarn" cold,dep "$YARN add is-number@7.0.0 --ignore-scripts --no-progress >/dev/null" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount Dockerfile.flags:mount+prefer-offline \
            Dockerfile.defeated:mount+cache-clean ;;
  yarn-berry) bench yarn-berry "$CTX/yarn-berry" cold,dep \
            "COREPACK_NPM_REGISTRY=https://registry.npmjs.org COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack yarn@4.5.3 add is-number@7.0.0 --mode=update-lockfile >/dev/null" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount ;;
  pnpm)   bench pnpm "$CTX/pnpm" cold,dep "$PNPM add is-number@7.0.0 --lockfile-only >/dev/null" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount Dockerfile.flags:mount+prefer-offline ;;
  pip)    bench pip "$CTX/pip" cold,dep "" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount Dockerfile.defeated:mount+no-cache-dir ;;
  pip-wheelhouse) bench pip-wheelhouse "$CTX/pip" cold,dep "" \
            Dockerfile.nomount:nomount Dockerfile.wheelhouse:mount+wheelhouse ;;
  uv)     ensure_hosttools
          bench uv "$CTX/uv" cold,dep "$HOSTTOOLS/bin/uv add --no-sync six==1.16.0 >/dev/null 2>&1" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount Dockerfile.flags:mount+link-mode-copy \
            Dockerfile.defeated:mount+no-cache ;;
  poetry) ensure_hosttools
          bench poetry "$CTX/poetry" cold,dep "$HOSTTOOLS/bin/poetry add --lock six==1.16.0 >/dev/null 2>&1" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount Dockerfile.defeated:mount+no-cache ;;
  poetry-split) ensure_hosttools
          bench poetry-split "$CTX/poetry" cold,dep "$HOSTTOOLS/bin/poetry add --lock six==1.16.0 >/dev/null 2>&1" \
            Dockerfile.nomount:nomount Dockerfile.mount-split:mount-cache+artifacts ;;
  go)     bench go "$CTX/go" cold,edit "" \
            Dockerfile.nomount:nomount Dockerfile.mount:mount ;;
  apt)    bench apt "$CTX/apt" cold,dep "echo jq >> apt-packages.txt" \
            Dockerfile.nomount:nomount Dockerfile.mount-dockerclean:mount-docker-clean-kept \
            Dockerfile.mount:mount-classic Dockerfile.flags:mount-image-preserving ;;
  npm-nonroot) bash "$HERE/nonroot.sh" ;;
  apps)   ensure_hosttools; HOSTTOOLS="$HOSTTOOLS" bash "$HERE/apps.sh" ;;
  *) echo "unknown: $1" >&2; return 2 ;;
  esac
}

if [ $# -eq 0 ]; then set -- npm yarn yarn-berry pnpm pip pip-wheelhouse uv poetry poetry-split go apt npm-nonroot apps; fi
for pm in "$@"; do run_pm "$pm"; done
python3 "$HERE/summarize.py" "$OUT"
