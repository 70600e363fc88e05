"""The import graph: no module imports itself back through others, and the kernel knows no domain.

Every import counts, also those inside functions (a lazy import is still a dependency); only
`if TYPE_CHECKING:` imports are left out, since they never run.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGES = (
    "wellwon",
    "streams",
    "sinks",
    "api",
    "stack",
    "pipelines",
    "recognition",
    "dashboards",
    "reports",
    "notifications",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            for other in imported:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append((other, iter(sorted(graph.find_modules_directly_imported_by(other)))))
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    graph.add_import(importer="wellwon.envelope", imported="streams.engine")  # positive control
    assert any({"wellwon.envelope", "streams.engine"} <= set(c) for c in cycles(graph))


def test_the_kernel_imports_no_domain_and_the_engine_no_agent(graph: grimp.ImportGraph) -> None:
    kernel_to_streams = [
        (module, imported)
        for module in graph.modules
        if module.startswith("wellwon.")
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("streams")
    ]
    assert kernel_to_streams == []
    assert graph.find_shortest_chain("streams.engine", "streams.edi.agent") is None
    assert graph.find_shortest_chain("sinks.runner", "streams.engine") is None
