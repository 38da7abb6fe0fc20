"""Cycles in the waits-for graph (blocking and parent edges), found without recursion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components that are cycles (size > 1, or a self-loop)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    graph = {node: list(targets) for node, targets in edges.items()}
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = lowlink[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
                continue
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, []):
                    cycles.append(sorted(component))
    return sorted(cycles)


def path_between(edges: Mapping[str, Iterable[str]], start: str, goal: str) -> list[str] | None:
    """A path from `start` to `goal` following `edges`, or None."""
    previous: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in edges.get(node, ()):
                if target in previous:
                    continue
                previous[target] = node
                if target == goal:
                    path = [goal]
                    step: str | None = node
                    while step is not None:
                        path.append(step)
                        step = previous[step]
                    return list(reversed(path))
                following.append(target)
        frontier = following
    return None
