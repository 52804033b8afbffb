"""The record sets in the outputs: one build of the sample (all three writers) serves every test.

Word: a numbered file per record set and per blank form, in the same frame as the other documents;
the site: their pages, the requirements checklist and the status page as of the build date (the
tests' SOURCE_DATE_EPOCH, the last day the sample's records reach, 2026-11-30); the workbooks of objectives, training and
corrective actions. Schedules printed in the texts come from the declared activities.
"""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
from lxml import html as lxml_html

RECORD_TITLES = (
    "ISMS体制図", "ISMS有効性評価表", "ISMS年間計画表", "力量確認表", "教育計画書", "理解度確認テスト", "教育実施記録",
    "内部監査計画書", "内部監査結果報告書", "マネジメントレビュー報告書", "是正要求書兼回答書",
)  # fmt: skip


@pytest.fixture(scope="module")
def build(sample_build: Path) -> Path:
    return sample_build / "build"


def text_of(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [cell.text for table in section.header.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_every_record_set_and_blank_form_is_a_numbered_word_file(build: Path) -> None:
    names = {p.name for p in (build / "docx").iterdir()}
    for seq, title in enumerate(RECORD_TITLES, start=1):
        assert f"ISMS-K-{seq:02d} {title}.docx" in names
        assert f"ISMS-F-{seq:02d} {title}(様式).docx" in names


def test_management_review_minutes_have_every_input_and_the_frame(build: Path) -> None:
    text = text_of(build / "docx/ISMS-K-10 マネジメントレビュー報告書.docx")
    assert "ISMS-K-10" in text and "社外秘" in text and "改定案" in text  # number, classification, draft: the frame
    for key in "abcdefg":
        assert f"{key})" in text
    assert "CA-2025-02" in text and "有効性確認待ち" in text  # (d) collected from the corrective actions
    assert "OBJ-2025-03" in text and "未達成" in text  # (d) objectives against targets on the review date
    assert "受容基準を超える残留リスクの承認: R-003" in text  # (f) the approvals the risk register dates to this review
    assert "MR-2025-A1" in text


def test_blank_form_has_room_to_write(build: Path) -> None:
    document = docx.Document(str(build / "docx/ISMS-F-11 是正要求書兼回答書(様式).docx"))
    labels = [row.cells[0].text for table in document.tables for row in table.rows]
    assert "不適合の内容" in labels and "有効性の確認" in labels
    row = next(row for table in document.tables for row in table.rows if row.cells[0].text == "原因")
    assert len(row.cells[1].paragraphs) >= 1 and "\u00a0" in row.cells[1].text and not row.cells[1].text.strip("\u00a0\n ")


def test_site_has_the_records_the_checklist_and_the_status(build: Path) -> None:
    html = build / "html"
    index = lxml_html.fromstring((html / "records/index.html").read_bytes()).text_content()
    assert all(title in index for title in RECORD_TITLES)
    checklist = lxml_html.fromstring((html / "checklist.html").read_bytes())
    text = checklist.text_content()
    assert "2026-11-30時点" in text and "未整備 0 件" in text and "期限超過 0 件" in text
    states = [cell.text_content().strip() for cell in checklist.xpath('//table[contains(@class,"isms-checklist")]/tbody/tr/td[5]')]
    assert states and all(state.startswith("✔") for state in states)
    status = lxml_html.fromstring((html / "status.html").read_bytes()).text_content()
    assert "2026年度(2026-04-01〜2027-03-31)の活動" in status
    assert "期限超過" not in status.split("の活動", 1)[1].split("終結していない是正処置")[0]
    assert "CA-2026-01" in status  # open: its corrective action is under way (due 2027-01-29)
    assert "CA-2025-02" not in status  # closed after its effectiveness review
    home = (html / "index.html").read_text(encoding="utf-8")
    assert 'href="status.html"' in home and 'href="records/index.html"' in home


def test_texts_print_the_declared_schedules(build: Path) -> None:
    page = lxml_html.fromstring((build / "html/manual/07_support.html").read_bytes()).text_content()
    assert "年2回(6月・12月)の標的型メール訓練" in page
    plan = lxml_html.fromstring((build / "html/manual/08_operation.html").read_bytes()).text_content()
    assert "標的型メール訓練" in plan and "ISMS年間計画表の月ごとの活動" in plan


def test_workbooks_of_objectives_training_and_corrective_actions(build: Path) -> None:
    xlsx = build / "xlsx"
    objectives = openpyxl.load_workbook(xlsx / "ISMS-K-02 ISMS有効性評価表.xlsx")
    assert [ws.title for ws in objectives.worksheets] == ["目的", "測定結果"]
    assert objectives.worksheets[0].max_row == 11 and objectives.worksheets[1].max_row == 31  # FY2025 and FY2026, with a header row
    training = openpyxl.load_workbook(xlsx / "ISMS-K-07 教育実施記録.xlsx")
    rows = list(training.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert ("TR-2025-01", "G-2025", "全社情報セキュリティ教育") in {row[:3] for row in rows}
    assert any(row[0] == "TR-2025-01" and row[5] == "伊藤 茂" and row[6] == 70 and row[7] == "不合格" for row in rows)
    assert training.worksheets[0].auto_filter.ref
    actions = openpyxl.load_workbook(xlsx / "ISMS-K-11 是正要求書兼回答書.xlsx").worksheets[0]
    assert [row[0] for row in actions.iter_rows(min_row=2, values_only=True)] == ["CA-2025-03", "CA-2025-01", "CA-2025-02", "CA-2026-01"]
