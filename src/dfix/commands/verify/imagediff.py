"""Two images compared by content: the final filesystem of each and its config.

An image archive (``docker save``'s docker-archive, or an OCI layout as ``podman save
--format oci-archive`` and ``buildctl --output type=oci`` write it) is read with
tarfile and json, never extracted: verify reads images built from Dockerfiles it did
not write, so a member named ``../x`` or a symlink to ``/etc`` is data here, not a path
on this machine.  Layers are applied in order as the OCI image spec says: a layer's
whiteouts (``.wh.NAME``) and opaque markers (``.wh..wh..opq``) remove what the layers
below it hold, then its own entries are added.

Everything here is pure (archive in, comparison out), so it is tested on hand-made tars.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import tarfile
from dataclasses import dataclass, field
from typing import IO, Any, Iterable

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
# The parts of an image's config that change what a container runs or how it is run.
CONFIG_KEYS = ("Env", "Cmd", "Entrypoint", "User", "WorkingDir", "ExposedPorts", "Volumes", "Labels",
               "StopSignal", "Healthcheck", "Shell", "OnBuild")
_KINDS = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file", tarfile.DIRTYPE: "dir",
          tarfile.SYMTYPE: "symlink", tarfile.CHRTYPE: "char device", tarfile.BLKTYPE: "block device",
          tarfile.FIFOTYPE: "fifo"}


class ImageFormatError(ValueError):
    """The archive is not an image verify can read (or it is hostile)."""


@dataclass(frozen=True)
class Entry:
    """What the image holds at one path.  Times are left out: every build writes new ones."""

    kind: str  # file, dir, symlink, char device, block device, fifo ("hard link" only inside a Layer)
    mode: int  # permission bits with setuid, setgid and sticky
    uid: int
    gid: int
    size: int = 0
    sha256: str | None = None  # regular files only
    link: str | None = None  # a symlink's target
    device: tuple[int, int] | None = None


@dataclass
class Image:
    files: dict[str, Entry]  # absolute, normalised paths ("/app/server.js"); "/" itself is left out
    config: dict[str, Any]  # the image config's "config" object (Env, Cmd, ...)


# reading ------------------------------------------------------------------------------------


def read_image(archive: str | IO[bytes]) -> Image:
    """The final filesystem and config of the (only) image in a docker-archive or OCI layout tar."""
    return read_images(archive)[0]


def read_images(archive: str | IO[bytes], refs: list[str] | None = None) -> list[Image]:
    """The images ``refs`` names in one archive (``docker save A B``), or its only one.

    A layer both images hold is stored once in such an archive and read once here: the
    base image's layers are most of what two builds of one Dockerfile share.
    """
    try:
        with tarfile.open(archive if isinstance(archive, str) else None, mode="r:*",
                          fileobj=None if isinstance(archive, str) else archive) as outer:
            # docker save stores a layer two images share under each image once, and links the
            # second copy to the first (`<id>/layer.tar -> ../<other>/layer.tar`).
            members = {_clean_member(m.name): m for m in outer.getmembers() if m.isfile() or m.issym()}
            if "manifest.json" in members:
                found = _docker_archive(outer, members, refs)
            elif "index.json" in members and refs is None:
                found = [_oci_layout(outer, members)]
            else:
                raise ImageFormatError("neither manifest.json (docker-archive) nor index.json (OCI layout) found")
            layers: dict[str, Layer] = {}
            images = []
            for config_name, names in found:
                config = _json(outer, members, config_name)
                files: dict[str, Entry] = {}
                for name in names:
                    if name not in layers:
                        with _open(outer, members, name) as blob, tarfile.open(fileobj=blob, mode="r|*") as tar:
                            layers[name] = read_layer(tar)
                    apply_read_layer(files, layers[name])
                images.append(Image(files, dict(config.get("config") or {}) if isinstance(config, dict) else {}))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ImageFormatError(f"unreadable image archive: {exc}") from None
    return images


def _clean_member(name: str) -> str:
    return posixpath.normpath(name.lstrip("/")) if name.strip("/.") else name


def _open(outer: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str) -> IO[bytes]:
    member = members.get(_clean_member(name))
    for _ in range(8):  # a link to a link; a loop is refused below
        if member is None or not member.issym():
            break
        target = posixpath.join(posixpath.dirname(member.name), member.linkname)
        member = members.get(_clean_member(target))
    if member is None or member.issym():
        raise ImageFormatError(f"the archive names {name}, which it does not hold")
    blob = outer.extractfile(member)
    if blob is None:
        raise ImageFormatError(f"{name} is not a file in the archive")
    return blob


def _json(outer: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str) -> Any:
    with _open(outer, members, name) as blob:
        try:
            return json.loads(blob.read(64 * 1024 * 1024))
        except ValueError as exc:
            raise ImageFormatError(f"{name}: not JSON ({exc})") from None


def _one(items: Any, what: str) -> dict:
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise ImageFormatError(f"{what}: expected exactly one image")
    return items[0]


def _docker_archive(outer: tarfile.TarFile, members: dict[str, tarfile.TarInfo],
                    refs: list[str] | None) -> list[tuple[str, list[str]]]:
    manifest = _json(outer, members, "manifest.json")
    if refs is None:
        chosen = [_one(manifest, "manifest.json")]
    else:
        if not isinstance(manifest, list):
            raise ImageFormatError("manifest.json: expected a list of images")
        chosen = []
        for ref in refs:  # podman names its images localhost/NAME
            entry = next((m for m in manifest if isinstance(m, dict) and any(
                tag == ref or str(tag).endswith("/" + ref) for tag in m.get("RepoTags") or [])), None)
            if entry is None:
                raise ImageFormatError(f"manifest.json: no image tagged {ref}")
            chosen.append(entry)
    return [(str(m.get("Config")), [str(layer) for layer in m.get("Layers") or []]) for m in chosen]


def _blob(digest: Any) -> str:
    algorithm, _, value = str(digest).partition(":")
    if not value or "/" in value or "/" in algorithm:
        raise ImageFormatError(f"bad digest {digest!r}")
    return f"blobs/{algorithm}/{value}"


def _oci_layout(outer: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> tuple[str, list[str]]:
    descriptor = _one(_json(outer, members, "index.json").get("manifests"), "index.json")
    manifest = _json(outer, members, _blob(descriptor.get("digest")))
    if "manifests" in manifest:  # a nested index (buildctl writes one per platform): take its only image
        manifest = _json(outer, members, _blob(_one(manifest["manifests"], "nested index").get("digest")))
    config = manifest.get("config") or {}
    return _blob(config.get("digest")), [_blob(layer.get("digest")) for layer in manifest.get("layers") or []]


# applying layers ----------------------------------------------------------------------------


def image_path(name: str) -> str:
    """A layer member's name as an absolute image path; ImageFormatError for one that climbs out of /."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise ImageFormatError(f"layer member {name!r} climbs out of the image root")
        parts.append(part)
    return "/" + "/".join(parts)


