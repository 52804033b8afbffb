"""Render the Jinja variables in reST sources, keeping a map back to the source lines.

Sources arrive by pull request, so a template is untrusted input. It runs in a sandbox that lets it
read the profile's data and nothing else:

- ``ImmutableSandboxedEnvironment``: no attribute starting with ``_``, no mutation of lists or dicts;
- no ``include``/``import``/``extends`` (there is no loader), no ``lipsum``/``cycler``/``joiner``/
  ``namespace`` globals, a ``range`` capped at ``MAX_RANGE``, an allow-list of filters and of callables;
- budgets: loop iterations and calls (``MAX_OPERATIONS``), the length of any value a template builds
  (``MAX_VALUE_CHARS``), the rendered size (``MAX_OUTPUT_CHARS``), and wall time (``SECONDS``).

Every value a template prints is escaped for reST (``isms.rsttext.esc``): data from the profile is
text, never markup. Generated identifiers that templates put inside roles (labels) are ``Trusted``.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import functools
import hashlib
import marshal
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from isms import trust
from isms.problems import Problem
from isms.rsttext import esc
from isms.sources.loader import TextSource

MAX_OPERATIONS = 200_000  # loop iterations plus calls, per template
MAX_VALUE_CHARS = 200_000  # any string or sequence a template builds
MAX_OUTPUT_CHARS = 2_000_000  # the rendered text of one template
MAX_RANGE = 1_000
MAX_INT_ARGUMENT = 1_000  # widths, counts and sizes passed to filters and calls
MAX_NUMBER = 10**15
SECONDS = 5.0
_TEMPLATE_NAME = "<template>"  # the filename Jinja gives code compiled from a string

# Filters a document may use; each is wrapped so that its arguments and result stay in budget.
SAFE_FILTERS = (
    "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "first", "float", "groupby", "indent",
    "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
    "reverse", "round", "select", "selectattr", "slice", "sort", "string", "sum", "title", "trim", "truncate", "unique",
    "upper", "wordcount", "wordwrap",
)  # fmt: skip
SAFE_STR_METHODS = frozenset(
    {
        "capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha", "isdigit", "islower", "isnumeric",
        "isspace", "isupper", "lower", "lstrip", "rfind", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "swapcase", "title", "upper",
    }
)  # fmt: skip
FORBIDDEN_TAGS = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from ... import", nodes.Extends: "extends"}


class TemplateLimitError(SecurityError):
    """A template went over one of its budgets."""


class Trusted(str):
    """Generated text printed as it is (a cross-reference label), not escaped."""


def finalize(value: Any) -> Any:
    if isinstance(value, Trusted):
        return value
    if isinstance(value, jinja2.Undefined):
        return value
    return esc(value)


# --------------------------------------------------------------------------- budgets


class _Budget(threading.local):
    operations = 0


_budget = _Budget()


def _spend(count: int = 1) -> None:
    _budget.operations += count
    if _budget.operations > MAX_OPERATIONS:
        raise TemplateLimitError(f"the template runs more than {MAX_OPERATIONS:,} loop iterations and calls: simplify it")


class _TooHeavy(Exception):
    pass


def weight(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """A value's characters and items, counted through nested lists, tuples and dicts: a shared item
    counts each time it appears, as printing or comparing the value would meet it (``[[1]*1000]*1000``
    weighs a million). Each distinct object is weighed once; past limit the count stops."""
    memo: dict[int, int] = {}

    def weigh(item: Any) -> int:
        if isinstance(item, str):
            return len(item)
        if not isinstance(item, (list, tuple, dict)):
            return 1
        known = memo.get(id(item))
        if known is not None:
            return known
        memo[id(item)] = limit + 1  # a value that holds itself weighs too much
        total = len(item)
        for part in item.items() if isinstance(item, dict) else item:
            total += weigh(part)
            if total > limit:
                raise _TooHeavy
        memo[id(item)] = total
        return total

    try:
        return weigh(value)
    except (_TooHeavy, RecursionError):
        return limit + 1


def _sized(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, dict)) and (len(value) > MAX_VALUE_CHARS or (not isinstance(value, str) and weight(value) > MAX_VALUE_CHARS)):
        raise TemplateLimitError(f"the template builds a value longer than {MAX_VALUE_CHARS:,} characters or items")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        raise TemplateLimitError(f"the template computes a number larger than {MAX_NUMBER:,}")
    return value


def _small_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_INT_ARGUMENT:
            raise TemplateLimitError(f"an argument of {arg} is too large (at most {MAX_INT_ARGUMENT:,} in templates)")


_AMPLIFYING = ("replace", "indent", "join")


def _expected_size(name: str, subject: Any, args: list[Any], kwargs: dict[str, Any]) -> int:
    """What the filters that can multiply their input would produce, computed before they run."""
    text = subject if isinstance(subject, str) else ""
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        pieces = len(text) + 1 if old == "" else text.count(old)
        return len(text) + pieces * len(new)
    if name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else int(width)
        return len(text) + (text.count("\n") + 1) * width
    if name == "join" and not isinstance(subject, str):
        separator = args[0] if args else kwargs.get("d", "")
        return sum(len(str(item)) for item in subject) + len(str(separator)) * max(len(subject) - 1, 0)
    return 0


def _guarded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    # Filters marked @pass_context / @pass_eval_context / @pass_environment get that object first.
    offset = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)  # keeps jinja_pass_arg, so Jinja still passes the context
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _spend()
        _small_arguments(args[offset + 1 :])
        _small_arguments(kwargs.values())
        if name == "sum":  # sum(start=[]) concatenates lists, in quadratic time within one C call
            start = kwargs.get("start", args[offset + 2] if len(args) > offset + 2 else 0)
            if not isinstance(start, (int, float)) or isinstance(start, bool):
                raise SecurityError("sum adds numbers only in sources: its start must be a number")
        if name in _AMPLIFYING and len(args) > offset:
            values = list(args)
            if name == "join" and not isinstance(values[offset], str):
                values[offset] = list(values[offset])  # a generator is read once: keep its items
            if _expected_size(name, values[offset], values[offset + 1 :], kwargs) > MAX_VALUE_CHARS:
                raise TemplateLimitError(f"the filter '{name}' would build a value longer than {MAX_VALUE_CHARS:,} characters")
            args = tuple(values)
        return _sized(function(*args, **kwargs))

    return guarded


def _capped_range(*args: int) -> range:
    _small_arguments(args)
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimitError(f"range() of more than {MAX_RANGE:,} numbers")
    return numbers


# --------------------------------------------------------------------------- the environment


class _Guards(Extension):
    """Generated code calls these through ``environment.extensions`` (Jinja allows no new node types)."""

    @staticmethod
    def iterate(iterable: Any) -> Iterator[Any]:
        for item in iterable:
            _spend()
            yield item

    sized = staticmethod(_sized)


_GUARDS = f"{_Guards.__module__}.{_Guards.__name__}"


class _GuardedCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # the ~ operator
        self.write(f"environment.extensions[{_GUARDS!r}].sized(")
        super().visit_Concat(node, frame)
        self.write(")")

    # Literals are weighed as they are made: [a, a, a] of a large a is built without any operator.
    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self.write(f"environment.extensions[{_GUARDS!r}].sized(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write(f"environment.extensions[{_GUARDS!r}].sized(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # an assignment's or a loop's target
            super().visit_Tuple(node, frame)
            return
        self.write(f"environment.extensions[{_GUARDS!r}].sized(")
        super().visit_Tuple(node, frame)
        self.write(")")


PATH_ATTRIBUTE = "_template_path"  # set by isms.model on the mappings of the template context


class _ExplainedUndefined(jinja2.StrictUndefined):
    """StrictUndefined whose message names the variable by its path in the templates and lists what
    is there ("'information.nc_program' is not defined; information has: customer_drawings, …"),
    instead of the Python type that holds it ("'isms.model._Attrs object' has no attribute …")."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        holder = self._undefined_obj
        path = vars(holder).get(PATH_ATTRIBUTE) if isinstance(holder, dict) and hasattr(holder, "__dict__") else None
        if self._undefined_hint is None and path is not None:
            known = sorted(map(str, holder))
            shown = ", ".join(known[:KNOWN_SHOWN]) + (f", … ({len(known)} in all)" if len(known) > KNOWN_SHOWN else "")
            return f"'{path}.{self._undefined_name}' is not defined; {path} has: {shown or 'nothing'}"
        return super()._undefined_message


