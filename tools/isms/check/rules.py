"""Check stage: rules across the whole set of sources. Each rule returns problems, never raises."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from isms.check.rst import ADORNMENT_LINE, check_rst, stray_spaces
from isms.ledger import SNAPSHOT_DIR
from isms.ledger.content import read_header
from isms.model import LABEL_PATTERN, Isms, defined_labels
from isms.model.templating import RenderedText
from isms.problems import Problem
from isms.sources.catalogue import load_catalogue
from isms.sources.loader import CONTROLS_DIR, MANUAL_DIR, POLICY_INDEX_PATH, PROFILE_PATH, Sources
from isms.sources.schema import Status
from isms.sources.yamlio import position

# ISO/IEC 27001:2022 clauses 4-10 (and their sub-clauses that need their own text): none may be excluded.
REQUIRED_CLAUSES = (
    "4", "4.1", "4.2", "4.3", "4.4",
    "5", "5.1", "5.2", "5.3",
    "6", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.2", "6.3",
    "7", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3",
    "8", "8.1", "8.2", "8.3",
    "9", "9.1", "9.2", "9.3",
    "10", "10.1", "10.2",
)  # fmt: skip

PLACEHOLDERS = re.compile(r"TODO|TBD|FIXME|lorem ipsum|○○|××|XXX|未定|準備中|記載予定|(?<![A-Za-z])xx(?![A-Za-z])", re.IGNORECASE)
MIN_PROCEDURE_CHARS = 150  # non-space characters: below this a "procedure" is a stub
MIN_JUSTIFICATION_CHARS = 20


def check_sources(sources: Sources) -> list[Problem]:
    """Rules that need only the loaded files."""
    problems: list[Problem] = []
    for rule in (_controls_decided_once, _profile_references, _policy_references, _cell_sized_values):
        problems += rule(sources)
    return problems


_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_TAG_MASK = "\ue010"


def _yaml_texts(sources: Sources, longer_than: int = 0, records: bool = False):
    """Every string value of the YAML files whose texts are printed as they are (the controls'
    procedures are reST, checked with their markup): (file, data, location, value). longer_than:
    only files of more bytes are walked (no value is longer than its file). records: the record
    files' too (they reach the workbooks)."""
    files = [(loaded.path, loaded.data, ("procedure",)) for loaded in sources.controls]
    files += [(loaded.path, loaded.data, ()) for loaded in (sources.assets, sources.risks) if loaded is not None]
    if sources.profile_data is not None:
        files.append((sources.root / "manual_src/profile.yaml", sources.profile_data, ()))
    if records:
        files += [(loaded.path, loaded.data, ()) for loaded in sources.records.values()]
    for path, data, skipped in files:
        if longer_than:
            try:
                if path.stat().st_size <= longer_than:
                    continue
            except OSError:
                pass
        for loc, value in _strings(data, ()):
            if loc[:1] not in [(key,) for key in skipped]:
                yield path, data, loc, value


def _stray_spaces_in_values(sources: Sources) -> list[Problem]:
    """The texts of the YAML files (reasons, justifications, items, risks, the profile's sentences) are
    printed as they are: the stray-space rule of reST texts (check.rst) holds for them too."""
    problems = []
    for path, data, loc, value in _yaml_texts(sources):
        if " " not in value:  # every stray space is a space: most values have none
            continue
        value = _TEMPLATE_TAG.sub(_TAG_MASK, value)  # "{{ retention.log }}" prints a value, not its braces
        for match in stray_spaces(value):
            line, col = position(data, loc)
            around = value[max(match.start() - 6, 0) : match.end() + 6]
            problems.append(Problem(path, line, col, (
                f"stray space in '{around}': Japanese text has no space next to brackets, punctuation or kana: remove it "
                "(where the words must stay apart, as in an address or a name, write a full-width space 「\u3000」)"
            )))
    return problems


EXCEL_CELL_CHARS = 32_767


def _cell_sized_values(sources: Sources) -> list[Problem]:
    """Values that reach the spreadsheets must fit a cell (Excel cuts them off or refuses the file)."""
    problems = []
    for path, data, loc, value in _yaml_texts(sources, longer_than=EXCEL_CELL_CHARS, records=True):
        if len(value) > EXCEL_CELL_CHARS:
            line, col = position(data, loc)
            problems.append(Problem(path, line, col, f"a value of {len(value):,} characters does not fit a spreadsheet cell ({EXCEL_CELL_CHARS:,}): shorten it"))
    return problems