def _remove_tree(files: dict[str, Entry], path: str, keep_self: bool = False) -> None:
    prefix = path.rstrip("/") + "/"
    for name in [n for n in files if n.startswith(prefix) or (n == path and not keep_self)]:
        del files[name]


@dataclass
class Layer:
    """One layer read: what it adds (hard links still by name) and what it removes below it."""

    added: dict[str, Entry] = field(default_factory=dict)
    removed: list[tuple[str, bool]] = field(default_factory=list)  # (path, opaque: keep the directory itself)


def read_layer(layer: Iterable[tarfile.TarInfo]) -> Layer:
    """A layer tar (iterated in stream mode), its files hashed."""
    tar = layer if isinstance(layer, tarfile.TarFile) else None
    out = Layer()
    for member in layer:
        path = image_path(member.name)
        directory, base = posixpath.split(path)
        if base == OPAQUE:
            out.removed.append((directory, True))
        elif base.startswith(WHITEOUT):
            out.removed.append((posixpath.join(directory, base[len(WHITEOUT):]), False))
        elif path != "/":
            out.added[path] = _entry(member, tar)
    return out


def apply_layer(files: dict[str, Entry], layer: Iterable[tarfile.TarInfo]) -> None:
    """Apply one layer (a tarfile, iterated in stream mode) on top of ``files``."""
    apply_read_layer(files, read_layer(layer))


