"""The two environment runs go first: each is one test that takes minutes in a process of its own
(mostly waiting), so under make test's four workers they overlap the rest instead of ending it."""

from __future__ import annotations

import pytest

FIRST = ("tests/versions/test_floors_env.py", "tests/versions/test_newest_env.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(FIRST))
