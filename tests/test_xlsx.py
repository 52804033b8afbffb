"""The SoA workbook (`isms build --only xlsx`): one filterable row per Annex A control."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest

from conftest import copy_sample, edit
from isms.check import check
from isms.cli import main
from isms.i18n import t
from isms.model import Isms
from isms.sources.catalogue import ATTRIBUTES

COLUMNS = ["No.", "管理策", "Control", "テーマ", "適用", "採用理由", "実施状況", "完了予定日", "除外の理由", "責任者", "手順書番号", "対応するリスク"]
ATTRIBUTE_COLUMNS = ["管理策タイプ", "情報セキュリティ特性", "サイバーセキュリティ概念", "運用機能", "セキュリティドメイン"]


class Built:
    def __init__(self, root: Path):
        self.root = root
        isms, problems = check(root)
        assert not problems, problems
        assert isms is not None
        self.isms: Isms = isms
        soa = isms.documents["soa"]
        self.path = root / "build/xlsx" / f"{soa.number} 適用宣言書.xlsx"


def build(root: Path) -> None:
    assert main(["--root", str(root), "build", "--only", "xlsx"]) == 0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = copy_sample(tmp_path_factory.mktemp("xlsx") / "isms")
    edit(root / "controls/5.4.yaml", "status: implemented", "status: planned\ntarget_date: 2027-03-31")
    build(root)
    return Built(root)


@pytest.fixture(scope="module")
def sheet(built: Built):
    return openpyxl.load_workbook(built.path).worksheets[0]


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_soa_file_named_after_the_document_next_to_the_risk_workbooks(built: Built) -> None:
    names = sorted(p.name for p in built.path.parent.iterdir())
    assert built.path.name in names
    assert all(name.endswith(".xlsx") for name in names)


def test_header_and_one_row_per_control_in_natural_order(built: Built, sheet) -> None:
    header = [c.value for c in sheet[1]]
    assert header == COLUMNS + ATTRIBUTE_COLUMNS
    assert [t(f"attr_{name}", "ja") for name in ATTRIBUTES] == ATTRIBUTE_COLUMNS
    data = rows(sheet)
    assert len(data) == 93
    ids = [row[0] for row in data]
    assert ids == [d.id for d in built.isms.decisions]
    assert ids.index("5.2") < ids.index("5.10") and ids.index("8.9") < ids.index("8.10")


def test_row_values_are_plain_text_from_the_model(built: Built, sheet) -> None:
    by_id = {row[0]: dict(zip(COLUMNS + ATTRIBUTE_COLUMNS, row, strict=True)) for row in rows(sheet)}
    row = by_id["5.15"]
    assert row["管理策"] == "アクセス制御" and row["Control"] == "Access control"
    assert row["テーマ"] == "組織的管理策" and row["適用"] == "適用"
    assert row["手順書番号"] == "ISMS-C-5-15"
    risks = [r.id for r in built.isms.risks.for_control("5.15")]
    assert risks and row["対応するリスク"] == ", ".join(risks), "the risks column lists the risks the control treats"
    assert row["責任者"].startswith("情報システム管理者")
    assert "リスク対応" in row["採用理由"] and "\\" not in row["採用理由"]
    control = next(d.control for d in built.isms.decisions if d.id == "5.15")
    assert row["管理策タイプ"] == "、".join(t(f"attr_value_{v}", "ja") for v in control.attributes["control_type"])
    planned = by_id["5.4"]  # no risk counts on it, so it may be planned without an interim acceptance
    assert planned["実施状況"] == "実施予定"
    assert planned["完了予定日"] == dt.datetime(2027, 3, 31)
    for decision in built.isms.decisions:
        if not decision.source.applicable:
            excluded = by_id[decision.id]
            assert excluded["適用"] == "除外" and excluded["除外の理由"] and not excluded["手順書番号"]


def test_sheet_is_usable_frozen_filtered_wrapped_japanese(sheet) -> None:
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:Q94"
    assert sheet.column_dimensions["B"].width >= 20 and sheet.column_dimensions["F"].width >= 40
    for cell in (sheet["A1"], sheet["F10"], sheet["Q94"]):
        assert cell.font.name == "Yu Gothic"
        assert cell.alignment.wrap_text
    assert sheet["A1"].font.bold
    assert sheet.row_dimensions[2].height > 15, "rows are tall enough for their wrapped text"


def test_legend_sheet_lists_every_attribute_value(built: Built) -> None:
    legend = openpyxl.load_workbook(built.path).worksheets[1]
    data = list(legend.iter_rows(min_row=2, values_only=True))
    assert len(data) == sum(len(values) for values in ATTRIBUTES.values())
    assert ("管理策タイプ", "Control type", "予防", "#Preventive") in data
    assert ("運用機能", "Operational capabilities", "識別情報及びアクセスの管理", "#Identity_and_access_management") in data


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_rebuild_is_byte_identical(built: Built, tmp_path: Path) -> None:
    before = digests(built.path.parent)
    build(built.root)
    assert digests(built.path.parent) == before
    fresh = copy_sample(tmp_path / "isms")
    edit(fresh / "controls/5.4.yaml", "status: implemented", "status: planned\ntarget_date: 2027-03-31")
    build(fresh)
    assert digests(fresh / "build/xlsx") == before
