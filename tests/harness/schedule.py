"""Running a stack's resources as CloudFormation does: every resource whose dependencies are
done starts at once; after a failure nothing new starts, what runs finishes, and the first
failure is raised."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from graphlib import TopologicalSorter

MAX_CONCURRENT = 64
"""Resources in progress at once; more wait (CloudFormation documents no figure)."""


def run_in_dependency_order(
    needs: dict[str, Iterable[str]],
    action: Callable[[str], None],
    *,
    reverse: bool = False,
) -> None:
    """Call ``action(node)`` for every node of ``needs`` (node -> the nodes it needs) once what it
    needs is done; ``reverse``: once everything that needs it is done (deletion order)."""
    graph: TopologicalSorter[str] = TopologicalSorter()
    for node, prerequisites in needs.items():
        graph.add(node)
        for other in prerequisites:
            if other in needs:
                if reverse:
                    graph.add(other, node)
                else:
                    graph.add(node, other)
    graph.prepare()
    failures: list[BaseException] = []
    running: dict[Future[None], str] = {}
    with ThreadPoolExecutor(max_workers=MAX_CONCURRENT, thread_name_prefix="cfn-resource") as pool:
        while graph.is_active() and not failures:
            for node in graph.get_ready():
                running[pool.submit(action, node)] = node
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                node = running.pop(future)
                error = future.exception()
                if error is None:
                    graph.done(node)
                else:
                    failures.append(error)
        wait(running)  # in progress when something failed: CloudFormation lets them finish
        failures.extend(e for f in running if (e := f.exception()) is not None)
    if failures:
        raise failures[0]
