"""Small build contexts written into tmp_path for the context and stack tests."""

from __future__ import annotations

import json
from pathlib import Path

from dfix.context import BuildContext


def write_tree(root: Path, files: dict[str, str | dict]) -> Path:
    """Create ``files`` (relative path → text, or a dict dumped as JSON) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content) if isinstance(content, dict) else content, encoding="utf-8")
    return root


def context(root: Path, files: dict[str, str | dict]) -> BuildContext:
    return BuildContext.from_directory(write_tree(root, files))
