"""docutils' reST parser, with the states of its state machines made when first used.

docutils parses every nested block (a list item, a table cell, a directive's content) with a new
state machine, and a machine makes all fifteen of its states up front, each compiling its
transition table: for the sample that is 119,000 states made for 8,000 machines, a third of the time
Sphinx spends reading the pages. A nested machine uses two or three of them. Here a machine makes a
state when it first asks for it; the parse is the same (tests/test_rstparse.py compares doctrees).

And its tree walk (`Node.findall`, which every transform of docutils and Sphinx runs over every page:
a tenth of a cold build) without a generator per level of the tree: the nested generators handed each
node up through every level above it. The same nodes in the same order, each node's children read
when the walk reaches them, as before.
"""

from __future__ import annotations

from collections.abc import Iterator

from docutils import nodes, statemachine

_installed = False


class _States(dict):  # type: ignore[type-arg]
    """A machine's states by name; a state is made at its first use."""

    def __init__(self, machine: statemachine.StateMachine) -> None:
        super().__init__()
        self.machine = machine
        self.classes: dict[str, type[statemachine.State]] = {}
        self.running = False  # made during a run: initialised for it at once

    def __missing__(self, name: str) -> statemachine.State:
        state_class = self.classes.get(name)
        if state_class is None:
            raise KeyError(name)
        state = self[name] = state_class(self.machine, self.machine.debug)
        if self.running:
            state.runtime_init()
        return state

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or name in self.classes


def _add_state(machine: statemachine.StateMachine, state_class: type[statemachine.State]) -> None:
    states = machine.states
    if not isinstance(states, _States):
        states = machine.states = _States(machine)
    name = state_class.__name__
    if name in states:
        raise statemachine.DuplicateStateError(name)
    states.classes[name] = state_class


def _runtime_init(machine: statemachine.StateMachine) -> None:
    states = machine.states
    if isinstance(states, _States):
        states.running = True
    for state in list(states.values()):
        state.runtime_init()


def _fast_findall(node: nodes.Node, cls: type) -> Iterator[nodes.Node]:
    """As docutils' Node._fast_findall: node and its descendants of class cls, depth first."""
    if isinstance(node, cls):
        yield node
    stack = [iter(node.children)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, cls):
                yield child
            children = child.children  # after the yield, as the recursive walk reads it
            if children:
                stack.append(iter(children))
                break
        else:
            stack.pop()


def _superfast_findall(node: nodes.Node) -> Iterator[nodes.Node]:
    """As docutils' Node._superfast_findall: node and all its descendants, depth first."""
    yield node
    stack = [iter(node.children)]
    while stack:
        for child in stack[-1]:
            yield child
            children = child.children
            if children:
                stack.append(iter(children))
                break
        else:
            stack.pop()


def install() -> None:
    """Once per process, before anything is parsed."""
    global _installed
    if _installed:
        return
    statemachine.StateMachine.add_state = _add_state  # type: ignore[method-assign]
    statemachine.StateMachine.runtime_init = _runtime_init  # type: ignore[method-assign]
    nodes.Node._fast_findall = _fast_findall  # type: ignore[method-assign]
    nodes.Node._superfast_findall = _superfast_findall  # type: ignore[method-assign]
    _installed = True
