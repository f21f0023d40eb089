"""``dfix detect``: the stacks each stage of a Dockerfile builds, as JSON-ready dicts or text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..context import BuildContext, IgnorePatternError
from ..io.discover import Target, escapes_tree
from ..dockerfile import DockerfileError, parse, validate
from ..secrets import Masker
from ..io.fileio import InputError, read_dockerfile
from ..io.printable import safe_line
from ..io.limits import InputLimitError
from ..managers import clear_caches
from ..analysis.stacks.attribute import attribute


def load_context(dockerfile_path: Path, context_dir: Path, files: list[str] | None = None,
                 dockerfile_in_context: str | None = None) -> tuple[BuildContext, str]:
    """The build context and the Dockerfile's directory inside it (``.`` when outside or at the root).

    ``files`` replaces the directory walk with a given listing (the corpus keeps
    listings, not files); ``dockerfile_in_context`` then says where the Dockerfile sits.
    """
    if dockerfile_in_context is None:
        dockerfile_in_context = _relative(dockerfile_path, context_dir)
    if files is not None:
        ctx = BuildContext.from_listing(context_dir, files, dockerfile_in_context)
    else:
        ctx = BuildContext.from_directory(context_dir, dockerfile_path.resolve())
    directory = str(Path(dockerfile_in_context).parent.as_posix()) if dockerfile_in_context else "."
    return ctx, directory


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def detect_target(target: Target, context_dir: Path | None) -> dict[str, Any]:
    """One entry of `dfix detect`: the same keys whether it succeeded or not (``error`` null or a line)."""
    if target.error or escapes_tree(target):
        reason = target.error or "symlink points outside the tree; not following it"
        return {"path": str(target.path), "context": None, "error": reason, "ignore_file": None, "stages": []}
    ctx_dir = context_dir if context_dir is not None else target.path.parent
    try:
        return detect_dockerfile(target.path, ctx_dir)
    except Exception as exc:  # noqa: BLE001 - a bug: this entry fails, not the run
        from ..pipeline.runner import internal_error

        return {"path": str(target.path), "context": str(ctx_dir), "error": internal_error(exc),
                "ignore_file": None, "stages": []}


def detect_dockerfile(dockerfile_path: Path, context_dir: Path, files: list[str] | None = None,
                      dockerfile_in_context: str | None = None) -> dict[str, Any]:
    dockerfile_path, context_dir = Path(dockerfile_path), Path(context_dir)
    result: dict[str, Any] = {"path": str(dockerfile_path), "context": str(context_dir), "error": None,
                              "ignore_file": None, "stages": []}
    try:
        text = read_dockerfile(dockerfile_path)
        df = parse(text)
        validate(df)  # an unbuildable file has no stacks to report
        ctx, dockerfile_dir = load_context(dockerfile_path, context_dir, files, dockerfile_in_context)
        stages = [report.to_dict() for report in attribute(df, ctx, None, dockerfile_dir)]
    except (InputError, InputLimitError, IgnorePatternError) as exc:
        result["error"] = str(exc)
        return result
    except DockerfileError as exc:
        result["error"] = f"BuildKit would reject this file: {exc}"
        return result
    finally:
        clear_caches()
    result["ignore_file"] = ctx.ignored_by
    result["stages"] = stages
    return Masker.for_dockerfile(text).mask_data(result)  # install commands quote RUN text: tokens too


def format_detect_text(results: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for result in results:
        lines.append(f"{result['path']} (context {result['context']})")
        if result.get("error"):
            lines.append(f"  error: {result['error']}")
            continue
        for index, stage in enumerate(result["stages"]):
            label = stage["name"] or f"#{index}"
            lines.append(f"  stage {label} FROM {stage['base']}")
            if not stage["stacks"]:
                lines.append("    no dependency install")
            for stack in stage["stacks"]:
                lines.extend(_stack_lines(stack))
            for text in stage.get("unparsed_run_text", []):
                lines.append(f"    unparsed shell: {text}")
    return "".join(safe_line(line) + "\n" for line in lines)


def _stack_lines(stack: dict[str, Any]) -> list[str]:
    lines = [f"    {stack['ecosystem']} / {stack['package_manager']} in {stack['root']}"]
    if stack.get("ambiguous"):
        lines.append(f"      ambiguous: {stack['ambiguous']}")
    for label, key in (("manifests", "manifests"), ("install inputs", "install_inputs"),
                       ("cache dirs", "cache_dirs"), ("build outputs", "build_outputs")):
        if stack.get(key):
            lines.append(f"      {label}: {', '.join(stack[key])}")
    for command in stack["install_commands"]:
        lines.append(f"      install (line {command['line']}): {command['command']}")
    for hazard in stack.get("hazards", []):
        lines.append(f"      hazard: {hazard}")
    return lines
