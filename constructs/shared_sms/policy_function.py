"""The one Lambda function per stack that serves every ``Custom::SmsResourcePolicy``
and ``Custom::SmsSharedResourceCheck``.

Its IAM policies are rendered lazily at synth time from the ARNs registered by the
stack's resource policies, so they name exactly the resources the stack manages,
and fall back to one account- and region-scoped pattern per resource type
when listing them all would break IAM's inline policy size limit.

The grant on the policy ARNs is its own ``AWS::IAM::ManagedPolicy``, named after what it grants,
and every policy custom resource depends on it. CloudFormation applies IAM changes in the
update phase but deletes removed custom resources (and the old physical ids of replaced
ones) only in the cleanup phase, after them: a grant changed in place would already have
lost the ARN that the Delete must clean. A changed grant is a new policy instead, created
in the update phase beside the old one; the old one is deleted in the cleanup phase after
the custom resources that depend on it, and in a rollback's cleanup the new one goes after
the custom resources the failed update created.

With ``iam.Role.customize_roles`` the role is a pre-created one that a platform team manages:
nothing is written onto it. The function's statements go where CDK puts every grant of such a
role, the ``iam-policy-report`` of the cloud assembly, rendered once all the stack's policies
have registered, and the policy custom resources depend on no grant of the template.
"""

from __future__ import annotations

import hashlib
import json
import math
import weakref
from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    AspectPriority,
    Aspects,
    CfnResource,
    Fn,
    IAspect,
    Lazy,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IConstruct, IValidation

from .function_code import ASSET_EXCLUDES, function_code_dir
from .resource_types import ALL_TYPES, SmsResourceType
from .stack_facts import Producer, StackFacts
from .tokens import is_unresolved

FUNCTION_ID = "SharedSmsPolicyFunction"
# Lambda's longest: at AWS's 1 request per second, stacks deploying at once in one account share
# each operation's bucket, and an invocation waits its turn longer the more lanes run in the
# account (README, "Many resources"); past the deadline it answers FAILED and the stack rolls back.
FUNCTION_TIMEOUT_S = 900
# CloudFormation waits this long for an answer that never came (default: an hour).
SERVICE_TIMEOUT_S = str(FUNCTION_TIMEOUT_S + 180)
_BY_STACK: weakref.WeakKeyDictionary[Stack, PolicyFunction] = weakref.WeakKeyDictionary()
# The function's IAM policy lists ARNs one by one, up to this many of one type;
# past it the type gets one `arn:...:<type>/*` pattern. The listed ARNs also share
# one character budget that leaves the rest of IAM's 10,240 characters for the rest;
# over it, the type with the most characters becomes its pattern.
MAX_LISTED_ARNS_PER_TYPE = 15
# The grant is a managed policy (6,144 characters each, apart from the role's 10,240 characters
# of inline policies, so two generations during an update fit, and so does the inline policy of
# earlier versions during the upgrade); this leaves room for its other characters.
LISTED_ARN_BUDGET_CHARS = 5_600
GRANTS_ID = "Grants"
# An ARN known only at deploy time (a parameter, SSM, a resource of the app) gets a grant of its
# own whose name carries the ARN's value: a new value replaces it, so the old value keeps its
# permission until the cleanup phase. Up to this many (inline, two generations of each within
# IAM's 10,240 characters); more are listed in the shared grant, whose update is in place.
MAX_DEPLOY_TIME_GRANTS = 15
TOKEN_ARN_CHARS = 128  # a deploy-time ARN, at its longest plausible length
POLICY_ACTIONS = (
    "sms-voice:PutResourcePolicy",
    "sms-voice:GetResourcePolicy",
    "sms-voice:DeleteResourcePolicy",
)
# AWS's default request rate for this API: 1 per second per operation, account and Region
# (user guide, "Quotas for AWS End User Messaging SMS"). The stack runs its custom resources
# in this many dependency lanes per request per second: eight keep a 1-per-second bucket busy
# while each invocation waits about a minute at most (BENCHMARKS.md, the deployment rows at 1 req/s).
REQUESTS_PER_SECOND_CONTEXT = "shared-sms:requests-per-second"
CONCURRENCY_CONTEXT = "shared-sms:concurrent-custom-resources"
DEFAULT_REQUESTS_PER_SECOND = 1.0
LANES_PER_REQUEST_PER_SECOND = 8
# What a shared-resource check calls, per resource type.
DESCRIBE_ACTIONS = {
    "pool": "sms-voice:DescribePools",
    "phone-number": "sms-voice:DescribePhoneNumbers",
    "sender-id": "sms-voice:DescribeSenderIds",
    "opt-out-list": "sms-voice:DescribeOptOutLists",
}


