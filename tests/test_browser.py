"""The real UI in a real browser: Debian's Chromium driven by Playwright.

`make test` installs chromium (and CJK/Thai fonts) from Debian; the server is the
real `newsdesk serve` in a subprocess on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from newsdesk.ingest.pipeline import ingest_paths
from newsdesk.store import open_store
from tests.conftest import DEMO, REPO, SEEDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("browser") / "data"
    with open_store(data) as store:
        ingest_paths(store, [SEEDS, DEMO / "dumps"])
    with serve_newsdesk(data) as base:
        yield base


@contextlib.contextmanager
def serve_newsdesk(data: Path, env: dict[str, str] | None = None,
                   wait: float = 60) -> Iterator[str]:
    """The real `newsdesk serve` over `data` in a subprocess; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(data), "serve",
                             "--port", str(port)], cwd=REPO, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise AssertionError("server did not start: " + proc.stderr.read().decode())
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_list_then_article_in_chromium(server: str, tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "make test installs Debian's chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(server + "/")
        assert "19 articles, newest first" in page.inner_text("#count")
        titles = page.locator(".result .title").all_inner_texts()
        assert titles[0] == "快讯|中老铁路开通四周年 跨境货运量累计突破五千万吨"
        page.screenshot(path=str(tmp_path / "list.png"), full_page=True)

        page.select_option("select[name=lang]", "vi")
        page.click("button[type=submit]")
        page.wait_for_url("**lang=vi**")
        assert "4 articles" in page.inner_text("#count")

        page.click("text=BRF: Trung Quốc-Lào ký kết")
        page.wait_for_selector("article h1")
        assert page.inner_text("article h1").startswith("BRF: Trung Quốc-Lào")
        paragraphs = page.locator(".paragraphs li").all_inner_texts()
        assert len(paragraphs) == 8 and paragraphs[0].startswith("[1] Trong khuôn khổ")
        body = page.inner_text(".paragraphs")
        assert "Tin liên quan" not in body and "Nhỏ Bình thường Lớn" not in body
        assert "Tân Hoa Xã" in page.inner_text(".images")
        page.click("a.pn >> nth=2")
        assert page.url.endswith("#p3")
        page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
        browser.close()
