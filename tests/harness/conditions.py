"""A template's ``Conditions``: ``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or`` and
``Condition`` (another condition by name), evaluated once per stack operation.

A resource or output whose ``Condition`` is false is not part of the stack; ``Fn::If``
(intrinsics.resolve) picks a branch by a condition's value, ``Ref: AWS::NoValue`` removes
the property it stands for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .stack import TemplateValidationError


def evaluate(template: dict[str, Any], value_of: Callable[[Any], Any], stack_name: str) -> dict[str, bool]:
    """Every condition's value; ``value_of`` resolves the operands of ``Fn::Equals`` (parameters
    and pseudo parameters: conditions cannot refer to resources)."""
    conditions = template.get("Conditions", {})
    results: dict[str, bool] = {}
    evaluating: list[str] = []

    def refuse(reason: str) -> TemplateValidationError:
        return TemplateValidationError(stack_name, f"Template format error: {reason}")

    def named(name: Any) -> bool:
        if name not in conditions:
            raise refuse(f"Unresolved dependencies [{name}]. Cannot reference condition {name}: it is not defined")
        if name in evaluating:
            raise refuse(f"Circular dependency between conditions: {' -> '.join([*evaluating, name])}")
        if name not in results:
            evaluating.append(name)
            results[name] = holds(conditions[name])
            evaluating.pop()
        return results[name]

    def holds(expression: Any) -> bool:
        if not isinstance(expression, dict) or len(expression) != 1:
            raise refuse(f"a condition must be one condition function, got {expression!r:.80}")
        ((function, argument),) = expression.items()
        if function == "Condition":
            return named(argument)
        if function == "Fn::Equals":
            if not isinstance(argument, list) or len(argument) != 2:
                raise refuse("Fn::Equals takes a list of two values")
            left, right = (value_of(value) for value in argument)
            return _text(left) == _text(right)
        if function == "Fn::Not":
            if not isinstance(argument, list) or len(argument) != 1:
                raise refuse("Fn::Not takes a list of one condition")
            return not holds(argument[0])
        if function in ("Fn::And", "Fn::Or"):
            if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                raise refuse(f"{function} takes a list of 2 to 10 conditions")
            values = [holds(item) for item in argument]  # every operand is checked, as CloudFormation does
            return all(values) if function == "Fn::And" else any(values)
        raise refuse(f"{function} is not a condition function")

    for name in conditions:
        named(name)
    for kind in ("Resources", "Outputs"):
        for logical_id, definition in template.get(kind, {}).items():
            if "Condition" in definition and definition["Condition"] not in conditions:
                raise refuse(f"Unresolved dependencies [{definition['Condition']}] in {kind} block {logical_id}")
    return results


def _text(value: Any) -> str:
    """Fn::Equals compares what CloudFormation holds: strings (a parameter's value is one)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
