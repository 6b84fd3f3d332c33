"""The step graph of a troubleshooting tree, walked without recursion (pure).

A TL's tree may chain thousands of steps; every walk here keeps its own stack, so a long tree
is checked like a short one (no RecursionError) and in time linear in its steps and outcomes.
domain/trees.py turns what these find into `TreeError`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence


def reachable(edges: Mapping[str, Sequence[str]], start: str) -> set[str]:
    """Every node reachable from `start` (itself included)."""
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def find_cycles(
    edges: Mapping[str, Sequence[str]], roots: Iterable[str]
) -> list[tuple[str, list[str]]]:
    """(node, cycle) for each back edge a depth-first walk from `roots` (in order) meets:
    `node` is where the edge leaves, `cycle` runs from the edge's target round to it again."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    found: list[tuple[str, list[str]]] = []
    for root in roots:
        if root in state:
            continue
        path: list[str] = [root]  # the current path, root first
        where: dict[str, int] = {root: 0}  # node -> its index in `path`
        todo: list[Iterator[str]] = [iter(edges.get(root, ()))]
        state[root] = 1
        while todo:
            node = path[-1]
            nxt = next(todo[-1], None)
            if nxt is None:  # every edge of `node` followed: leave it
                state[node] = 2
                del where[node]
                path.pop()
                todo.pop()
            elif state.get(nxt) == 1:
                found.append((node, [*path[where[nxt] :], nxt]))
            elif nxt not in state:
                state[nxt] = 1
                where[nxt] = len(path)
                path.append(nxt)
                todo.append(iter(edges.get(nxt, ())))
    return found


def cycle_text(cycle: Sequence[str], keep: int = 4) -> str:
    """`cycle a -> b -> a`; a long cycle keeps its ends and stays one readable line."""
    shown = list(cycle)
    if len(shown) > 3 * keep:
        hidden = len(shown) - 2 * keep
        shown = [*shown[:keep], f"… {hidden} more steps …", *shown[-keep:]]
    return "cycle " + " -> ".join(shown)
