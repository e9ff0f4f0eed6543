#!/usr/bin/env python3
"""Writes a container image as a docker-archive tarball (what `docker save` writes) from a root filesystem
directory, without a container engine or registry: `ctr images import` and `docker load` read it.

One layer holding the whole directory; files are owned by root (uid/gid 0) unless --owner maps a path to
another uid:gid; timestamps are zeroed, so the same input gives the same bytes (and the same image id).

  image-archive.py --rootfs DIR --tag REPO:TAG --out FILE.tar [--cmd JSON] [--entrypoint JSON]
                   [--user UID[:GID]] [--workdir DIR] [--env K=V ...] [--owner PATH=UID:GID ...]
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rootfs", required=True, help="directory whose content becomes the image's file system")
    p.add_argument("--tag", required=True, help="image reference, e.g. localhost/agent:dev")
    p.add_argument("--out", required=True, help="the tarball to write")
    p.add_argument("--cmd", help='JSON list, e.g. ["sh"]')
    p.add_argument("--entrypoint", help='JSON list, e.g. ["/pause"]')
    p.add_argument("--user", default="", help="UID[:GID] the image runs as by default")
    p.add_argument("--workdir", default="/")
    p.add_argument("--env", action="append", default=[], help="K=V, repeatable")
    p.add_argument("--owner", action="append", default=[],
                   help="PATH=UID:GID: the path (relative to the rootfs) and everything under it belong to UID:GID")
    return p.parse_args()


def json_list(text, name):
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        sys.exit(f"image-archive: --{name} must be a JSON list of strings, got {text!r}")
    return value


def layer_bytes(rootfs, owners):
    def owner_of(arcname):
        best = None
        for prefix, ids in owners:
            if arcname == prefix or arcname.startswith(prefix + "/"):
                if best is None or len(prefix) > len(best[0]):
                    best = (prefix, ids)
        return best[1] if best else (0, 0)

    def normalize(info):
        info.uid, info.gid = owner_of(info.name)
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, name), arcname=name, filter=normalize)
    return buf.getvalue()


def main():
    args = parse_args()
    if not os.path.isdir(args.rootfs):
        sys.exit(f"image-archive: --rootfs {args.rootfs} is not a directory")
    owners = []
    for spec in args.owner:
        path, _, ids = spec.partition("=")
        uid, _, gid = ids.partition(":")
        if not path or not uid.isdigit() or not gid.isdigit():
            sys.exit(f"image-archive: --owner wants PATH=UID:GID, got {spec!r}")
        owners.append((path.strip("/"), (int(uid), int(gid))))

    layer = layer_bytes(args.rootfs, owners)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + args.env
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": env,
            "Cmd": json_list(args.cmd, "cmd"),
            "Entrypoint": json_list(args.entrypoint, "entrypoint"),
            "User": args.user,
            "WorkingDir": args.workdir,
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }, sort_keys=True).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_dir = diff_id.split(":", 1)[1]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [args.tag], "Layers": [layer_dir + "/layer.tar"]}]).encode()

    def add(tar, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    tmp = args.out + ".tmp"
    with tarfile.open(tmp, "w") as tar:
        add(tar, config_name, config)
        directory = tarfile.TarInfo(layer_dir)
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        tar.addfile(directory)
        add(tar, layer_dir + "/layer.tar", layer)
        add(tar, "manifest.json", manifest)
    os.replace(tmp, args.out)
    print(f"image-archive: {args.out}: {args.tag}, {len(layer)} bytes, image id sha256:{config_name[:-5]}")


if __name__ == "__main__":
    main()
