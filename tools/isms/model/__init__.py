"""Model stage: typed objects every writer shares (documents, control decisions), built from sources.

A document's number, title, classification and owner are computed here once; the HTML, Word and
spreadsheet writers only read them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from isms.i18n import sep, t
from isms.model.records import RECORD_TYPES, Records, build_records, form_doc_id, record_doc_id
from isms.model.risk import RiskRegister, build_register
from isms.model.templating import PATH_ATTRIBUTE, RenderedText, Trusted, compile_ahead, render
from isms.problems import Problem
from isms.rsttext import esc
from isms.sources.catalogue import CatalogueControl, load_catalogue
from isms.sources.ledger_schema import Ledger
from isms.sources.loader import LoadedControl, Sources, TextSource
from isms.sources.media import publish_images
from isms.sources.schema import Audience, ClassificationLevel, ControlSource, PolicyEntry, Profile, Role, natural_key
from isms.trust import stop_filling

DocumentKind = Literal["manual", "policy", "procedure", "soa", "register", "checklist", "record", "form"]


@dataclass(frozen=True)
class Document:
    id: str  # "manual", "soa", "register", "checklist", a policy id, "ctl-5.15", "rec-<type>" or "form-<type>"
    kind: DocumentKind
    number: str
    title: str  # in the profile's language
    classification: ClassificationLevel
    owner: Role | None
    approver: Role | None
    label: str  # cross-reference target
    control_id: str | None = None


@dataclass(frozen=True)
class ControlDecision:
    control: CatalogueControl
    source: ControlSource
    path: Path
    loaded: LoadedControl
    procedure: RenderedText | None

    @property
    def id(self) -> str:
        return self.control.id

    @property
    def document_id(self) -> str:
        return f"ctl-{self.control.id}"


@dataclass(frozen=True)
class PolicyDocument:
    entry: PolicyEntry
    body: RenderedText | None


@dataclass
class Isms:
    """The organisation's ISMS as the sources state it. Derived indexes (labels, document order) are
    computed once, on first use, behind their properties."""

    root: Path
    profile: Profile
    catalogue: tuple[CatalogueControl, ...]
    decisions: list[ControlDecision]  # natural order, one per decided catalogue control
    documents: dict[str, Document]
    manual: list[RenderedText]
    policies: list[PolicyDocument]
    risks: RiskRegister = field(default_factory=RiskRegister)  # asset inventory and risk register
    releases: Ledger = field(default_factory=Ledger, repr=False)  # manual_src/releases.yaml
    media: dict[str, Path] = field(default_factory=dict)  # published image name -> file (isms.sources.media)
    audience: Audience | None = None  # the readers of this build (None: everything is built)
    withheld: dict[str, Document] = field(default_factory=dict)  # documents left out for the audience
    records: Records = field(default_factory=Records, repr=False)  # the ISMS in operation (isms.model.records)

    @property
    def lang(self) -> str:
        return self.profile.language

    def role(self, role_id: str | None) -> Role | None:
        return next((r for r in self.profile.roles if r.id == role_id), None)

    def decision(self, control_id: str) -> ControlDecision | None:
        return self._decisions.get(control_id)

    @cached_property
    def _decisions(self) -> dict[str, ControlDecision]:
        return {d.id: d for d in self.decisions}

    def texts(self) -> Iterator[RenderedText]:
        """Every text an editor wrote: manual chapters, policies, procedures."""
        yield from self.manual
        for policy in self.policies:
            if policy.body is not None:
                yield policy.body
        for decision in self.decisions:
            if decision.procedure is not None:
                yield decision.procedure

    @cached_property
    def labels(self) -> frozenset[str]:
        """Every cross-reference target of the document set: generated pages plus labels authors define."""
        found = {doc.label for doc in self.documents.values()}
        found |= {f"ctl-{c.id}" for c in self.catalogue}
        for text in self.texts():
            found |= defined_labels(text.text)
        return frozenset(found)

    @cached_property
    def ordered_documents(self) -> tuple[Document, ...]:
        """Manual, policies, procedures (5.2 before 5.10), then the registers: the register's order."""
        order = {"manual": 0, "policy": 1, "procedure": 2, "soa": 3, "register": 4, "checklist": 5, "record": 6, "form": 7}
        return tuple(sorted(self.documents.values(), key=lambda d: (order[d.kind], natural_key(d.control_id) if d.control_id else (0,))))


