"""Load stage: read every source file, keep where each value came from, validate each file's shape.

Cross-file rules are not checked here (see isms.check); this stage only turns files into schema
models plus the positions needed to point an editor at a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from isms import trust
from isms.problems import Problem
from isms.sources import catalogue
from isms.sources.ledger_schema import Ledger
from isms.sources.records_schema import (
    ActivityIndex,
    ActivityLog,
    AuditsFile,
    CompetenceFile,
    CorrectiveActionsFile,
    ObjectivesSource,
    ReviewsFile,
    TrainingFile,
)
from isms.sources.risk_schema import AssetInventory, RiskRegisterSource
from isms.sources.schema import ControlSource, PolicyEntry, PolicyIndex, Profile, natural_key
from isms.sources.yamlio import outside_root, parse_ahead, position, read_source, read_yaml, validate

PROFILE_PATH = Path("manual_src/profile.yaml")
MANUAL_DIR = Path("manual_src/manual")
CONTROLS_DIR = Path("controls")
POLICY_INDEX_PATH = Path("policy_templates/policies.yaml")

ASSETS_PATH = Path("manual_src/assets.yaml")
RISKS_PATH = Path("manual_src/risks.yaml")
LEDGER_PATH = Path("manual_src/releases.yaml")
SNAPSHOT_DIR = Path("manual_src/releases")  # <version>/<doc id>.rst: each released document's content

# The ISMS in operation (isms.sources.records_schema): each file is optional; what is missing, the
# requirements checklist reports missing.
RECORD_FILES: dict[str, tuple[Path, type, str]] = {
    "activities": (Path("manual_src/activities.yaml"), ActivityIndex, "declared ISMS activities (ISMS年間計画表)"),
    "activity_log": (Path("manual_src/records/activity_log.yaml"), ActivityLog, "activity log"),
    "objectives": (Path("manual_src/records/objectives.yaml"), ObjectivesSource, "objectives and measurements"),
    "competence": (Path("manual_src/records/competence.yaml"), CompetenceFile, "competence evaluations"),
    "training": (Path("manual_src/records/training.yaml"), TrainingFile, "training plans and sessions"),
    "audits": (Path("manual_src/records/audits.yaml"), AuditsFile, "internal audits"),
    "reviews": (Path("manual_src/records/reviews.yaml"), ReviewsFile, "management reviews"),
    "corrective_actions": (Path("manual_src/records/corrective_actions.yaml"), CorrectiveActionsFile, "nonconformities and corrective actions"),
}


@dataclass(frozen=True)
class LoadedYaml:
    """A validated file, with its raw round-trip data for positions."""

    path: Path
    model: Any
    data: Any

    def where(self, *loc: str | int) -> tuple[int, int]:
        return position(self.data, loc)


def _load(root: Path, relative: Path, model: type, what: str, required: bool = True) -> tuple[LoadedYaml | None, list[Problem]]:
    path = root / relative
    if not path.exists() and not path.is_symlink():
        if not required:
            return None, []
        return None, [Problem(path, 1, 1, f"{relative} is missing: it holds the {what} (see the sample organisation's file)")]
    data, problems = read_yaml(path, root)
    if data is None:
        return None, problems
    parsed, problems = validate(model, data, path)
    return (LoadedYaml(path, parsed, data) if parsed is not None else None), problems


@dataclass(frozen=True)
class TextSource:
    """A reST (+Jinja) text and where its first line sits in a file."""

    path: Path
    text: str
    first_line: int = 1


@dataclass(frozen=True)
class LoadedControl:
    path: Path
    source: ControlSource
    data: Any  # the raw round-trip mapping, for positions

    def line_of(self, *loc: str | int) -> int:
        return position(self.data, loc)[0]

    @property
    def procedure(self) -> TextSource | None:
        if not self.source.procedure:
            return None
        # A literal block's text starts on the line after its "procedure: |" key.
        return TextSource(self.path, self.source.procedure, self.line_of("procedure") + 1)


@dataclass(frozen=True)
class LoadedPolicy:
    entry: PolicyEntry
    body: TextSource | None
    index_line: int


@dataclass
class Sources:
    root: Path
    profile: Profile | None = None
    profile_data: Any = None
    controls: list[LoadedControl] = field(default_factory=list)
    manual_chapters: list[TextSource] = field(default_factory=list)
    policies: list[LoadedPolicy] = field(default_factory=list)
    policy_index_data: Any = None
    assets: LoadedYaml | None = None  # manual_src/assets.yaml
    risks: LoadedYaml | None = None  # manual_src/risks.yaml
    ledger: LoadedYaml | None = None  # manual_src/releases.yaml (none before the first release)
    records: dict[str, LoadedYaml] = field(default_factory=dict)  # RECORD_FILES keys -> the files present

    def profile_line(self, *loc: str | int) -> int:
        return position(self.profile_data, loc)[0] if self.profile_data is not None else 1


def find_root(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / PROFILE_PATH).is_file():
            return candidate
    return None


def load_sources(root: Path) -> tuple[Sources, list[Problem]]:
    sources = Sources(root=root)
    problems: list[Problem] = []
    helper = parse_ahead(root, list(reversed(_yaml_files(root))))  # from the other end
    catalogue.keep_parsed(root)
    try:
        problems += _load_profile(sources)
        problems += _load_controls(sources)
        problems += _load_manual(sources)
        problems += _load_policies(sources)
        problems += _load_registers(sources)
    finally:
        trust.stop_filling(helper)
    return sources, problems


def _yaml_files(root: Path) -> list[Path]:
    """The YAML files in the order load_sources reads them."""
    controls = root / CONTROLS_DIR
    paths = [root / PROFILE_PATH]
    if controls.is_dir():
        paths += sorted(controls.glob("*.y*ml"), key=lambda p: natural_key(p.stem) or (999,))
    paths += [root / POLICY_INDEX_PATH, root / ASSETS_PATH, root / RISKS_PATH, root / LEDGER_PATH]
    paths += [root / path for path, _, _ in RECORD_FILES.values()]
    return [path for path in paths if path.is_file() and not path.is_symlink()]


def _load_registers(sources: Sources) -> list[Problem]:
    root = sources.root
    sources.assets, problems = _load(root, ASSETS_PATH, AssetInventory, "asset inventory (資産目録)")
    sources.risks, found = _load(root, RISKS_PATH, RiskRegisterSource, "risk register (リスクアセスメント)")
    problems += found
    sources.ledger, found = _load(root, LEDGER_PATH, Ledger, "release ledger", required=False)
    problems += found
    for key, (path, model, what) in RECORD_FILES.items():
        loaded, found = _load(root, path, model, what, required=False)
        problems += found
        if loaded is not None:
            sources.records[key] = loaded
    return problems


def _load_profile(sources: Sources) -> list[Problem]:
    path = sources.root / PROFILE_PATH
    data, problems = read_yaml(path, sources.root)
    if data is None:
        return problems
    sources.profile_data = data
    sources.profile, problems = validate(Profile, data, path)
    return problems


def _load_controls(sources: Sources) -> list[Problem]:
    problems: list[Problem] = []
    directory = sources.root / CONTROLS_DIR
    if not directory.is_dir():
        return [Problem(directory, 1, 1, "the controls/ folder is missing: it holds one <id>.yaml per Annex A control")]
    paths = sorted(directory.glob("*.y*ml"), key=lambda p: natural_key(p.stem) or (999,))
    for path in paths:
        data, found = read_yaml(path, sources.root)
        problems += found
        if data is None:
            continue
        model, found = validate(ControlSource, data, path)
        problems += found
        if model is not None:
            sources.controls.append(LoadedControl(path, model, data))
    return problems


def _load_manual(sources: Sources) -> list[Problem]:
    directory = sources.root / MANUAL_DIR
    chapters = sorted(directory.glob("*.rst")) if directory.is_dir() else []
    if not chapters:
        return [Problem(directory, 1, 1, "no manual chapters: put the ISMS manual's reST files (clauses 4-10) here")]
    problems: list[Problem] = []
    for path in chapters:
        if path.stem == "index":  # the site's page for the whole manual has this name
            problems.append(Problem(path, 1, 1, "a manual chapter cannot be named index.rst: rename it (chapters are read in file-name order, e.g. 00_index.rst)"))
            continue
        text, found = read_source(path, sources.root, "reST file")
        problems += found
        if text is not None:
            sources.manual_chapters.append(TextSource(path, text))
    return problems


def _load_policies(sources: Sources) -> list[Problem]:
    index_path = sources.root / POLICY_INDEX_PATH
    data, problems = read_yaml(index_path, sources.root)
    if data is None:
        return problems
    sources.policy_index_data = data
    index, problems = validate(PolicyIndex, data, index_path)
    if index is None:
        return problems
    for number, entry in enumerate(index.policies):
        line = position(data, ("policies", number))[0]
        file_line = position(data, ("policies", number, "file"))[0]
        body_path = index_path.parent / entry.file
        if Path(entry.file).is_absolute() or outside_root(body_path, sources.root) is not None:
            problems.append(Problem(index_path, file_line, 1, f"policy '{entry.id}': file {entry.file} leads outside the repository: name a file beside policies.yaml"))
            sources.policies.append(LoadedPolicy(entry, None, line))
            continue
        if not body_path.exists():
            problems.append(Problem(index_path, file_line, 1, f"policy '{entry.id}': file {entry.file} not found"))
            sources.policies.append(LoadedPolicy(entry, None, line))
            continue
        text, found = read_source(body_path, sources.root, "reST file")
        problems += found
        sources.policies.append(LoadedPolicy(entry, TextSource(body_path, text) if text else None, line))
    return problems
