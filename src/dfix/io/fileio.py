"""Reading input files with bounds and writing Dockerfiles atomically.

Every file dfix reads comes from a repository it does not trust: it is opened
without blocking (a FIFO would otherwise hang the run), read only if it is a
regular file, and read by counting bytes, never by trusting ``st_size`` (0 for
``/dev/zero`` and for FIFOs).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024  # no real Dockerfile is this large; a larger file is not one
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a monorepo's lockfile can be tens of MiB; beyond that, refuse
_CHUNK = 1024 * 1024


class InputError(ValueError):
    """The file cannot be processed; the message says why in a few words."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _open_error(exc: OSError) -> InputError:
    if exc.errno == errno.ELOOP:
        return InputError("symlink loop")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError("permission denied")
    if exc.errno == errno.ENOENT:
        return InputError("no such file or directory")
    return InputError(exc.strerror or str(exc))


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; InputError otherwise."""
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _open_error(exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"is {_kind(st.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise InputError(f"file is larger than {_size(limit)}")
        return b"".join(chunks)
    except OSError as exc:
        raise _open_error(exc) from None
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def decode_dockerfile(data: bytes) -> str:
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
        current = read_bounded(path, MAX_MANIFEST_BYTES).decode("utf-8")
    except (InputError, UnicodeDecodeError):
        current = None
    if current != old_text:
        raise StaleFileError(f"{path} changed since dfix read it; run dfix again")
    write_atomic(path, new_text, expected=old_text)


def undo_file_edit(path: Path, old_text: str | None, new_text: str) -> None:
    """Put back what write_file_edit changed, if the file still holds what it wrote."""
    if old_text is None:
        if read_bounded(path, MAX_MANIFEST_BYTES) == new_text.encode("utf-8"):
            path.unlink()
        return
    write_atomic(path, old_text, expected=new_text)


def check_replaceable(path: Path) -> None:
    """Refuse now what write_atomic would refuse of the file itself (read-only, hard links),
    so that nothing else of the same fix set is written first."""
    real = path.resolve()
    _check_writable(real, real.stat())


def _create_atomic(path: Path, text: str) -> None:
    """A new file with the whole text or none: written aside, then hard-linked into place (never clobbers)."""
    tmp = _write_aside(path, text)
    try:
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


def read_dockerfile(path: Path) -> str:
    try:
        data = read_bounded(path, MAX_BYTES)
    except InputError as exc:
        if "larger than" in str(exc):
            raise InputError(f"{exc}; not a Dockerfile") from None
        raise
    return decode_dockerfile(data)


def write_atomic(path: Path, text: str, expected: str | None = None) -> None:
    """Replace the file's content in one rename, keeping its mode, owner and group.

    The new bytes go to a temporary file in the same directory, are flushed to disk,
    and only then renamed over the original, so a crash leaves the old file or the
    new one, never half of either.  A symlink is followed: its target is replaced.

    Refused with InputError, leaving the file as it was: a read-only file (as black
    does), a file with other hard links (a rename would silently split them), an
    owner or group dfix cannot give the new file, and, when ``expected`` is given,
    a file whose content is no longer ``expected`` (another run changed it since it
    was read: compare-and-swap, so that run's fix is not lost).
    """
    real = path.resolve()
    st = real.stat()
    _check_writable(real, st)
    tmp = _write_aside(real, text)
    try:
        # chown clears setuid/setgid, so the owner first and the mode after it.
        made = os.stat(tmp)  # a setgid directory gives new files its group, not ours
        if (made.st_uid, made.st_gid) != (st.st_uid, st.st_gid):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except PermissionError:
                raise InputError(f"cannot write: owned by uid {st.st_uid} gid {st.st_gid}, which dfix cannot "
                                 "give the new file") from None
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        _copy_xattrs(real, tmp)
        if expected is not None:
            _compare(real, expected)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _copy_xattrs(source: Path, target: str) -> None:
    """The original's extended attributes (SELinux labels, macOS quarantine, user.*) on the new file.

    A rename replaces the inode, so without this --write silently dropped them. Where the
    filesystem has none or refuses one (a security.* label needs privileges), the write goes on:
    losing an attribute dfix cannot set is better than refusing the fix.
    """
    try:
        names = os.listxattr(source)
    except (OSError, AttributeError):
        return
    for name in names:
        try:
            os.setxattr(target, name, os.getxattr(source, name))
        except OSError:
            continue


def _write_aside(path: Path, text: str) -> str:
    """``text`` in a new temporary file beside ``path``, flushed to disk; its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dfix-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _check_writable(real: Path, st: os.stat_result) -> None:
    if st.st_nlink > 1:
        raise InputError(f"cannot write: the file has {st.st_nlink} hard links, and replacing it would break them")
    # A mode with no write bit is read-only on purpose, even for root, who may write anyway.
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(real, os.W_OK):
        raise InputError("cannot write: the file is read-only")


def _compare(real: Path, expected: str) -> None:
    try:
        now = read_bounded(real, MAX_BYTES)
    except InputError as exc:
        raise InputError(f"cannot write: the file changed since dfix read it ({exc})") from None
    if now != expected.encode("utf-8"):
        raise InputError("cannot write: the file changed since dfix read it; run dfix again")