def for_audience(isms: Isms, audience: Audience) -> Isms:
    """The ISMS as an audience may read it: documents classified above the audience's level are left
    out, and the texts that stay refer to them without their titles (nothing of a left-out document's
    text reaches the build: not its body, its section titles nor its pages)."""
    levels = {level.id: level.confidentiality for level in isms.profile.classification}
    limit = levels[audience.classification]
    withheld = {doc_id: doc for doc_id, doc in isms.documents.items() if doc.classification.confidentiality > limit}
    visible = {doc_id: doc for doc_id, doc in isms.documents.items() if doc_id not in withheld}
    # Control pages stay (the SoA decision is not the procedure): references to ctl-<id> keep linking.
    hidden = {doc.label for doc in withheld.values() if doc.kind != "procedure"}
    manual = isms.manual if "manual" in visible else []
    policies = [p for p in isms.policies if p.entry.id in visible]
    for text in (*(isms.manual if "manual" in withheld else []),
                 *(p.body for p in isms.policies if p.entry.id in withheld and p.body is not None),
                 *(d.procedure for d in isms.decisions if d.document_id in withheld and d.procedure is not None)):
        hidden |= defined_labels(text.text)  # the sections of a left-out document

    def redacted(text: RenderedText | None) -> RenderedText | None:
        if text is None:
            return None
        return replace(text, text=redact_references(text.text, hidden, isms.lang))

    decisions = [replace(d, procedure=redacted(d.procedure) if d.document_id in visible else None) for d in isms.decisions]
    return replace(
        isms, documents=visible, withheld=withheld, audience=audience, decisions=decisions,
        manual=[r for r in (redacted(c) for c in manual) if r is not None],
        policies=[PolicyDocument(p.entry, redacted(p.body)) for p in policies],
    )


_REFERENCE = re.compile(r":(?:ref|numref|doc):`(?P<body>[^`]*)`")


def redact_references(text: str, hidden: set[str], lang: str) -> str:
    """A reference to a left-out document becomes a plain mark saying so."""

    def replace_one(match: re.Match[str]) -> str:
        body = match.group("body")
        target = re.search(r"<([^<>]+)>\s*$", body)
        label = (target.group(1) if target else body).strip().lower()
        return esc(t("withheld_reference", lang)) if label in hidden else match.group(0)

    return _REFERENCE.sub(replace_one, text)


LABEL_PATTERN = re.compile(r"^\.\.\s+_([^:`]+):\s*$", re.MULTILINE)


def defined_labels(text: str) -> set[str]:
    return {label.strip().lower() for label in LABEL_PATTERN.findall(text)}


class _Attrs(dict):
    """A read-only mapping whose keys read as attributes in templates ({{ roles.ciso.name }}). Its
    PATH_ATTRIBUTE, where set, is the variable's name in templates ("roles.ciso"): an undefined name
    under it is reported by that path (isms.model.templating), not by this class's name."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _name_paths(value: Any, path: str) -> None:
    """Set each mapping's template path, the first path that reaches it (a person is also a holder)."""
    if isinstance(value, _Attrs) and PATH_ATTRIBUTE not in vars(value):
        vars(value)[PATH_ATTRIBUTE] = path
        for key, item in value.items():
            _name_paths(item, f"{path}.{key}")