KNOWN_SHOWN = 30  # names listed after an undefined one


class SourceEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox every manual chapter, policy and procedure is rendered in."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, escape: bool = True) -> None:
        super().__init__(
            undefined=_ExplainedUndefined, keep_trailing_newline=True, autoescape=False, finalize=finalize if escape else _as_text, loader=None,
            extensions=[_Guards],
        )
        self.globals.clear()
        self.globals["range"] = _capped_range
        builtin = dict(self.filters)
        self.filters = {name: _guarded_filter(name, builtin[name]) for name in SAFE_FILTERS}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        template = super()._parse(source, name, filename)
        for kind, tag in FORBIDDEN_TAGS.items():
            for node in template.find_all(kind):
                raise jinja2.TemplateSyntaxError(
                    f"'{tag}' is not allowed in sources: a text cannot pull in other files (write the text here, or use a profile variable)",
                    node.lineno, name, filename,
                )
        for loop in template.find_all(nodes.For):
            guard = nodes.ExtensionAttribute(_GUARDS, "iterate", lineno=loop.lineno)
            loop.iter = nodes.Call(guard, [loop.iter], [], None, None, lineno=loop.lineno)
        return template

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, (Macro, LoopContext)) or obj in (_capped_range, _Guards.iterate):
            return True
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str) and getattr(obj, "__name__", "") in SAFE_STR_METHODS:
            return True
        return isinstance(owner, LoopContext) and getattr(obj, "__name__", "") in ("cycle", "changed")

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        _small_arguments(args)
        _small_arguments(kwargs.values())
        if not __self.is_safe_callable(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            raise SecurityError(f"calling '{name}' is not allowed in sources")
        return _sized(__context.call(__obj, *args, **kwargs))

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not allowed in sources: use ~ to join texts")
        if operator == "**" and isinstance(right, (int, float)) and (abs(right) > 64 or abs(left) > MAX_NUMBER):
            raise TemplateLimitError("the power is too large for a document")
        # Weighed before the operation runs: the result of [[1]*1000]*1000 is cheap to make and
        # ruinous to print or compare.
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                repeated = isinstance(sequence, (str, list, tuple)) and isinstance(times, int) and not isinstance(times, bool)
                if repeated and max(times, 0) * max(weight(sequence), 1) > MAX_VALUE_CHARS:
                    raise TemplateLimitError(f"the template builds a value longer than {MAX_VALUE_CHARS:,} characters or items")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) and weight(left) + weight(right) > MAX_VALUE_CHARS:
            raise TemplateLimitError(f"the template builds a value longer than {MAX_VALUE_CHARS:,} characters or items")
        return _sized(super().call_binop(context, operator, left, right))