def _strings(node: object, loc: tuple[str | int, ...]):
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*loc, index))


def check_model(isms: Isms, sources: Sources) -> list[Problem]:
    problems: list[Problem] = []
    for rule in (_decision_rules, _manual_covers_clauses, _numbers_unique, _numbers_kept):
        problems += rule(isms, sources)
    problems += _stray_spaces_in_values(sources)  # typography: never a reason to stop the other rules
    problems += check_texts(isms)
    return problems


# --------------------------------------------------------------------------- controls


def _controls_decided_once(sources: Sources) -> list[Problem]:
    problems: list[Problem] = []
    catalogue = {c.id for c in load_catalogue()}
    seen: dict[str, Path] = {}
    # A file named after its id is the decision; any other file with the same id is the duplicate.
    for loaded in sorted(sources.controls, key=lambda c: c.path.stem != c.source.id):
        cid = loaded.source.id
        line = loaded.line_of("id")
        if cid not in catalogue:
            problems.append(Problem(loaded.path, line, 1, f"unknown control id '{cid}': ISO/IEC 27001:2022 Annex A has 5.1-5.37, 6.1-6.8, 7.1-7.14, 8.1-8.34"))
            continue
        if cid in seen:
            problems.append(Problem(loaded.path, line, 1, f"control {cid} is decided twice: also in {seen[cid].name}; keep one file per control"))
            continue
        seen[cid] = loaded.path
        if loaded.path.stem != cid:
            problems.append(Problem(loaded.path, line, 1, f"file name does not match the control id '{cid}': rename the file to {cid}.yaml"))
    directory = sources.root / CONTROLS_DIR
    for control in load_catalogue():
        if control.id not in seen and not (directory / f"{control.id}.yaml").exists():
            problems.append(Problem(directory, 1, 1, f"control {control.id} ({control.title_en}) is not decided: create controls/{control.id}.yaml"))
    return problems


def _decision_rules(isms: Isms, sources: Sources) -> list[Problem]:
    problems: list[Problem] = []
    roles = {r.id for r in isms.profile.roles}
    levels = {c.id for c in isms.profile.classification}
    known_documents = set(isms.documents) | {c.id for c in isms.catalogue}
    for decision in isms.decisions:
        src, loaded = decision.source, decision.loaded

        def add(message: str, *loc: str | int, problems: list[Problem] = problems, loaded=loaded) -> None:
            problems.append(Problem(loaded.path, loaded.line_of(*loc), 1, message))

        if src.applicable:
            if src.exclusion:
                add("an applicable control has no exclusion justification: remove 'exclusion' or set applicable: false", "exclusion")
            if not src.reasons:
                add("an applicable control needs 'reasons' (risk_treatment, legal, contractual, business)", "applicable")
            if src.status is None:
                add("an applicable control needs 'status': implemented, partial or planned", "applicable")
            elif src.status is not Status.implemented and src.target_date is None:
                add(f"status '{src.status.value}' needs a 'target_date' (YYYY-MM-DD) for full implementation", "status")
            if src.owner is None:
                add("an applicable control needs an 'owner' (a role id from the profile)", "applicable")
            problems.extend(_procedure_problems(decision))
        else:
            if not src.exclusion or len(src.exclusion.strip()) < MIN_JUSTIFICATION_CHARS:
                add("an excluded control needs an 'exclusion' justification saying why it does not apply", "applicable")
            if src.status is not None or src.procedure:
                add("an excluded control has no implementation status or procedure: remove them or set applicable: true", "status" if src.status else "procedure")
        if src.owner is not None and src.owner not in roles:
            add(f"owner '{src.owner}' is not a role in the profile (roles: {', '.join(sorted(roles))})", "owner")
        if src.classification is not None and src.classification not in levels:
            add(f"classification '{src.classification}' is not a level in the profile ({', '.join(sorted(levels))})", "classification")
        for index, doc in enumerate(src.documents):
            if doc not in known_documents:
                add(f"related document '{doc}' is neither a policy id nor a control id", "documents", index)
        for index, item in enumerate(src.items):
            if item.origin.value == "modified" and not item.reason:
                add("a modified item needs its 修正理由 in 'reason'", "items", index)
            if item.origin.value == "added" and not item.reason:
                add("an added item needs its 追加理由 in 'reason'", "items", index)
            if item.technical and item.review_months is None:
                add("a technical verification item (技術的検証項目) needs 'review_months'", "items", index)
    return problems


