"""``ResourcePolicy``: the one ``Custom::SmsResourcePolicy`` that writes one resource's policy."""

from __future__ import annotations

import hashlib
import json
import weakref
from enum import StrEnum
from typing import Any, cast

from aws_cdk import Annotations, CfnResource, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from .app_registry import register_in_app
from .ownership import created_resource_of, is_deploy_time, placement_problems
from .policy_checks import MAX_POLICY_CHARS, action_warnings, check_policy, estimated_policy_chars
from .policy_function import SERVICE_TIMEOUT_S, PolicyFunction
from .shareable import Shareable
from .stack_facts import Producer
from .stage_paths import stage_relative_path
from .tokens import contains_intrinsic, contains_token, inline_partition, is_unresolved

RESOURCE_TYPE = "Custom::SmsResourcePolicy"
POLICIES_ID = "SharedSmsPolicies"  # where policies are created on first use
_CONTAINERS: weakref.WeakKeyDictionary[Stack, Construct] = weakref.WeakKeyDictionary()


class OnExistingPolicy(StrEnum):
    """What the function does with statements on the resource that this stack did not write
    (written by AWS, the console, RAM, a person or another stack).

    In every mode the stack owns only the statements that carry its ownership marker
    (README, "Who owns a policy"), keeps statements it wrote under another logical id
    (a renamed construct) and on delete removes only its own.
    """

    MERGE = "MERGE"
    """Keep them beside this stack's statements (default)."""
    FAIL = "FAIL"
    """Fail the deployment and leave the policy unchanged."""
    REPLACE = "REPLACE"
    """Overwrite them; they are not restored when this policy is deleted."""


