#!/usr/bin/env python3
"""Does DF102's pip cache mount pay off when the index sends cache headers?

The python-requirements e2e app (its Dockerfile, and dfix's `--write` output of it), with this
folder's requirements.txt (large wheels: numpy, pandas, sqlalchemy, pydantic-core…), built by
rebuild-bench (cold, then a dependency change: six==1.16.0 appended) with downloads limited
on docker0. pip in both Dockerfiles is pointed at index_proxy.py on docker0 through a derived
base image (`FROM python:3.11-slim` + `ENV PIP_INDEX_URL=… PIP_TRUSTED_HOST=…`, the FROM line of
both Dockerfiles rewritten to it), once with the public index's cache headers and once without
(`--no-cache-headers`, the lab proxy's behaviour), so the only difference is the headers.

Prints, per mode, the dependency-change time without and with the mount, the ratio, and
pip's `Using cached` / `Downloading` counts in the dependency-change logs.

  bench/pip_index_headers/run.py [--modes headers,no-headers] [--repeat N] [--limit-rate 50mbit]
                                 [--json FILE]
Python: the one that has dfix installed (`. /tmp/dv/bin/activate`). Uses ../../../shared/buildlab.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LAB = REPO.parent / "shared" / "buildlab"
APP = REPO / "tests" / "e2e" / "apps" / "python-requirements"
DOCKER = "/usr/bin/docker"
BASE = "python:3.11-slim"


def start_index(tmp: Path, mode: str) -> tuple[subprocess.Popen, str]:
    url_file = tmp / f"url-{mode}"
    cmd = [sys.executable, str(HERE / "index_proxy.py"), "--url-file", str(url_file),
           "--cache-dir", str(Path(tempfile.gettempdir()) / "pip-index-headers-cache")]
    if mode == "no-headers":
        cmd.append("--no-cache-headers")
    with open(tmp / f"index-{mode}.log", "w") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if url_file.is_file() and url_file.read_text().strip():
            return proc, url_file.read_text().strip()
        if proc.poll() is not None:
            sys.exit(f"index_proxy exited: {(tmp / f'index-{mode}.log').read_text()}")
        time.sleep(0.1)
    proc.terminate()
    sys.exit("index_proxy did not start")


def stop_index(proc: subprocess.Popen, tmp: Path, mode: str) -> str:
    proc.terminate()
    proc.wait(timeout=30)
    lines = (tmp / f"index-{mode}.log").read_text().splitlines()
    return next((ln for ln in reversed(lines) if ln.startswith("index_proxy: {")), "")


def derived_base(url: str, mode: str) -> str:
    tag = f"pip-index-headers/python:{mode}"
    host = urllib.parse.urlsplit(url).netloc
    dockerfile = f"FROM {BASE}\nENV PIP_INDEX_URL={url} PIP_TRUSTED_HOST={host}\n"
    run = subprocess.run([DOCKER, "build", "-q", "-t", tag, "-"], input=dockerfile, text=True,
                         check=False, capture_output=True, env={**os.environ, "DOCKER_BUILDKIT": "1"})
    if run.returncode != 0:
        sys.exit(f"building {tag} failed: {run.stderr}")
    return tag


def prepare(tmp: Path, base: str) -> tuple[Path, Path, Path]:
    """The app's context with this bench's requirements.txt; its Dockerfile and dfix's rewrite,
    both with FROM pointed at the derived base (dfix runs on the unchanged Dockerfile)."""
    context = tmp / "context"
    if context.exists():
        shutil.rmtree(context)
    shutil.copytree(APP, context, ignore=shutil.ignore_patterns("Dockerfile", "Dockerfile.*", "README.md",
                                                                "__pycache__"))
    shutil.copy(HERE / "requirements.txt", context / "requirements.txt")
    before, after = tmp / "Dockerfile.nomount", tmp / "Dockerfile.mount"
    shutil.copy(APP / "Dockerfile", before)
    shutil.copy(before, after)
    fix = subprocess.run([sys.executable, "-m", "dfix", "--write", "--context", str(context), str(after)],
                         check=False, capture_output=True, text=True)
    if fix.returncode != 0:
        sys.exit(f"dfix failed: {fix.stderr}")
    for path in (before, after):
        text = path.read_text()
        new = re.sub(rf"^FROM {re.escape(BASE)}\b", f"FROM {base}", text, count=1, flags=re.MULTILINE)
        if new == text:
            sys.exit(f"no `FROM {BASE}` line in {path}")
        path.write_text(new)
    return context, before, after


def pip_says(log: str) -> dict[str, int]:
    text = Path(log).read_text(errors="replace")
    return {"using_cached": len(re.findall(r"Using cached ", text)),
            "downloading": len(re.findall(r"Downloading ", text))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", default="headers,no-headers")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--limit-rate", default="50mbit")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="pip-index-headers-") as t:
        tmp = Path(t)
        for mode in args.modes.split(","):
            proc, url = start_index(tmp, mode)
            try:
                base = derived_base(url, mode)
                context, before, after = prepare(tmp, base)
                out = tmp / f"bench-{mode}.json"
                cmd = [str(LAB / "rebuild-bench"), str(context), str(before), str(after),
                       "--label", f"nomount-{mode}", "--label", f"mount-{mode}", "--phases", "cold,dep",
                       "--limit-rate", args.limit_rate, "--repeat", str(args.repeat), "--json", str(out),
                       "--timeout", "900"]
                run = subprocess.run(cmd, check=False, capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"{mode}: rebuild-bench failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
                    continue
            finally:
                stats = stop_index(proc, tmp, mode)
            report = json.loads(out.read_text())
            b, a = report["dockerfiles"]
            row = {"mode": mode, "limit_rate": args.limit_rate, "repeat": args.repeat, "run_id": report["run_id"],
                   "index_stats": stats}
            for key, df in (("nomount", b), ("mount", a)):
                last = df["runs"][-1]["phases"]
                row[key] = {"cold_s": df["summary"]["cold"]["wall_s"], "dep_s": df["summary"]["dep"]["wall_s"],
                            "dep_all_s": df["summary"]["dep"]["wall_s_all"],
                            "dep_pip": pip_says(last["dep"]["log"]), "dep_log": last["dep"]["log"],
                            "size_mb": round(df["summary"]["cold"]["size_bytes"] / 1e6, 1)}
            row["dep_ratio"] = round(row["mount"]["dep_s"] / row["nomount"]["dep_s"], 2)
            results.append(row)

    print(f"{'index':<11} {'cold no-mount':>13} {'cold mount':>10}   {'dep no-mount':>12} {'dep mount':>9} "
          f"{'ratio':>5}   pip (dep, mount): cached/downloaded")
    for r in results:
        n, m = r["nomount"], r["mount"]
        print(f"{r['mode']:<11} {n['cold_s']:>12.1f}s {m['cold_s']:>9.1f}s   {n['dep_s']:>11.1f}s {m['dep_s']:>8.1f}s "
              f"{r['dep_ratio']:>5.2f}   {m['dep_pip']['using_cached']}/{m['dep_pip']['downloading']} "
              f"(no mount: {n['dep_pip']['using_cached']}/{n['dep_pip']['downloading']})")
    for r in results:
        print(f"{r['mode']}: {r['index_stats']}; logs {r['nomount']['dep_log']} {r['mount']['dep_log']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
