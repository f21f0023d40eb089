#!/bin/sh
# Prints the HTTP status and the JSON "status" field of each URL given (default: none, prints usage).
set -eu
if [ $# -eq 0 ]; then
  echo "usage: check.sh URL..." >&2
  exit 64
fi
for url in "$@"; do
  body=$(curl -fsS --max-time 5 -w '\n%{http_code}' "$url" || true)
  code=$(printf '%s\n' "$body" | tail -n 1)
  status=$(printf '%s\n' "$body" | sed '$d' | jq -r '.status // "-"' 2>/dev/null || echo "-")
  printf '%s %s %s\n' "$code" "$status" "$url"
done
