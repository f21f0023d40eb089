"""The image diff of `dfix verify` on hand-made archives: layers applied in order, whiteouts,
opaque directories, links, metadata, ignored paths, the config, and hostile members."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from dfix.commands.verify.builders import parse_podman_log
from dfix.commands.verify.imagediff import (REBUILD_NOISE, IgnoredPath, ImageFormatError, RewrittenFile, compare,
                                            read_image, read_images)

CONFIG = {"Cmd": ["node", "server.js"], "Env": ["PATH=/usr/bin", "A=1"], "WorkingDir": "/app"}


def member(name: str, data: bytes | None = None, *, kind: bytes = tarfile.REGTYPE, mode: int = 0o644,
           uid: int = 0, gid: int = 0, link: str = "") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid, info.linkname = kind, mode, uid, gid, link
    info.mtime = 1_700_000_000
    if data is not None:
        info.size = len(data)
    return info, data


def d(name: str, **kw):
    return member(name, kind=tarfile.DIRTYPE, mode=kw.pop("mode", 0o755), **kw)


def layer(*members) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def docker_archive(layers: list[bytes], config: dict | None = None, *more: tuple[str, list[bytes]]) -> io.BytesIO:
    """What `docker save x:y [more...]` writes: manifest.json naming each image's config and layer
    tars in order, a layer both images hold stored once (named by its content here)."""
    out = io.BytesIO()
    cfg = json.dumps({"config": config if config is not None else CONFIG}).encode()
    blobs = {hashlib.sha256(x).hexdigest()[:12] + "/layer.tar": x for _, ls in [("x:y", layers), *more] for x in ls}
    entries = [{"Config": "config.json", "RepoTags": [tag],
                "Layers": [hashlib.sha256(x).hexdigest()[:12] + "/layer.tar" for x in ls]}
               for tag, ls in [("x:y", layers), *more]]
    manifest = json.dumps(entries).encode()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in [("manifest.json", manifest), ("config.json", cfg), *blobs.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def oci_layout(layers: list[bytes], config: dict | None = None) -> io.BytesIO:
    """What `podman save --format oci-archive` writes: index.json -> manifest -> config and layers by digest."""
    blobs: dict[str, bytes] = {}

    def put(data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return digest

    cfg = put(json.dumps({"config": config if config is not None else CONFIG}).encode())
    manifest = put(json.dumps({"config": {"digest": cfg}, "layers": [{"digest": put(x)} for x in layers]}).encode())
    index = json.dumps({"manifests": [{"digest": manifest}]}).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        files = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index)]
        files += [(f"blobs/sha256/{k.split(':')[1]}", v) for k, v in blobs.items()]
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


BASE = layer(d("app"), member("app/server.js", b"console.log(1)\n"), d("etc"), member("etc/os", b"debian\n"),
             d("var"), d("var/cache"), member("var/cache/a", b"a"), member("var/cache/b", b"b"))


def paths(archive) -> set[str]:
    return set(read_image(archive).files)


def test_layers_apply_in_order_and_both_formats_read_the_same():
    top = layer(member("app/server.js", b"console.log(2)\n"))
    for make in (docker_archive, oci_layout):
        image = read_image(make([BASE, top]))
        assert image.files["/app/server.js"].sha256 == hashlib.sha256(b"console.log(2)\n").hexdigest()
        assert image.config["Cmd"] == ["node", "server.js"]


def test_two_images_of_one_archive_are_told_apart_by_tag():
    archive = docker_archive([BASE], None, ("localhost/other:cold", [BASE, layer(member("app/new", b"n"))]))
    first, second = read_images(archive, ["x:y", "other:cold"])  # podman prefixes localhost/
    assert "/app/new" in second.files and "/app/new" not in first.files
    archive.seek(0)
    with pytest.raises(ImageFormatError, match="no image tagged nope:1"):
        read_images(archive, ["nope:1"])


def test_a_layer_stored_once_and_linked_from_the_second_image_is_read():
    # docker save links the second image's copy of a shared layer to the first:
    # `<id2>/layer.tar -> ../<id1>/layer.tar` (seen with the lab's docker 28).
    top = layer(member("app/new", b"n"))
    cfg = json.dumps({"config": CONFIG}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["x:y"], "Layers": ["aaa/layer.tar"]},
                           {"Config": "config.json", "RepoTags": ["z:w"],
                            "Layers": ["bbb/layer.tar", "ccc/layer.tar"]}]).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in [("manifest.json", manifest), ("config.json", cfg), ("aaa/layer.tar", BASE),
                           ("ccc/layer.tar", top)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("bbb/layer.tar")
        link.type, link.linkname = tarfile.SYMTYPE, "../aaa/layer.tar"
        tar.addfile(link)
    out.seek(0)
    first, second = read_images(out, ["x:y", "z:w"])
    assert set(first.files) <= set(second.files) and "/app/new" in second.files


def test_whiteout_removes_a_file_and_a_whole_directory_from_lower_layers():
    top = layer(member("etc/.wh.os", b""), member("var/.wh.cache", b""))
    assert paths(docker_archive([BASE, top])) == {"/app", "/app/server.js", "/etc", "/var"}


def test_opaque_directory_hides_lower_content_but_keeps_its_own_layer_entries():
    top = layer(d("var/cache"), member("var/cache/.wh..wh..opq", b""), member("var/cache/c", b"c"))
    got = paths(docker_archive([BASE, top]))
    assert "/var/cache/c" in got and "/var/cache" in got
    assert "/var/cache/a" not in got and "/var/cache/b" not in got


def test_a_file_replacing_a_directory_hides_what_was_below_it():
    top = layer(member("var/cache", b"now a file"))
    got = read_image(docker_archive([BASE, top])).files
    assert got["/var/cache"].kind == "file" and "/var/cache/a" not in got


def test_symlink_target_and_hard_link_content():
    top = layer(member("app/link", kind=tarfile.SYMTYPE, link="/etc/os"),
                member("app/hard", kind=tarfile.LNKTYPE, link="app/server.js"))
    files = read_image(docker_archive([BASE, top])).files
    assert files["/app/link"].kind == "symlink" and files["/app/link"].link == "/etc/os"
    assert files["/app/hard"].sha256 == files["/app/server.js"].sha256 and files["/app/hard"].kind == "file"


def test_every_kind_of_difference_is_named():
    a = docker_archive([BASE, layer(member("app/link", kind=tarfile.SYMTYPE, link="/etc/os"),
                                    member("app/run.sh", b"x", mode=0o755))])
    b = docker_archive([BASE, layer(member("app/link", kind=tarfile.SYMTYPE, link="/etc/passwd"),
                                    member("app/run.sh", b"x", mode=0o644, uid=1000, gid=1000),
                                    member("app/server.js", b"changed"), member("etc/.wh.os", b""))])
    result = compare(read_image(a), read_image(b))
    found = {x.path: x.what for x in result.differences}
    assert found == {"/app/link": "link target /etc/os -> /etc/passwd",
                     "/app/run.sh": "mode 0755 -> 0644, owner 0:0 -> 1000:1000",
                     "/app/server.js": "content",
                     "/etc/os": "only in the original (file)"}
    sizes = {x.path: (x.original, x.rewritten) for x in result.differences}
    assert sizes["/app/server.js"] == (15, 7) and sizes["/etc/os"] == (7, None)
    assert not result.equivalent


def test_type_change_and_file_only_in_the_rewrite():
    a = docker_archive([BASE, layer(member("app/x", b"1"))])
    b = docker_archive([BASE, layer(d("app/x"), member("app/new", b"n"))])
    found = {x.path: x.what for x in compare(read_image(a), read_image(b)).differences}
    assert found == {"/app/x": "type file -> dir", "/app/new": "only in the rewrite (file)"}


def test_times_do_not_count():
    a = layer(member("f", b"same"))
    info, data = member("f", b"same")
    info.mtime = 1
    b = layer((info, data))
    assert compare(read_image(docker_archive([a])), read_image(docker_archive([b]))).equivalent


def test_ignored_paths_cover_the_path_and_below_and_are_counted_by_reason():
    a = docker_archive([BASE, layer(d("root"), d("root/.npm"), member("root/.npm/x", b"1"),
                                    member("app/package-lock.json", b"old"))])
    b = docker_archive([BASE, layer(d("root"), member("app/package-lock.json", b"new"),
                                    member("app/package-lock.json.bak", b"new"))])
    ignores = [IgnoredPath("/root/.npm", "mount"), IgnoredPath("/app/package-lock.json", "declared")]
    result = compare(read_image(a), read_image(b), ignores)
    assert [x.path for x in result.differences] == ["/app/package-lock.json.bak"]  # a sibling is not covered
    assert result.ignored == {"mount": 2, "declared": 1}


def test_a_mountpoint_is_left_out_only_as_a_directory_the_rewrite_alone_has():
    a = docker_archive([BASE, layer(d("root"), member("srv", b"file"))])
    b = docker_archive([BASE, layer(d("root"), d("root/.cache"), d("srv"), d("opt"))])
    points = [IgnoredPath(p, "mountpoint") for p in ("/root", "/root/.cache", "/srv", "/opt/x")]
    result = compare(read_image(a), read_image(b), mountpoints=points)
    assert result.ignored == {"mountpoint": 1}  # /root/.cache
    assert [x.path for x in result.differences] == ["/opt", "/srv"]  # not a listed parent; a file turned dir


def test_name_and_star_patterns():
    assert IgnoredPath("__pycache__", "pyc").covers("/usr/lib/x/__pycache__/a.cpython-311.pyc")
    assert not IgnoredPath("__pycache__", "pyc").covers("/usr/lib/x/__pycache__x/a.pyc")
    assert IgnoredPath("/home/*/.npm/_logs", "logs").covers("/home/node/.npm/_logs/1-debug-0.log")
    assert not IgnoredPath("/home/*/.npm/_logs", "logs").covers("/home/node/other/.npm/_logs/x")


def test_rebuild_noise_is_short_and_every_entry_has_a_reason():
    assert len(REBUILD_NOISE) <= 12 and all(len(i.reason) > 20 for i in REBUILD_NOISE)


def test_a_rewritten_file_is_ignored_only_with_exactly_its_old_and_new_bytes():
    old, new = b"FROM x\nCOPY . .\n", b"FROM x\nCOPY a ./\nCOPY . .\n"
    a = docker_archive([BASE, layer(member("app/Dockerfile", old), member("app/other", old))])
    b = docker_archive([BASE, layer(member("app/Dockerfile", new), member("app/other", b"else"))])
    fixed = [RewrittenFile("Dockerfile", hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest())]
    result = compare(read_image(a), read_image(b), rewritten_files=fixed)
    assert [x.path for x in result.differences] == ["/app/other"]
    assert result.ignored == {"the fix set's Dockerfile, copied into the image": 1}


def test_config_differences_env_as_a_mapping():
    base = [BASE]
    a = read_image(docker_archive(base, {**CONFIG, "User": "", "Volumes": None}))
    same = read_image(docker_archive(base, {**CONFIG, "Env": ["A=1", "PATH=/usr/bin"], "Volumes": {}}))
    assert compare(a, same).equivalent  # order of Env and null-vs-empty do not count
    other = read_image(docker_archive(base, {**CONFIG, "User": "node", "Env": ["PATH=/usr/bin", "A=2"],
                                             "ExposedPorts": {"3000/tcp": {}}}))
    found = [x.path for x in compare(a, other).differences]
    assert found == ["config Env", "config User", "config ExposedPorts"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "app/../../x"])
def test_a_member_that_climbs_out_of_the_root_is_an_error(name):
    with pytest.raises(ImageFormatError, match="climbs out"):
        read_image(docker_archive([layer(member(name, b"x"))]))


def test_an_archive_naming_a_missing_layer_or_holding_no_manifest_is_an_error():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        data = json.dumps([{"Config": "c.json", "Layers": ["nope/layer.tar"]}]).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("c.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    out.seek(0)
    with pytest.raises(ImageFormatError, match="does not hold"):
        read_image(out)
    with pytest.raises(ImageFormatError):
        read_image(io.BytesIO(layer(member("x", b"x"))))
    with pytest.raises(ImageFormatError):
        read_image(io.BytesIO(b"not a tar at all"))


def test_a_hard_link_to_nothing_is_an_error():
    with pytest.raises(ImageFormatError, match="hard link"):
        read_image(docker_archive([layer(member("a", kind=tarfile.LNKTYPE, link="missing"))]))


def test_podman_log_steps_and_cache_hits():
    log = ("[1/2] STEP 1/3: FROM golang:1.22 AS build\n[1/2] STEP 2/3: COPY . .\n--> Using cache 1a2b\n"
           "--> 1a2b\n[1/2] STEP 3/3: RUN go build\n--> 3c4d\n[2/2] STEP 1/2: FROM debian\n"
           "[2/2] STEP 2/2: CMD [\"/app\"]\nCOMMIT x\n")
    steps = parse_podman_log(log)
    assert [(s.stage, s.number, s.keyword, s.cached) for s in steps] == [
        ("stage-0", 2, "COPY", True), ("stage-0", 3, "RUN", False), ("stage-1", 2, "CMD", False)]
