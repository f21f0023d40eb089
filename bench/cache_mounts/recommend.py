#!/usr/bin/env python3
"""Write recommendations.json: DF102's per-package-manager data, with the figures taken from measured.json.

    python3 bench/cache_mounts/recommend.py        (after summarize.py --write-measured measured.json)

The recommendations themselves (targets, options, flags, what defeats the mount) are the conclusions of
FINDINGS.md and live here as data; only the "measured" numbers are read from the benchmark results.
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent

# pm -> (benchmark, phase, {measured key: Dockerfile label})
SOURCES = {
    "npm": ("npm", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount",
                           "dep_mount_flags_s": "mount+prefer-offline",
                           "dep_mount_defeated_s": "mount+cache-clean"}),
    "yarn": ("yarn", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount",
                             "dep_mount_flags_s": "mount+prefer-offline"}),
    "yarn-berry": ("yarn-berry", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount"}),
    "pnpm": ("pnpm", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount",
                             "dep_mount_flags_s": "mount+prefer-offline"}),
    "pip": ("pip", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount",
                           "dep_mount_defeated_s": "mount+no-cache-dir"}),
    "uv": ("uv", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount",
                         "dep_mount_flags_s": "mount+link-mode-copy", "dep_mount_defeated_s": "mount+no-cache"}),
    "poetry": ("poetry", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount",
                                 "dep_mount_no_cache_flag_s": "mount+no-cache"}),
    "go": ("go", "edit", {"edit_nomount_s": "nomount", "edit_mount_s": "mount"}),
    "apt": ("apt", "dep", {"dep_nomount_s": "nomount", "dep_mount_s": "mount-docker-clean-kept",
                           "dep_mount_classic_s": "mount-classic",
                           "dep_mount_flags_s": "mount-image-preserving"}),
}
EXTRA = {"pip": ("pip-wheelhouse", "dep", {"dep_mount_wheelhouse_s": "mount+wheelhouse"})}

RECOMMENDATIONS = {
    "npm": {
        "targets": ["/root/.npm"],
        "target_rule": "npm's cache: $NPM_CONFIG_CACHE or --cache if set, else $HOME/.npm of the RUN's user "
                       "(/home/node/.npm for USER node)",
        "mount_options": {"type": "cache", "non_root": "uid=<uid>,gid=<gid> of the RUN's user (node: 1000)"},
        "offline_flags": ["--prefer-offline"],
        "env": {},
        "defeating": ["npm cache clean --force", "rm -rf ~/.npm (or the cache dir)", "--cache to another dir",
                      "--prefer-online"],
        "caveats": [
            "Without --prefer-offline npm ci revalidates every packument and tarball (2 requests per package); "
            "when the registry or a proxy sends no validators, every one is a full re-download: the mount alone "
            "saved nothing here",
            "USER node with a default (root-owned) cache mount at /home/node/.npm fails: npm error code EACCES "
            "(mkdir /home/node/.npm/_cacache); uid=1000,gid=1000 fixes it",
            "A mount at /root/.npm while USER node builds fine but is never used (npm writes /home/node/.npm "
            "into the layer)",
            "A warm cache can hide a missing file: dependency (the tarball is served by integrity): test "
            "rewrites on an empty builder cache",
        ],
    },
    "yarn": {
        "targets": ["/usr/local/share/.cache/yarn"],
        "target_rule": "yarn classic: $YARN_CACHE_FOLDER or --cache-folder if set; root: "
                       "/usr/local/share/.cache/yarn; other users: $HOME/.cache/yarn",
        "mount_options": {"type": "cache", "non_root": "uid=<uid>,gid=<gid> of the RUN's user"},
        "offline_flags": ["--prefer-offline"],
        "env": {},
        "defeating": ["yarn cache clean (inside the mount it FAILS the build: EBUSY rmdir of the mount point)"],
        "caveats": ["The mount alone already pays (yarn reads its cache by lockfile entry); --prefer-offline "
                    "skips the remaining metadata requests"],
    },
    "yarn-berry": {
        "targets": ["/root/.yarn/berry/cache"],
        "target_rule": "yarn 2+: $YARN_CACHE_FOLDER or cacheFolder in .yarnrc.yml; else $HOME/.yarn/berry/cache when "
                       "enableGlobalCache is true (v4 default); with enableGlobalCache false the cache is the "
                       "project's .yarn/cache (often committed): no mount",
        "mount_options": {"type": "cache", "non_root": "uid=<uid>,gid=<gid> of the RUN's user"},
        "offline_flags": [],
        "env": {},
        "defeating": ["yarn cache clean"],
        "caveats": ["The mount alone works (content-addressed by checksum); berry has no --prefer-offline and "
                    "enableOfflineMode would fail on a newly added package",
                    "Lab only: corepack fetches yarn 4 from the npm registry only with COREPACK_NPM_REGISTRY set"],
    },
    "pnpm": {
        "targets": ["/root/.local/share/pnpm/store"],
        "target_rule": "pnpm 9: --store-dir / store-dir in .npmrc / npm_config_store_dir if set, else "
                       "$XDG_DATA_HOME/pnpm/store, i.e. /root/.local/share/pnpm/store for root",
        "mount_options": {"type": "cache"},
        "offline_flags": [],
        "env": {},
        "defeating": ["pnpm store prune"],
        "caveats": [
            "The mount alone works (\"reused 512, downloaded 0\"); --prefer-offline and an explicit --store-dir "
            "changed nothing measurable (pnpm with a lockfile fetches no metadata)",
            "The store is on another filesystem than node_modules: pnpm copies instead of hardlinking; image "
            "content unchanged",
            "pnpm writes timestamps (node_modules/.modules.yaml prunedAt, /root/.local/state/pnpm/"
            "pnpm-state.json lastUpdateCheck): two pnpm builds are never byte-identical, with or without the "
            "mount; image comparisons must ignore these two paths",
            "corepack cannot fetch pnpm in the lab; install it with npm install -g pnpm@9",
        ],
    },
    "pip": {
        "targets": ["/root/.cache/pip"],
        "target_rule": "$PIP_CACHE_DIR or --cache-dir if set, else $HOME/.cache/pip of the RUN's user "
                       "(the cache does not depend on --target/--prefix/--user)",
        "mount_options": {"type": "cache", "non_root": "uid=<uid>,gid=<gid> of the RUN's user"},
        "offline_flags": [],
        "env": {},
        "defeating": ["--no-cache-dir", "PIP_NO_CACHE_DIR (ENV or inline)", "pip cache purge",
                      "rm -rf ~/.cache/pip"],
        "caveats": [
            "pip reuses a downloaded wheel only through its HTTP cache, which obeys the index's Cache-Control/"
            "ETag headers. The lab's index sends none, so pip cached nothing and the mount saved nothing here; "
            "against an index that sends them (the public one does) the mount works with no flag (not "
            "measurable here)",
            "A header-independent alternative, measured: pip download -d <cache>/wheelhouse --find-links "
            "<cache>/wheelhouse -r req && pip install --no-index --find-links <cache>/wheelhouse -r req "
            "(a rewrite of the command, not just a flag: offer it as an option, not by default)",
        ],
    },
    "uv": {
        "targets": ["/root/.cache/uv"],
        "target_rule": "$UV_CACHE_DIR or --cache-dir if set, else $HOME/.cache/uv (XDG_CACHE_HOME)",
        "mount_options": {"type": "cache"},
        "offline_flags": ["--link-mode=copy"],
        "env": {},
        "env_note": "UV_LINK_MODE=copy works too but only inline in the RUN (VAR=x uv ...); as an ENV line it "
                    "changes the image config",
        "defeating": ["--no-cache", "UV_NO_CACHE", "uv cache clean", "uv cache prune"],
        "caveats": [
            "The mount alone works (content-addressed cache, no dependence on HTTP headers); --link-mode=copy "
            "only silences 'Failed to hardlink files; falling back to full copy' (same speed, same image)",
            "uv sync --frozen --no-install-project before COPY . .; for a packaged project, a second "
            "uv sync --frozen after it",
        ],
    },
    "poetry": {
        "targets": ["/root/.cache/pypoetry"],
        "target_rule": "$POETRY_CACHE_DIR or cache-dir config, else $HOME/.cache/pypoetry",
        "mount_options": {"type": "cache"},
        "offline_flags": [],
        "env": {},
        "defeating": ["poetry cache clear --all", "rm -rf ~/.cache/pypoetry"],
        "caveats": [
            "The mount alone works: artifacts are reused by URL/hash from the lockfile",
            "Mounting the two subdirectories (cache/ and artifacts/) separately works as well (measured 0.41, "
            "image EQUIVALENT)",
            "poetry install --no-cache (2.5.1) does NOT defeat it: the artifact cache is still used (measured)",
            "Lab only: the index serves the simple API but not the per-version JSON API, so the benchmark "
            "declares it as an explicit legacy source in pyproject.toml",
        ],
    },
    "go": {
        "targets": ["/root/.cache/go-build", "/go/pkg/mod"],
        "target_rule": "GOCACHE (default $HOME/.cache/go-build) for go build/test; GOMODCACHE (default "
                       "$GOPATH/pkg/mod = /go/pkg/mod) only when go.mod has requirements",
        "mount_options": {"type": "cache"},
        "offline_flags": [],
        "env": {},
        "defeating": ["go clean -cache", "go clean -modcache", "GOFLAGS=-a / go build -a"],
        "caveats": [
            "Only the build cache is measurable here (GOPROXY=off): it turns a source-edit go build from a "
            "full stdlib compile into an incremental one",
            "A mount target's missing parents are created in the layer: a /go/pkg/mod mount adds an empty "
            "/go/pkg to an image that never downloaded modules (image-diff DIFFERENT)",
        ],
    },
    "apt": {
        "targets": ["/var/cache/apt", "/var/lib/apt/lists"],
        "target_rule": "Dir::Cache (/var/cache/apt) and Dir::State::lists (/var/lib/apt/lists); never all of "
                       "/var/lib/apt: extended_states lives there",
        "mount_options": {"type": "cache", "sharing": "locked"},
        "offline_flags": ["-o Dir::Cache::Archives=/var/cache/apt/keep/ (on apt-get install)"],
        "env": {},
        "defeating": ["the image's docker-clean hook (DPkg::Post-Invoke deletes archives/*.deb)",
                      "apt-get clean", "rm -rf /var/lib/apt/lists/* (inside the lists mount: loses the lists)",
                      "rm -rf /var/cache/apt/*"],
        "caveats": [
            "With docker-clean in place a cache mount keeps only the lists: no gain on .deb downloads (measured)",
            "The classic fix (rm /etc/apt/apt.conf.d/docker-clean + keep-cache file + mount /var/lib/apt) "
            "changes the image: docker-clean gone, keep-cache added, /var/lib/apt/extended_states lost "
            "(apt-mark auto marks). Redirecting the archives with -o Dir::Cache::Archives to a directory the "
            "hook's rm does not match keeps the image EQUIVALENT and gains the same",
            "apt-get keeps downloaded packages by default; Keep-Downloaded-Packages only matters for 'apt'",
            "sharing=locked: apt takes a lock in both directories; parallel builds would otherwise corrupt or "
            "wait",
        ],
    },
}


def main() -> int:
    measured = json.loads((HERE / "measured.json").read_text()) if (HERE / "measured.json").exists() else {}
    out = {}
    for pm, rec in RECOMMENDATIONS.items():
        m: dict = {}
        for bench, phase, keys in [SOURCES[pm], *([EXTRA[pm]] if pm in EXTRA else [])]:
            name = f"{bench}-r2" if f"{bench}-r2" in measured else bench   # prefer the --repeat 2 run
            b = measured.get(name)
            if not b:
                continue
            by_label = {d["label"]: d for d in b["dockerfiles"]}
            for key, label in keys.items():
                ph = by_label.get(label, {}).get("phases", {}).get(phase)
                if ph and ph.get("wall_s") is not None:
                    m[key] = ph["wall_s"]
                    if "nomount" not in key and ph.get("ratio") is not None:   # vs the no-mount run of the same bench
                        m.setdefault("ratios", {})[key[:-2]] = ph["ratio"]
            m.setdefault("conditions", []).append(f"{name}: rebuild-bench --limit-rate {b['limit_rate']} "
                                                  f"--repeat {b['repeat']}, phase {phase}")
        for key in ("dep_nomount_s", "dep_mount_s", "dep_mount_flags_s"):   # the common keys, null if n/a
            m.setdefault(key, None)
        if "ratios" in m:
            m["ratios"] = m.pop("ratios")   # keep it last
        out[pm] = {**rec, "measured": m}
    (HERE / "recommendations.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {HERE / 'recommendations.json'} ({len(out)} package managers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
