"""The auditors' HTML site, built from the sample: parsed HTML, and a real headless Chromium.

The site is built once for the module (a Sphinx build costs ~15 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html
from playwright.sync_api import expect

from conftest import REPO, copy_sample, edit, serve
from isms.cli import main
from isms.i18n import t

CJK = "\u3040-\u30ff\u3400-\u9fff"
SCREENSHOTS = REPO / "build/screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("site") / "isms")
    assert main(["--root", str(root), "build", "--only", "html"]) == 0
    return root / "build/html"


def parse(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def content_pages(site: Path) -> list[Path]:
    skip = {"search.html", "genindex.html"}
    return [p for p in site.rglob("*.html") if p.name not in skip and "_static" not in p.parts]


def test_soa_lists_93_controls_with_links_to_procedures(site: Path) -> None:
    page = parse(site / "soa.html")
    rows = page.xpath('//table[contains(@class, "isms-soa")]/tbody/tr')
    assert len(rows) == 93
    ids = [row.xpath("string(td[1])").strip() for row in rows]
    assert ids.index("5.2") < ids.index("5.10")
    excluded = [row for row in rows if row.xpath("string(td[3])").strip() == "除外"]
    assert {row.xpath("string(td[1])").strip() for row in excluded} == {"8.25", "8.30"}
    assert all(row.xpath("string(td[5])").strip() not in ("", "—") for row in excluded), "excluded rows show their justification"
    row = rows[ids.index("5.15")]
    assert row.xpath("td[2]//a/@href") == ["controls/5.15.html#ctl-5-15"] or row.xpath("td[2]//a/@href")[0].startswith("controls/5.15.html")
    assert row.xpath("string(td[7])").strip() == "情報システム管理者", "the owner"
    assert row.xpath("string(td[8])").strip() == "ISMS-C-5-15"


def test_every_internal_link_resolves(site: Path) -> None:
    ids_cache: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = set(parse(path).xpath("//@id"))
        return ids_cache[path]

    checked = 0
    for page in content_pages(site):
        for href in parse(page).xpath("//a/@href"):
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.exists(), f"{page.relative_to(site)}: broken link {href}"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in ids_of(target), f"{page.relative_to(site)}: missing anchor {href}"
            checked += 1
    assert checked > 2000


def test_each_control_page_carries_its_attributes_and_decision(site: Path) -> None:
    from isms.sources.catalogue import load_catalogue

    for control in load_catalogue():
        text = parse(site / f"controls/{control.id}.html").text_content()
        for name, values in control.attributes.items():
            assert t(f"attr_{name}", "ja") in text
            for value in values:
                assert "#" + t(f"attr_value_{value}", "ja") in text, (control.id, value)
        assert "適用の判断" in text
    excluded = parse(site / "controls/8.30.html").text_content()
    assert "除外の理由" in excluded and "実施手順" not in excluded.split("除外の理由")[1][:50]
    applicable = parse(site / "controls/5.15.html").text_content()
    for word in ("個別管理基準", "必須", "推奨", "修正理由", "6か月ごと", "関連文書", "実施手順", "アクセス権申請書"):
        assert word in applicable


def test_every_page_shows_its_classification(site: Path) -> None:
    for page in content_pages(site):
        banner = parse(page).xpath('//div[contains(@class, "isms-banner")]//span[contains(@class, "isms-class")]/text()')
        assert banner and banner[0] in {"極秘", "社外秘", "公開"}, page
    assert parse(site / "policies/information_security_policy.html").xpath('string(//span[contains(@class,"isms-class")])') == "公開"


def test_no_line_breaks_inside_japanese_paragraphs(site: Path) -> None:
    artefact = re.compile(rf"[{CJK}]\s*\n\s*[{CJK}]")
    for page in content_pages(site):
        for paragraph in parse(page).xpath("//article//p"):
            text = paragraph.text_content()
            assert not artefact.search(text), f"{page.relative_to(site)}: {text[:60]!r}"


def test_checklist_and_attribute_views(site: Path) -> None:
    checklist = parse(site / "checklist.html")
    clauses = {cell.strip() for cell in checklist.xpath('//table[contains(@class,"isms-checklist")]/tbody/tr/td[1]/p/text()')}
    assert {"4.1", "4.3", "5.2", "6.1", "7.5", "9.2", "10.2"} <= clauses
    assert checklist.xpath('//a[contains(@href, "information_security_policy.html")]')
    matrix = parse(site / "attributes.html")
    header = [h.text_content().strip() for h in matrix.xpath('//table[contains(@class,"isms-matrix")]/thead//th')]
    assert header[1:] == ["#識別", "#防御", "#検知", "#対応", "#復旧"]
    balance = matrix.xpath('//table[contains(@class,"isms-balance")]/tbody/tr')
    assert [row.xpath("string(td[1])").strip() for row in balance] == ["#予防", "#検知", "#是正"]
    register = parse(site / "register.html").xpath('//table[contains(@class,"isms-register")]/tbody/tr')
    assert len(register) >= 1 + 11 + 90 + 3


# --------------------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    yield from serve(site)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("query", ["情報資産", "アクセス権", "リスク評価", "委託先"])
def test_japanese_search_finds_compound_words(page, server: str, query: str) -> None:
    page.goto(f"{server}/search.html?q={query}")
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    hits = page.locator("#search-results ul.search li").count()
    assert hits > 0
    page.wait_for_selector("#search-results ul.search li p.context", timeout=20000)
    snippets = " ".join(page.locator("#search-results ul.search li p.context").all_inner_texts())
    assert not re.search(r"(社外秘|極秘|公開)\s*ISMS-", snippets), "snippets show text, not the page banner"
    if query == "情報資産":
        screenshot(page, "search-情報資産")


def test_soa_filter_shows_exactly_the_excluded_controls(page, server: str) -> None:
    page.goto(f"{server}/soa.html")
    page.select_option('select[data-filter="applicable"]', "false")
    visible = page.locator("table.isms-soa tbody tr:not([hidden])")
    assert sorted(visible.locator("td:first-child").all_inner_texts()) == ["8.25", "8.30"]
    assert page.locator("#isms-soa-count").inner_text() == "2 / 93"
    screenshot(page, "soa-excluded")
    page.select_option('select[data-filter="applicable"]', "")
    page.select_option('select[data-filter="control_type"]', "Corrective")
    assert page.locator("table.isms-soa tbody tr:not([hidden])").count() == 14
    page.click("button[type=reset]")
    expect(page.locator("table.isms-soa tbody tr:not([hidden])")).to_have_count(93)  # no wait_for_function: the CSP forbids eval


def test_control_page_renders(page, server: str) -> None:
    page.goto(f"{server}/controls/5.15.html")
    assert page.locator("h1").first.inner_text().startswith("5.15 アクセス制御")
    assert page.locator(".isms-banner .isms-class").inner_text() == "社外秘"
    screenshot(page, "control-5.15")


def test_incremental_build_refreshes_titles_on_unchanged_pages(run, sample: Path) -> None:
    assert run("--root", str(sample), "build", "--only", "html").code == 0
    html = sample / "build/html"
    untouched = html / "controls/6.3.html"
    before = untouched.stat().st_mtime_ns
    policy = sample / "policy_templates/policies/backup.rst"
    old_title = policy.read_text(encoding="utf-8").splitlines()[0]
    new_title = "データ保全方針"
    edit(policy, old_title + "\n", new_title + "\n")
    assert run("--root", str(sample), "build", "--only", "html").code == 0
    sidebar = parse(untouched).text_content()
    assert new_title in sidebar and old_title not in sidebar
    assert untouched.stat().st_mtime_ns != before
    # and with nothing changed, no page is written again
    stamp = untouched.stat().st_mtime_ns
    assert run("--root", str(sample), "build", "--only", "html").code == 0
    assert untouched.stat().st_mtime_ns == stamp
