"""Real text from ../shared/corpus for tests (read in place, never copied)."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from tests.conftest import CORPUS, need_shared


@lru_cache(maxsize=1)
def _vietnews_files() -> list[Path]:
    return sorted((CORPUS / "news" / "vietnews").glob("*.txt.seg"))


def vietnamese_article(n: int = 0) -> tuple[str, list[str]]:
    """Title and body paragraphs of the n-th vietnews article, `_` joins removed."""
    need_shared()
    path = _vietnews_files()[n]
    lines = [ln.strip().replace("_", " ") for ln in path.read_text("utf-8").splitlines()]
    lines = [re.sub(r"\s+([,.;:?!)”])", r"\1", ln) for ln in lines if ln]
    return lines[0], lines[1:]


def chinese_stories(day: str = "20250101") -> list[tuple[str, str]]:
    """(title, body) pairs of one CCTV evening-news transcript."""
    need_shared()
    text = (CORPUS / "news" / "cctv" / f"{day}.md").read_text("utf-8")
    stories = []
    for block in text.split("\n### ")[1:]:
        title, _, body = block.partition("\n")
        body = re.sub(r"\[查看原文\]\([^)]*\)", "", body).strip()
        if len(body) > 80:
            stories.append((title.strip(), body))
    return stories


def thai_release(n: int = 0) -> tuple[str, str]:
    need_shared()
    path = sorted((CORPUS / "news" / "thaigov").glob("*.txt"))[n]
    lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    return lines[0], "\n".join(lines[2:-1])


def lao_texts(count: int = 5) -> list[str]:
    return [lao for lao, _ in lao_thai_rows(count)]


def lao_thai_rows(count: int = 20) -> list[tuple[str, str]]:
    """(Lao release, its Thai translation) rows of the lao-thai corpus."""
    need_shared()
    path = CORPUS / "retrieval" / "lao-thai" / "vientiane-thaiembassy.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [(row["lao"], row["thai"]) for row in rows[:count]]


def english_passages(count: int = 5) -> list[str]:
    import json

    need_shared()
    data = json.loads((CORPUS / "retrieval" / "xquad" / "xquad.en.json").read_text("utf-8"))
    return [p["context"] for art in data["data"] for p in art["paragraphs"]][:count]


def seed(name: str) -> Path:
    need_shared()
    return next((CORPUS.parent / "seeds").glob(f"{name}_*.txt"))


def fundus_page(country: str, publisher: str) -> tuple[bytes, dict, str]:
    """(gzip-decoded HTML bytes, gold V1 record, url) of one Fundus page."""
    import gzip
    import json

    need_shared()
    folder = CORPUS / "extraction" / "fundus" / country
    html_path = next(folder.glob(f"{publisher}_*.html.gz"))
    gold = json.loads((folder / f"{publisher}.json").read_text("utf-8"))
    meta = json.loads((folder / "meta.info").read_text("utf-8"))
    return gzip.decompress(html_path.read_bytes()), gold["V1"], meta[html_path.name]["url"]
