"""Reading Dockerfiles strictly and writing them atomically."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024  # no real Dockerfile is this large; a larger file is not one


class InputError(ValueError):
    """The file cannot be processed; the message says why in a few words."""


def read_dockerfile(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; not a Dockerfile")
        data = path.read_bytes()
    except PermissionError:
        raise InputError("permission denied") from None
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None
    if b"\0" in data:
        raise InputError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (invalid byte at offset {exc.start})") from None


class StaleFileError(OSError):
    """The file on disk is no longer what the fix was computed from."""


def write_file_edit(path: Path, old_text: str | None, new_text: str) -> None:
    """Write another file a fix changes (a .dockerignore): create it, or replace the text that was read.

    A file that appeared, vanished or changed since it was read is left alone
    (StaleFileError), so dfix never overwrites an edit it did not see.
    """
    if old_text is None:
        _create_atomic(path, new_text)
        return
    try:
        current = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current != old_text:
        raise StaleFileError(f"{path} changed since dfix read it; run dfix again")
    write_atomic(path, new_text)


def _create_atomic(path: Path, text: str) -> None:
    """A new file with the whole text or none: written aside, then hard-linked into place (never clobbers)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dfix-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise StaleFileError(f"{path} appeared since dfix looked; run dfix again") from None
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def write_atomic(path: Path, text: str) -> None:
    """Replace the file's content in one rename, keeping its mode (and owner when allowed).

    The new bytes go to a temporary file in the same directory, are flushed to disk,
    and only then renamed over the original, so a crash leaves the old file or the
    new one, never half of either.  A symlink is followed: its target is replaced.
    """
    real = path.resolve()
    st = real.stat()
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".dfix-tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except (PermissionError, AttributeError):
            pass  # not ours to change; the mode is what matters for a Dockerfile
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
