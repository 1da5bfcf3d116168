"""Telling feeds, sitemaps and pages apart, finding a site's feeds, and XML hygiene."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import pytest

from newsdesk.errors import InputError, TooLargeError
from newsdesk.ingest.discover import (
    COMMON_FEED_PATHS,
    COMMON_SITEMAP_PATHS,
    candidate_urls,
    classify,
    discover_feeds,
    gunzip,
    looks_like_home_page,
    prepare_xml,
    sitemaps_from_robots,
)

RSS = (b'<?xml version="1.0" encoding="utf-8"?>\n'
       b'<rss version="2.0"><channel><title>t</title></channel></rss>')
ATOM = b'<?xml version="1.0"?><!-- generator --><feed xmlns="http://www.w3.org/2005/Atom"></feed>'
RDF = (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
       b'xmlns="http://purl.org/rss/1.0/"><channel/></rdf:RDF>')
URLSET = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
          b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/1'
          b'</loc></url></urlset>')
INDEX = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
         b'https://a.example/s1.xml</loc></sitemap></sitemapindex>')
DEMO = Path(__file__).resolve().parents[1] / "demo"
HTML = b"<!DOCTYPE html>\n<html lang='vi'><head><title>Trang ch\xe1\xbb\xa7</title></head></html>"


@pytest.mark.parametrize(("data", "url", "content_type", "expected"), [
    (RSS, "https://a.example/rss", "application/rss+xml", "feed"),
    # The bytes win over a wrong header: CMSs serve feeds as text/html.
    (RSS, "https://a.example/rss", "text/html; charset=utf-8", "feed"),
    (ATOM, "https://a.example/atom.xml", None, "feed"),
    (RDF, "https://a.example/index.rdf", "text/xml", "feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
     "https://a.example/feed.json", "application/json", "feed"),
    (b"\xef\xbb\xbf" + RSS, "https://a.example/rss", None, "feed"),  # UTF-8 BOM
    (b"<br />\n<b>Warning</b>: Undefined index in feed.php<br />\n" + RSS,
     "https://a.example/feed.php", "text/html", "feed"),
    (URLSET, "https://a.example/sitemap.xml", "text/xml", "sitemap"),
    (INDEX, "https://a.example/sitemap_index.xml", "application/xml", "sitemap"),
    (gzip.compress(URLSET), "https://a.example/sitemap.xml.gz", "application/x-gzip", "sitemap"),
    (gzip.compress(URLSET), "https://a.example/sitemap", "application/octet-stream", "sitemap"),
    (gzip.compress(b"not xml at all " * 100), "https://a.example/s.xml.gz", None, "sitemap"),
    (b"https://a.example/1\nhttps://a.example/2\n", "https://a.example/sitemap.txt",
     "text/plain", "sitemap"),
    (HTML, "https://a.example/", "text/html", "html"),
    (b"<html><body><p>no doctype</p></body></html>", "https://a.example/", None, "html"),
    (b"  <head><title>x</title></head><body>fragment</body>", "https://a.example/", None, "html"),
    # Nothing in the bytes: the header decides.
    (b"hello", "https://a.example/rss", "application/rss+xml", "feed"),
    (b"hello", "https://a.example/", "text/html", "html"),
    (b"\x89PNG\r\n\x1a\n....", "https://a.example/logo.png", "image/png", "unknown"),
    (b"", "https://a.example/", None, "unknown"),
    (b'<?xml version="1.0"?><opml version="2.0"><body/></opml>', "https://a.example/o", None,
     "unknown"),
    (b'{"data": [1, 2]}', "https://a.example/api", "application/json", "unknown"),
])
def test_classify(data: bytes, url: str, content_type: str | None, expected: str) -> None:
    assert classify(data, url, content_type) == expected


def test_discover_feeds_in_page_order_absolute_and_unique() -> None:
    page = """<!DOCTYPE html><html><head>
    <base href="https://news.example/vi/">
    <link rel="alternate" type="application/rss+xml" title="Tin mới" href="rss/tin-moi.rss">
    <link rel="alternate" hreflang="en" href="https://news.example/en/">
    <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
    <link rel="stylesheet" type="text/css" href="/style.css">
    <link rel="Alternate Feed" type="Application/Atom+XML; charset=utf-8" href="/atom.xml">
    <link rel="alternate" type="application/rss+xml" href="rss/tin-moi.rss">
    <link rel="alternate" type="application/rdf+xml" href="//cdn.news.example/index.rdf">
    <link rel="alternate" type="application/feed+json" href="feed:https://news.example/f.json">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href="">
    </head><body><link rel="alternate" type="application/rss+xml" href="/late.xml"></body></html>"""
    assert discover_feeds(page, "https://news.example/vi/index.html") == [
        "https://news.example/vi/rss/tin-moi.rss",
        "https://news.example/atom.xml",
        "https://cdn.news.example/index.rdf",
        "https://news.example/f.json",
        "https://news.example/late.xml",
    ]


def test_discover_feeds_from_legacy_encoded_bytes() -> None:
    page = ('<?xml version="1.0" encoding="gbk"?>\n<html><head><meta charset="gbk">'
            "<title>南方观察报 - 首页新闻</title>"
            '<link rel="alternate" type="application/rss+xml" title="要闻" href="/rss/yaowen.xml">'
            "</head><body><p>今日要闻</p></body></html>").encode("gbk")
    assert discover_feeds(page, "http://www.nanfang.example/") == [
        "http://www.nanfang.example/rss/yaowen.xml"]


@pytest.mark.parametrize("page", [b"", "   ", b"\x89PNG\r\n\x1a\n\x00\x00", "<p>no head</p>"])
def test_discover_feeds_finds_nothing_quietly(page: bytes | str) -> None:
    assert discover_feeds(page, "https://a.example/") == []


def test_candidate_urls() -> None:
    feeds = candidate_urls("https://tinmekong.example/", "feed")
    assert feeds == [f"https://tinmekong.example{p}" for p in COMMON_FEED_PATHS]
    assert "https://tinmekong.example/rss/home.rss" in feeds
    both = candidate_urls("https://tinmekong.example")
    assert both == feeds + [f"https://tinmekong.example{p}" for p in COMMON_SITEMAP_PATHS]
    # A site living in a folder: the folder's paths first, then the host's.
    blog = candidate_urls("http://a.example:8080/blog/index.html", "sitemap")
    assert blog[:2] == ["http://a.example:8080/blog/sitemap.xml",
                        "http://a.example:8080/blog/sitemap_index.xml"]
    assert blog[len(COMMON_SITEMAP_PATHS)] == "http://a.example:8080/sitemap.xml"
    assert len(blog) == len(set(blog)) == 2 * len(COMMON_SITEMAP_PATHS)


@pytest.mark.parametrize(("url", "home"), [
    ("https://vnexpress.example", True),
    ("https://vnexpress.example/", True),
    ("https://vnexpress.example/index.html", True),
    ("https://vnexpress.example/index.php#top", True),
    ("https://vnexpress.example/vi/", True),
    ("https://www.taipei.example/zh-hant", True),
    ("https://vnexpress.example/?p=123", False),
    ("https://vnexpress.example/thoi-su/", False),
    ("https://vnexpress.example/thoi-su/lu-lut-mien-trung-4801.html", False),
    ("https://www.nanfang.example/2025/10/20/content_12345.htm", False),
    ("https://vnexpress.example/news/index.html", False),
])
def test_looks_like_home_page(url: str, home: bool) -> None:
    assert looks_like_home_page(url) is home


def test_sitemaps_from_robots() -> None:
    robots = ("User-agent: *\nDisallow: /admin\n"
              "Sitemap: https://a.example/sitemap_index.xml\n"
              "sitemap:/news-sitemap.xml # news only\n"
              "SITEMAP: https://a.example/sitemap_index.xml\n"
              "Sitemap: ftp://a.example/x.xml\n")
    assert sitemaps_from_robots(robots, "https://a.example/robots.txt") == [
        "https://a.example/sitemap_index.xml", "https://a.example/news-sitemap.xml"]


def test_prepare_xml_removes_dtd_and_makes_entities_references() -> None:
    text = ('<?xml version="1.0" encoding="windows-1258"?>\n'
            '<!DOCTYPE rss [<!ENTITY boom "&boom2;&boom2;"><!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<rss><a>Q&amp;A &nbsp;&eacute; AT&T &x; &#8217;\x0b</a>"
            "<b><![CDATA[a & b &amp; c]]></b></rss>")
    out, repairs = prepare_xml(text)
    assert out.startswith('<?xml version="1.0"?>\n<rss>')  # text is decoded: no encoding
    assert "ENTITY" not in out and "DOCTYPE" not in out
    assert "<a>Q&#38;A &#160;&#233; AT&#38;T &#38;x; &#8217;</a>" in out
    assert "<![CDATA[a & b &amp; c]]>" in out  # CDATA text is literal: untouched
    assert any("DTD" in r for r in repairs)
    assert any("bare '&'" in r for r in repairs)
    assert any("control" in r for r in repairs)
    clean, none = prepare_xml('<?xml version="1.0"?><rss><a>ok &amp; fine</a></rss>')
    assert none == [] and "ok &#38; fine" in clean


def test_prepare_xml_drops_junk_before_the_root_but_not_html() -> None:
    php = ("<br />\n<b>Warning</b>: Undefined index in feed.php<br />\n"
           '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel/></rss>')
    out, repairs = prepare_xml(php)
    assert out == '<rss version="2.0"><channel/></rss>'
    assert repairs == [f"dropped {php.index('<rss')} characters before <rss>"]
    page = "<html><body><pre>&lt;feed&gt;</pre><feed ></body></html>"
    assert prepare_xml(page)[0].startswith("<html>")


def test_gunzip_members_truncation_and_cap() -> None:
    two = gzip.compress(b"hello ") + gzip.compress(b"world")
    assert gunzip(two, "x", 100) == (b"hello world", False)
    whole = gzip.compress(b"abc" * 10000)
    data, cut = gunzip(whole[: len(whole) // 2], "x", 10**6)
    assert cut and data and data != b"abc" * 10000 and (b"abc" * 10000).startswith(data)
    with pytest.raises(TooLargeError, match="expands past"):
        gunzip(gzip.compress(b"\0" * 10_000), "x", 9_999)
    assert gunzip(gzip.compress(b"\0" * 10_000), "x", 10_000)[0] == b"\0" * 10_000
    with pytest.raises(InputError, match="corrupt gzip"):
        gunzip(b"\x1f\x8b\x08\x00garbage" + bytes(20), "x", 100)
    # A raw deflate stream is not gzip.
    with pytest.raises(InputError):
        gunzip(zlib.compress(b"abc"), "x", 100)


def test_demo_feeds_and_pages() -> None:
    feeds = sorted((DEMO / "feeds").glob("*.xml"))
    pages = sorted((DEMO / "site").glob("*/**/*.html"))
    assert feeds and pages, "demo/feeds and demo/site are committed (python3 demo/build.py)"
    for path in feeds:
        data = path.read_bytes()
        assert classify(data, f"https://feeds.example/{path.name}", "text/xml") == "feed", path
        # Our usual paths would have found this feed from the outlet's home page.
        self_url = re.search(rb'<atom:link href="([^"]+)" rel="self"|'
                             rb'rel="self" type="[^"]+" href="([^"]+)"', data)
        assert self_url, path
        feed_url = (self_url.group(1) or self_url.group(2)).decode()
        home = feed_url.rsplit("/", 1)[0] + "/"
        assert looks_like_home_page(home)
        assert feed_url in candidate_urls(home, "feed"), feed_url
    for path in pages:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # demo/build.py is rewriting the site right now
            continue
        url = "https://" + path.relative_to(DEMO / "site").as_posix()
        assert classify(data, url, None) == "html", path
        assert not looks_like_home_page(url)
        links = discover_feeds(data, url)
        assert bool(links) == bool(re.search(rb"<link[^>]+application/(rss|atom)\+xml", data))
        host = url.split("/")[2]
        assert all(link.startswith("https://") and link.split("/")[2] == host for link in links)