def _as_text(value: Any) -> Any:
    return value


class FrameEnvironment(SourceEnvironment):
    """The sandbox of the Word frame template (policy_templates/word/frame.docx arrives by pull
    request like every source): the same guards, values escaped for XML (docxtpl's autoescape)
    instead of reST. The frame's parts are the same text for every document of a build, so each
    is compiled once per process."""

    def __init__(self) -> None:
        super().__init__(escape=False)
        self.autoescape = True
        self.undefined = jinja2.ChainableUndefined  # a frame restyled with a name the tool lacks prints nothing
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) >= 256:  # a frame has a dozen parts: only a changing frame fills this
                self._compiled.clear()
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


def fresh_budget() -> None:
    """A new operations budget: each document's frame is a template run of its own."""
    _budget.operations = 0


def private_names(template: nodes.Template) -> list[tuple[int, str]]:
    """(line, name) of every attribute or key beginning with an underscore: the sandbox refuses them
    when the template runs; `isms check` names them before (a frame is rendered only at build time)."""
    found = []
    for node in template.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        name = node.attr if isinstance(node, nodes.Getattr) else node.name if isinstance(node, nodes.Name) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            found.append((node.lineno, name))
    return found


_ENV = SourceEnvironment()
_PLAIN_ENV = SourceEnvironment(escape=False)  # data fields (an item's text): printed escaped where they are used


class _TimeUp(TemplateLimitError):
    pass


def frame_time_budget() -> contextlib.AbstractContextManager[None]:
    """The time budget of one run of the Word frame (the check's and each document's in a build)."""
    return _time_budget(SECONDS)


