"""Read YAML with positions, and validate it against a schema model with file:line errors."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString

from isms.problems import Problem

Model = TypeVar("Model", bound=BaseModel)


class InvalidDate(ConstructorError):
    """A value shaped like a date that is not one (2025-13-01): a problem at its position, not a crash."""


class _Constructor(RoundTripConstructor):
    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as exc:  # ruamel lets datetime's range errors through without a position
            raise InvalidDate(None, None, f"invalid date '{node.value}' ({exc}): write a real date as YYYY-MM-DD", node.start_mark) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Round-trip load (keeps line numbers). Returns (data, problems); data is None on a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, 1, f"not UTF-8 text ({exc.reason}): save the file as UTF-8")]
    try:
        yaml = YAML(typ="rt")
        yaml.Constructor = _Constructor
        data = yaml.load(text)
        _unfold_cjk(data)
        return data, []
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if isinstance(exc, InvalidDate):
            return None, [Problem(path, line, col, str(exc.problem))]
        hint = ""
        if "mapping values are not allowed" in str(exc.problem):
            hint = " (a ': ' inside a value starts a new key: quote the value or use a full-width colon '：')"
        return None, [Problem(path, line, col, f"YAML syntax: {exc.problem}{hint}")]
    except YAMLError as exc:
        return None, [Problem(path, 1, 1, f"YAML syntax: {exc}")]


_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_FOLDED_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


def _unfold_cjk(node: Any) -> None:
    """YAML folding ('>') joins lines with a space, which is wrong between Japanese characters."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        if isinstance(value, FoldedScalarString):
            node[key] = FoldedScalarString(_FOLDED_SPACE.sub("", str(value)))
        else:
            _unfold_cjk(value)


def position(data: Any, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """1-based (line, col) of the value at loc, or of its nearest ancestor that has a position."""
    line, col = 1, 1
    node = data
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line, col = node.lc.key(key)
            line, col = line + 1, col + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line, col = node.lc.item(key)
            line, col = line + 1, col + 1
            node = node[key]
        else:
            if isinstance(node, (CommentedMap, CommentedSeq)) and node.lc.line is not None and line == 1:
                line, col = node.lc.line + 1, node.lc.col + 1
            break
    return line, col


def value_position(data: Any, loc: tuple[int | str, ...]) -> tuple[int, int]:
    """Position of the value (not the key) at loc when ruamel knows it."""
    *parents, last = loc
    node = data
    for key in parents:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return position(data, loc)
    if isinstance(node, CommentedMap) and last in node:
        line, col = node.lc.value(last)
        return line + 1, col + 1
    return position(data, loc)


def validate(model: type[Model], data: Any, path: Path) -> tuple[Model | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [Problem(path, 1, 1, f"expected a mapping of keys ({model.__name__}), found {type(data).__name__}")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(model, data, path, err) for err in exc.errors()]


def _problem(model: type[BaseModel], data: Any, path: Path, err: dict[str, Any]) -> Problem:
    loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    where = ".".join(str(part) for part in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        line, col = position(data, loc)
        allowed = _allowed_keys(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else f" (allowed: {', '.join(allowed)})"
        return Problem(path, line, col, f"unknown key '{loc[-1]}'{hint}")
    if kind == "missing":
        line, col = position(data, loc[:-1])
        return Problem(path, line, col, f"missing required key '{where}'")
    line, col = value_position(data, loc)
    message = err["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" or kind == "enum":
        message = f"{message} (got {err['input']!r})"
    return Problem(path, line, col, f"'{where}': {message}")


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Walk the model's fields along loc to list the keys allowed at that level."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
