#!/usr/bin/env python3
"""Print the tables of FINDINGS.md from rebuild-bench JSON documents (results/*.json).

    python3 bench/cache_mounts/summarize.py [RESULTS_DIR] [--write-measured FILE]

Per benchmark and Dockerfile: wall time per phase, executed/cached steps, the install step's own time,
and the ratio to the first Dockerfile of the run (the no-mount baseline). With --write-measured, a compact
JSON of the same figures is written (committed as measured.json, since raw results are not).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

INSTALL = re.compile(r"\b(npm ci|npm install|yarn|pnpm install|pip install|uv sync|poetry install|apt-get|go build)\b")


def install_seconds(run_phase: dict) -> float | None:
    secs = [v for k, v in (run_phase.get("step_seconds") or {}).items() if k and INSTALL.search(k) and "RUN" in k
            and "install -g" not in k and "pip install uv" not in k and "pip install poetry" not in k]
    return round(sum(v for v in secs if v is not None), 1) if secs else None


def load(results: Path) -> dict:
    out = {}
    for f in sorted(results.glob("*.json")):
        try:
            d = json.loads(f.read_text())
        except ValueError:
            continue
        if "dockerfiles" not in d:
            continue
        bench = {"context": d.get("context"), "limit_rate": d.get("limit_rate"), "repeat": d.get("repeat"),
                 "phases": d.get("phases"), "dep_change": (d.get("dep_change") or {}).get("description"),
                 "edit": (d.get("edit") or {}).get("path") if isinstance(d.get("edit"), dict) else d.get("edit"),
                 "dockerfiles": []}
        base = d["dockerfiles"][0]["summary"]
        for df in d["dockerfiles"]:
            row = {"label": df["label"], "dockerfile": Path(df["path"]).name, "phases": {}}
            for ph, s in df["summary"].items():
                if not isinstance(s, dict):
                    continue
                if s.get("wall_s") is None:
                    row["phases"][ph] = {"status": s.get("status"), "wall_s": None, "ratio": None,
                                         "error": (s.get("error") or "")[:200]}
                    continue
                inst = [install_seconds(r["phases"][ph]) for r in df.get("runs", []) if ph in r.get("phases", {})]
                inst = [x for x in inst if x is not None]
                b = base.get(ph, {}).get("wall_s")
                row["phases"][ph] = {
                    "status": s.get("status"), "wall_s": s["wall_s"], "wall_s_all": s.get("wall_s_all"),
                    "executed": s.get("steps_executed"), "cached": s.get("steps_cached"),
                    "install_step_s": sorted(inst)[len(inst) // 2] if inst else None,
                    "ratio": round(s["wall_s"] / b, 2) if b else None,
                }
            row["size_mb"] = round((df.get("final_size_bytes") or 0) / 1e6, 1)
            bench["dockerfiles"].append(row)
        out[f.stem] = bench
    return out


def show(data: dict) -> None:
    for name, b in data.items():
        print(f"\n### {name}  (limit {b['limit_rate']}, repeat {b['repeat']}; dep change: {b['dep_change']})")
        phases = [p for p in ("cold", "noop", "edit", "dep") if any(p in r["phases"] for r in b["dockerfiles"])]
        head = "| Dockerfile | " + " | ".join(f"{p} wall (exec/cached, install step) | {p} ratio" for p in phases) + " | size |"
        print(head)
        print("|" + "---|" * (2 + 2 * len(phases)))
        for r in b["dockerfiles"]:
            cells = []
            for p in phases:
                s = r["phases"].get(p)
                if not s:
                    cells += ["—", "—"]
                    continue
                if s["wall_s"] is None:
                    cells += [f"**{s['status']}**", "—"]
                    continue
                st = "" if s["status"] == "ok" else f" **{s['status']}**"
                inst = f", {s['install_step_s']} s" if s["install_step_s"] is not None else ""
                allw = s.get("wall_s_all") or []
                runs = f" [{' / '.join(f'{w:.1f}' for w in allw)}]" if len(allw) > 1 else ""
                cells += [f"{s['wall_s']:.1f} s{runs} ({s['executed']}/{s['cached']}{inst}){st}", f"{s['ratio']}"]
            print(f"| {r['label']} | " + " | ".join(cells) + f" | {r['size_mb']} MB |")


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    results = Path(args[0]) if args else Path(__file__).parent / "results"
    data = load(results)
    show(data)
    if "--write-measured" in argv:
        target = Path(argv[argv.index("--write-measured") + 1])
        old = json.loads(target.read_text()) if target.exists() else {}
        old.update(data)
        target.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