def _procedure_problems(decision) -> list[Problem]:
    loaded = decision.loaded
    text = decision.source.procedure or ""
    line = loaded.line_of("procedure") if "procedure" in loaded.data else loaded.line_of("applicable")
    if not text.strip():
        return [Problem(loaded.path, line, 1, "an applicable control needs a 'procedure' (実施手順) in reStructuredText")]
    problems = []
    if len(re.sub(r"\s", "", text)) < MIN_PROCEDURE_CHARS:
        problems.append(Problem(loaded.path, line, 1, f"the procedure is too short to be real ({MIN_PROCEDURE_CHARS}+ characters expected): say who does what, when, and which records are kept"))
    for offset, text_line in enumerate(text.splitlines() if PLACEHOLDERS.search(text) else ()):  # one search when there is none
        match = PLACEHOLDERS.search(text_line)
        if match:
            problems.append(Problem(loaded.path, line + 1 + offset, match.start() + 3, f"placeholder text '{match.group(0)}' in the procedure: write the real content"))
    return problems


# --------------------------------------------------------------------------- profile and policies


def _duplicates(items: Iterable[str]) -> set[str]:
    return {key for key, count in Counter(items).items() if count > 1}


def _profile_references(sources: Sources) -> list[Problem]:
    profile = sources.profile
    if profile is None:
        return []
    path = sources.root / "manual_src/profile.yaml"
    line = sources.profile_line
    problems: list[Problem] = []
    people = {p.id for p in profile.people}
    departments = {d.id for d in profile.departments}
    roles = {r.id for r in profile.roles}
    levels = {c.id for c in profile.classification}

    def need(value: str | None, known: set[str], what: str, *loc: str | int) -> None:
        if value is not None and value not in known:
            at_line, at_col = position(sources.profile_data, loc)
            problems.append(Problem(path, at_line, at_col, f"{what} '{value}' is not defined in the profile (known: {', '.join(sorted(known))})"))

    for key, items in (("people", profile.people), ("roles", profile.roles), ("departments", profile.departments), ("classification", profile.classification)):
        for dup in _duplicates(i.id for i in items):
            index = next(n for n, i in enumerate(items) if i.id == dup)
            problems.append(Problem(path, line(key, index), 1, f"duplicate id '{dup}' in {key}"))
    for index, person in enumerate(profile.people):
        need(person.department, departments, "department", "people", index, "department")
    for index, dept in enumerate(profile.departments):
        need(dept.head, people, "person", "departments", index, "head")
    for index, role in enumerate(profile.roles):
        for pos, holder in enumerate(role.holders):
            need(holder, people, "person", "roles", index, "holders", pos)
    need(profile.top_management, roles, "role", "top_management")
    need(profile.risk.residual_approver, roles, "role", "risk", "residual_approver")
    need(profile.manual.owner, roles, "role", "manual", "owner")
    need(profile.manual.approver, roles, "role", "manual", "approver")
    need(profile.manual.classification, levels, "classification level", "manual", "classification")
    need(profile.default_classification, levels, "classification level", "default_classification")
    documents = profile.documents
    need(documents.procedures.approver, roles, "role", "documents", "procedures", "approver")
    need(documents.procedures.classification, levels, "classification level", "documents", "procedures", "classification")
    for name in type(documents).model_fields:
        settings = getattr(documents, name)
        if name == "procedures":
            continue
        need(settings.owner, roles, "role", "documents", name, "owner")
        need(settings.approver, roles, "role", "documents", name, "approver")
        need(settings.classification, levels, "classification level", "documents", name, "classification")
    signers = profile.approval.release
    if signers is not None:
        for key in ("author", "reviewer", "approver"):
            need(getattr(signers, key), roles | people, "role or person", "approval", "release", key)
    for index, role in enumerate(profile.roles):
        deputies = role.deputy if isinstance(role.deputy, dict) else {None: role.deputy} if role.deputy else {}
        for duty, ident in deputies.items():
            loc = ("roles", index, "deputy", *((duty,) if duty else ()))
            need(ident, roles | people, "role or person", *loc)
            held = set(next((r.holders for r in profile.roles if r.id == ident), [ident]))
            if held & set(role.holders):
                at_line, at_col = position(sources.profile_data, loc)
                problems.append(Problem(path, at_line, at_col, f"role '{role.id}': its deputy '{ident}' is the person it stands in for: name someone else"))
    for key, rule in profile.retention.items():
        need(rule.keeper, roles, "role", "retention", key, "keeper")
    for key, item in profile.information.items():
        need(item.classification, levels, "classification level", "information", key, "classification")
    for key, approver in profile.approvers.items():
        need(approver.by, roles, "role", "approvers", key, "by")
    if "rpo" in profile.continuity.systems:
        at_line, at_col = position(sources.profile_data, ("continuity", "systems", "rpo"))
        problems.append(Problem(path, at_line, at_col, "'rpo' names the recovery points ({{ continuity.rpo.failure }}): give the system another id"))
    for dup in _duplicates(a.id for a in profile.audiences):
        index = next(n for n, a in enumerate(profile.audiences) if a.id == dup)
        problems.append(Problem(path, line("audiences", index), 1, f"duplicate id '{dup}' in audiences"))
    for index, audience in enumerate(profile.audiences):
        need(audience.classification, levels, "classification level", "audiences", index, "classification")
    for name in ("confidentiality", "integrity", "availability", "impact", "likelihood"):
        values = [level.value for level in getattr(profile.risk, name)]
        if len(set(values)) != len(values):
            problems.append(Problem(path, line("risk", name), 1, f"risk scale '{name}' repeats a value"))
    # A classification level and the confidentiality value it stands for are one level: under two
    # names, the inventory's C column and the documents' labels would disagree.
    labels = {(level.value): level for level in profile.risk.confidentiality}
    sharing = Counter(level.confidentiality for level in profile.classification)
    for level in profile.classification:
        scale = labels.get(level.confidentiality)
        alone = sharing[level.confidentiality] == 1  # levels sharing a value are named together ("Confidential or Restricted")
        if scale is not None and alone and scale.label not in (level.name, level.name_en):
            index = profile.risk.confidentiality.index(scale)
            problems.append(Problem(path, line("risk", "confidentiality", index), 1, (
                f"the confidentiality scale calls {scale.value} '{scale.label}', the classification level '{level.id}' (confidentiality "
                f"{level.confidentiality}) is '{level.name}': one level, two names; write the same name in both"
            ), "warning"))
    return problems