@contextlib.contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """SIGALRM in the main thread (the CLI renders there); elsewhere the other budgets still hold."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TimeUp(f"the template takes longer than {seconds:g} s to render: simplify it")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderedText:
    """A source after Jinja: reST text plus the source line of each rendered line (aligned when a
    problem asks for one: most texts never need it)."""

    source: TextSource
    text: str

    @functools.cached_property
    def source_lines(self) -> tuple[int, ...]:
        """Rendered line n (1-based) -> file line."""
        return _line_map(self.source, self.text)

    def file_line(self, rendered_line: int | None) -> int:
        if not rendered_line or not self.source_lines:
            return self.source.first_line
        index = min(max(rendered_line, 1), len(self.source_lines)) - 1
        return self.source_lines[index]


# Compiled templates are kept by their text (marshalled code objects, in a cache whose entries are
# this machine's: isms.trust): compiling a hundred texts is most of building the model.
COMPILED = "jinja"
_COMPILER_VERSION = hashlib.sha256(Path(__file__).read_bytes() + f"{jinja2.__version__} {sys.version}".encode()).hexdigest()
used_entries: set[str] = set()


def _template(environment: SourceEnvironment, text: str, root: Path | None) -> jinja2.Template:
    if root is None:
        return environment.from_string(text)
    key = _compiled_key(text, environment is _PLAIN_ENV)
    used_entries.add(key)
    stored = trust.load(root, COMPILED, key)
    code = None
    if stored is not None:
        with contextlib.suppress(ValueError, EOFError, TypeError):
            code = marshal.loads(stored)
    if code is None:
        code = environment.compile(text)  # refuses what the sandbox refuses at parse time
        trust.store(root, COMPILED, key, marshal.dumps(code))
    return environment.template_class.from_code(environment, code, environment.make_globals(None))


def _compiled_key(text: str, plain: bool) -> str:
    kind = b"plain" if plain else b"rest"
    return hashlib.sha256(_COMPILER_VERSION.encode() + kind + text.encode("utf-8")).hexdigest()


def compile_ahead(root: Path, texts: list[tuple[str, bool]]) -> int | None:
    """(text, plain) of the texts about to be rendered: a helper compiles them into the cache from
    the end of the list while the caller renders from its start (isms.trust.fill_ahead; compiling is
    most of a cold model). Returns the helper's pid for trust.stop_filling. None when the cache
    already holds the last text of the list (after an edit): a helper would only load what the
    caller loads, on the core the site's process needs (40 ms of CPU for the sample's check)."""
    if not texts or (trust.cache_folder(root, COMPILED) / _compiled_key(*texts[-1])).is_file():
        return None
    return trust.fill_ahead(root, texts[::-1], lambda item: _template(_PLAIN_ENV if item[1] else _ENV, item[0], root))


def render(source: TextSource, context: dict[str, Any], plain: bool = False, root: Path | None = None) -> tuple[RenderedText | None, list[Problem]]:
    """plain: a data field (an item's text) rather than reST: values are not escaped here, since the
    field is escaped where it is printed. root: the repository, whose cache keeps compiled templates."""
    _budget.operations = 0
    try:
        with _time_budget(SECONDS):
            template = _template(_PLAIN_ENV if plain else _ENV, source.text, root)
            pieces: list[str] = []
            size = 0
            for piece in template.generate(**context):
                size += len(piece)
                if size > MAX_OUTPUT_CHARS:
                    raise TemplateLimitError(f"the rendered text is longer than {MAX_OUTPUT_CHARS:,} characters")
                pieces.append(piece)
            text = "".join(pieces)
    except jinja2.TemplateSyntaxError as exc:
        line = source.first_line + (exc.lineno or 1) - 1
        return None, [Problem(source.path, line, 1, f"template syntax: {exc.message}")]
    except jinja2.UndefinedError as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, f"undefined template variable: {exc.message} (see README, 'Template variables')")]
    except TemplateLimitError as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, f"template over its limits: {exc}")]
    except SecurityError as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, f"template not allowed: {exc} (a template may only print the profile's data)")]
    except RecursionError as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, "template error: a macro calls itself without end, or an expression nests too deeply")]
    except (SyntaxError, MemoryError) as exc:  # Python's compiler on the generated code: nesting beyond its limits
        line = source.first_line + _deepest_line(source.text) - 1
        return None, [Problem(source.path, line, 1, f"template too complex to compile ({type(exc).__name__}: {exc.args[0] if exc.args else ''}): simplify the expression")]
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError, OverflowError) as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, f"template error: {exc}")]
    return RenderedText(source, text), []


def _deepest_line(text: str) -> int:
    """The line of the most deeply nested expression (Python's compiler names a line of the
    generated code, not of the template)."""
    try:
        tree = _ENV.parse(text)
    except (jinja2.TemplateSyntaxError, RecursionError):
        return 1
    deepest, line = 0, 1
    stack: list[tuple[nodes.Node, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest and getattr(node, "lineno", None):
            deepest, line = depth, node.lineno
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return line


def _template_line(exc: BaseException) -> int:
    # Jinja rewrites tracebacks so template frames carry the template's own line numbers.
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == _TEMPLATE_NAME]
    return lines[-1] if lines and lines[-1] else 1


def _line_map(source: TextSource, rendered: str) -> tuple[int, ...]:
    """Align rendered lines with source lines; lines Jinja changed map to the nearest source line before."""
    src = source.text.splitlines()
    out = rendered.splitlines()
    if src == out:
        return tuple(range(source.first_line, source.first_line + len(out)))
    anchors: list[tuple[int, int]] = []  # (rendered index, source index)
    for block in difflib.SequenceMatcher(a=out, b=src, autojunk=False).get_matching_blocks():
        anchors.extend((block.a + k, block.b + k) for k in range(block.size))
    keys = [a for a, _ in anchors]
    mapping = []
    for index in range(len(out)):
        at = bisect.bisect_right(keys, index) - 1
        src_index = anchors[at][1] + (index - anchors[at][0]) if at >= 0 else index
        mapping.append(source.first_line + min(src_index, max(len(src) - 1, 0)))
    return tuple(mapping)