def apply_read_layer(files: dict[str, Entry], layer: Layer) -> None:
    # Whiteouts hide the layers below, never this layer's own entries.
    for path, opaque in layer.removed:
        _remove_tree(files, path, keep_self=opaque)
    resolved: dict[str, Entry] = {}
    for path, entry in layer.added.items():
        if entry.kind == "hard link":  # the same content as the file it names, in this layer or below
            target = resolved.get(entry.link or "") or files.get(entry.link or "")
            if target is None or target.kind != "file":
                raise ImageFormatError(f"hard link {path!r} names {entry.link!r}, which is no file")
            entry = Entry("file", entry.mode, entry.uid, entry.gid, target.size, target.sha256)
        resolved[path] = entry
        lower = files.get(path)
        if lower is not None and lower.kind == "dir" and entry.kind != "dir":  # hides what was below it
            _remove_tree(files, path, keep_self=True)
        files[path] = entry


def _entry(member: tarfile.TarInfo, tar: tarfile.TarFile | None) -> Entry:
    mode, uid, gid = member.mode & 0o7777, member.uid, member.gid
    if member.islnk():
        return Entry("hard link", mode, uid, gid, link=image_path(member.linkname))
    kind = _KINDS.get(member.type)
    if kind is None:
        raise ImageFormatError(f"layer member {member.name!r} has an unknown type {member.type!r}")
    if kind == "file":
        return Entry(kind, mode, uid, gid, member.size, _sha256(tar, member))
    if kind == "symlink":
        return Entry(kind, mode, uid, gid, link=member.linkname)
    if kind.endswith("device"):
        return Entry(kind, mode, uid, gid, device=(member.devmajor, member.devminor))
    return Entry(kind, mode, uid, gid)


def _sha256(tar: tarfile.TarFile | None, member: tarfile.TarInfo) -> str:
    digest = hashlib.sha256()
    blob = tar.extractfile(member) if tar is not None else None
    if blob is not None:
        for chunk in iter(lambda: blob.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# comparing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IgnoredPath:
    """An image path (and everything below it) left out of the comparison, with the reason."""

    path: str
    reason: str

    def covers(self, path: str) -> bool:
        if not self.path.startswith("/"):  # a name: any path with such a component
            return self.path in path.split("/")
        if "*" in self.path:  # * within one component: /home/*/.npm
            return _glob_covers(self.path, path)
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


def _glob_covers(pattern: str, path: str) -> bool:
    import fnmatch

    want = pattern.strip("/").split("/")
    have = path.strip("/").split("/")
    return len(have) >= len(want) and all(fnmatch.fnmatchcase(h, w) and "/" not in h for h, w in zip(have, want))


# Files that differ between two cold builds of one Dockerfile on this machine's lab (measured
# 2026-12-07: node-naive, debian-apt and python-requirements, each built twice with --no-cache
# and compared here): they record when or in what order a build ran, not what it installed.
# And the files a container runtime replaces at run time, which builders treat differently.
REBUILD_NOISE = (
    IgnoredPath("/var/log/dpkg.log", "dpkg's log: one timestamped line per package action"),
    IgnoredPath("/var/log/apt/history.log", "apt's history log: start and end times of each run"),
    IgnoredPath("/var/log/apt/term.log", "apt's terminal log: timestamped output of each run"),
    IgnoredPath("/var/cache/ldconfig/aux-cache", "ldconfig's aux cache: inode and mtime of every library"),
    IgnoredPath("/root/.npm/_logs", "npm's debug logs, named by the time the command started"),
    IgnoredPath("/home/*/.npm/_logs", "npm's debug logs, named by the time the command started"),
    IgnoredPath("/root/.npm/_cacache/index-v5", "npm's cache index: each entry records when it was written"),
    IgnoredPath("/home/*/.npm/_cacache/index-v5", "npm's cache index: each entry records when it was written"),
    IgnoredPath("__pycache__", "Python bytecode: its header records the source file's mtime at install time"),
    # podman 4.3's RUN leaves empty placeholders for these in its layer; Docker's does not.
    *(IgnoredPath(path, "the container runtime mounts its own over it in every container")
      for path in ("/etc/hosts", "/etc/hostname", "/etc/resolv.conf")),
)


@dataclass(frozen=True)
class RewrittenFile:
    """A file of the fix set (the Dockerfile, a .dockerignore): where the image holds its old
    bytes in the original and its new bytes in the rewrite, that is the fix, not a change."""

    name: str
    old_sha256: str
    new_sha256: str


@dataclass
class Difference:
    path: str
    what: str
    original: int | None = None  # sizes in bytes; None: absent or no size
    rewritten: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "what": self.what, "size_original": self.original,
                "size_rewritten": self.rewritten}