def _policy_references(sources: Sources) -> list[Problem]:
    profile = sources.profile
    if profile is None or sources.policy_index_data is None:
        return []
    path = sources.root / POLICY_INDEX_PATH
    roles = {r.id for r in profile.roles}
    levels = {c.id for c in profile.classification}
    catalogue = {c.id for c in load_catalogue()}
    problems: list[Problem] = []
    ids = [p.entry.id for p in sources.policies]
    for dup in _duplicates(ids):
        problems.append(Problem(path, sources.policies[ids.index(dup)].index_line, 1, f"duplicate policy id '{dup}'"))
    for policy in sources.policies:
        entry = policy.entry
        for what, value, known in (("owner", entry.owner, roles), ("approver", entry.approver, roles), ("classification", entry.classification, levels)):
            if value not in known:
                problems.append(Problem(path, policy.index_line, 1, f"policy '{entry.id}': {what} '{value}' is not defined in the profile"))
        for cid in entry.controls:
            if cid not in catalogue:
                problems.append(Problem(path, policy.index_line, 1, f"policy '{entry.id}': unknown control id '{cid}'"))
    return problems


def _numbers_unique(isms: Isms, sources: Sources) -> list[Problem]:
    """Two documents with one number cannot be told apart in the register, a citation or a file name."""
    seen: dict[str, str] = {}
    problems = []
    profile_path = sources.root / PROFILE_PATH
    for doc in isms.documents.values():
        first = seen.setdefault(doc.number, doc.title)
        if first == doc.title:
            continue
        if doc.kind == "policy":
            policy = next(p for p in sources.policies if p.entry.id == doc.id)
            where = (sources.root / POLICY_INDEX_PATH, policy.index_line)
        else:
            where = (profile_path, sources.profile_line("numbering"))
        problems.append(Problem(where[0], where[1], 1, f"document number {doc.number} is given twice: to {first} and to {doc.title}; change the numbering scheme (numbering in profile.yaml)"))
    return problems


