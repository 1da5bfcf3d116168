"""The web pages and JSON API, through FastAPI's in-process client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsdesk.ingest.pipeline import ingest_paths
from newsdesk.store import open_store
from newsdesk.web.app import create_app
from tests.conftest import SEEDS

HOSTILE = {
    "id": "x-1",
    "title": "<script>alert('title')</script> Tiêu đề",
    "paragraphs": ["Đoạn một <img src=x onerror=alert(1)> có thẻ HTML nguy hiểm.",
                   "Đoạn hai bình thường, không có gì đặc biệt ở đây cả."],
    "published": "2025-10-01T10:00:00+07:00",
    "source": "<b>Nguồn</b>",
    "url": "javascript:alert(1)",
}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    dump = tmp_path / "hostile.jsonl"
    dump.write_text(json.dumps(HOSTILE, ensure_ascii=False) + "\n", "utf-8")
    with open_store(tmp_path / "data") as store:
        report = ingest_paths(store, [SEEDS, dump])
        assert not report.failures
    return TestClient(create_app(tmp_path / "data"))


def test_home_lists_newest_first_with_metadata(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "12 articles, newest first" in html
    first = html.index("王沪宁对老挝进行正式友好访问")
    assert first < html.index("习近平会见老挝人民革命党中央总书记")
    assert "人民网-国际频道" in html and "原创稿" in html
    assert "2025-12-02 17:13" in html


def test_everything_rendered_is_escaped(client: TestClient) -> None:
    html = client.get("/").text
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<b>Nguồn</b>" not in html
    article_id = client.get("/api/articles", params={"source": "<b>Nguồn</b>"}).json()[
        "articles"][0]["id"]
    view = client.get(f"/articles/{article_id}").text
    assert "<img src=x" not in view and "&lt;img src=x" in view
    assert "javascript:" not in view  # a non-http URL is never stored, never linked


def test_article_view_numbers_paragraphs(client: TestClient) -> None:
    rows = client.get("/api/articles", params={"lang": "vi"}).json()["articles"]
    seed003 = next(r for r in rows if r["title"].startswith("BRF"))
    html = client.get(f"/articles/{seed003['id']}").text
    assert 'id="p1"' in html and 'id="p8"' in html and 'id="p9"' not in html
    assert "Vientiane Times" in html and "no publish date found" in html
    assert "(Nguồn: Tân Hoa Xã)" in html  # shown as a caption, not as a paragraph
    assert client.get("/articles/unknown-id").status_code == 404


def test_filters_and_pagination(client: TestClient) -> None:
    html = client.get("/", params={"lang": "vi"}).text
    assert "2 articles" in html
    html = client.get("/", params={"since": "2025-11-01"}).text
    assert "3 articles" in html
    assert client.get("/", params={"since": "not-a-date"}).status_code == 422
    assert client.get("/", params={"page": 0}).status_code == 422


def test_json_api_and_openapi(client: TestClient) -> None:
    listing = client.get("/api/articles", params={"limit": 5}).json()
    assert listing["total"] == 12 and len(listing["articles"]) == 5
    one = client.get(f"/api/articles/{listing['articles'][0]['id']}").json()
    assert isinstance(one["paragraphs"], list) and one["published"] == "2025-12-02T17:13:00+00:00"
    assert client.get("/api/articles/nope").status_code == 404
    spec = client.get("/openapi.json").json()
    assert {"/api/articles", "/api/articles/{article_id}", "/api/stats"} <= spec["paths"].keys()
    assert client.get("/api/stats").json()["by_language"]["zh-Hans"] == 10
