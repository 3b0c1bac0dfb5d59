"""``shared-sms audit`` against the SMS Voice V2 emulator and the CloudFormation emulator: policies
written by the function (deployed from a synthesized app), by hand and by the console's default."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared_sms.cli import main
from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, client_for, new_phone_number
from tests.fakes.cloudformation import CloudFormationEmulator, from_local_driver
from tests.harness.cloudformation import STACK_ID, CustomResource, InProcessLambda, policy_json
from tests.harness.deploy import LocalCloudFormation

POLICY_TYPE = "Custom::SmsResourcePolicy"
PERMISSIONS = ("cloudformation:DescribeStacks", "cloudformation:ListStackResources")
STALE_MARKER = "forged-or-stale-marker"


def _hex(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


@pytest.fixture()
def cfn() -> Iterator[CloudFormationEmulator]:
    """An empty CloudFormation; tests give it stacks with ``cfn.stacks = ...``."""
    with CloudFormationEmulator(lambda: []) as server:
        yield server


@pytest.fixture()
def run(
    monkeypatch: pytest.MonkeyPatch, emulator: Any, cfn: CloudFormationEmulator, capsys: pytest.CaptureFixture[str]
) -> Any:
    """``shared-sms audit <args>`` as the owner account: (exit status, stdout, stderr)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": access_key_for(OWNER),
        "AWS_SECRET_ACCESS_KEY": "emulated",
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": emulator.url,
        "AWS_ENDPOINT_URL_CLOUDFORMATION": cfn.url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    def audit(*args: str) -> tuple[int, str, str]:
        status = main(["audit", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return audit


def _rows(run: Any, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    status, out, err = run("--output", "json", *args)
    return status, json.loads(out), err


def _put(client: Any, arn: str, *statements: dict[str, Any]) -> None:
    client.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


def _allow(principal: Any, action: Any, arn: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": arn, **extra}


# -- written by the function ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two stacks of one owner writing to one number: SmsProducer shares it (and an opt-out list)
    with the consumer and SNS, SmsAlerts lets Pinpoint send through it."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from shared_sms import OptOutList, PhoneNumber

    outdir = tmp_path_factory.mktemp("audit")
    app = cdk.App(outdir=str(outdir))
    env = cdk.Environment(account=OWNER, region=REGION)
    producer = cdk.Stack(app, "SmsProducer", env=env)
    number = PhoneNumber(
        producer,
        "Support",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="Example Corp support. Reply STOP to opt out.",
        stop_message="You are unsubscribed.",
    )
    number.share_with(iam.AccountPrincipal(CONSUMER))
    number.allow_service("sns.amazonaws.com")
    OptOutList(producer, "OptOuts", opt_out_list_name="audit-opt-outs").share_with(iam.AccountPrincipal(CONSUMER))
    alerts = cdk.Stack(app, "SmsAlerts", env=env)
    arn = cdk.CfnParameter(alerts, "NumberArn")
    PhoneNumber.from_phone_number_arn(alerts, "Number", arn.value_as_string, owned=True).allow_service(
        "pinpoint.amazonaws.com"
    )
    app.synth()
    return outdir


@pytest.fixture()
def driver(function: Any, sink: Any, emulator: Any, local_drivers: Any) -> LocalCloudFormation:
    """The stacks deployed with the in-process function, which asks the session's CloudFormation
    about them (the CLI asks ``cfn``)."""

    def owner_only(account: str) -> None:  # the function's client already acts as the owner
        assert account == OWNER

    deployed = LocalCloudFormation(
        sink=sink, lambdas=InProcessLambda(function.handler, owner_only), client_for=lambda a: client_for(a, emulator)
    )
    local_drivers.add(deployed)
    return deployed


def _writers(driver: LocalCloudFormation) -> dict[str, dict[str, str]]:
    """ARN -> stack name -> 'stack <name> / <logical id>' of the policy resource it deployed for it."""
    found: dict[str, dict[str, str]] = {}
    for stack in driver.stacks.values():
        for logical_id, deployed in stack.resources.items():
            if deployed.type == POLICY_TYPE:
                label = f"stack {stack.name} / {logical_id}"
                found.setdefault(deployed.properties["ResourceArn"], {})[stack.name] = label
    return found


def test_statements_the_function_wrote_name_their_stack_and_logical_id(
    run: Any, emulator: Any, cfn: CloudFormationEmulator, driver: LocalCloudFormation, assembly: Path
) -> None:
    emulator.state.normalize_policies = True  # stored as AWS rewrites them (one statement: a plain object)
    emulator.state.default_policy = "sns"  # and the number starts with the console's SNS grant
    driver.deploy(assembly, "SmsProducer")
    number = next(d for d in driver.stacks["SmsProducer"].resources.values() if d.type == "AWS::SMSVOICE::PhoneNumber")
    driver.deploy(assembly, "SmsAlerts", parameters={"NumberArn": number.attributes["Arn"]})
    unrelated = f"arn:aws:cloudformation:{REGION}:{OWNER}:stack/Unrelated/0000"
    cfn.stacks = lambda: [*from_local_driver(driver)(), ("Unrelated", unrelated, [("Queue", "AWS::SQS::Queue", "q")])]
    cfn.page_size = 1  # every stack and every resource on its own page
    cfn.requests.clear()  # the deployments' own (the function reads its stack's status): not the CLI's

    status, rows, err = _rows(run)

    assert (status, err) == (0, "")
    writers = _writers(driver)
    number_arn, opt_outs = number.attributes["Arn"], f"arn:aws:sms-voice:{REGION}:{OWNER}:opt-out-list/audit-opt-outs"
    expected = {
        (number_arn, f"AWS:arn:aws:iam::{CONSUMER}:root", writers[number_arn]["SmsProducer"]),
        (number_arn, "Service:sns.amazonaws.com", writers[number_arn]["SmsProducer"]),
        (number_arn, "Service:sns.amazonaws.com", "not shared-sms"),  # the console's grant
        (number_arn, "Service:pinpoint.amazonaws.com", writers[number_arn]["SmsAlerts"]),
        (opt_outs, f"AWS:arn:aws:iam::{CONSUMER}:root", writers[opt_outs]["SmsProducer"]),
    }
    assert {(r["resource"], f"{r['principal_type']}:{r['principal']}", r["written_by"]) for r in rows} == expected
    assert all(r["flags"] == [] for r in rows)
    # Paged by one; only the stacks whose hash appears in a marker are listed.
    assert cfn.call_count("DescribeStacks") == 3
    listed = {params["StackName"] for action, params in cfn.requests if action == "ListStackResources"}
    assert listed == {driver.stacks[name].stack_id for name in ("SmsProducer", "SmsAlerts")}
    resources = sum(len(driver.stacks[name].resources) for name in ("SmsProducer", "SmsAlerts"))
    assert cfn.call_count("ListStackResources") == resources


def test_legacy_markers_and_orphaned_markers_of_resources_or_stacks_cloudformation_no_longer_has(
    run: Any, cfn: CloudFormationEmulator, owner_client: Any, resource: CustomResource, phone_number_arn: str
) -> None:
    """A statement whose stack no longer has its logical id, or whose stack is gone, is managed by
    no custom resource: no deployment will ever remove it (review B8)."""
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    live = json.loads(owner_client.get_resource_policy(ResourceArn=phone_number_arn)["Policy"])
    gone = f"arn:aws:cloudformation:{REGION}:{OWNER}:stack/Deleted/1111"
    sids = {
        "111111111111": f"SharedSms{_hex(f'{STACK_ID}|{resource.logical_id}', 12)}0",  # legacy form
        "222222222222": f"SharedSms{_hex(STACK_ID, 8)}R{_hex(f'{STACK_ID}|Renamed', 8)}0",
        "333333333333": f"SharedSms{_hex(gone, 8)}R{_hex(f'{gone}|Policy', 8)}0",
    }
    extra = [
        _allow({"AWS": f"arn:aws:iam::{account}:root"}, "sms-voice:SendTextMessage", phone_number_arn, Sid=sid)
        for account, sid in sids.items()
    ]
    _put(owner_client, phone_number_arn, *live["Statement"], *extra)
    cfn.stacks = lambda: [("SmsProducer", STACK_ID, [(resource.logical_id, POLICY_TYPE, phone_number_arn)])]

    status, rows, err = _rows(run)

    assert (status, err) == (1, "")
    by_account = {r["principal"].split(":")[4]: (r["written_by"], r["flags"]) for r in rows}
    assert by_account == {
        CONSUMER: (f"stack SmsProducer / {resource.logical_id}", []),
        "111111111111": (f"stack SmsProducer / {resource.logical_id}", []),
        "222222222222": (
            f"stack SmsProducer / a resource not in it ({_hex(f'{STACK_ID}|Renamed', 8)})",
            [STALE_MARKER],
        ),
        "333333333333": (
            f"shared-sms (stack {_hex(gone, 8)}, resource {_hex(f'{gone}|Policy', 8)}; "
            "no such stack in this account and region)",
            [STALE_MARKER],
        ),
    }


def _main_app(outdir: Path, arn: str) -> Path:
    """Stack SmsMain: one ResourcePolicy "Main" on the number ``arn``, shared with the consumer."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from shared_sms import PhoneNumber, ResourcePolicy

    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "SmsMain", env=cdk.Environment(account=OWNER, region=REGION))
    number = PhoneNumber.from_phone_number_arn(stack, "Number", arn)
    ResourcePolicy(stack, "Main", resource=number)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    app.synth()
    return outdir


def test_a_statement_on_an_arn_its_logical_id_no_longer_manages_is_flagged_orphaned(
    run: Any, cfn: CloudFormationEmulator, driver: LocalCloudFormation, owner_client: Any, tmp_path: Path
) -> None:
    """Main moved from number C to D; the cleanup's Delete on C failed and CloudFormation skipped
    it (review B1: the role had already lost C): C keeps Main's statements, which no deployment
    will remove. They are Main's by their marker, but Main manages D now."""
    old, new = new_phone_number(owner_client), new_phone_number(owner_client)
    driver.deploy(_main_app(tmp_path / "v1", old), "SmsMain")
    left_behind = owner_client.get_resource_policy(ResourceArn=old)["Policy"]
    driver.deploy(_main_app(tmp_path / "v2", new), "SmsMain")
    owner_client.put_resource_policy(ResourceArn=old, Policy=left_behind)  # as the skipped cleanup leaves it
    cfn.stacks = from_local_driver(driver)
    (main,) = [lid for lid, d in driver.stacks["SmsMain"].resources.items() if d.type == POLICY_TYPE]

    status, rows, err = _rows(run)

    assert (status, err) == (1, "")
    assert {(r["resource"], r["written_by"], tuple(r["flags"])) for r in rows} == {
        (old, f"stack SmsMain / {main} (which manages {new.split(':')[-1]} now)", (STALE_MARKER,)),
        (new, f"stack SmsMain / {main}", ()),
    }

    # While an operation runs, its cleanup may still remove them: named, not flagged.
    records = from_local_driver(driver)()
    (name, stack_id, resources, *_) = records[0]
    cfn.stacks = lambda: [(name, stack_id, resources, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")]
    status, rows, _ = _rows(run)
    assert status == 0 and [r["flags"] for r in rows] == [[], []]
    assert any(
        r["written_by"].endswith("(stack UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: its cleanup may still remove it)")
        for r in rows
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the socket is closed


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        (lambda cfn, mp: cfn.denied.add("DescribeStacks"), "DescribeStacks answered AccessDenied"),
        (lambda cfn, mp: cfn.denied.add("ListStackResources"), "ListStackResources answered AccessDenied"),
        (
            lambda cfn, mp: (
                mp.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", f"http://127.0.0.1:{_closed_port()}"),
                mp.setenv("AWS_MAX_ATTEMPTS", "1"),
            ),
            "Could not connect to the endpoint URL",
        ),
    ],
    ids=["describe-stacks-denied", "list-stack-resources-denied", "no-endpoint"],
)
def test_without_cloudformation_markers_show_their_hashes_and_one_warning_says_why(
    run: Any,
    cfn: CloudFormationEmulator,
    resource: CustomResource,
    phone_number_arn: str,
    monkeypatch: pytest.MonkeyPatch,
    setup: Any,
    why: str,
) -> None:
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    cfn.stacks = lambda: [("SmsProducer", STACK_ID, [(resource.logical_id, POLICY_TYPE, phone_number_arn)])]
    setup(cfn, monkeypatch)

    status, rows, err = _rows(run)

    assert status == 0, "missing names are not a flag"
    marker = f"stack {_hex(STACK_ID, 8)}, resource {_hex(f'{STACK_ID}|{resource.logical_id}', 8)}"
    assert [r["written_by"] for r in rows] == [f"shared-sms ({marker})"]
    (line,) = err.splitlines()
    assert line.startswith("shared-sms: warning: stack names are missing") and why in line
    # The permissions are the fix for a denial only, not for an endpoint that cannot be reached.
    assert all(permission in line for permission in PERMISSIONS) == ("AccessDenied" in why)


def test_one_stack_that_cannot_be_listed_leaves_the_names_of_the_others(
    run: Any, cfn: CloudFormationEmulator, function: Any, sink: Any, emulator: Any, owner_client: Any
) -> None:
    gone_id = STACK_ID.replace("SmsProducer", "SmsGone").replace("0f9e8d7c", "0f9e8d7d")
    numbers, writers = [new_phone_number(owner_client) for _ in range(2)], []
    for number, stack_id in zip(numbers, (STACK_ID, gone_id), strict=True):
        writer = CustomResource(handler=function.handler, sink=sink, logical_id="Policy", stack_id=stack_id)
        assert writer.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))["Status"] == "SUCCESS"
        writers.append(writer)
    cfn.stacks = lambda: [
        ("SmsProducer", STACK_ID, [("Policy", POLICY_TYPE, numbers[0])]),
        ("SmsGone", gone_id, [("Policy", POLICY_TYPE, numbers[1])]),
    ]
    cfn.vanishing = {gone_id}  # deleted between DescribeStacks and ListStackResources

    status, rows, err = _rows(run)

    assert status == 0 and err == ""
    by_resource = {r["resource"]: r["written_by"] for r in rows}
    assert by_resource[numbers[0]] == "stack SmsProducer / Policy"
    assert by_resource[numbers[1]].startswith("shared-sms (stack ") and "SmsGone" in by_resource[numbers[1]]


def test_no_stack_names_never_asks_cloudformation(
    run: Any, cfn: CloudFormationEmulator, resource: CustomResource, phone_number_arn: str
) -> None:
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    cfn.stacks = lambda: [("SmsProducer", STACK_ID, [(resource.logical_id, POLICY_TYPE, phone_number_arn)])]

    status, rows, err = _rows(run, "--no-stack-names")

    assert (status, err) == (0, "")
    assert rows[0]["written_by"].startswith(f"shared-sms (stack {_hex(STACK_ID, 8)}, resource ")
    assert cfn.requests == []


# -- written by hand ---------------------------------------------------------------------------------

_ORG = {"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}}
_SOURCE_ARN = {"ArnLike": {"AWS:SourceArn": f"arn:aws:sns:{REGION}:{OWNER}:*"}}  # keys match in any case
_SNS, _SEND, _DENY = {"Service": "sns.amazonaws.com"}, "sms-voice:SendTextMessage", {"Effect": "Deny"}
_ACCOUNT = {"AWS": CONSUMER}
_PUBLIC, _NO_SOURCE = ["public-without-caller-condition"], ["service-without-source-condition"]


def _target(client: Any, kind: str) -> str:
    if kind == "opt-out-list":
        return str(client.create_opt_out_list(OptOutListName="by-hand")["OptOutListArn"])
    if kind == "sender-id":
        return str(client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"])
    number = new_phone_number(client)
    if kind == "pool":
        # IsoCountryCode: required by the floor's botocore (tests/versions), optional in newer ones.
        pool = client.create_pool(OriginationIdentity=number, IsoCountryCode="US", MessageType="TRANSACTIONAL")
        return str(pool["PoolArn"])
    return number


def _not_for_type(action: str) -> list[str]:
    return [f"action-not-for-type: {action}"]


@pytest.mark.parametrize(
    ("kind", "principal", "action", "extra", "flags"),
    [
        ("phone-number", "*", _SEND, {}, _PUBLIC),
        ("phone-number", {"AWS": "*"}, _SEND, {}, _PUBLIC),
        ("phone-number", {"AWS": "*"}, _SEND, {"Condition": _ORG}, []),
        ("phone-number", {"AWS": "*"}, _SEND, _DENY, []),
        ("phone-number", _SNS, _SEND, {}, _NO_SOURCE),
        ("pool", _SNS, "sms-voice:DescribePools", {"Condition": _ORG}, _NO_SOURCE),
        ("phone-number", _SNS, _SEND, _DENY, []),
        ("sender-id", _SNS, _SEND, {"Condition": _SOURCE_ARN}, []),
        ("opt-out-list", _ACCOUNT, "sms-voice:SendVoiceMessage", {}, _not_for_type("sms-voice:SendVoiceMessage")),
        ("opt-out-list", _ACCOUNT, "sms-voice:Send*", {}, _not_for_type("sms-voice:Send*")),
        ("opt-out-list", _ACCOUNT, "SMS-Voice:describeOPTOUTlists", {}, []),
        ("phone-number", _ACCOUNT, ["sms-voice:send*", "sms-voice:Describe?honeNumbers"], {}, []),
        ("phone-number", _ACCOUNT, "sms-voice:[S]endTextMessage", {}, _not_for_type("sms-voice:[S]endTextMessage")),
        ("sender-id", _ACCOUNT, "sms-voice:SendVoiceMessage", {}, _not_for_type("sms-voice:SendVoiceMessage")),
        ("pool", _ACCOUNT, "s3:GetObject", {}, _not_for_type("s3:GetObject")),
        ("pool", _ACCOUNT, "s3:GetObject", _DENY, []),  # a Deny only narrows access
        # Conditions that do not narrow who calls, as the synth-time check reads them:
        ("phone-number", "*", _SEND, {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, _PUBLIC),
        ("phone-number", "*", _SEND, {"Condition": {"StringLike": {"aws:SourceAccount": "*"}}}, _PUBLIC),
        ("phone-number", "*", _SEND, {"Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}, _PUBLIC),
        ("phone-number", _SNS, _SEND, {"Condition": {"StringNotEquals": {"aws:SourceAccount": OWNER}}}, _NO_SOURCE),
        ("phone-number", _SNS, _SEND, {"Condition": {"ArnLike": {"aws:SourceArn": "*"}}}, _NO_SOURCE),
        ("pool", _ACCOUNT, "*", {}, []),
    ],
)
def test_hand_written_grants_are_flagged_as_the_rules_say(
    run: Any, owner_client: Any, kind: str, principal: Any, action: Any, extra: dict[str, Any], flags: list[str]
) -> None:
    arn = _target(owner_client, kind)
    _put(owner_client, arn, _allow(principal, action, arn, **extra))

    status, rows, _ = _rows(run)

    assert [(r["resource"], r["flags"]) for r in rows] == [(arn, flags)]
    assert rows[0]["written_by"] == "not shared-sms"
    assert status == (1 if flags else 0)


def test_table_gives_one_row_per_principal_and_a_summary(run: Any, owner_client: Any, opt_out_list_arn: str) -> None:
    principals = {
        "AWS": [f"arn:aws:iam::{CONSUMER}:root", "arn:aws:iam::777788889999:root"],
        "Service": "sns.amazonaws.com",
    }
    _put(owner_client, opt_out_list_arn, _allow(principals, "sms-voice:DescribeOptOutLists", opt_out_list_arn))

    status, out, _ = run()

    header, *rows, summary = out.splitlines()
    assert header.split("  ")[0] == "RESOURCE" and "WRITTEN BY" in header and header.endswith("FLAGS")
    assert len(rows) == 3 and all(row.startswith("opt-out-list/shared-opt-outs ") for row in rows)
    assert sum("service-without-source-condition" in row for row in rows) == 1
    assert summary == "3 grants on 1 resources, 1 flagged, 0 policies unreadable"
    assert status == 1


def test_json_rows_have_a_fixed_shape(run: Any, owner_client: Any, phone_number_arn: str) -> None:
    condition = {"StringEquals": {"aws:SourceAccount": OWNER}}
    statement = _allow({"Service": "sns.amazonaws.com"}, ["sms-voice:SendTextMessage"], phone_number_arn)
    _put(owner_client, phone_number_arn, {**statement, "Sid": "Sns", "Condition": condition})

    status, rows, _ = _rows(run)

    assert status == 0
    assert rows == [
        {
            "resource": phone_number_arn,
            "type": "phone-number",
            "sid": "Sns",
            "effect": "Allow",
            "principal_type": "Service",
            "principal": "sns.amazonaws.com",
            "actions": ["sms-voice:SendTextMessage"],
            "conditions": condition,
            "written_by": "not shared-sms",
            "flags": [],
            "error": "",
        }
    ]


_NODE = re.compile(r'^  (?P<id>[A-Za-z][A-Za-z0-9_]*)\["(?P<label>[^"]*)"\]$')
_EDGE = re.compile(r"^  (?P<a>[A-Za-z][A-Za-z0-9_]*) --> (?P<b>[A-Za-z][A-Za-z0-9_]*)$")
_LABELLED = re.compile(r'^  (?P<a>[A-Za-z][A-Za-z0-9_]*) -->\|"(?P<label>[^"|]*)"\| (?P<b>[A-Za-z][A-Za-z0-9_]*)$')
_LINK_STYLE = re.compile(r"^  linkStyle (?P<edges>\d+(,\d+)*) stroke:#d00,stroke-width:2px$")


def test_mermaid_draws_account_resource_principal_with_flagged_edges_marked(
    run: Any, owner_client: Any, phone_number_arn: str, opt_out_list_arn: str
) -> None:
    _put(
        owner_client,
        phone_number_arn,
        _allow({"AWS": [CONSUMER, "777788889999"]}, "sms-voice:SendTextMessage", phone_number_arn),
        _allow("*", "sms-voice:SendTextMessage", phone_number_arn),
    )
    odd = 'sms-voice:Describe"OptOut|Lists<b>#'  # no such action: flagged, and its label must stay quoted
    _put(
        owner_client,
        opt_out_list_arn,
        _allow({"AWS": CONSUMER}, ["sms-voice:DescribeOptOutLists", odd], opt_out_list_arn),
    )
    _, grants, _ = _rows(run)

    status, out, _ = run("--output", "mermaid")

    first, *lines = out.splitlines()
    assert first == "graph LR" and status == 1
    nodes = {m["id"]: m["label"] for m in map(_NODE.match, lines) if m}
    edges: list[tuple[str, str, str | None]] = [(m["a"], m["b"], None) for m in map(_EDGE.match, lines) if m]
    edges += [(m["a"], m["b"], m["label"]) for m in map(_LABELLED.match, lines) if m]
    styles = [m for m in map(_LINK_STYLE.match, lines) if m]
    assert len(nodes) + len(edges) + len(styles) == len(lines), "every line is a node, an edge or a style"
    assert all(a in nodes and b in nodes for a, b, _ in edges)
    assert nodes["account"] == f"account {OWNER}"
    assert sorted(nodes[b] for a, b, label in edges if a == "account") == [
        "opt-out-list/shared-opt-outs",
        phone_number_arn.split(":")[-1],
    ]
    granted = [(nodes[a], nodes[b], label) for a, b, label in edges if label is not None]
    assert len(granted) == len(grants) == 4, "one edge per grant"
    assert ("opt-out-list/shared-opt-outs", f"AWS:{CONSUMER}", granted[-1][2]) == granted[-1]
    assert "#quot;OptOut#124;Lists#lt;b#gt;#35;" in granted[-1][2]
    all_edges = [line for line in lines if _EDGE.match(line) or _LABELLED.match(line)]
    flagged = [index for index, line in enumerate(all_edges) if '-->|"⚠' in line]
    assert len(flagged) == sum(1 for g in grants if g["flags"]) == 2
    (style,) = styles
    assert [int(i) for i in style["edges"].split(",")] == flagged


# -- the console's default, paging, unreadable policies ------------------------------------------------


def test_the_consoles_default_sns_grant_is_not_flagged(
    run: Any, emulator: Any, cfn: CloudFormationEmulator, owner_client: Any
) -> None:
    emulator.state.default_policy = "sns"
    emulator.state.no_policy_style = "empty"  # a resource without a policy answers "{}"
    number = new_phone_number(owner_client)
    sender = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    owner_client.create_opt_out_list(OptOutListName="no-policy")

    status, rows, err = _rows(run)

    assert (status, err) == (0, "")
    assert sorted((r["resource"], r["principal"], r["written_by"], tuple(r["flags"])) for r in rows) == sorted(
        (arn, "sns.amazonaws.com", "not shared-sms", ()) for arn in (number, sender)
    )
    assert cfn.requests == [], "no marker, no reason to ask CloudFormation"


def test_pages_through_more_than_a_hundred_resources_of_a_type(run: Any, emulator: Any, owner_client: Any) -> None:
    arns = [owner_client.create_opt_out_list(OptOutListName=f"list-{i:03d}")["OptOutListArn"] for i in range(101)]
    for arn in (arns[0], arns[-1]):  # the last one is alone on the second page
        _put(owner_client, arn, _allow({"AWS": CONSUMER}, "sms-voice:DescribeOptedOutNumbers", arn))
    emulator.state.calls.clear()

    status, rows, _ = _rows(run)

    assert status == 0 and [r["resource"] for r in rows] == [arns[0], arns[-1]]
    assert emulator.call_count("DescribeOptOutLists") == 2 and emulator.call_count("GetResourcePolicy") == 101


def test_an_unreadable_policy_is_a_row_with_its_error_and_the_run_goes_on(
    run: Any, emulator: Any, owner_client: Any, opt_out_list_arn: str
) -> None:
    numbers = sorted(new_phone_number(owner_client) for _ in range(2))
    for arn in (*numbers, opt_out_list_arn):
        action = "sms-voice:DescribeOptOutLists" if arn == opt_out_list_arn else "sms-voice:SendTextMessage"
        _put(owner_client, arn, _allow({"AWS": CONSUMER}, action, arn))
    # The first GetResourcePolicy after listing the numbers is denied, as IAM does for a scoped-down role.
    emulator.faults.after = {"DescribePhoneNumbers": {"deny_next": 1}}

    status, out, err = run()

    assert status == 2
    (line,) = err.splitlines()
    assert line.startswith(f"shared-sms: error: cannot read the policy of {numbers[0]}: access denied")
    rows = out.splitlines()[1:-1]
    assert [row.split()[0] for row in rows] == [n.split(":")[-1] for n in numbers] + ["opt-out-list/shared-opt-outs"]
    assert "error: access denied for GetResourcePolicy" in rows[0]
    assert out.splitlines()[-1] == "2 grants on 2 resources, 0 flagged, 1 policies unreadable"


# -- the CloudFormation emulator keeps to the model --------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ("Action=DescribeStacks&Version=2010-05-15&Bogus=1", "ValidationError"),
        ("Action=DescribeStacks&Version=2011-01-01", "ValidationError"),
        ("Action=DescribeStack&Version=2010-05-15", "InvalidAction"),
        ("Action=CreateStack&Version=2010-05-15&StackName=x", "InvalidAction"),
        ("Action=ListStackResources&Version=2010-05-15", "ValidationError"),  # StackName is required
    ],
)
def test_the_cloudformation_emulator_refuses_what_it_does_not_serve(
    cfn: CloudFormationEmulator, form: str, code: str
) -> None:
    request = urllib.request.Request(
        cfn.url, data=form.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    ns = {"cfn": "http://cloudformation.amazonaws.com/doc/2010-05-15/"}
    answer = ET.fromstring(raised.value.read())
    assert raised.value.code == 400 and answer.findtext("cfn:Error/cfn:Code", namespaces=ns) == code
