"""The auditors' HTML site, built from the sample: parsed HTML, and a real headless Chromium.

The sample is built once for the module, with all its outputs (a Sphinx build costs ~20 s, the Word
files ~15 s): the site links the Word files and workbooks of its own set (html/downloads/).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html
from playwright.sync_api import expect

from conftest import REPO, edit, serve
from isms.cli import main
from isms.i18n import t

CJK = "\u3040-\u30ff\u3400-\u9fff"
SCREENSHOTS = REPO / "build/screenshots"


@pytest.fixture(scope="module")
def site(sample_build: Path) -> Path:
    return sample_build / "build/html"


def parse(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def content_pages(site: Path) -> list[Path]:
    skip = {"search.html", "genindex.html"}
    return [p for p in site.rglob("*.html") if p.name not in skip and "_static" not in p.parts and "downloads" not in p.parts]


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
    clauses = {cell.text_content().strip() for cell in checklist.xpath('//table[contains(@class,"isms-checklist")]/tbody/tr/td[1]/p')}
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


def test_a_moved_checkout_keeps_its_cache(run, built_sample: Path, sample_build: Path) -> None:
    """Sphinx drops its environment when the source folder moved: isms moves it along, so that a
    checkout copied elsewhere (a CI runner restoring build/ at another path) reads only what changed."""
    out = built_sample / "build/.cache/html/out"
    untouched = out / "controls/6.3.html"
    before = untouched.stat().st_mtime_ns
    edit(built_sample / "controls/8.13.yaml", "procedure: |\n", "procedure: |\n  移動した作業コピーでの改定。\n\n")
    assert run("--root", str(built_sample), "build", "--only", "html").code == 0
    assert untouched.stat().st_mtime_ns == before, "an unchanged page was written again: the cache was dropped"
    assert "移動した作業コピーでの改定" in (built_sample / "build/html/controls/8.13.html").read_text(encoding="utf-8")
    assert (built_sample / "build/html/controls/6.3.html").read_bytes() == (sample_build / "build/html/controls/6.3.html").read_bytes()


def test_a_replaced_image_leaves_the_site(run, built_sample: Path) -> None:
    """Sphinx adds images to _images/ but never removes one: the old picture would stay published."""
    from test_security import append_procedure, tiny_png

    image = built_sample / "controls/img/plan.png"
    image.parent.mkdir()
    image.write_bytes(tiny_png(200))
    append_procedure(built_sample, "5.15", ".. image:: img/plan.png", "   :alt: 配置図")
    assert run("--root", str(built_sample), "build", "--only", "html").code == 0
    first = sorted(p.read_bytes() for p in (built_sample / "build/html/_images").iterdir())
    image.write_bytes(tiny_png(20))
    assert run("--root", str(built_sample), "build", "--only", "html").code == 0
    second = sorted(p.read_bytes() for p in (built_sample / "build/html/_images").iterdir())
    assert first == [tiny_png(200)] and second == [tiny_png(20)]


def test_incremental_build_refreshes_titles_on_unchanged_pages(run, built_sample: Path) -> None:
    sample = built_sample
    assert run("--root", str(sample), "build", "--only", "html").code == 0
    html = sample / "build/html"
    untouched = html / "controls/6.3.html"
    before = untouched.stat().st_mtime_ns
    policy = sample / "policy_templates/policies/backup.rst"
    old_title = policy.read_text(encoding="utf-8").splitlines()[0]
    new_title = "データ保全方針"
    edit(policy, old_title + "\n", new_title + "\n")
    edit(sample / "policy_templates/policies.yaml", f"title: {old_title}\n", f"title: {new_title}\n")  # the title is the same in both
    assert run("--root", str(sample), "build", "--only", "html").code == 0
    sidebar = parse(untouched).text_content()
    assert new_title in sidebar and old_title not in sidebar
    assert untouched.stat().st_mtime_ns != before
    # and with nothing changed, no page is written again
    stamp = untouched.stat().st_mtime_ns
    assert run("--root", str(sample), "build", "--only", "html").code == 0
    assert untouched.stat().st_mtime_ns == stamp


def test_no_page_shows_a_parser_message(site: Path) -> None:
    """docutils puts its messages into the page it parses: none may reach the site."""
    shown = [page.name for page in content_pages(site) if 'class="system-message"' in page.read_text(encoding="utf-8")]
    assert shown == []


# --------------------------------------------------------------------------- search (#14)

# At least 40 terms an auditor would type, taken from the sample: control titles, records, roles,
# systems, words, identifiers, and the same folded (full width, half width, other case).
SEARCH_TERMS = [
    "アクセス制御", "脅威インテリジェンス", "情報のバックアップ", "暗号の利用", "供給者関係",
    "情報セキュリティのための方針群", "技術的ぜい弱性の管理", "ログ取得",
    "アクセス権申請書", "アクセス権見直し記録", "貸与品返却確認書", "加工条件表", "ICT継続要求一覧", "可用性要件一覧",
    "情報セキュリティ管理責任者", "ISMS事務局", "委託先管理責任者", "情報システム課長", "インシデント対応責任者", "内部監査責任者",
    "Microsoft 365", "UTM", "BitLocker", "SharePoint", "NAS", "Intune", "図面保管庫",
    "委託先", "暗号化", "脆弱性", "リスク評価", "適用除外", "情報資産", "残留リスク", "極秘", "リスクアセスメント",
    "5.15", "8.13", "6.1.2", "R-003", "A-002", "R-067", "ISMS-C-5-15", "ISMS-R-01",
    "５．１５", "ＵＴＭ", "ｱｸｾｽ権", "microsoft 365", "bitlocker",
]  # fmt: skip
SPHINX_INDEX_BYTES = 310_761  # Sphinx's searchindex.js for this sample, before #14


def fold(text: str) -> str:
    """Independent of the site's code: NFKC, lower case, white space collapsed."""
    import unicodedata

    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower())


