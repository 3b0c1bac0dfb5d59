"""Regenerate the third-party files inside the function's code asset (``lambda/``).

- ``lambda/crhelper/``: the pinned crhelper, copied from the installed wheel with
  its LICENSE and NOTICE, so synthesis needs neither Docker nor the network.
- ``lambda/sms_voice_model/``: the SMS Voice V2 service model from the installed
  botocore, trimmed to the operations the function calls and stripped of
  documentation, so the function works on a Lambda runtime whose botocore
  predates the resource-policy operations (1.35.26).

Run ``python tools/build_function_assets.py`` after changing the pins;
``--check`` (run by the tests) fails when the committed files are stale.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import botocore
import crhelper

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_DIR = ROOT / "lambda"
SERVICE = "pinpoint-sms-voice-v2"
API_VERSION = "2022-03-31"
OPERATIONS = (
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
    "DescribePools",
    "DescribePhoneNumbers",
    "DescribeSenderIds",
    "DescribeOptOutLists",
)


def _shapes_used(model: dict[str, Any], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model["shapes"][name]
        refs = [m["shape"] for m in shape.get("members", {}).values()]
        refs += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
        stack.extend(refs)
    return seen


def _strip_docs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_docs(v) for k, v in value.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(value, list):
        return [_strip_docs(v) for v in value]
    return value


def trimmed_model_files() -> dict[str, bytes]:
    source = Path(botocore.__file__).parent / "data" / SERVICE / API_VERSION

    def load(name: str) -> dict[str, Any]:
        plain, packed = source / name, source / f"{name}.gz"
        if plain.exists():
            return json.loads(plain.read_text())
        return json.loads(gzip.decompress(packed.read_bytes()))

    model = load("service-2.json")
    operations = {name: model["operations"][name] for name in OPERATIONS}
    roots: list[str] = []
    for op in operations.values():
        roots += [op[k]["shape"] for k in ("input", "output") if k in op]
        roots += [e["shape"] for e in op.get("errors", [])]
    shapes = _shapes_used(model, roots)
    trimmed = {
        "version": model.get("version", "2.0"),
        "metadata": model["metadata"],
        "operations": operations,
        "shapes": {name: model["shapes"][name] for name in sorted(shapes)},
    }
    paginators = load("paginators-1.json")
    trimmed_pages = {"pagination": {k: v for k, v in paginators["pagination"].items() if k in OPERATIONS}}
    base = f"sms_voice_model/{SERVICE}/{API_VERSION}"
    # Gzipped like botocore's own data files (its loader reads .json.gz since 1.32), with a
    # fixed mtime so the bytes, and so the asset hash, only change with the model.
    return {
        f"{base}/service-2.json.gz": _gzip(_strip_docs(trimmed)),
        f"{base}/paginators-1.json.gz": _gzip(trimmed_pages),
    }


def _gzip(document: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(document, separators=(",", ":"), sort_keys=True).encode(), mtime=0)


def crhelper_files() -> dict[str, bytes]:
    package = Path(crhelper.__file__).parent
    files = {f"crhelper/{p.name}": p.read_bytes() for p in sorted(package.glob("*.py"))}
    dist = metadata.distribution("crhelper")
    for name in ("LICENSE", "NOTICE"):
        text = dist.read_text(name) or dist.read_text(f"licenses/{name}")
        if text:
            files[f"crhelper/{name}"] = text.encode()
    files["crhelper/VERSION"] = (dist.version + "\n").encode()
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args()
    wanted = {**crhelper_files(), **trimmed_model_files()}
    stale = [name for name, data in wanted.items() if _read(FUNCTION_DIR / name) != data]
    base = FUNCTION_DIR / "sms_voice_model"
    leftovers = [p for p in base.rglob("*") if p.is_file() and str(p.relative_to(FUNCTION_DIR)) not in wanted]
    if args.check:
        for name in stale:
            print(f"stale: lambda/{name} (run python tools/build_function_assets.py)", file=sys.stderr)
        for path in leftovers:
            print(
                f"not generated: {path.relative_to(ROOT)} (run python tools/build_function_assets.py)", file=sys.stderr
            )
        return 1 if stale or leftovers else 0
    for path in leftovers:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    for name in stale:
        target = FUNCTION_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(wanted[name])
        print(f"wrote lambda/{name}")
    return 0


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
