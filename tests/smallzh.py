"""Six short Chinese articles of our own: 越南 in four of them (common at this size), 汇率
in two. Tests of the score-only words use them (`test_search`, `test_pruned`)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import index_records

ROWS = [("a", "汇率消息", "汇率本周下跌，越南市场平稳。"),
        ("b", "越南汇率消息", "汇率本周下跌，市场平稳。"),
        ("c", "越南新闻", "越南各地人民举行活动庆祝传统节日。"),
        ("d", "越南总理会见代表团", "越南总理在河内会见了代表团。"),
        ("e", "市场新闻", "越南市场本周平稳。"),
        ("f", "天气新闻", "本周天气晴朗。")]


def indexed(tmp_path: Path) -> Path:
    """A data directory holding `ROWS` (external ids a–f), lexical index only."""
    return index_records(tmp_path, [
        {"id": i, "url": f"https://tests.example/zh/{i}", "title": title, "text": text,
         "published": "2025-10-02T08:00:00+08:00", "language": "zh", "source": "测试"}
        for i, title, text in ROWS])