@dataclass
class Comparison:
    entries: tuple[int, int]  # paths compared in the original and the rewrite
    differences: list[Difference] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)  # reason -> paths left out (on either side)

    @property
    def equivalent(self) -> bool:
        return not self.differences


def compare(original: Image, rewritten: Image, ignores: Iterable[IgnoredPath] = (),
            rewritten_files: Iterable[RewrittenFile] = (), mountpoints: Iterable[IgnoredPath] = ()) -> Comparison:
    """Every path and config key of the two images; differences in path order, config last.

    ``mountpoints`` are directories the builder creates to mount a cache on (the parents of a
    target): each is left out only where it is a directory the rewrite alone has.
    """
    ignores, mountpoints = list(ignores), list(mountpoints)
    expected = {(f.old_sha256, f.new_sha256): f.name for f in rewritten_files}
    result = Comparison((len(original.files), len(rewritten.files)))
    for path in sorted(original.files.keys() | rewritten.files.keys()):
        a, b = original.files.get(path), rewritten.files.get(path)
        if a == b:
            continue
        reason = next((i.reason for i in ignores if i.covers(path)), None)
        if reason is None and a is None and b is not None and b.kind == "dir":
            reason = next((m.reason for m in mountpoints if m.path == path), None)
        if reason is None and a is not None and b is not None and (a.sha256, b.sha256) in expected:
            reason = f"the fix set's {expected[(a.sha256, b.sha256)]}, copied into the image"
        if reason is not None:
            result.ignored[reason] = result.ignored.get(reason, 0) + 1
            continue
        result.differences.append(Difference(path, describe(a, b), a.size if a else None, b.size if b else None))
    result.differences.extend(compare_config(original.config, rewritten.config))
    return result


def describe(a: Entry | None, b: Entry | None) -> str:
    """What differs between two entries at one path, in words."""
    if a is None or b is None:
        return f"only in the {'rewrite' if a is None else 'original'} ({(a or b).kind})"  # type: ignore[union-attr]
    if a.kind != b.kind:
        return f"type {a.kind} -> {b.kind}"
    out = []
    if a.sha256 != b.sha256:
        out.append("content")
    if a.link != b.link:
        out.append(f"link target {a.link} -> {b.link}")
    if a.device != b.device:
        out.append(f"device {a.device} -> {b.device}")
    if a.mode != b.mode:
        out.append(f"mode {a.mode:04o} -> {b.mode:04o}")
    if (a.uid, a.gid) != (b.uid, b.gid):
        out.append(f"owner {a.uid}:{a.gid} -> {b.uid}:{b.gid}")
    return ", ".join(out) or "size"


def compare_config(a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
    out = []
    for key in CONFIG_KEYS:
        left, right = a.get(key), b.get(key)
        if key == "Env":  # a mapping: the last assignment of a name wins, order is not meaning
            left, right = _env(left), _env(right)
        if (left or None) != (right or None):  # null, [] and {} all mean "not set"
            out.append(Difference(f"config {key}", f"{_short(left)} -> {_short(right)}"))
    return out


def _env(values: Any) -> dict[str, str]:
    return dict(str(v).partition("=")[::2] for v in values or [])


def _short(value: Any, width: int = 120) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"
