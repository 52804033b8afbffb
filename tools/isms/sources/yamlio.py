"""Read YAML with positions, and validate it against a schema model with file:line errors."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import pickle
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

import ruamel.yaml
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.scalarstring import FoldedScalarString

from isms import trust
from isms.problems import Problem

Model = TypeVar("Model", bound=BaseModel)


MAX_FILE_BYTES = 5_000_000  # a source file; the sample's largest is ~100 kB
MAX_DEPTH = 40  # nesting of mappings and lists
MAX_ALIASES = 100  # YAML aliases (*name) per file; only scalars may be aliased
MAX_SCALAR_CHARS = 200_000  # one value (a procedure is ~10 kB)
MAX_INT_DIGITS = 18
# NUL and the other C0/C1 controls (tab and newline are text), DEL, the line and paragraph
# separators (docutils and pandoc break lines there, a line-by-line rule does not: a directive after
# one is seen by the writers only), and the bidirectional overrides and isolates that make text
# display in another order than it is read (Trojan Source).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def read_source(path: Path, root: Path | None = None, what: str = "file") -> tuple[str | None, list[Problem]]:
    """A source file's text, or the problems that make it unusable: outside the repository (also
    through a symlink), not a file, too large, not UTF-8, or holding control characters.
    A UTF-8 byte order mark is dropped; CRLF line ends read as LF."""
    if root is not None:
        problem = outside_root(path, root)
        if problem is not None:
            return None, [problem]
    if path.is_dir():
        return None, [Problem(path, 1, 1, f"this is a folder, but a {what} is expected here: remove the folder or replace it with the file")]
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a FIFO or a device would block the read forever
            return None, [Problem(path, 1, 1, f"this is not a regular file, but a {what} is expected here: replace it with the file")]
        size = status.st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(path, 1, 1, f"the file is {size:,} bytes; sources are limited to {MAX_FILE_BYTES:,}: split it")]
        with path.open(encoding="utf-8", newline=None) as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, 1, f"not UTF-8 text ({exc.reason}): save the file as UTF-8")]
    except OSError as exc:
        return None, [Problem(path, 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    text = text.removeprefix("\ufeff")
    problems = [
        Problem(path, line, col, f"control character {name} is not allowed in sources: delete it (it may hide or reorder text)")
        for line, col, name in forbidden_characters(text)
    ]
    return (None if problems else text), problems


def forbidden_characters(text: str, limit: int = 5) -> list[tuple[int, int, str]]:
    """(line, column, U+XXXX) of the first control characters in text."""
    found = []
    for match in FORBIDDEN_CHARACTERS.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        found.append((line, col, f"U+{ord(match.group()):04X}"))
        if len(found) == limit:
            break
    return found


def outside_root(path: Path, root: Path) -> Problem | None:
    """A path that leaves the repository, by '..' or through a symlink, is refused."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return Problem(path, 1, 1, "the path cannot be resolved (a symlink loop?): replace the symlink with the file")
    if not resolved.is_relative_to(root.resolve()):
        return Problem(path, 1, 1, f"the path leads outside the repository (to {resolved}): sources must be files inside the repository, not symlinks out of it")
    for private in NOT_SOURCES:  # inside the repository, but not sources: git's own files hold credentials (a CI token)
        if resolved.is_relative_to(root.resolve() / private):
            return Problem(path, 1, 1, f"the path leads into {private}/ (to {resolved}): sources must be files of the repository's own, not symlinks into {private}/")
    return None


NOT_SOURCES = (".git", "build")


class Refused(MarkedYAMLError):
    """Valid YAML that a source may not hold (the message says why); reported with its position."""


