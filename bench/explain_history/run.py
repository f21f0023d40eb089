#!/usr/bin/env python3
"""How long `dfix explain --history N` takes on a real repository, split into its parts.

  bench/explain_history/run.py PATH/TO/Dockerfile [--history 50] [--repeat 3]

Prints, per repeat: loading (parse, rewrite, two cache models), git (log + one diff per
commit), the replay through both models, and the commits replayed.  Figures, not verdicts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from dfix.commands.explain.history import last_commits, repo_root, to_context
from dfix.io.discover import Target
from dfix.commands.explain.compare import load_subject
from dfix.pipeline.runner import Options


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dockerfile", type=Path)
    ap.add_argument("--history", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        subject = load_subject(Target(args.dockerfile, args.dockerfile.parent), Options())
        t1 = time.perf_counter()
        root = repo_root(args.dockerfile.resolve())
        commits = last_commits(root, args.history)
        t2 = time.perf_counter()
        inside = subject.context.resolve().relative_to(root).as_posix()
        sides = [subject.original] + ([subject.rewritten] if subject.rewritten else [])
        for commit in commits:
            paths = to_context(commit.paths, inside)
            for side in sides:
                side.model.reruns(paths)
        t3 = time.perf_counter()
        rows.append((t1 - t0, t2 - t1, t3 - t2, len(commits), sum(len(c.paths) for c in commits)))
    steps = len(subject.original.model.steps), len(subject.rewritten.model.steps) if subject.rewritten else 0
    print(f"{args.dockerfile}: {rows[0][3]} commits, {rows[0][4]} changed paths, steps {steps[0]} -> {steps[1]}, "
          f"{len(subject.original.model.context.files)} context files")
    for name, i in (("load+rewrite", 0), ("git", 1), ("replay", 2)):
        values = [r[i] for r in rows]
        print(f"  {name:<13} median {statistics.median(values):.3f} s  (all: {', '.join(f'{v:.3f}' for v in values)})")


if __name__ == "__main__":
    main()