def page_texts(site: Path) -> dict[str, str]:
    """What a reader finds on each page: the article's text, without permalinks, scripts and the
    controls of forms and navigation (the SoA filter's options, the download links)."""
    texts = {}
    for path in content_pages(site):
        articles = parse(path).xpath('//article[@role="main"]')
        if not articles:
            continue
        article = articles[0]
        for element in article.xpath('.//script|.//style|.//form|.//nav|.//noscript|.//a[contains(@class, "headerlink")]'):
            element.drop_tree()
        texts[path.relative_to(site).with_suffix("").as_posix()] = fold(" ".join(article.text_content().split()))
    return texts


@pytest.fixture(scope="module")
def search(browser, server: str) -> Iterator:
    """One search page for many queries (IsmsSearch.run is what typing in the box calls)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/search.html")
    page.wait_for_function("() => typeof IsmsSearch !== 'undefined'")
    page.errors = errors
    yield page
    context.close()


def query(page, text: str) -> dict:
    return page.evaluate("async (q) => { await IsmsSearch.run(q); return IsmsSearch.last; }", text)


def test_search_finds_every_page_that_contains_the_query(site: Path, search) -> None:
    texts = page_texts(site)
    report = ["query\tpages containing it\thits\tfound\tfirst hit"]
    for term in SEARCH_TERMS:
        expected = {name for name, text in texts.items() if fold(term).strip() in text}
        assert expected, f"{term}: no page of the sample contains it: pick another term"
        result = query(search, term)
        found = set(result["pages"])
        assert expected <= found, f"{term}: {len(expected - found)} of {len(expected)} pages missed: {sorted(expected - found)[:5]}"
        if " " not in fold(term).strip():  # one word: exactly the pages that contain it
            assert found == expected, f"{term}: pages without it: {sorted(found - expected)[:5]}"
        assert search.inner_text("#isms-search-status") == f"「{term}」を含むページ: {len(found)} 件"
        report.append(f"{term}\t{len(expected)}\t{len(found)}\t{len(expected & found)}\t{result['pages'][0]}")
    assert len(SEARCH_TERMS) >= 40
    assert not search.errors
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "search-recall.tsv").write_text("\n".join(report) + "\n", encoding="utf-8")


def test_search_ranks_titles_first_then_occurrences(search) -> None:
    for term, first in [
        ("5.15", "controls/5.15"), ("５．１５", "controls/5.15"), ("アクセス制御", "controls/5.15"), ("ISMS-C-5-15", "controls/5.15"),
        ("8.13", "controls/8.13"), ("情報のバックアップ", "controls/8.13"), ("ISMS-R-01", "soa"), ("6.1.2", "manual/06_planning"),
        ("リスク評価", "manual/06_planning"),
    ]:  # fmt: skip
        assert query(search, term)["pages"][0] == first, term
    result = query(search, "委託先")
    in_title = result["inTitle"]
    assert in_title[0] and in_title == sorted(in_title, reverse=True), "pages whose title contains the query come first"
    rest = [n for n, title in zip(result["occurrences"], in_title, strict=True) if not title]
    assert rest == sorted(rest, reverse=True), "then pages by number of occurrences"
    # the count, and the matched text marked in the snippets
    assert search.inner_text("#isms-search-status") == f"「委託先」を含むページ: {result['hits']} 件"
    items = search.locator("#isms-search-results > li")
    assert items.count() == min(result["hits"], 50)
    assert items.first.locator("mark").first.inner_text() == "委託先"
    assert search.locator("#isms-search-results mark").count() >= items.count()
    more = search.locator(".isms-search-more")
    assert more.count() == (1 if result["hits"] > 50 else 0)
    screenshot(search, "search-委託先")
    query(search, "R-003")
    assert fold(search.locator("#isms-search-results mark").first.inner_text()) == "r-003"
    query(search, "存在しない語句")
    assert search.inner_text("#isms-search-status") == "「存在しない語句」: 該当なし"


def test_search_index_is_small_and_fast(site: Path, search, browser, tmp_path: Path) -> None:
    from isms.render.html.search import INDEX_DIR, PageText, build_index, read_pages

    index_bytes = (site / INDEX_DIR / "index.js").stat().st_size
    assert index_bytes < 2 * SPHINX_INDEX_BYTES, "the index loaded with the search page"
    texts_bytes = sum(p.stat().st_size for p in (site / INDEX_DIR).glob("text-*.js"))
    report = [f"sample\tindex.js {index_bytes} bytes\ttexts {texts_bytes} bytes (loaded in chunks)"]
    terms = ["委託先", "5.15", "R-003", "情報", "アクセス権申請書", "Microsoft 365", "残留リスク", "の"]

    def measure(page, label: str) -> None:
        page.evaluate("() => IsmsSearch.loadAll()")
        for term in terms:
            query(page, term)  # warm up: the pages' folded texts are made on first use
            result = query(page, term)
            report.append(f"{label}\t{term}\t{result['hits']} hits\t{result['totalMs']:.1f} ms")
            assert result["totalMs"] < 100, f"{label}: {term} took {result['totalMs']:.0f} ms"

    measure(search, "sample")
    # Ten times the sample: every page ten times over, indexed by the same code (a synthetic
    # index: a Sphinx build of 1,260 pages would take minutes), in a copy of the site.
    copy = tmp_path / "html"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("downloads"))
    pages = read_pages(site, {"search", "genindex"})
    many = [PageText(p.name if k == 0 else f"{p.name}~{k}", p.title, p.text, p.number, p.sections) for k in range(10) for p in pages]
    files = build_index(many)
    folder = copy / INDEX_DIR
    shutil.rmtree(folder)
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    report.append(f"10x\tindex.js {len(files['index.js'].encode())} bytes\ttexts {sum(len(c.encode()) for n, c in files.items() if n != 'index.js')} bytes")
    context = browser.new_context()
    page = context.new_page()
    page.goto((copy / "search.html").as_uri() + "?q=委託先")
    page.wait_for_function("() => IsmsSearch.last !== null", timeout=30000)
    cold = page.evaluate("() => IsmsSearch.last")
    assert cold["hits"] == 10 * query(search, "委託先")["hits"]
    report.append(f"10x\t委託先 (opening the page: every text chunk loaded)\t{cold['hits']} hits\t{cold['totalMs']:.1f} ms")
    measure(page, "10x")
    context.close()
    (SCREENSHOTS.parent / "search-speed.tsv").write_text("\n".join(report) + "\n", encoding="utf-8")


def test_search_works_from_file_under_the_content_security_policy(site: Path, browser) -> None:
    """Auditors open build/html/index.html directly: no server, the pages' CSP (no inline script
    but furo's, by hash; no eval) in force. No page may log an error."""
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on("console", lambda message: message.type == "error" and problems.append(f"{page.url}: {message.text}"))
    page.goto((site / "search.html").as_uri() + "?q=委託先")
    page.locator("#isms-search-results li").first.wait_for(timeout=20000)
    assert page.locator("#isms-search-results li").count() == 50
    link = page.locator("#isms-search-results li a").first
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(site.as_uri())
    assert page.locator("article .highlighted").count() > 0, "the result's page marks the words searched for"
    for name in ("index.html", "soa.html", "controls/5.15.html", "risk-report.html"):
        page.goto((site / name).as_uri())
    assert not problems
    for path in [site / "search.html", *content_pages(site)]:
        inline = [s for s in parse(path).xpath("//script[not(@src)]") if s.get("type") not in ("application/json",)]
        assert len(inline) <= 1, f"{path.name}: inline scripts"
    context.close()


