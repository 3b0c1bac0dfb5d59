"""Regenerate ``constructs/shared_sms/cfn_schemas.py``: what CloudFormation's registry schemas
allow in the properties of the resource types the library creates (enums, patterns, lengths,
item counts), from the copy cfn-lint ships (``cfnlint/data/schemas``, us-east-1).

Run ``python tools/build_cfn_schema_table.py`` after changing the cfn-lint pin in
requirements.txt; ``--check`` (run by ``make lint``) fails when the committed module is stale.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "constructs" / "shared_sms" / "cfn_schemas.py"
TYPES = (
    "AWS::SMSVOICE::Pool",
    "AWS::SMSVOICE::PhoneNumber",
    "AWS::SMSVOICE::SenderId",
    "AWS::SMSVOICE::OptOutList",
)
REGION = "us-east-1"
KEYWORDS = ("enum", "pattern", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems")


def schema_of(schemas: Path, type_name: str) -> dict[str, Any]:
    """The registry schema of ``type_name``: cfn-lint 1.x keeps one file per schema, named by a
    hash that ``providers/<region>.json`` gives; older releases one file per type and region."""
    index = schemas / "providers" / f"{REGION}.json"
    if index.exists():
        name = json.loads(index.read_text())[type_name]
        return json.loads((schemas / "resources" / f"{name}.json").read_text())
    old = schemas / "providers" / REGION.replace("-", "_") / f"{type_name.lower().replace('::', '-')}.json"
    return json.loads(old.read_text())


def rules(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``path -> constraints`` for every property that has some: ``A.B`` for an object's
    member, ``A[]`` for a list's items. Read-only properties are left out."""
    read_only = {p.rsplit("/", 1)[-1] for p in schema.get("readOnlyProperties", ())}
    found: dict[str, dict[str, Any]] = {}

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = {
                **schema["definitions"][node["$ref"].rsplit("/", 1)[-1]],
                **{k: v for k, v in node.items() if k != "$ref"},
            }
        return node

    def walk(path: str, node: dict[str, Any]) -> None:
        node = resolve(node)
        constraints = {k: node[k] for k in KEYWORDS if k in node}
        if "pattern" in constraints:
            try:
                re.compile(constraints["pattern"])
            except re.error:  # e.g. a global flag inside the expression, which Python refuses
                del constraints["pattern"]
        if constraints:
            found[path] = constraints
        for name, member in node.get("properties", {}).items():
            walk(f"{path}.{name}", member)
        if "items" in node:
            walk(f"{path}[]", node["items"])

    for name, node in schema["properties"].items():
        if name not in read_only:
            walk(name, node)
    return found


def render() -> str:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.origin is None:
        raise SystemExit("cfn-lint is not installed: run `make test` (it installs requirements.txt)")
    schemas = Path(spec.origin).parent / "data" / "schemas"
    table = {type_name: rules(schema_of(schemas, type_name)) for type_name in TYPES}
    lines = [
        '"""What CloudFormation\'s registry schemas allow in the properties of the resource types',
        "shared_sms creates: ``type -> property path -> constraints`` (``A.B`` a member of ``A``,",
        "``A[]`` the items of the list ``A``). Generated: do not edit.",
        "",
        f"Source: cfn-lint {metadata.version('cfn-lint')}, data/schemas ({REGION}).",
        'Regenerate with ``python tools/build_cfn_schema_table.py``."""',
        "",
        "from typing import Any",
        "",
        "PROPERTY_RULES: dict[str, dict[str, dict[str, Any]]] = {",
    ]
    for type_name, paths in table.items():
        lines.append(f"    {type_name!r}: {{")
        for path, constraints in sorted(paths.items()):
            lines.append(f"        {path!r}: {constraints!r},")
        lines.append("    },")
    lines.append("}")
    return formatted("\n".join(lines) + "\n")


def formatted(text: str) -> str:
    """``text`` as ``ruff format`` leaves it, so that formatting the tree keeps the module fresh."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        raise SystemExit("ruff is not installed: run `make test` (it installs requirements.txt)")
    run = subprocess.run(
        [ruff, "format", "--stdin-filename", str(TARGET)],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return run.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed module is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python tools/build_cfn_schema_table.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