def plain(value: Any) -> Any:
    """Profile data as templates see it: mappings, tuples and scalars only, never the model objects
    (whose methods a template could otherwise call)."""
    if isinstance(value, BaseModel):
        return _Attrs({name: plain(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, dict):
        return _Attrs({key: plain(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    if isinstance(value, Enum):
        return value.value
    return value


def _classification(profile: Profile, level_id: str | None) -> ClassificationLevel:
    wanted = level_id or profile.default_classification
    for level in profile.classification:
        if level.id == wanted:
            return level
    return profile.classification[0]


def _role(profile: Profile, role_id: str | None) -> Role | None:
    return next((r for r in profile.roles if r.id == role_id), None)


def procedure_number(profile: Profile, control_id: str) -> str:
    theme, num = (int(part) for part in control_id.split("."))
    return profile.numbering.procedure.format(theme=theme, num=num, id=control_id)


# Generated documents: (id, kind, numbering field, settings field in profile.documents)
GENERATED: tuple[tuple[str, DocumentKind, str, str], ...] = (
    ("scope", "manual", "scope", "scope"),
    ("soa", "soa", "soa", "soa"),
    ("register", "register", "doc_register", "doc_register"),
    ("checklist", "checklist", "checklist", "checklist"),
    ("assets", "register", "assets", "assets"),
    ("risk-report", "register", "risk_report", "risk_report"),
    ("risk-plan", "register", "risk_plan", "risk_plan"),
    ("audit-checklist", "checklist", "audit_checklist", "audit_checklist"),
)


def build_documents(
    profile: Profile, policies: list[PolicyEntry], controls: dict[str, ControlSource], records: Collection[str] = ()
) -> dict[str, Document]:
    """A document's title is in the profile's language; its owner, approver and classification come
    from the profile (a generated document without settings of its own takes the manual's). `records`
    names the record files present (isms.sources.loader.RECORD_FILES keys): a filled record needs its
    file, a blank form does not."""
    lang = profile.language
    ja = lang == "ja"
    numbering = profile.numbering
    manual = profile.manual
    docs: dict[str, Document] = {
        "manual": Document(
            "manual", "manual", numbering.manual, manual.title if ja else manual.title_en,
            _classification(profile, manual.classification), _role(profile, manual.owner),
            _role(profile, manual.approver), "manual",
        ),
    }
    seq = numbering.policy_start - 1
    for entry in policies:
        seq = entry.seq if entry.seq is not None else seq + 1
        docs[entry.id] = Document(
            entry.id, "policy", numbering.policy.format(seq=seq), entry.title if ja else entry.title_en,
            _classification(profile, entry.classification), _role(profile, entry.owner),
            _role(profile, entry.approver), f"pol-{entry.id}",
        )
    procedures = profile.documents.procedures
    for control in load_catalogue():
        source = controls.get(control.id)
        if source is None or not source.applicable:
            continue
        docs[f"ctl-{control.id}"] = Document(
            f"ctl-{control.id}", "procedure", procedure_number(profile, control.id),
            t("procedure_title", lang, id=control.id, title=control.title(lang)),
            _classification(profile, source.classification or procedures.classification), _role(profile, source.owner),
            _role(profile, procedures.approver or manual.approver), f"ctl-{control.id}", control.id,
        )
    for doc_id, kind, number_field, settings_field in GENERATED:
        settings = getattr(profile.documents, settings_field)
        docs[doc_id] = Document(
            doc_id, kind, getattr(numbering, number_field), t(f"title_{doc_id}", lang),
            _classification(profile, settings.classification or manual.classification),
            _role(profile, settings.owner or manual.owner), _role(profile, settings.approver or manual.approver), doc_id,
        )
    # The record sets (isms.model.records): a blank form each, and the filled record where its data is.
    for seq, (record_type, needs) in enumerate(RECORD_TYPES, start=1):
        for doc_id, kind, scheme in (
            (record_doc_id(record_type), "record", numbering.record),
            (form_doc_id(record_type), "form", numbering.form),
        ):
            if kind == "record" and needs is not None and needs not in records:
                continue
            title = t(f"title_{record_doc_id(record_type)}", lang)
            docs[doc_id] = Document(
                doc_id, kind, scheme.format(seq=seq), title if kind == "record" else t("form_title", lang, title=title),  # type: ignore[arg-type]
                _classification(profile, manual.classification), _role(profile, manual.owner), _role(profile, manual.approver), doc_id,
            )
    return docs


def template_context(profile: Profile, documents: dict[str, Document], records: Records | None = None) -> dict[str, Any]:
    """The variables an editor may use in manual, policy and procedure texts (README: Template variables)."""
    people = {p.id: plain(p) for p in profile.people}
    separator = sep(profile.language)
    roles = _Attrs(
        {
            r.id: _Attrs(
                id=r.id, name=r.name, name_en=r.name_en, responsibilities=tuple(r.responsibilities),
                holders=tuple(people[h] for h in r.holders if h in people),
                holder_names=separator.join(people[h].name for h in r.holders if h in people),
            )
            for r in profile.roles
        }
    )
    docs = _Attrs(
        {
            doc.id: _Attrs(number=doc.number, title=doc.title, label=Trusted(doc.label))
            for doc in documents.values()
            if doc.kind != "procedure"
        }
    )

    def party(ident: str) -> _Attrs:
        """A role ({{ x.name }}: the role's name) or a person ({{ x.name }}: the name, {{ x.title }}: the title)."""
        if ident in roles:
            return _Attrs(roles[ident], title=roles[ident].name)
        person = people.get(ident)
        if person is not None:
            return _Attrs(id=ident, name=person.name, title=person.title, holder_names=person.name)
        return _Attrs(id=ident, name=ident, title=ident, holder_names=ident)

    for role in profile.roles:
        deputy = role.deputy
        if isinstance(deputy, dict):
            roles[role.id]["deputy"] = _Attrs({duty: party(ident) for duty, ident in deputy.items()})
        elif deputy is not None:
            roles[role.id]["deputy"] = party(deputy)
    levels = {c.id: (c.name if profile.language == "ja" else c.name_en) for c in profile.classification}
    information = _Attrs(
        {key: _Attrs(id=key, name=item.name, classification=levels.get(item.classification, item.classification)) for key, item in profile.information.items()}
    )
    continuity = _Attrs({key: plain(system) for key, system in profile.continuity.systems.items()})
    if profile.continuity.rpo is not None:
        continuity["rpo"] = plain(profile.continuity.rpo)
    data = plain(profile)
    activities, annual_plan = (records or Records()).template_context(profile, profile.language)
    context = {
        "retention": _Attrs({key: rule.period for key, rule in profile.retention.items()}),
        "continuity": continuity,
        "information": information,
        "classified": _Attrs({level: tuple(i.name for i in information.values() if i.classification == name) for level, name in levels.items()}),
        "approvers": _Attrs({key: party(item.by) for key, item in profile.approvers.items()}),
        "activities": plain(activities),
        "annual_plan": plain(annual_plan),
        "org": data.organization,
        "profile": data,
        "scope": data.scope,
        "roles": roles,
        "people": _Attrs(people),
        "departments": data.departments,
        "classification": data.classification,
        "risk": data.risk,
        "review": data.review,
        "docs": docs,
    }
    for name, value in context.items():
        _name_paths(value, name)
    return context


def build_model(sources: Sources) -> tuple[Isms | None, list[Problem]]:
    """Needs a valid profile and policy index; renders every text with the template context."""
    profile = sources.profile
    if profile is None:
        return None, []
    catalogue = load_catalogue()
    by_id = {c.id: c for c in catalogue}
    first_source: dict[str, LoadedControl] = {}
    for loaded in sorted(sources.controls, key=lambda c: c.path.stem != c.source.id):
        first_source.setdefault(loaded.source.id, loaded)
    records = build_records(sources.records, profile)
    documents = build_documents(profile, [p.entry for p in sources.policies], {k: v.source for k, v in first_source.items()}, set(sources.records))
    context = template_context(profile, documents, records)
    problems: list[Problem] = []
    media: dict[str, Path] = {}

    def rendered(text: TextSource | None) -> RenderedText | None:
        if text is None:
            return None
        result, found = render(text, context, root=sources.root)
        problems.extend(found)
        if result is None:
            return None
        return replace(result, text=publish_images(result.text, text.path, sources.root, media))

    def with_items(loaded: LoadedControl) -> ControlSource:
        """The control with its items' texts rendered (they may print profile facts: {{ retention.log }})."""
        items = []
        for index, item in enumerate(loaded.source.items):
            if item.reason is not None and "{" in item.reason:  # a reason may print a fact too ({{ org.employees }})
                found_reason, found = render(TextSource(loaded.path, item.reason, loaded.line_of("items", index, "reason")), context, plain=True, root=sources.root)
                problems.extend(found)
                if found_reason is not None:
                    item = item.model_copy(update={"reason": " ".join(found_reason.text.split())})
            if "{" not in item.text:
                items.append(item)
                continue
            result, found = render(TextSource(loaded.path, item.text, loaded.line_of("items", index, "text")), context, plain=True, root=sources.root)
            problems.extend(found)
            items.append(item.model_copy(update={"text": " ".join(result.text.split())}) if result is not None else item)
        return loaded.source.model_copy(update={"items": items})

    chosen = [loaded for cid, loaded in first_source.items() if cid in by_id]
    texts = [(loaded.procedure.text, False) for loaded in chosen if loaded.procedure is not None]
    texts += [(item.text, True) for loaded in chosen for item in loaded.source.items if "{" in item.text]
    texts += [(text.text, False) for text in (*sources.manual_chapters, *(p.body for p in sources.policies)) if text is not None]
    helper = compile_ahead(sources.root, texts)
    try:
        decisions = [ControlDecision(by_id[loaded.source.id], with_items(loaded), loaded.path, loaded, rendered(loaded.procedure)) for loaded in chosen]
        decisions.sort(key=lambda d: d.control.sort_key)
        manual = [r for r in (rendered(chapter) for chapter in sources.manual_chapters) if r is not None]
        policies = [PolicyDocument(p.entry, rendered(p.body)) for p in sources.policies]
    finally:
        stop_filling(helper)
    isms = Isms(sources.root, profile, catalogue, decisions, documents, manual, policies, media=media, records=records)
    if sources.ledger is not None:
        isms.releases = sources.ledger.model
    if sources.assets is not None and sources.risks is not None:
        register = sources.risks.model
        isms.risks = build_register(profile, sources.assets.model.assets, register.risks, register.assessment, sources.assets.path, sources.risks.path)
    else:
        isms.risks = RiskRegister(profile.risk.acceptance_threshold)
    return isms, problems
