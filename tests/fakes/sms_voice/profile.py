"""A calibration profile (``tools/calibrate.py``'s JSON, measured on a real account) applied to
the emulator: ``emulator.apply_profile(path_or_dict)`` or ``python -m tests.fakes.sms_voice
--profile calibration.json``.

What it sets, from what was measured:

- ``faults.visibility_delay_s``: the longest lag a Put took to show (``read_after_write.put.max_s``);
- ``state.delete_visibility_delay_s``: the same for a Delete (``read_after_write.delete.max_s``);
- ``state.read_consistency``: ``monotonic`` unless a read showed an older state after a newer one,
  then ``replicated``;
- ``rates.per_operation``: each policy operation's highest rate that passed without a throttle
  (a lower bound: the quota lies below the rate that throttled);
- ``state.no_policy_style``: ``not-found`` or ``empty``, as a resource without a policy answered.

The longest lag, not the median: the emulator's lag is the same for every write, and a test that
should catch a stale read needs the worst one. What the emulator cannot model (another no-policy
answer, a RAM share writing the policy, a second account allowed to write it, writes that do
not see earlier ones) comes back as notes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import SmsVoiceEmulator

FORMAT = "shared-sms-calibration/1"
POLICY_OPERATIONS = ("GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy")
NO_POLICY_STYLES = ("not-found", "empty")


def load_profile(source: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """The profile at a path, or given as a dict; refuses another format."""
    profile = dict(source) if isinstance(source, Mapping) else json.loads(Path(source).read_text())
    if profile.get("format") != FORMAT:
        raise ValueError(f"not a calibration profile of format {FORMAT!r}: {profile.get('format')!r}")
    return profile


def apply_profile(emulator: SmsVoiceEmulator, source: str | os.PathLike[str] | Mapping[str, Any]) -> list[str]:
    """Set ``emulator`` as the profile measured; returns what the profile holds that it does not model."""
    profile = load_profile(source)
    notes: list[str] = []
    lags = profile["read_after_write"]
    for kind in ("put", "delete"):
        if lags[kind]["timed_out"]:
            notes.append(f"{lags[kind]['timed_out']} {kind} sample(s) timed out: the {kind} lag is a lower bound")
    if lags["put"]["max_s"] is not None:
        emulator.faults.visibility_delay_s = float(lags["put"]["max_s"])
    if lags["delete"]["max_s"] is not None:
        emulator.state.delete_visibility_delay_s = float(lags["delete"]["max_s"])
    emulator.state.read_consistency = "monotonic" if lags["monotonic"] else "replicated"
    if lags.get("writes_see_earlier_writes") is False:
        notes.append("a Delete right after a Put did not remove it: the emulator's writes always see earlier ones")
    for operation, measured in (profile.get("rates") or {}).items():
        if operation not in POLICY_OPERATIONS:
            notes.append(f"rate of {operation}: not a policy operation, ignored")
        elif measured.get("rps") is None:
            notes.append(f"{operation} was throttled at the lowest rate tried: its rate is left as it was")
        else:
            emulator.rates.per_operation[operation] = float(measured["rps"])
    notes += _no_policy(emulator, profile["no_policy"])
    notes += _ram(profile.get("ram") or {})
    return notes


def _no_policy(emulator: SmsVoiceEmulator, measured: dict[str, Any]) -> list[str]:
    style = measured.get("style")
    notes = []
    if style in NO_POLICY_STYLES:
        emulator.state.no_policy_style = style
    else:
        notes.append(f"a resource without a policy answered {measured.get('never_written')}: not modelled")
    after = (measured.get("after_delete") or {}).get("style")
    if after is not None and after != style:
        notes.append(f"after a Delete, GetResourcePolicy answered {after!r}, not {style!r}: not modelled")
    return notes


def _ram(found: dict[str, Any]) -> list[str]:
    notes = []
    if found.get("share_writes_policy"):
        notes.append("a RAM share wrote statements into the resource's policy: not modelled (ram.py)")
    put = found.get("consumer_put") or {}
    if put.get("allowed"):
        notes.append("the second account could PutResourcePolicy on a RAM-shared resource: not modelled")
    elif put and (put.get("error_code"), put.get("reason")) != ("ValidationException", "RESOURCE_NOT_ACCESSIBLE"):
        notes.append(
            f"the second account's PutResourcePolicy answered {put.get('error_code')} ({put.get('reason')}); "
            "the emulator answers ValidationException RESOURCE_NOT_ACCESSIBLE"
        )
    if found.get("checked") and found.get("consumer_sees_shared") is False:
        notes.append("the second account did not list the RAM-shared resource with Owner=SHARED; the emulator does")
    return notes