class ResourcePolicy(Construct):
    """The resource-based policy of one pool, phone number, sender ID or opt-out list.

    Usually created for you by the first ``add_to_resource_policy``, ``share_with``,
    ``allow_service`` or cross-account grant on a resource. Create it yourself to
    choose ``on_existing_policy``, ``allow_public`` or ``allow_unconditioned_service``; later statements added
    through the resource land in this same policy.

    :param resource: the resource the policy is attached to (created or imported).
    :param policy_document: initial statements. Default: empty; add with ``add_statements``.
    :param on_existing_policy: what to do with statements this stack did not write:
        ``MERGE`` (default) keeps them beside ours, ``FAIL`` refuses to deploy,
        ``REPLACE`` overwrites them.
    :param allow_public: allow ``"*"`` principals without a condition. Default: False.
    :param allow_unconditioned_service: allow service principals (``sns.amazonaws.com``...)
        without an ``aws:SourceAccount`` or ``aws:SourceArn`` condition, which lets the service
        act for any account through the resource. Default: False (``allow_service`` adds the
        condition).
    :param removal_policy: ``DESTROY`` (default) deletes the policy with the stack;
        ``RETAIN`` leaves it attached.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource: Shareable,
        policy_document: iam.PolicyDocument | None = None,
        on_existing_policy: OnExistingPolicy | str = OnExistingPolicy.MERGE,
        allow_public: bool = False,
        allow_unconditioned_service: bool = False,
        removal_policy: RemovalPolicy | None = None,
        _placed: bool = False,
        _first: dict[str, Any] | None = None,
    ) -> None:
        try:
            mode = OnExistingPolicy(on_existing_policy)
        except ValueError:
            raise ValueError(
                f"on_existing_policy must be 'MERGE', 'FAIL' or 'REPLACE', got {on_existing_policy!r}"
            ) from None
        if not _placed:
            _check_placement(scope, id, resource)  # before anything joins the construct tree
        super().__init__(scope, id)
        self.on_existing_policy = mode
        self.resource = resource
        self.allow_public = allow_public
        self.allow_unconditioned_service = allow_unconditioned_service
        # Statements shared_sms builds itself stay plain Python data (no round trips to
        # Node) until a PolicyStatement joins them: then all of them move to `document`.
        self._literal: list[dict[str, Any]] = [_first] if _first is not None else []
        self._document: iam.PolicyDocument | None = None
        self._rendered_cache: Any = None
        self._eager = False  # whether the Policy property holds a rendering made at construction
        self._function = function = PolicyFunction.of_stack(resource.own_stack)
        function.register(self, resource.resource_type, resource.resource_arn, problems=self._problems)
        register_in_app(self, resource=resource, mode=mode.value)
        if policy_document is not None:
            # Copied statement by statement: the caller's document stays as it was.
            self.add_statements(*_statements_of(policy_document))

        # One statement built by shared_sms is rendered now (most policies are one share_with);
        # anything else is Lazy, so that statements added later are still rendered.
        self._eager = bool(self._literal) and self._document is None
        properties: dict[str, Any] = {
            "ServiceToken": function.service_token,
            "ServiceTimeout": SERVICE_TIMEOUT_S,
            "ResourceArn": resource.resource_arn,
            "Policy": self._policy_json() if self._eager else self._lazy_policy(),
        }
        self._rendered_cache = None  # rendered again at synth time, with whatever was added since
        if self.on_existing_policy is not OnExistingPolicy.MERGE:  # the function's default: left out
            properties["OnExistingPolicy"] = self.on_existing_policy.value
        # The function checks the policy it writes with synthesis's rules (deploy-time values are
        # only known there): what synthesis was told to allow travels with it.
        if allow_public:
            properties["AllowPublic"] = "true"
        if allow_unconditioned_service:
            properties["AllowUnconditionedService"] = "true"
        self._resource = CfnResource(self, "Resource", type=RESOURCE_TYPE, properties=properties)
        function.enqueue(self._resource)
        function.guard(self._resource, resource.resource_arn)
        if removal_policy is not None:
            self._resource.apply_removal_policy(removal_policy)

    def _lazy_policy(self) -> Any:
        return Lazy.any(Producer(self._policy_json))

    def _statements_changed(self) -> None:
        """A statement joined (or may join) after a rendering: render again, at synth time."""
        self._rendered_cache = None
        if self._eager:
            self._eager = False
            self._resource.add_property_override("Policy", self._lazy_policy())

    @property
    def document(self) -> iam.PolicyDocument:
        """The policy's statements as an ``iam.PolicyDocument``."""
        self._statements_changed()  # the caller may add to it
        if self._document is None:
            self._document = iam.PolicyDocument(statements=[iam.PolicyStatement.from_json(s) for s in self._literal])
            self._literal = []
        return self._document

    def _add_literal(self, statement: dict[str, Any]) -> None:
        """Add a statement given as CloudFormation JSON with literal keys (values may be tokens).

        The first one stays Python data; with more, CDK's document renders them, so that
        its rules (``@aws-cdk/aws-iam:minimizePolicies`` merging) apply as for any statement.
        """
        if self._document is None and not self._literal:
            self._literal.append(statement)
            self._statements_changed()
        else:
            self.document.add_statements(iam.PolicyStatement.from_json(statement))

    def _literal_document(self) -> dict[str, Any]:
        """The document as CDK renders it: keys sorted, Statement before Version."""
        return {"Statement": self._literal, "Version": "2012-10-17"}

    def _rendered(self) -> Any:
        """The document as CloudFormation JSON, with the partition inlined where the stack's
        region pins it. Computed once, at synth time, after every statement was added."""
        if self._rendered_cache is None:
            function = self._function
            if self._document is not None:
                resolved = function.stack.resolve(self._document)
            elif self._literal and contains_token(self._literal):
                resolved = function.stack.resolve(self._literal_document())
            else:
                resolved = self._literal_document() if self._literal else None
            self._rendered_cache = inline_partition(resolved, function.partition)
        return self._rendered_cache

    def _policy_json(self) -> Any:
        """The ``Policy`` property: the policy as a compact JSON string; with deploy-time values,
        the policy as a JSON object."""
        rendered = self._rendered()
        if not contains_intrinsic(rendered):
            # What Stack.to_json_string renders for literal values, without the round trips.
            return json.dumps(rendered, separators=(",", ":"), ensure_ascii=False)
        unresolved = self._document if self._document is not None else self._literal_document()
        if _deploy_time_grant_values(rendered):
            # A principal, action or condition someone can set at deploy time: an object, whose
            # values CloudFormation fills in as JSON values. Spliced into a JSON string (what
            # Stack.to_json_string's Fn::Join does), a value with a quote in it would add JSON of
            # its own: another statement, another principal.
            return unresolved
        # Only the resource's own ARN and pseudo parameters (which the function checks, or which
        # hold no quote): the readable string form. Unresolved, so that CDK's reference finder
        # turns values from other stacks into exports, imports and a stack dependency.
        return self._function.stack.to_json_string(unresolved)

    @classmethod
    def existing_for(cls, resource: Shareable) -> ResourcePolicy | None:
        """The stack's policy for ``resource``'s ARN, if one was created (creates nothing)."""
        function = PolicyFunction.existing_in(resource.own_stack)
        return cast(ResourcePolicy | None, function.find_policy(resource.resource_arn) if function else None)

    @classmethod
    def for_resource(cls, resource: Shareable, statement: dict[str, Any] | None = None) -> ResourcePolicy:
        """The stack's policy for ``resource``'s ARN, created on first use at
        ``<stack>/SharedSmsPolicies/<id>``, whichever construct of the ARN asked first (so
        reordering calls keeps its logical id). ``<id>``: ``<type>-<id>`` of a literal ARN,
        the path of a resource created in the app (below its ``Stage``, so that moving the
        stacks into a Stage keeps it), else ``deploy-time-<hash of the ARN>``.
        ``statement``: one to add, as CloudFormation JSON (see ``_add_literal``)."""
        existing = cls.existing_for(resource)
        if existing is not None:
            if statement is not None:
                existing._add_literal(statement)
            return existing
        arn = resource.resource_arn
        stack = resource.own_stack
        container = _CONTAINERS.get(stack)
        if container is None:
            found = stack.node.try_find_child(POLICIES_ID)
            container = _CONTAINERS[stack] = cast(Construct, found) if found else Construct(stack, POLICIES_ID)
        return cls(container, _policy_id(stack, arn), resource=resource, _placed=True, _first=statement)

    def add_statements(self, *statements: iam.PolicyStatement) -> None:
        """Add statements; one without a ``Resource`` gets the resource's ARN."""
        for statement in statements:
            if not statement.has_resource:
                statement = statement.copy(resources=[self.resource.resource_arn])
            self.document.add_statements(statement)

    @property
    def resource_arn(self) -> str:
        return self._resource.get_att("ResourceArn").to_string()

    @property
    def attr_created_timestamp(self) -> str:
        """When the service recorded the policy (ISO 8601)."""
        return self._resource.get_att("CreatedTimestamp").to_string()

    @property
    def attr_policy_sha256(self) -> str:
        """SHA-256 of the normalized policy the function wrote."""
        return self._resource.get_att("PolicySha256").to_string()

    def _problems(self) -> list[str]:
        document = self._document  # literal statements are well-formed by construction
        errors = [f"{self.node.path}: {e}" for e in (document.validate_for_resource_policy() if document else [])]
        arn = self.resource.resource_arn
        errors += [
            f"{self.node.path}: {e}"
            for e in check_policy(
                self._rendered() or {},
                resource_type=self.resource.resource_type,
                resource_arn=self._function.stack.resolve(arn) if is_unresolved(arn) else arn,
                allow_public=self.allow_public,
                allow_unconditioned_service=self.allow_unconditioned_service,
            )
        ]
        errors += self._placement_problems()
        for warning_id, message in action_warnings(self._rendered() or {}, self.resource.resource_type):
            Annotations.of(self).add_warning_v2(warning_id, message)
        for where in _deploy_time_grant_values(self._rendered() or {}):
            Annotations.of(self).add_warning_v2(
                "shared-sms:deploy-time-policy-value",
                f"{where} is known at deploy time only (a parameter, an SSM value, another stack's output): "
                "synthesis cannot check it; the function checks it with the same rules before it writes, "
                "so whoever can set that value decides this grant within them: review who can",
            )
        size = estimated_policy_chars(self._rendered() or {})
        if MAX_POLICY_CHARS // 2 < size <= MAX_POLICY_CHARS:
            # A renamed or moved construct holds both copies until CloudFormation's cleanup.
            Annotations.of(self).add_warning_v2(
                "shared-sms:policy-over-half-the-limit",
                f"this policy may take {size} of the service's {MAX_POLICY_CHARS} characters: renaming or "
                "moving this construct (a new logical id) would need room for two copies during the deployment",
            )
        return errors

    def _placement_problems(self) -> list[str]:
        return [
            f"{self.node.path}: {self.resource.node.path} is in {part} {place} but the stack deploys to "
            f"{value}; a resource policy can only be written by the owning account in "
            "the resource's region: move this policy to a stack there"
            for part, place, value in placement_problems(self._function.stack, self.resource)
        ]


