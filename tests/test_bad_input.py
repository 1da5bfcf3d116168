"""Bad input gets one clear message naming the file and reason; the batch goes on.

Runs the real CLI in a subprocess so that what a user sees (stderr, exit code,
summary line) is what is asserted, including that no traceback ever appears.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests import realtext
from tests.conftest import run_cli


def good_page(title: str, paragraphs: list[str], url: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="canonical" href="{url}"></head><body><article><h1>{title}</h1>'
            f"{body}</article></body></html>")


def make_batch(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    title, body = realtext.vietnamese_article(21)
    files = {
        "good": folder / "a_good.html",
        "broken": folder / "b_broken.html",
        "binary": folder / "c_photo.html",
        "empty": folder / "d_empty.html",
        "huge": folder / "e_huge.html",
        "dangling": folder / "g_missing.html",
        "jsonl": folder / "h_dump.jsonl",
        "nav": folder / "i_nav_only.html",
    }
    files["good"].write_text(good_page(title, body, "https://baosonghong.example/good.html"),
                             "utf-8")
    # Unclosed tags, a stray </div>, a truncated end: lenient parsing must still read it.
    title2, body2 = realtext.vietnamese_article(22)
    broken = good_page(title2, body2, "https://baosonghong.example/broken.html")
    files["broken"].write_text(broken.replace("</p>", "", 3).replace("<article>", "</div><article>"
                                                                       )[:-40], "utf-8")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
    files["empty"].write_bytes(b"")
    with files["huge"].open("wb") as handle:  # 50 MB page
        handle.write(b"<html><body><p>")
        handle.truncate(50 * 1024 * 1024)
    files["dangling"].symlink_to(folder / "nowhere.html")
    lines = []
    for n in range(3):
        t, b = realtext.vietnamese_article(30 + n)
        lines.append(json.dumps({"id": f"v{n}", "title": t, "text": "\n\n".join(b),
                                 "published": f"2025-03-0{n + 1}T08:00:00+07:00"},
                                ensure_ascii=False))
    lines.insert(2, lines[1][: len(lines[1]) // 2])  # a truncated line in the middle
    files["jsonl"].write_text("\n".join(lines) + "\n", "utf-8")
    files["nav"].write_text("<html><body><nav><a href='/'>Trang chủ</a><a href='/x'>Thế giới"
                            "</a></nav></body></html>", "utf-8")
    return files


def test_bad_files_each_get_one_clear_message(tmp_path: Path) -> None:
    files = make_batch(tmp_path / "batch")
    missing = tmp_path / "not-there.html"
    result = run_cli("ingest", str(tmp_path / "batch"), str(missing), data=tmp_path / "data")
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1  # some failed, not all
    errors = result.stderr
    expectations = {
        "binary": "binary file (PNG image)",
        "empty": "empty",
        "huge": "over the 10 MB limit",
        "dangling": "no such file",
        "nav": "no article text found",
    }
    for key, reason in expectations.items():
        lines = [ln for ln in errors.splitlines() if files[key].name in ln]
        assert len(lines) == 1, (key, errors)
        assert reason in lines[0], (key, lines[0])
    assert f"{missing}: no such file" in errors
    jsonl_errors = [ln for ln in errors.splitlines() if "h_dump.jsonl:3" in ln]
    assert len(jsonl_errors) == 1 and "invalid JSON" in jsonl_errors[0]
    summary = result.stdout.strip().splitlines()[-1]
    assert summary == "5 new, 7 failed", summary  # 5 bad files, 1 JSONL line, 1 missing


def test_json_output_counts_every_item(tmp_path: Path) -> None:
    make_batch(tmp_path / "batch")
    result = run_cli("ingest", "--json", str(tmp_path / "batch"), data=tmp_path / "data")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    items, summary = rows[:-1], rows[-1]
    assert summary == {"summary": {"new": 5, "failed": 6}, "stored": 5}
    assert {r["outcome"] for r in items} == {"new", "failed"}
    assert all(r["reason"] for r in items if r["outcome"] == "failed")
    listed = json.loads(run_cli("list", "--json", data=tmp_path / "data").stdout)
    assert {a["external_id"] for a in listed if a["external_id"]} == {"v0", "v1", "v2"}