def _number_source(isms: Isms, sources: Sources, doc_id: str) -> tuple[Path, int]:
    """Where a document's number comes from: its policies.yaml entry, else the profile's numbering."""
    if isms.documents[doc_id].kind == "policy":
        policy = next(p for p in sources.policies if p.entry.id == doc_id)
        return sources.root / POLICY_INDEX_PATH, policy.index_line
    return sources.root / PROFILE_PATH, sources.profile_line("numbering")


def _released_numbers(root: Path, versions: Iterable[str]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """From the snapshots' headers, each snapshot read once (linear in the ledger's history):
    number -> {doc id: the last release that printed the document under it}, and each document's
    number at its last release."""
    held: dict[str, dict[str, str]] = {}
    last: dict[str, str] = {}
    for version in versions:  # in the ledger's order: a later release overwrites
        for snapshot in sorted((root / SNAPSHOT_DIR / version).glob("*.rst")):
            with snapshot.open(encoding="utf-8", errors="replace") as file:
                number = read_header(file.read(2048)).get("number")
            if number:
                held.setdefault(number, {})[snapshot.stem] = version
                last[snapshot.stem] = number
    return held, last


def _numbers_kept(isms: Isms, sources: Sources) -> list[Problem]:
    """A released document's number names it in approvals, records and citations: another document
    may never take it (error), and the document itself should keep it (warning)."""
    held, last_number = _released_numbers(isms.root, [r.version for r in isms.releases.releases])
    problems = []
    for doc in isms.ordered_documents:
        others = {other: version for other, version in held.get(doc.number, {}).items() if other != doc.id}
        where = _number_source(isms, sources, doc.id)
        if others:
            other, version = next(iter(others.items()))
            problems.append(Problem(*where, 1, (
                f"document number {doc.number} was {other}'s in release {version}: a released number stays with its document, "
                f"so {doc.id} may not take it; keep the numbers as released (for a policy after a withdrawn one: give it 'seq' in policies.yaml)"
            )))
        elif doc.id in last_number and last_number[doc.id] != doc.number:
            problems.append(Problem(*where, 1, (
                f"{doc.id} was released as {last_number[doc.id]} and is now numbered {doc.number}: citations and records "
                f"name the released number; keep it (for a policy: 'seq' in policies.yaml) unless the renumbering is intended"
            ), "warning"))
    return problems


# --------------------------------------------------------------------------- manual and texts


def _manual_covers_clauses(isms: Isms, sources: Sources) -> list[Problem]:
    labels: set[str] = set()
    for chapter in isms.manual:
        labels |= defined_labels(chapter.text)
    missing = [c for c in REQUIRED_CLAUSES if f"clause-{c}" not in labels]
    if not missing:
        return []
    where = sources.root / MANUAL_DIR
    return [
        Problem(where, 1, 1, f"clause {c} is not covered by the manual (clauses 4-10 cannot be excluded): add a section preceded by '.. _clause-{c}:'")
        for c in missing
    ]


def check_texts(isms: Isms, parse: Callable = check_rst) -> list[Problem]:
    labels = isms.labels
    problems: list[Problem] = _labels_defined_once(isms) + _policies_start_with_title(isms) + _excluded_controls_cited(isms)
    problems += _chapters_have_titles(isms)
    for text in isms.texts():
        problems += parse(text, labels, isms.root, frozenset(isms.media))
    return problems


def _labels_defined_once(isms: Isms) -> list[Problem]:
    """A label names one place: the site could not build with two (and a reference would be ambiguous)."""
    generated = {doc.label: f"the generated {doc.id} document" for doc in isms.documents.values()}
    generated |= {f"ctl-{c.id}": f"the page of control {c.id}" for c in isms.catalogue}
    generated |= {name: "a generated page" for name in ("attributes", "releases", "manual", "isms-records", "isms-status")}
    seen: dict[str, tuple[RenderedText, int]] = {}  # (text, rendered line): its file line is found only for a problem
    problems = []
    for text in isms.texts():
        for number, line in enumerate(text.text.splitlines(), start=1):
            match = LABEL_PATTERN.match(line)
            if not match:
                continue
            label = match.group(1).strip().lower()
            first = generated.get(label) or (_where(*seen[label]) if label in seen else None)
            if first is not None:
                problems.append(Problem(text.source.path, text.file_line(number), 1, f"label '{label}' is defined twice (also by {first}): rename this one"))
            else:
                seen[label] = (text, number)
    return problems


_CONTROL_REFERENCE = re.compile(r":ref:`(?:[^`<]*<)?ctl-(\d+\.\d+)>?`")
_SPEAKS_OF_EXCLUSION = re.compile(r"除外|(?i:exclu)")


def _excluded_controls_cited(isms: Isms) -> list[Problem]:
    """A text in force that relies on a control the SoA excludes contradicts the SoA for an auditor
    ("support utilities are maintained under 7.11" while 7.11 is excluded): a warning at the reference."""
    excluded = {d.id: d for d in isms.decisions if not d.source.applicable}
    if not excluded:
        return []
    in_force = [*isms.manual, *(p.body for p in isms.policies if p.body is not None)]
    in_force += [d.procedure for d in isms.decisions if d.source.applicable and d.procedure is not None]
    problems = []
    for text in in_force:
        lines = text.text.splitlines()
        for number, line in enumerate(lines, start=1):
            for match in _CONTROL_REFERENCE.finditer(line):
                decision = excluded.get(match.group(1))
                # A sentence that speaks of the exclusion ("…見直す :ref:`ctl-8.25` の除外") is in order.
                around = " ".join(lines[max(number - 2, 0) : number + 1])
                if decision is not None and not _SPEAKS_OF_EXCLUSION.search(around):
                    problems.append(Problem(text.source.path, text.file_line(number), 1, (
                        f"cites control {decision.id} ({decision.control.title_en}), which the SoA excludes ({decision.path.name}): "
                        f"remove or reword the reference, or make {decision.id} applicable"
                    ), "warning"))
    return problems


def _where(text: RenderedText, rendered_line: int) -> str:
    return f"{text.source.path.name}:{text.file_line(rendered_line)}"


def _chapters_have_titles(isms: Isms) -> list[Problem]:
    """The site's manual lists its chapters by their titles: Sphinx refuses a chapter without one."""
    problems = []
    for chapter in isms.manual:
        lines = chapter.text.splitlines()
        titled = any(
            text.strip() and not ADORNMENT_LINE.match(text) and not text.lstrip().startswith("..") and ADORNMENT_LINE.match(lines[n + 1])
            for n, text in enumerate(lines[:-1])
        )
        if not titled:
            problems.append(Problem(chapter.source.path, chapter.source.first_line, 1, "a manual chapter needs a title (a heading underlined with '='): add one"))
    return problems


def _policies_start_with_title(isms: Isms) -> list[Problem]:
    """The cover prints the policy's title and the site links to it: the text must begin with it."""
    problems = []
    for policy in isms.policies:
        body = policy.body
        if body is None:
            continue
        lines = [(n, line) for n, line in enumerate(body.text.splitlines(), start=1) if line.strip()]
        if len(lines) < 2:
            problems.append(Problem(body.source.path, body.source.first_line, 1, "a policy begins with its title, underlined with '=': add it"))
            continue
        (first, text), (_, underline) = lines[0], lines[1]
        titled = bool(re.fullmatch(r"([=\-~#*^\"+])\1{2,}\s*", underline)) and not text.startswith("..")
        overlined = bool(re.fullmatch(r"([=\-~#*^\"+])\1{2,}\s*", text)) and len(lines) > 2
        if not (titled or overlined):
            problems.append(
                Problem(body.source.path, body.file_line(first), 1, "a policy begins with its title (nothing before it, not even a comment): move this below the title")
            )
            continue
        # The title is said once: policies.yaml names the policy on its cover, in the register and in
        # every link; the heading the page shows must be the same words.
        heading = (lines[1][1] if overlined else text).strip()
        declared = policy.entry.title if isms.lang == "ja" else policy.entry.title_en
        if heading not in (policy.entry.title, policy.entry.title_en):  # a text in the other language names it so
            where = lines[1][0] if overlined else first
            problems.append(Problem(body.source.path, body.file_line(where), 1, (
                f"the title '{heading}' is not the policy's title in policy_templates/policies.yaml ('{declared}'): "
                "write the same title in both (the cover, the register and every link print the one in policies.yaml)"
            )))
    return problems