class _GuardedComposer(Composer):
    """Aliases may only repeat a scalar, at most MAX_ALIASES times: an alias of a list or mapping is
    how a billion-laughs file grows exponentially once validated."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            self._aliases = getattr(self, "_aliases", 0) + 1
            target = self.anchors.get(event.anchor)
            if self._aliases > MAX_ALIASES:
                raise Refused(None, None, f"more than {MAX_ALIASES} aliases (*name): write the values out", event.start_mark)
            if target is not None and not isinstance(target, ScalarNode):
                raise Refused(None, None, f"the alias *{event.anchor} repeats a list or mapping: write it out (only single values may be aliased)", event.start_mark)
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor: Any) -> Any:
        node = super().compose_scalar_node(anchor)
        if len(node.value) > MAX_SCALAR_CHARS:
            raise Refused(None, None, f"a value of {len(node.value):,} characters; at most {MAX_SCALAR_CHARS:,}", node.start_mark)
        return node


class _GuardedConstructor(RoundTripConstructor):
    def construct_yaml_int(self, node: Any) -> Any:
        digits = str(node.value).lstrip("+-").replace("_", "")
        if len(digits) > MAX_INT_DIGITS:
            raise Refused(None, None, f"a number of {len(digits):,} digits: write it as text in quotes, or use a smaller number", node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as exc:
            raise Refused(None, None, f"{node.value!r} is not a valid date ({exc}): write it as YYYY-MM-DD", node.start_mark) from None


# The base class registers its own function for the tag: register the override.
_GuardedConstructor.add_constructor("tag:yaml.org,2002:int", _GuardedConstructor.construct_yaml_int)
_GuardedConstructor.add_constructor("tag:yaml.org,2002:timestamp", _GuardedConstructor.construct_yaml_timestamp)


def _loader() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = _GuardedComposer
    yaml.Constructor = _GuardedConstructor
    yaml.max_depth = MAX_DEPTH
    return yaml


# Parsed files are kept by content (isms.trust: entries this machine wrote, so that unpickling one
# is safe): an edit re-parses the file it changed, not the other hundred (the round-trip parser is
# pure Python: a second of a build). The key covers this module and the parser's version.
_PARSER_VERSION = hashlib.sha256(Path(__file__).read_bytes() + ruamel.yaml.__version__.encode()).hexdigest()
PARSED = "yaml"  # the cache's kind
used_entries: set[str] = set()  # this process's keys: what a build keeps when it prunes its cache


def _parsed_key(text: str) -> str:
    return hashlib.sha256(_PARSER_VERSION.encode() + text.encode("utf-8")).hexdigest()


def read_yaml(path: Path, root: Path | None = None) -> tuple[Any, list[Problem]]:
    """Round-trip load (keeps line numbers). Returns (data, problems); data is None when the file
    cannot be used (syntax, limits, control characters, an empty document)."""
    text, problems = read_source(path, root, "YAML file")
    if text is None:
        return None, problems
    key = _parsed_key(text)
    if root is not None:
        used_entries.add(key)
        if key in _in_process:
            return _in_process[key], []
        stored = trust.load(root, PARSED, key)
        if stored is not None:
            with contextlib.suppress(Exception):  # an entry of another ruamel build: parse again
                return _remember(key, pickle.loads(stored)), []
    data, problems = _parse(path, text)
    if data is not None and root is not None:
        trust.store(root, PARSED, key, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        _remember(key, data)
    return data, problems


# The files parsed in this process, by the same key: a release, a build after a check, or the tests'
# hundreds of checks read the same files again, and unpickling is a third of a check. The parsed
# data is only read (validation copies it into models; tests/test_check.py checks that a build
# leaves it as parsed).
_in_process: dict[str, Any] = {}
_IN_PROCESS_FILES = 2048


def _remember(key: str, data: Any) -> Any:
    if len(_in_process) >= _IN_PROCESS_FILES:
        _in_process.clear()
    _in_process[key] = data
    return data


def parse_ahead(root: Path, paths: list[Path]) -> int | None:
    """A helper parses these files, in this order, into the cache while the caller reads them from
    the other end (read_yaml takes what the helper has stored): a cold load in about half the time
    (isms.trust.fill_ahead). None when the cache already holds the last file of the list."""
    if not paths or _parsed_already(paths[0], root):
        return None

    def parse(path: Path) -> None:
        if not _parsed_already(path, root):
            read_yaml(path, root)

    return trust.fill_ahead(root, paths, parse)


def _parsed_already(path: Path, root: Path) -> bool:
    """Whether the cache holds an entry for the file as it is (unreadable files count as done)."""
    text, _ = read_source(path, root, "YAML file")
    return text is None or (trust.cache_folder(root, PARSED) / _parsed_key(text)).is_file()


def _parse(path: Path, text: str) -> tuple[Any, list[Problem]]:
    try:
        data = _loader().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        hint = ""
        if "mapping values are not allowed" in str(exc.problem):
            hint = " (a ': ' inside a value starts a new key: quote the value or use a full-width colon '：')"
        problem = " ".join(str(exc.problem).split())
        prefix = "" if isinstance(exc, Refused) else "YAML syntax: "
        if "maximum depth" in problem:
            problem, prefix = f"the data is nested more than {MAX_DEPTH} levels deep: flatten it", ""
        return None, [Problem(path, line, col, f"{prefix}{problem}{hint}")]
    except (YAMLError, ValueError, RecursionError) as exc:
        return None, [Problem(path, 1, 1, f"YAML syntax: {' '.join(str(exc).split())}")]
    if data is None:
        return None, [Problem(path, 1, 1, "the file is empty: it needs its keys (see the sample organisation's file of the same name)")]
    problems = _decoded_control_characters(path, data)
    if problems:
        return None, problems
    _unfold_cjk(data)
    return data, []


def _decoded_control_characters(path: Path, data: Any) -> list[Problem]:
    """Escapes in double-quoted values ("\\e[31m", "\\0") decode to control characters too."""
    problems = []

    def walk(node: Any, loc: tuple[int | str, ...]) -> None:
        if isinstance(node, str):
            for _, _, name in forbidden_characters(node, limit=1):
                line, col = value_position(data, loc)
                problems.append(Problem(path, line, col, f"control character {name} is not allowed in sources: delete the escape"))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key, loc)
                walk(value, (*loc, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*loc, index))

    walk(data, ())
    return problems


_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A folded line break next to a Japanese character or bracket: Japanese puts no space there (the
# typesetting spaces Latin words itself), so the fold joins the lines without one.
_FOLDED_SPACE = re.compile(rf"(?<=[{_CJK}]) |(?<=\S) (?=[{_CJK}])")


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
