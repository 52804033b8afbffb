"""build/manifest.json: the SHA-256 of every output file, the source commit and the tool version.

An auditor who receives the site and the Word files (or a copy of build/) checks them against the
manifest of the approved build with `isms verify`. The manifest is deterministic: two builds of the
same commit give the same bytes, wherever the checkout lives.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from isms import __version__
from isms.i18n import Refusal, t
from isms.trust import file_sha256, known_hash

MANIFEST_NAME = "manifest.json"
OUTPUTS = ("html", "docx", "xlsx")
# The libraries whose versions shape the output bytes: when a rebuild of the same commit does not
# match, the manifest says which toolchain made the approved set.
TOOLCHAIN = (
    "sphinx", "docutils", "furo", "sphinx-basic-ng", "pygments", "tinysegmenter", "jinja2",
    "pypandoc-binary", "docxtpl", "python-docx", "docxcompose", "lxml", "openpyxl",
)  # fmt: skip


class ManifestError(Refusal):
    """The manifest is missing or unreadable: nothing can be verified."""


sha256_file = file_sha256  # the one file hash (isms.trust), under the name the manifest's readers know


def output_files(directory: Path, tops: tuple[str, ...] | list[str] = OUTPUTS) -> dict[str, Path]:
    """'html/index.html' -> path, for the regular files under each output folder (followed if a link)."""
    found: dict[str, Path] = {}
    for top in tops:
        folder = directory / top
        if not folder.is_dir():
            continue
        for dirpath, _dirnames, filenames in os.walk(folder):
            for name in filenames:
                path = Path(dirpath, name)
                if path.is_file():
                    found[f"{top}/{path.relative_to(folder).as_posix()}"] = path
    return found


def source_state(root: Path) -> dict[str, object]:
    """The commit the sources come from and whether the work tree differs from it; nulls outside git.

    One `git status` says both (porcelain v2: `# branch.oid` is the commit, or "(initial)" before the
    first; every other entry is a change). `--no-optional-locks`: it would otherwise refresh the
    index, and a build writes nothing outside build/. `--no-ahead-behind`: the upstream is not ours
    to count."""
    command = [
        "git", "--no-optional-locks", "status", "--porcelain=v2", "--branch", "--no-ahead-behind", "-z",
        "--untracked-files=normal", "--", ".", ":(exclude)build",
    ]
    try:
        status = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        status = None
    if status is None or status.returncode != 0:  # not a work tree (or no git)
        return {"commit": None, "uncommitted_changes": None}
    entries = [entry for entry in status.stdout.split("\0") if entry]
    oid = next((entry.split(" ", 2)[2] for entry in entries if entry.startswith("# branch.oid ")), "(initial)")
    commit = None if oid == "(initial)" else oid
    changed = any(not entry.startswith("# ") for entry in entries)
    return {"commit": commit, "uncommitted_changes": changed if commit else True}


def toolchain() -> dict[str, str]:
    versions = {}
    for name in TOOLCHAIN:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def manifest_bytes(set_dir: Path, source: dict[str, object], known: dict[str, list[object]] | None = None) -> bytes:
    """known: trust.sealed_files() of the set whose files this one links: their hashes are not read again."""
    known = known or {}
    files = {rel: known_hash(path, known.get(rel)) or sha256_file(path) for rel, path in output_files(set_dir).items()}
    manifest = {"files": files, "tool_version": __version__, "toolchain": toolchain(), **source}
    return (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def read_manifest(path: Path) -> dict[str, object]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError("manifest_missing", path=path) from None
    except (OSError, ValueError) as exc:
        raise ManifestError("manifest_unreadable", path=path, detail=exc) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ManifestError("manifest_not_isms", path=path)
    return manifest


@dataclass
class Verification:
    manifest: dict[str, object]
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.altered)

    def source(self, lang: str) -> str:
        """What the manifest says the outputs were built from."""
        commit = self.manifest.get("commit")
        text = t("verify_commit", lang, commit=commit) if commit else t("verify_no_commit", lang)
        return text + (t("verify_uncommitted", lang) if self.manifest.get("uncommitted_changes") else "")

    def lines(self, lang: str) -> list[str]:
        kinds = (("missing", self.missing), ("extra", self.extra), ("altered", self.altered))
        return [f"{name}: {t(f'verify_{kind}', lang)}" for kind, names in kinds for name in names]


def verify(directory: Path, manifest_path: Path) -> Verification:
    """Re-hash the output folders of a build (or of a copy of it) against a manifest."""
    manifest = read_manifest(manifest_path)
    expected: dict[str, str] = manifest["files"]  # type: ignore[assignment]
    for name in expected:  # a crafted manifest must not lead the check to files outside the outputs
        parts = name.split("/")
        if parts[0] not in OUTPUTS or len(parts) < 2 or any(part in ("", ".", "..") for part in parts):
            raise ManifestError("manifest_bad_name", path=manifest_path, name=name[:80])
    found, odd = _received(directory)
    result = Verification(manifest)
    result.missing = sorted(set(expected) - set(found) - set(odd))
    result.extra = sorted((set(found) | set(odd)) - set(expected))
    result.altered = sorted(set(odd) & set(expected))  # a link or a special file is not the approved file
    for name in sorted(set(expected) & set(found)):
        result.checked += 1
        if sha256_file(found[name]) != expected[name]:
            result.altered.append(name)
    result.altered.sort()
    return result


def _received(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """The regular files under each output folder of a received copy (the folder itself may be a
    link, as build/html is), and the names of what is not a regular file there: links (to files or
    folders) and special files, never read or followed."""
    found: dict[str, Path] = {}
    odd: list[str] = []
    for top in OUTPUTS:
        folder = directory / top
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            for name in [*dirnames, *filenames]:
                path = Path(dirpath, name)
                relative = f"{top}/{path.relative_to(folder).as_posix()}"
                if path.is_symlink():
                    odd.append(relative)
                elif name in filenames and path.is_file():
                    found[relative] = path
                elif name in filenames:  # a FIFO, a device: never opened
                    odd.append(relative)
            dirnames[:] = [d for d in dirnames if not Path(dirpath, d).is_symlink()]
    return found, odd