class PolicyFunction(Construct):
    """Stack singleton: the function, its role, its log group, and the ARN registry."""

    @classmethod
    def of(cls, scope: Construct) -> PolicyFunction:
        return cls.of_stack(Stack.of(scope))

    @classmethod
    def of_stack(cls, stack: Stack) -> PolicyFunction:
        existing = _BY_STACK.get(stack)
        if existing is not None:
            return existing
        child = stack.node.try_find_child(FUNCTION_ID)
        if child is not None and not isinstance(child, PolicyFunction):
            raise ValueError(f"construct id {FUNCTION_ID!r} is reserved by shared_sms at the stack root")
        function = _BY_STACK[stack] = child or cls(stack, FUNCTION_ID)
        return function

    @classmethod
    def existing_in(cls, stack: Stack) -> PolicyFunction | None:
        """The stack's function if something already created it."""
        return _BY_STACK.get(stack)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._stack = Stack.of(self)
        facts = StackFacts.of(self)
        self.account, self.region, self.partition = facts.account, facts.region, facts.partition
        self._policies: dict[str, Construct] = {}  # the stack's ResourcePolicy per ARN
        # type -> ARNs by key, in registration order, of the policies this function writes.
        self._listed: dict[str, dict[str, str]] = {t.name: {} for t in ALL_TYPES}
        self._patterns: set[str] = set()
        self._checked: set[str] = set()  # types a shared-resource check lists
        self._lane_ends: list[CfnResource] = []  # the last custom resource queued in each lane
        self._queued = 0
        self._width = 0  # lanes, fixed when the first custom resource is queued
        # One validation for every policy of the stack (one per policy costs round trips to Node).
        self._problems: list[Callable[[], list[str]]] = []
        self.node.add_validation(_Problems(self._problems))

        # Typed L1s for the function and its log group at the paths their L2s had (same logical
        # ids and template; the L2 Function alone took 0.15 s to construct): tags, Aspects and
        # cdk-nag see CfnFunction and CfnLogGroup as usual. The role stays an L2 so that
        # iam.Role.customize_roles applies, and the code is an s3_assets.Asset, registered by the
        # stack's own synthesizer, whatever synthesizer the user gave.
        log_group = logs.CfnLogGroup(Construct(self, "Logs"), "Resource", retention_in_days=30)
        log_group.apply_removal_policy(RemovalPolicy.DESTROY)
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Writes the SMS Voice V2 resource policies of this stack",
        )
        log_group_arn = log_group.attr_arn
        self._role = role
        # iam.Role.customize_roles: a role someone else made and manages, whose grants CDK writes
        # into the iam-policy-report of the cloud assembly instead of the template.
        self._customized_role = role.node.try_find_child(f"PrecreatedRole{role.node.id}") is not None
        self._access: iam.CfnPolicy | None = None
        if self._customized_role:
            # Rendered once every policy of the stack has registered (prepare, before the report).
            Aspects.of(self).add(_Report(self), priority=AspectPriority.MUTATING)
        else:
            # Not the "Access" policy of earlier versions, which also held the grant on policy
            # ARNs: a new logical id and name, so that the old policy is deleted only in the
            # cleanup phase of the upgrade, after the policies removed in that same deployment.
            self._access = iam.CfnPolicy(
                self,
                "Runtime",
                policy_name="shared-sms-function",
                roles=[role.role_name],
                policy_document=Lazy.any(Producer(lambda: self._render_policy(log_group_arn))),
            )
        self._log_group_arn = log_group_arn
        self._grants: iam.CfnManagedPolicy | None = None  # the policy ARNs' grant, made by the first policy
        self._deploy_time_grants: dict[str, iam.CfnRolePolicy] = {}  # by ARN key
        handler = Construct(self, "Handler")
        code = s3_assets.Asset(handler, "Code", path=str(function_code_dir()), exclude=ASSET_EXCLUDES, deploy_time=True)
        self.function = function = lambda_.CfnFunction(
            handler,
            "Resource",
            architectures=["arm64"],
            code=lambda_.CfnFunction.CodeProperty(s3_bucket=code.s3_bucket_name, s3_key=code.s3_object_key),
            description="shared-sms: SMS Voice V2 resource policies and shared-resource checks",
            # The function refuses events of other stacks (a ServiceToken is no secret).
            environment=lambda_.CfnFunction.EnvironmentProperty(
                variables={"SHARED_SMS_STACK_ID": self._stack.stack_id}
            ),
            handler="index.handler",
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=log_group.ref),
            memory_size=256,
            role=role.role_arn,
            runtime="python3.14",
            timeout=FUNCTION_TIMEOUT_S,
        )
        code.add_resource_metadata(function, "Code")
        # CloudFormation invokes the function asynchronously. Lambda would retry a failed invocation
        # twice and keep a throttled event for six hours: a Create handled again after its Delete
        # puts back a grant CloudFormation believes gone. No retry, and no event older than
        # CloudFormation waits for its answer (the function checks the ResponseURL's age too).
        lambda_.CfnEventInvokeConfig(
            handler,
            "Delivery",
            function_name=function.ref,
            qualifier="$LATEST",
            maximum_retry_attempts=0,
            maximum_event_age_in_seconds=int(SERVICE_TIMEOUT_S),
        )
        # Custom resources reference the function, so they also wait for its permissions. (Not
        # on the role: the function references it already, and cfn-lint flags W3005.)
        if self._access is not None:
            function.node.add_dependency(self._access)
        self._service_token = function.attr_arn

    @property
    def stack(self) -> Stack:
        return self._stack

    @property
    def service_token(self) -> str:
        return self._service_token

    @property
    def concurrency(self) -> int:
        """How many of the stack's custom resources CloudFormation may run at once."""
        explicit = self.node.try_get_context(CONCURRENCY_CONTEXT)
        if explicit is not None:
            return _positive(explicit, CONCURRENCY_CONTEXT, whole=True)
        rate = self.node.try_get_context(REQUESTS_PER_SECOND_CONTEXT)
        rps = DEFAULT_REQUESTS_PER_SECOND if rate is None else _positive(rate, REQUESTS_PER_SECOND_CONTEXT)
        return max(1, round(rps * LANES_PER_REQUEST_PER_SECOND))

    def enqueue(self, resource: CfnResource) -> None:
        """Run ``resource`` in one of the stack's dependency lanes (round robin): it waits for
        the one queued before it in its lane, so at most ``concurrency`` of the stack's custom
        resources call the service at once, and deletes run the lanes backwards. A lane is
        only a ``DependsOn``: adding or removing a resource changes no resource's properties,
        so it updates or replaces nothing."""
        if self._queued == 0:
            self._width = self.concurrency  # read once: every lane of the stack has one width
        lane = self._queued % self._width
        if lane < len(self._lane_ends):
            resource.node.add_dependency(self._lane_ends[lane])
            self._lane_ends[lane] = resource
        else:
            self._lane_ends.append(resource)
        self._queued += 1

    def guard(self, resource: CfnResource, arn: str) -> None:
        """``resource`` writes ``arn``'s policy: it is deleted before the grant it was made with.
        A customized role's grants are not in the template: its owners keep them (README)."""
        if not self._customized_role:
            resource.node.add_dependency(self._deploy_time_grants.get(self.arn_key(arn)) or self._grant())

    def _grant_deploy_time(self, resource_type: SmsResourceType, key: str, arn: str) -> None:
        """A grant of its own for a deploy-time ARN, named after the ARN's value (a create-only
        property of ``AWS::IAM::RolePolicy``): another value replaces it."""
        parts = Fn.split("/", arn)
        ident = [Fn.select(1, parts)] + ([".", Fn.select(2, parts)] if resource_type.name == "sender-id" else [])
        digest = hashlib.sha256(key.encode()).hexdigest()[:8]
        statement = {"Effect": "Allow", "Action": list(POLICY_ACTIONS), "Resource": arn}
        self._deploy_time_grants[key] = iam.CfnRolePolicy(
            self,
            f"DeployTimeGrant{digest}",
            role_name=self._role.role_name,
            policy_name=Fn.join("", [f"shared-sms-{resource_type.name}-{digest}-", *ident]),
            policy_document={"Version": "2012-10-17", "Statement": [statement]},
        )

    def _grant(self) -> iam.CfnManagedPolicy:
        """The grant on the policy ARNs, under a logical id that changes with its content."""
        if self._grants is None:
            # No name: CloudFormation makes one unique in the account for each generation.
            self._grants = grants = iam.CfnManagedPolicy(
                self,
                GRANTS_ID,
                description="shared-sms: the resource-policy calls on the ARNs this stack's policies manage",
                roles=[self._role.role_name],
                policy_document=Lazy.any(Producer(self._render_grants)),
            )
            base = self._stack.get_logical_id(grants)
            grants.override_logical_id(Lazy.string(Producer(lambda: f"{base}{self._generation()}")))
        return self._grants

    def _generation(self) -> str:
        """Eight hex digits of what the grant names: equal grants, equal ids."""
        rendered = json.dumps(self._stack.resolve(self._scoped()), sort_keys=True)
        return hashlib.sha256(rendered.encode()).hexdigest()[:8].upper()

    def arn_key(self, arn: str) -> str:
        """A key that is equal for two ARNs when CloudFormation would resolve them equally."""
        return json.dumps(self._stack.resolve(arn), sort_keys=True) if is_unresolved(arn) else arn

    def find_policy(self, arn: str) -> Construct | None:
        return self._policies.get(self.arn_key(arn))

    def register(
        self, policy: Construct, resource_type: SmsResourceType, arn: str, problems: Callable[[], list[str]]
    ) -> None:
        """Record ``policy`` as the writer of ``arn``; ``problems`` runs when the app is validated."""
        key = self.arn_key(arn)
        existing = self._policies.get(key)
        if existing is not None:
            raise ValueError(
                f"{policy.node.path}: {arn} already has a resource policy in this stack at "
                f"{existing.node.path}; add statements to that one (resource.add_to_resource_policy) "
                "so that one custom resource owns the ARN"
            )
        self._policies[key] = policy
        self._problems.append(problems)
        if self._customized_role:
            self._list(resource_type, key, arn)  # into the report (_Report), no grant of the template
        elif is_unresolved(arn) and len(self._deploy_time_grants) < MAX_DEPLOY_TIME_GRANTS:
            self._grant_deploy_time(resource_type, key, arn)
        else:
            self._grant()
            self._list(resource_type, key, arn)

    def _list(self, resource_type: SmsResourceType, key: str, arn: str) -> None:
        """Add ``arn`` to the role's policy, or fold lists into patterns to stay within budget."""
        listed = self._listed[resource_type.name]
        if resource_type.name in self._patterns or key in listed:
            return
        listed[key] = arn
        if len(listed) > MAX_LISTED_ARNS_PER_TYPE:
            self._fold(resource_type)
        while sum(map(_chars, self._listed.values())) > LISTED_ARN_BUDGET_CHARS:
            name = max(self._listed, key=lambda k: _chars(self._listed[k]))
            self._fold(next(t for t in ALL_TYPES if t.name == name))

    def _fold(self, resource_type: SmsResourceType) -> None:
        """From here on the type is granted as a pattern (see _scoped)."""
        self._patterns.add(resource_type.name)
        self._listed[resource_type.name].clear()
        if self._customized_role:
            return
        self._acknowledge(
            self._grant(),
            _nag_name(self._stack.resolve(self._pattern(resource_type))),
            f"listing every {resource_type.noun} one by one would overflow IAM's inline policy size, so this "
            f"grant covers every {resource_type.noun} of this account and region; actions stay the three "
            "resource-policy calls",
        )

    def _pattern(self, resource_type: SmsResourceType) -> str:
        """``arn:<partition>:sms-voice:<region>:<account>:<type>/*`` for this stack."""
        return self._stack.format_arn(
            service="sms-voice",
            resource=resource_type.name,
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

    @staticmethod
    def _acknowledge(policy: CfnResource, resource: str, reason: str) -> None:
        """Tell cdk-nag why ``policy`` grants ``resource`` as a wildcard: cdk-nag 3 (a validation
        plugin) through CDK's acknowledgments, cdk-nag 2 (an Aspect) through the resource's
        ``cdk_nag`` metadata. Both name this one finding of this one resource only."""
        finding = f"Resource::{resource}"
        Validations.of(policy).acknowledge(
            Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
        )
        metadata = policy.get_metadata("cdk_nag") or {}
        rules = [
            *metadata.get("rules_to_suppress", []),
            {"id": "AwsSolutions-IAM5", "reason": reason, "applies_to": [finding]},
        ]
        policy.add_metadata("cdk_nag", {**metadata, "rules_to_suppress": rules})

    def register_check(self, resource_type: SmsResourceType) -> None:
        """A shared-resource check will list ``resource_type`` with Describe* and ``Owner="SHARED"``."""
        if not self._checked and self._access is not None:
            self._acknowledge(
                self._access,
                "*",
                "a shared-resource check lists shared resources with Describe* and Owner=SHARED, which takes "
                "no resource ids and is authorized against '*'; the actions are read-only Describe calls",
            )
        self._checked.add(resource_type.name)

    def _scoped(self) -> list[str]:
        """The listed ARNs, and one ``arn:...:<type>/*`` pattern per type folded into one."""
        resources: list[str] = []
        for resource_type in ALL_TYPES:
            if resource_type.name in self._patterns:
                resources.append(self._pattern(resource_type))
            else:
                resources.extend(self._listed[resource_type.name].values())
        return resources

    def _render_grants(self) -> dict[str, Any]:
        statement = {"Effect": "Allow", "Action": list(POLICY_ACTIONS), "Resource": self._scoped()}
        return {"Version": "2012-10-17", "Statement": [statement]}

    def _report(self) -> None:
        """A customized role's statements, into CDK's iam-policy-report (where CDK puts every grant
        of such a role): the ones the template would have held, with the deploy-time ARNs listed
        in the grant. The stack's own ARN has the stack's name in it (its id is known only once
        it is created)."""
        stack_arn = self._stack.format_arn(
            service="cloudformation",
            resource="stack",
            resource_name=f"{self._stack.stack_name}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        rendered = self._render_policy(self._log_group_arn, stack_arn)["Statement"]
        if self._policies:
            rendered.append(self._render_grants()["Statement"][0])
        for statement in rendered:
            self._role.add_to_principal_policy(iam.PolicyStatement.from_json(statement))

    def _render_policy(self, log_group_arn: str, stack_arn: str | None = None) -> dict[str, Any]:
        statements: list[dict[str, Any]] = [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": log_group_arn,
            },
            # Whether CloudFormation sent the event, whether an Update is a rollback, and which
            # of the stack's markers are its own (lambda/shared_sms_function/stack_status.py).
            {
                "Effect": "Allow",
                "Action": [
                    "cloudformation:DescribeStackResource",
                    "cloudformation:DescribeStacks",
                    "cloudformation:ListStackResources",
                ],
                "Resource": stack_arn or self._stack.stack_id,
            },
        ]
        if self._checked:
            # Describe* with Owner="SHARED" names no resource: IAM authorizes it against "*".
            statements.append(
                {
                    "Effect": "Allow",
                    "Action": sorted(DESCRIBE_ACTIONS[name] for name in self._checked),
                    "Resource": "*",
                }
            )
        return {"Version": "2012-10-17", "Statement": statements}


def _positive(value: Any, key: str, *, whole: bool = False) -> Any:
    """A context value that must be a positive number (a whole one for ``whole``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not math.isfinite(number) or number <= 0 or (whole and number != int(number)):
        kind = "a positive whole number" if whole else "a positive number"
        raise ValueError(
            f"context {key!r} must be {kind}, got {value!r}: set it in cdk.json or with "
            f"`cdk synth -c {key}=...` (requests per second: the account's quota for this API, 1 by default)"
        )
    return int(number) if whole else number


def _chars(listed: dict[str, str]) -> int:
    """What listing these ARNs costs in the rendered policy (quotes and comma included)."""
    return sum((TOKEN_ARN_CHARS if is_unresolved(arn) else len(arn)) + 3 for arn in listed.values())


@jsii.implements(IAspect)
class _Report:
    """Hands a customized role's statements to CDK once, when the function is visited."""

    def __init__(self, function: PolicyFunction) -> None:
        self._function = function
        self._done = False

    def visit(self, node: IConstruct) -> None:
        if node is self._function and not self._done:
            self._done = True
            self._function._report()


@jsii.implements(IValidation)
class _Problems:
    def __init__(self, checks: list[Callable[[], list[str]]]) -> None:
        self._checks = checks

    def validate(self) -> list[str]:
        return [problem for check in self._checks for problem in check()]


def _nag_name(resolved: Any) -> str:
    """A resolved ARN as cdk-nag names it: tokens as ``<AWS::Partition>``, ``<AWS::Region>``..."""
    if isinstance(resolved, dict):
        separator, parts = resolved["Fn::Join"]
        return str(separator).join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    return str(resolved)
