"""The bundled demo corpus: its promises, and newsdesk reading it back exactly.

demo/manifest.jsonl holds the gold facts of every page (written by
demo/build.py from the original article texts), so extraction is checked
page by page: title, language, publish date with its offset, body paragraphs
in order, captions kept out of the body, no boilerplate leaking in.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from newsdesk.ingest.pipeline import canonical, ingest_paths
from newsdesk.store import open_store
from tests.conftest import DEMO

BOILERPLATE = ["Tin liên quan", "Tin cũ hơn", "Nhỏ Bình thường Lớn", "Chia sẻ", "相关新闻",
               "相關新聞", "字号", "分享到", "更多新闻", "More stories", "Share:", "A- A A+",
               "ข่าวที่เกี่ยวข้อง", "ຂ່າວທີ່ກ່ຽວຂ້ອງ", "Copyright", "©"]


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    path = DEMO / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def stored(manifest: list[dict], tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("demo") / "data"
    with open_store(data) as store:
        report = ingest_paths(store, [DEMO / "site"])
        by_url = {a.canonical_url: a for a in store.list()}
    return {"report": report, "by_url": by_url}


def test_corpus_size_and_languages(manifest: list[dict]) -> None:
    langs = Counter(m["lang"] for m in manifest)
    assert langs["zh"] + langs["vi"] + langs["en"] >= 150
    assert min(langs["zh"], langs["vi"], langs["en"]) >= 30
    assert langs["lo"] + langs["th"] >= 10
    encodings = {m["encoding"].lower() for m in manifest}
    assert {"gbk", "cp1258", "cp950", "tis-620"} <= {e.replace("big5", "cp950") for e in encodings}
    days = {m["published"][:7] for m in manifest if m["published"]}
    assert len(days) >= 5  # several months


def test_stories_told_across_languages_and_republished(manifest: list[dict]) -> None:
    by_story: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for m in manifest:
        by_story[m["story"]].add((m["lang"], m["outlet"]))
    multilingual = [s for s, v in by_story.items()
                    if len({lang for lang, _ in v}) >= 2 and len({o for _, o in v}) >= 2]
    assert len(multilingual) >= 12
    assert sum(1 for m in manifest if m["republished_from"]) >= 6
    s01 = [m for m in manifest if m["story"] == "s01"]
    assert {"zh", "vi", "en"} <= {m["lang"] for m in s01}
    assert any("中老命运共同体" in m["title"] + m["lead"] for m in s01 if m["lang"] == "zh")


def test_every_page_ingests(manifest: list[dict], stored: dict) -> None:
    counts = stored["report"].counts
    assert counts["failed"] == 0, stored["report"].failures
    assert counts["new"] + counts["duplicate"] == len(manifest)


def _article(stored: dict, m: dict):
    article = stored["by_url"].get(canonical(m["url"]))
    assert article is not None, f"{m['slug']} not stored under {m['url']}"
    return article


def test_titles_languages_dates(manifest: list[dict], stored: dict) -> None:
    problems = []
    for m in manifest:
        a = _article(stored, m)
        if a.title != m["title"]:
            problems.append((m["slug"], "title", a.title))
        expected_lang = f"zh-{m['script']}" if m["lang"] == "zh" else m["lang"]
        if a.language != expected_lang:
            problems.append((m["slug"], "language", a.language))
        gold = datetime.fromisoformat(m["published"]) if m["published"] else None
        if gold is None and a.published is not None:
            problems.append((m["slug"], "date invented", a.published))
        elif gold is not None and (a.published != gold
                                   or a.published.utcoffset() != gold.utcoffset()):
            problems.append((m["slug"], "date", a.published, gold))
    assert problems == []


def test_bodies_are_exact_and_clean(manifest: list[dict], stored: dict) -> None:
    problems = []
    for m in manifest:
        a = _article(stored, m)
        if a.paragraphs != m["paragraphs"]:
            problems.append((m["slug"], "paragraphs", len(a.paragraphs), len(m["paragraphs"])))
        body = "\n".join(a.paragraphs)
        leaked = [b for b in BOILERPLATE if b in body and b not in "\n".join(m["paragraphs"])]
        if leaked:
            problems.append((m["slug"], "boilerplate", leaked))
        if m["caption"]:
            if m["caption"] in body:
                problems.append((m["slug"], "caption in body"))
            if m["caption"] not in a.captions:
                problems.append((m["slug"], "caption lost", a.captions))
        if m["credit"] and m["credit"].strip("()（） ") and not a.original_source:
            problems.append((m["slug"], "credit lost", m["credit"]))
    assert problems == []


def test_demo_dumps_ingest(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:
        report = ingest_paths(store, [DEMO / "dumps"])
    assert report.counts == Counter({"new": 8})