def _deploy_time_grant_values(document: dict[str, Any]) -> list[str]:
    """Where a principal, action or condition of ``document`` holds a value someone can set at
    deploy time (a parameter, an SSM value, another stack's output). Pseudo parameters and
    attributes CloudFormation computes do not count; nor does ``Resource``, the resource's own
    ARN, which the function checks against ``ResourceArn``."""
    found = []
    statements = document.get("Statement") or []
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        name = f"statement {statement.get('Sid') or index}"
        for key in ("Principal", "NotPrincipal", "Action", "NotAction", "Condition"):
            if key in statement and _settable(statement[key]):
                found.append(f"{name}'s {key}")
    return found


def _settable(value: Any) -> bool:
    if isinstance(value, list):
        return any(_settable(item) for item in value)
    if not isinstance(value, dict):
        return False
    if len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref":
            return not str(argument).startswith("AWS::")  # a parameter (or a resource's id)
        if name == "Fn::GetAtt":
            return False  # computed by CloudFormation
        if name.startswith("Fn::"):
            return name == "Fn::ImportValue" or _settable(argument)
    return any(_settable(item) for item in value.values())


def _statements_of(document: iam.PolicyDocument) -> list[iam.PolicyStatement]:
    rendered = document.to_json() or {}
    return [iam.PolicyStatement.from_json(statement) for statement in rendered.get("Statement", [])]


def _check_placement(scope: Construct, id: str, resource: Shareable) -> None:
    """One policy per ARN, in the resource's stack: say how to fix it before building anything."""
    if Stack.of(scope) is not resource.own_stack:
        raise ValueError(
            f"{scope.node.path}/{id}: a ResourcePolicy belongs in the stack of its resource "
            f"({resource.node.path}); to write the policy from this stack, import the ARN here "
            "(from_*_arn) and create the policy for that import"
        )
    existing = ResourcePolicy.existing_for(resource)
    if existing is not None:
        raise ValueError(
            f"{scope.node.path}/{id}: this stack already has a resource policy for {resource.node.path} "
            f"at {existing.node.path}. "
            "To choose on_existing_policy, allow_public or allow_unconditioned_service, create the ResourcePolicy "
            "before the first share_with, allow_service, add_to_resource_policy or grant on the resource; "
            "later statements join it"
        )


def _policy_id(stack: Stack, arn: str) -> str:
    if not is_deploy_time(arn):
        return arn.split(":", 5)[5].replace("/", "-")
    target = created_resource_of(arn)
    if target is not None:
        return stage_relative_path(target).replace("/", "-")
    key = PolicyFunction.of(stack).arn_key(arn)
    return f"deploy-time-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
