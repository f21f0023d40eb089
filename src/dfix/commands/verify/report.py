"""verify's output: a short text report per file, or one JSON document (``"version": 1``)."""

from __future__ import annotations

import json
from typing import Any

from .phases import PHASES, Outcome

JSON_VERSION = 1


def file_dict(path: str, context: str, builder: str, outcome: Outcome, max_list: int) -> dict[str, Any]:
    comparison = outcome.comparison
    differences = comparison.differences if comparison else []
    phases: dict[str, Any] = {}
    for name in PHASES:
        phase = outcome.phases.get(name)
        if phase is None:
            continue
        phases[name] = {
            "skipped": phase.skipped,
            "changed": phase.changed,
            **{side: (phase.observed[side].to_dict() if side in phase.observed else None)
               for side in ("original", "rewritten")},
            "predicted": {side: sorted(steps) for side, steps in phase.predicted.items()} if name != "cold" else None,
            "mismatches": phase.mismatches,
            "errors": phase.errors,
        }
    return {
        "path": path,
        "context": context,
        "builder": builder,
        "verdict": outcome.verdict,
        "equivalent": {"same": True, "nothing to verify": True, "differs": False}.get(outcome.verdict),
        "entries": list(comparison.entries) if comparison else None,
        "differences": [d.to_dict() for d in differences[:max_list]],
        "differences_total": len(differences),
        "ignored": dict(sorted(comparison.ignored.items())) if comparison else {},
        "phases": phases,
        "notes": outcome.notes,
        "error": outcome.error,
        "error_output": outcome.error_output,
        "verify_seconds": outcome.seconds,
    }


def to_json(files: list[dict[str, Any]], error: str | None = None) -> str:
    return json.dumps({"version": JSON_VERSION, "files": files, "error": error}, indent=2)


def _seconds(doc: dict[str, Any] | None) -> str:
    return f"{doc['seconds']:.2f} s" if doc else "-"


def _steps(doc: dict[str, Any] | None) -> str:
    if not doc:
        return "-"
    return f"{len(doc['executed'])} run / {len(doc['cached'])} cached"


def to_text(doc: dict[str, Any]) -> str:
    """One file's report: verdict, differing paths, the rebuild table, disagreements with the model."""
    lines = [f"{doc['path']}: {doc['verdict'].upper()} ({doc['builder']})"]
    if doc["error"]:
        lines.append(f"  error: {doc['error']}")
    lines += [f"  | {line}" for line in doc["error_output"]]
    lines += [f"  note: {note}" for note in doc["notes"]]
    if doc["entries"]:
        lines.append(f"  image contents: {doc['entries'][0]:,} paths (original), {doc['entries'][1]:,} (rewrite)")
    for d in doc["differences"]:
        sizes = "" if d["size_original"] is None and d["size_rewritten"] is None else \
            f" [{_size(d['size_original'])} -> {_size(d['size_rewritten'])}]"
        lines.append(f"  differs: {d['path']}: {d['what']}{sizes}")
    if doc["differences_total"] > len(doc["differences"]):
        lines.append(f"  ... {doc['differences_total'] - len(doc['differences'])} more "
                     f"({doc['differences_total']} differences in all)")
    for reason, count in doc["ignored"].items():
        lines.append(f"  ignored: {count} path{'s' if count != 1 else ''}: {reason}")
    if doc["verify_seconds"]:
        lines.append("  verify's own work: " + ", ".join(f"{k.replace('_', ' ')} {v:.2f} s"
                                                          for k, v in doc["verify_seconds"].items()))
    if any(phase[side] for phase in doc["phases"].values() for side in ("original", "rewritten")):
        lines.append(f"  {'phase':<6} {'original':>10} {'':<18} {'rewrite':>10} {'':<18} predicted re-runs (orig / rewrite)")
        for name, phase in doc["phases"].items():
            if phase["skipped"]:
                lines.append(f"  {name:<6} skipped: {phase['skipped']}")
                continue
            predicted = phase["predicted"]
            guess = f"{len(predicted.get('original', []))} / {len(predicted.get('rewritten', []))}" if predicted \
                else "all (cold)"
            lines.append(f"  {name:<6} {_seconds(phase['original']):>10} {_steps(phase['original']):<18} "
                         f"{_seconds(phase['rewritten']):>10} {_steps(phase['rewritten']):<18} {guess}")
            for side in ("original", "rewritten"):
                ran = (phase[side] or {}).get("executed") or []
                if name != "cold" and ran:
                    lines.append(f"         {side} ran: {'; '.join(ran)}")
            lines += [f"         build error: {side}: {err}" for side, err in phase["errors"].items()]
            lines += [f"         MISMATCH {m}" for m in phase["mismatches"]]
    return "\n".join(lines) + "\n"


def _size(value: int | None) -> str:
    return "absent" if value is None else f"{value:,} B"
