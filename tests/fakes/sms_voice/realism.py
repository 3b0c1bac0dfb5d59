"""What real accounts do that a byte-for-byte store does not (both off by default).

- ``normalize_policies``: the service stores and returns an equivalent rewrite of a policy
  (as Terraform's awspolicyequivalence expects of AWS policy stores): one-element lists
  become plain strings, account-id principals become ``arn:aws:iam::<account>:root``,
  longer lists and the statements come back in reverse order, keys in reverse order,
  indented (where that fits the 10,000 characters); a policy with one statement gets
  ``Statement`` as a plain object.
- ``default_policy="sns"``: every phone number and sender ID requested gets the
  console-style policy that lets Amazon SNS send through it for the owner account (the
  SNS developer guide: origination identities get resource policies that grant SNS
  permission). No Sid, as in the user guide's examples.
"""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_POLICIES = ("sns",)
_VALUE_SET_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_ACCOUNT = re.compile(r"^\d{12}$")
MAX_POLICY_CHARS = 10_000


def sns_default_policy(arn: str, account: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sms-voice:SendTextMessage",
        "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def equivalent_rewrite(text: str) -> str:
    """An equivalent policy, written differently from how it came in."""
    policy = json.loads(text)
    if not isinstance(policy, dict):
        return text
    statements = policy.get("Statement")
    if isinstance(statements, list):
        rewritten = [_statement(s) if isinstance(s, dict) else s for s in reversed(statements)]
        policy["Statement"] = rewritten[0] if len(rewritten) == 1 else rewritten
    elif isinstance(statements, dict):
        policy["Statement"] = _statement(statements)
    rewritten = _reverse_keys(policy)
    # Indented where the answer stays within the 10,000 characters the model allows.
    for layout in ({"indent": 2}, {"separators": (",", ":")}):
        text_out = json.dumps(rewritten, **layout)
        if len(text_out) <= MAX_POLICY_CHARS:
            return text_out
    return text


def _statement(statement: dict[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    for key in _VALUE_SET_KEYS:
        if key in out:
            out[key] = _collapse(out[key])
    for key in ("Principal", "NotPrincipal"):
        principal = out.get(key)
        if isinstance(principal, dict):
            out[key] = {
                kind: _collapse([_root_arn(v) if kind == "AWS" else v for v in _as_list(values)])
                for kind, values in principal.items()
            }
    condition = out.get("Condition")
    if isinstance(condition, dict):
        out["Condition"] = {
            op: {k: _collapse(v) for k, v in block.items()} if isinstance(block, dict) else block
            for op, block in condition.items()
        }
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _collapse(value: Any) -> Any:
    """One element: the plain value; several: reversed."""
    values = _as_list(value)
    return values[0] if len(values) == 1 else list(reversed(values))


def _root_arn(value: Any) -> Any:
    return f"arn:aws:iam::{value}:root" if isinstance(value, str) and _ACCOUNT.match(value) else value


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(v) for v in value]
    return value
