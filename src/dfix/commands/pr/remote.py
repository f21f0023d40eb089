"""owner/name of a GitHub repository from a git remote URL (https, ssh, scp-like)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_OWNER_NAME = re.compile(r"^/*(?P<owner>[A-Za-z0-9][A-Za-z0-9-]*)/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/*$")


def repo_from_url(url: str) -> str | None:
    """``owner/name`` for ``https://host/owner/name(.git)``, ``ssh://git@host/owner/name``,
    ``git@host:owner/name.git``; None for anything else (a local path, a deeper path)."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname:
            return None
        path = parts.path
    else:
        # scp-like syntax: [user@]host:path, which git only uses when no slash precedes the colon.
        m = re.match(r"^(?:[^@/]+@)?[^:/]+:(?P<path>.+)$", url)
        if not m:
            return None
        path = m.group("path")
    m = _OWNER_NAME.match(path)
    return f"{m.group('owner')}/{m.group('name')}" if m else None