# --------------------------------------------------------------------------- any screen (#14)

LAYOUT = """() => {
  const problems = [];
  const article = document.querySelector('article[role="main"]');
  const box = article.getBoundingClientRect();
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  for (const table of article.querySelectorAll("table")) {
    const frame = table.closest(".table-wrapper") || table;
    const rect = frame.getBoundingClientRect();
    if (rect.right > box.right + 1 || rect.left < box.left - 1) problems.push(`${table.className}: wider than the article`);
  }
  const words = /[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*/g;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let checked = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest("form, select, script, style")) continue;
    for (const match of node.data.matchAll(words)) {
      if (match[0].length < 2) continue;
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      checked += 1;
      if (lines.size > 1) problems.push(`broken across lines: ${match[0]}`);
    }
  }
  for (const id of article.querySelectorAll("td .isms-id, th .isms-id")) {
    const cell = id.closest("td, th");
    if (id.getBoundingClientRect().width > cell.clientWidth + 1) problems.push(`cell narrower than ${id.textContent}`);
  }
  return { problems: problems.slice(0, 20), checked };
}"""


@pytest.mark.parametrize("width", [390, 1440])
def test_pages_are_readable_on_a_phone_and_a_desktop(browser, server: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    page = context.new_page()
    for name in ("soa", "risk-report", "assets", "register", "risk-plan", "controls/5.15", "manual/06_planning", "attributes", "search"):
        page.goto(f"{server}/{name}.html" + ("?q=ISMS-C-5-15" if name == "search" else ""))
        if name == "search":
            page.locator("#isms-search-results li").first.wait_for()
        result = page.evaluate(LAYOUT)
        assert result["checked"] > 0
        assert not result["problems"], f"{name} at {width} px: {result['problems']}"
        screenshot(page, f"layout-{name.replace('/', '-')}-{width}")
    page.goto(f"{server}/risk-report.html")
    heatmaps = page.locator("table.isms-heatmap")
    for i in range(heatmaps.count()):
        box = heatmaps.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the heat map is fully visible"
    heatmaps.first.scroll_into_view_if_needed()
    screenshot(page, f"layout-heatmap-{width}")
    page.goto(f"{server}/soa.html")
    table = page.locator("table.isms-soa").bounding_box()
    frame = page.locator("table.isms-soa").locator("xpath=..").bounding_box()
    if width >= 1440:
        assert table["width"] <= frame["width"] + 1, "on a desktop the SoA fits the width it has"
        assert table["width"] > 1000, "and uses it"
    else:
        assert page.evaluate("() => document.documentElement.scrollHeight") < 40_000
    context.close()


# --------------------------------------------------------------------------- the site's language (#14)

CHROME = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('article, .sidebar-tree, .toc-tree, .sidebar-brand, .related-pages .title, .mobile-header .header-center, script, style')
    .forEach((el) => el.remove());
  const texts = [body.textContent];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]'))
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
  document.querySelectorAll('svg title').forEach((el) => texts.push(el.textContent));
  return texts.join(' ');
}"""


def test_interface_words_are_in_the_site_language(page, server: str) -> None:
    for name in ("controls/5.15.html", "search.html?q=委託先", "soa.html", "index.html"):
        page.goto(f"{server}/{name}")
        words = set(re.findall(r"[A-Za-z]{2,}", page.evaluate(CHROME))) - {"ISMS", "Furo"}
        assert not words, f"{name}: English words in the interface: {sorted(words)}"
    page.goto(f"{server}/controls/5.15.html")
    assert page.locator(".toc-title").inner_text() == "このページの内容"
    assert "使用テーマ" in page.locator("footer").inner_text()
    page.goto(f"{server}/soa.html")
    page.select_option('select[data-filter="applicable"]', "false")
    page.select_option('select[data-filter="status"]', "implemented")
    assert page.locator("#isms-soa-count").inner_text() == "0 / 93"
    assert page.locator("#isms-soa-empty").is_visible() and page.locator("#isms-soa-empty").inner_text() == "該当なし"
    screenshot(page, "soa-empty")


def test_english_interface_words_stay_english() -> None:
    from isms.i18n import words
    from isms.render.html.extension import _THEME_LITERALS, translate_page

    page = " ".join(_THEME_LITERALS) + ' aria-label="Toggle navigation of Policies"'
    assert translate_page(page, "en") == page
    for key, en in words("en").items():
        ja = words("ja")[key]
        if key.startswith(("site_", "search")):
            assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", en), key
            assert ja != en or "%(" in ja, key


# --------------------------------------------------------------------------- approved files and print (#14)


def test_every_document_page_links_its_approved_files(site: Path) -> None:
    import os

    build = site.parent
    made = {p.name: p for folder in ("docx", "xlsx") for p in (build / folder).iterdir()}
    downloads = {p.name: p for p in (site / "downloads").iterdir()}
    assert downloads.keys() == made.keys()
    assert all(os.stat(downloads[n]).st_ino == os.stat(made[n]).st_ino for n in made), "hard links, not copies"
    linked: dict[str, set[str]] = {}
    for path in content_pages(site):
        for href in parse(path).xpath('//nav[contains(@class, "isms-downloads")]//a/@href'):
            target = (path.parent / unquote(href)).resolve()
            assert target.parent == (site / "downloads").resolve() and target.exists(), f"{path.name}: {href}"
            linked.setdefault(path.relative_to(site).with_suffix("").as_posix(), set()).add(target.name)
    assert set().union(*linked.values()) == made.keys(), "every Word file and workbook is linked from its page"
    assert linked["controls/5.15"] == {"ISMS-C-5-15 5.15 アクセス制御 実施手順書.docx"}
    assert linked["soa"] == {"ISMS-R-01 適用宣言書.docx", "ISMS-R-01 適用宣言書.xlsx"}
    assert "ISMS-R-05 リスクアセスメント結果報告書.xlsx" in linked["risk-report"]
    assert "controls/8.30" not in linked, "an excluded control has no procedure to download"


def test_printed_pages_carry_number_version_and_classification(site: Path, browser, tmp_path: Path) -> None:
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: `make test` installs it")
    context = browser.new_context()
    page = context.new_page()
    for name, number in (("soa", "ISMS-R-01"), ("controls/5.15", "ISMS-C-5-15"), ("manual/06_planning", "ISMS-M-01")):
        page.goto((site / f"{name}.html").as_uri())
        pdf = tmp_path / f"{name.replace('/', '-')}.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout)[1])
        assert pages >= 2, name
        for n in range(1, pages + 1):
            text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            for word in (number, "社外秘", "版数"):
                assert word in text, f"{name}: page {n} of {pages} lacks {word}"
            assert f"{n}/{pages}" in "".join(text.split()), f"{name}: page {n} has no page number"
    context.close()


def test_a_build_of_one_output_keeps_the_sites_downloads_whole(site: Path, tmp_path: Path) -> None:
    """The new set takes html/ and docx/ from the previous one and links its files again (on a copy
    of the shared build: other modules read it meanwhile)."""
    root = tmp_path / "isms"
    shutil.copytree(site.parent.parent, root, symlinks=True)
    assert main(["--root", str(root), "build", "--only", "xlsx"]) == 0
    names = {p.name for folder in ("docx", "xlsx") for p in (root / "build" / folder).iterdir()}
    assert {p.name for p in (root / "build/html/downloads").iterdir()} == names


def test_an_edited_page_patches_the_search_index_to_what_a_clean_index_is(tmp_path: Path) -> None:
    """isms build patches the last index after an edit (the postings of the bigrams a page gained or
    lost, the text files of unchanged pages kept): after edits, additions, removals and emptied
    pages, the index folder holds the bytes an index made from nothing holds."""
    import random

    from isms.render.html.search import INDEX_DIR, write_index

    rng = random.Random(7)
    words = ["情報", "資産", "委託先", "アクセス", "5.15", "R-003", "ISMS", "管理策", "ｱｸｾｽ", "Policy", "の", "を", "、", "。"]

    def page(title: str, length: int) -> str:
        text = "".join(rng.choice(words) for _ in range(length))
        return f'<html><body><article role="main"><section id="s"><h1>{title}</h1><p>{text}</p></section></article></body></html>'

    site, cache = tmp_path / "out", tmp_path / "cache"
    site.mkdir()
    cache.mkdir()
    for n in range(40):
        (site / f"p{n:02}.html").write_text(page(f"頁{n}", rng.randrange(200, 4000)), encoding="utf-8")

    def folder(path: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((path / INDEX_DIR).iterdir())}

    write_index(site, set(), known=cache / "pages.jsonl")
    changes = [
        lambda: (site / "p03.html").write_text(page("頁3", 1500), encoding="utf-8"),  # one page edited
        lambda: [(site / f"p{n:02}.html").write_text(page(f"改{n}", 900), encoding="utf-8") for n in (0, 17, 39)],
        lambda: (site / "p05.html").write_text(page("", 0), encoding="utf-8"),  # emptied
        lambda: (site / "p40.html").write_text(page("新", 300), encoding="utf-8"),  # added
        lambda: (site / "p11.html").unlink(),  # removed
        lambda: None,  # nothing changed
    ]
    for change in changes:
        change()
        stats = write_index(site, set(), known=cache / "pages.jsonl")
        clean = tmp_path / f"clean-{rng.random()}"
        shutil.copytree(site, clean, ignore=shutil.ignore_patterns("_static"))
        write_index(clean, set())
        assert folder(site) == folder(clean)
        assert stats["pages"] == len(list(site.glob("*.html")))
    # A folder in the index's folder (a cache's seal records files only) is removed, not a failure.
    (site / INDEX_DIR / "planted" / "deeper").mkdir(parents=True)
    write_index(site, set(), known=cache / "pages.jsonl")
    assert not (site / INDEX_DIR / "planted").exists()
