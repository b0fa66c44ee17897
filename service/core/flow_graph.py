"""The shape of flows as a graph of steps: what can be reached, and loops that never wait."""

from __future__ import annotations

from collections.abc import Mapping

from service.core.flow_model import Flow

Node = tuple[str, str]  # (flow, step)


def reachable(flow: Flow) -> set[str]:
    """Steps reachable from the start or from an interrupt."""
    todo = [flow.start, *(i.goto for i in flow.interrupts)]
    seen: set[str] = set()
    while todo:
        step_id = todo.pop()
        if step_id in seen or step_id not in flow.steps:
            continue
        seen.add(step_id)
        todo += [target for _, target in flow.steps[step_id].targets()]
    return seen


def loops_without_wait(flows: Mapping[str, Flow]) -> list[Node]:
    """Steps on a cycle made only of steps that never wait, following end.then into the next
    flow too: the engine would go round it forever on one input."""
    moving: dict[Node, list[Node]] = {}
    for flow in flows.values():
        for step in flow.steps.values():
            if step.waits():
                continue
            edges = [(flow.name, t) for _, t in step.targets() if t in flow.steps]
            if step.then_flow and step.then_flow in flows:
                edges.append((step.then_flow, flows[step.then_flow].start))
            moving[(flow.name, step.id)] = edges
    found = []
    for start, edges in moving.items():
        todo, seen = list(edges), set()
        while todo:
            node = todo.pop()
            if node == start:
                found.append(start)
                break
            if node in moving and node not in seen:
                seen.add(node)
                todo += moving[node]
    return found
