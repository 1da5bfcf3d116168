"""The public CLI contract: command names, options and JSON fields."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

from tests import realtext
from tests.conftest import CORPUS, SEEDS, run_cli


def test_extract_prints_one_json_object_per_file(tmp_path: Path) -> None:
    html, gold, url = realtext.fundus_page("vn", "VnExpress")
    page = tmp_path / "vnexpress.html"
    page.write_bytes(html)
    people = tmp_path / "people.html"
    people.write_bytes(gzip.decompress(next((CORPUS / "extraction/fundus/cn").glob(
        "People_*.html.gz")).read_bytes()))
    result = run_cli("extract", str(page), str(people), "--url", url, check=True)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert {"path", "title", "text", "paragraphs", "published", "authors", "language",
                "captions"} <= row.keys()
        assert row["text"] == "\n\n".join(row["paragraphs"])
    vn = rows[0]
    assert vn["path"] == str(page)
    assert vn["title"] == gold["title"]
    assert vn["language"] == "vi"
    assert vn["published"].startswith("2025-10-22T") and vn["published"].endswith("+07:00")
    # The standfirst ("sapo") sits outside VnExpress' body container; it is recovered as
    # paragraph 1, as Fundus' gold has it (its "summary").
    assert vn["paragraphs"][0] == gold["body"]["summary"][0]
    assert vn["paragraphs"][1] == gold["body"]["sections"][0]["paragraphs"][0]
    # The photo caption is an image caption, not body text.
    caption = "Y bác sĩ nội soi cho bệnh nhân. Ảnh: Bệnh viện cung cấp"
    assert caption in vn["captions"] and caption not in vn["paragraphs"]
    assert rows[1]["language"] == "zh-Hans"
    assert "人民网" not in rows[1]["title"]


def test_extract_reports_bad_files_without_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("")
    result = run_cli("extract", str(empty))
    assert result.returncode == 2 and result.stdout == ""
    assert f"{empty}: empty page" in result.stderr and "Traceback" not in result.stderr


def test_ingest_list_show_stats_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run_cli("ingest", str(SEEDS), data=data, check=True)
    assert first.stdout.strip() == "11 new"
    again = run_cli("ingest", str(SEEDS), data=data, check=True)
    assert again.stdout.strip() == "nothing new: 11 unchanged"

    listed = json.loads(run_cli("list", "--json", data=data, check=True).stdout)
    assert len(listed) == 11
    for row in listed:
        assert {"id", "url", "title", "source", "published", "language"} <= row.keys()
    dated = [r["published"] for r in listed if r["published"]]
    assert dated == sorted(dated, reverse=True)
    assert listed[-1]["published"] is None  # the undated seed 003 page sorts last

    vi = json.loads(run_cli("list", "--json", "--lang", "vi", data=data).stdout)
    assert [r["title"][:4] for r in vi] == ["BRF:"]
    window = json.loads(run_cli("list", "--json", "--since", "2025-09-19", "--until",
                                "2025-09-21", data=data).stdout)
    assert len(window) == 3
    people = json.loads(run_cli("list", "--json", "--source", "人民网-国际频道", data=data).stdout)
    assert len(people) == 2

    shown = json.loads(run_cli("show", vi[0]["id"], "--json", data=data, check=True).stdout)
    assert isinstance(shown["paragraphs"], list) and len(shown["paragraphs"]) == 8
    assert shown["original_source"] == "Vientiane Times"
    text = run_cli("show", vi[0]["id"], data=data, check=True).stdout
    assert "[1] Trong khuôn khổ" in text and "[8] Sau cuộc gặp" in text
    assert "no publish date" in text

    stats = json.loads(run_cli("stats", "--json", data=data, check=True).stdout)
    assert stats["articles"] == 11
    assert stats["by_language"] == {"zh-Hans": 10, "vi": 1}
    assert stats["by_source"]["Xin Hua She"] == 4
    assert stats["by_day"]["2025-09-21"] == 2

    missing = run_cli("show", "nope", data=data)
    assert missing.returncode == 1 and "no article with id 'nope'" in missing.stderr
    bad_date = run_cli("list", "--since", "yesterday", data=data)
    assert bad_date.returncode == 2 and "is not a date" in bad_date.stderr


def test_data_dir_from_environment(tmp_path: Path) -> None:
    env = {"NEWSDESK_DATA": str(tmp_path / "envdata")}
    run_cli("ingest", str(SEEDS / next(p.name for p in SEEDS.glob("003_*"))), env=env,
            check=True)
    assert (tmp_path / "envdata" / "newsdesk.db").exists()
    assert json.loads(run_cli("stats", "--json", env=env).stdout)["articles"] == 1


def test_reextract_rebuilds_from_stored_raw(tmp_path: Path) -> None:
    data = tmp_path / "data"
    html, _, _url = realtext.fundus_page("vn", "VnExpress")
    page = tmp_path / "page.html"
    page.write_bytes(html)
    run_cli("ingest", str(page), str(SEEDS), data=data, check=True)
    # Simulate an older extractor: damage the extracted fields, mark the version old.
    db = sqlite3.connect(data / "newsdesk.db")
    db.execute("UPDATE articles SET paragraphs = '[\"stale\"]', extractor_version = '0'")
    db.commit()
    db.close()
    page.unlink()  # re-extraction must not need the original files
    result = run_cli("reextract", "--json", data=data, check=True)
    assert json.loads(result.stdout)["summary"] == {"updated": 12}
    rows = json.loads(run_cli("list", "--json", "--lang", "vi", data=data).stdout)
    for row in rows:
        shown = json.loads(run_cli("show", row["id"], "--json", data=data).stdout)
        assert shown["paragraphs"] != ["stale"] and len(shown["paragraphs"]) > 3
    assert json.loads(run_cli("reextract", "--json", data=data).stdout)["summary"] == {
        "unchanged": 12}
