"""Sitemaps: urlsets, indexes, Google News, gzip, plain text, and hostile inputs."""

from __future__ import annotations

import gzip
import resource
import time
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsdesk.errors import InputError, TooLargeError
from newsdesk.ingest.sitemaps import MAX_SITEMAP_URLS, parse_sitemap

ICT = timezone(timedelta(hours=7))

URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <loc>https://tinmekong.example/thoi-su/lu-lut-mien-trung-4801.html?utm=a&amp;ref=b</loc>
    <lastmod>2025-10-20T14:30:00+07:00</lastmod>
    <changefreq>hourly</changefreq><priority>0.8</priority>
    <image:image><image:loc>https://cdn.tinmekong.example/lu-lut.jpg</image:loc>
      <image:caption>Nước lũ dâng cao</image:caption></image:image>
    <xhtml:link rel="alternate" hreflang="en" href="https://tinmekong.example/en/floods"/>
  </url>
  <url>
    <loc>
      /kinh-te/gia-lua-gao.html
    </loc>
    <lastmod>2025-10-19</lastmod>
    <video:video><video:content_loc>https://cdn.tinmekong.example/v.mp4</video:content_loc>
      <video:player_loc>https://tinmekong.example/player</video:player_loc></video:video>
  </url>
  <url><loc><![CDATA[https://tinmekong.example/search?q=l%C5%A9&page=2]]></loc>
    <lastmod>not a date</lastmod></url>
  <url><loc>mailto:toasoan@tinmekong.example</loc></url>
  <url><loc>https://tinmekong.example/thoi-su/lu-lut-mien-trung-4801.html?utm=a&amp;ref=b</loc></url>
</urlset>
"""

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://www.nanfang-guancha.example/2025/10/20/a1.html</loc>
    <news:news>
      <news:publication><news:name>南方观察报</news:name><news:language>zh-cn</news:language>
      </news:publication>
      <news:publication_date>2025-10-20T14:30:00+08:00</news:publication_date>
      <news:title>国务院常务会议研究部署经济工作 &amp; 民生</news:title>
    </news:news>
  </url>
  <url>
    <loc>https://baosonghong.example/xa-hoi/mua-lu.html</loc>
    <news:news>
      <news:publication><news:name>Báo Sông Hồng</news:name><news:language>vi</news:language>
      </news:publication>
      <news:publication_date>2025-10-20T08:15:00</news:publication_date>
      <news:title>Mưa lũ gây sạt lở ở các tỉnh miền núi</news:title>
    </news:news>
  </url>
  <url>
    <loc>https://krungthep-daily.example/news/123</loc>
    <news:news>
      <news:publication><news:name>ข่าวกรุงเทพรายวัน</news:name><news:language>th</news:language>
      </news:publication>
      <news:publication_date>2025-10-20</news:publication_date>
      <news:title>น้ำท่วมกรุงเทพฯ ฝนตกหนัก</news:title>
    </news:news>
  </url>
</urlset>
"""

INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://tinmekong.example/sitemap-news.xml</loc>
    <lastmod>2025-10-20T14:30:00+07:00</lastmod></sitemap>
  <sitemap><loc>/sitemaps/2025-10.xml.gz</loc></sitemap>
  <sitemap><loc>https://tinmekong.example/sitemap-news.xml</loc></sitemap>
</sitemapindex>
"""

LOL = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY lol0 "lol">{LOL}
  <!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://a.example/&lol9;</loc></url>
  <url><loc>https://a.example/&xxe;</loc></url>
  <url><loc>https://a.example/after?x=1&amp;y=2</loc></url>
</urlset>
"""


def test_urlset_locs_lastmods_and_ignored_extensions() -> None:
    result = parse_sitemap(URLSET.encode(), "https://tinmekong.example/sitemap.xml")
    assert result.kind == "urlset" and result.sitemaps == []
    assert [u.loc for u in result.urls] == [
        "https://tinmekong.example/thoi-su/lu-lut-mien-trung-4801.html?utm=a&ref=b",
        "https://tinmekong.example/kinh-te/gia-lua-gao.html",
        "https://tinmekong.example/search?q=l%C5%A9&page=2",
    ]  # image, video and hreflang URLs are not pages of this sitemap; duplicates once
    first, second, third = result.urls
    assert first.lastmod == datetime(2025, 10, 20, 14, 30, tzinfo=ICT)
    assert first.lastmod.utcoffset() == timedelta(hours=7)  # the stated offset is kept
    assert second.lastmod == datetime(2025, 10, 19, tzinfo=UTC)  # a date alone
    assert third.lastmod is None
    assert first.news_title is None and first.news_published is None
    assert "skipped 1 entries" in (result.warning or "")


def test_google_news_sitemap() -> None:
    result = parse_sitemap(NEWS.encode(), "https://news.example/news-sitemap.xml")
    zh, vi, th = result.urls
    assert zh.news_title == "国务院常务会议研究部署经济工作 & 民生"
    assert zh.news_publication == "南方观察报" and zh.news_language == "zh-cn"
    assert zh.news_published == datetime(2025, 10, 20, 14, 30, tzinfo=timezone(timedelta(hours=8)))
    assert zh.news_published.utcoffset() == timedelta(hours=8)
    assert not zh.news_published_tz_assumed
    # No offset given: the outlet's zone (by language here, .example has none), flagged.
    assert vi.news_title == "Mưa lũ gây sạt lở ở các tỉnh miền núi"
    assert vi.news_publication == "Báo Sông Hồng"
    assert vi.news_published == datetime(2025, 10, 20, 8, 15, tzinfo=ICT)
    assert vi.news_published.utcoffset() == timedelta(hours=7)
    assert vi.news_published_tz_assumed
    assert th.news_title == "น้ำท่วมกรุงเทพฯ ฝนตกหนัก"
    assert th.news_published == datetime(2025, 10, 20, tzinfo=ICT) and th.news_published_tz_assumed
    assert result.warning is None


def test_sitemap_index() -> None:
    result = parse_sitemap(INDEX.encode(), "https://tinmekong.example/sitemap_index.xml")
    assert result.kind == "index" and result.urls == []
    assert result.sitemaps == ["https://tinmekong.example/sitemap-news.xml",
                               "https://tinmekong.example/sitemaps/2025-10.xml.gz"]


def test_gzipped_sitemap_reads_like_the_plain_one() -> None:
    plain = parse_sitemap(NEWS.encode(), "https://news.example/news-sitemap.xml")
    packed = parse_sitemap(gzip.compress(NEWS.encode()), "https://news.example/news-sitemap.xml.gz")
    assert packed == plain.__class__(**{**plain.__dict__, "url": packed.url})
    # The magic bytes decide, not the URL: a .gz the server already unpacked still reads.
    assert parse_sitemap(NEWS.encode(), "https://news.example/s.xml.gz").urls == plain.urls


def test_truncated_gzip_keeps_what_it_holds() -> None:
    body = URLSET.replace("</urlset>", "".join(
        f"<url><loc>https://tinmekong.example/a/{i}.html</loc></url>" for i in range(2000)
    ) + "</urlset>")
    packed = gzip.compress(body.encode())
    result = parse_sitemap(packed[: len(packed) // 2], "https://tinmekong.example/s.xml.gz")
    assert 3 < len(result.urls) < 2003
    assert "truncated" in (result.warning or "")


def test_gzip_bomb_is_refused_at_the_cap() -> None:
    # 256 MB of zeros in ~1 MB of gzip; the default cap (50 MB) must stop it early.
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(chunk) for _ in range(256)) + packer.flush()
    assert len(bomb) < 2 * (1 << 20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(TooLargeError, match="50 MB"):
        parse_sitemap(bomb, "https://evil.example/sitemap.xml.gz")
    assert time.monotonic() - started < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 150  # never near the 256 MB it would expand to
    with pytest.raises(InputError, match="expands past"):
        parse_sitemap(gzip.compress(NEWS.encode()), "https://a.example/s.xml.gz", max_bytes=1000)


def test_billion_laughs_and_external_entities_do_not_expand() -> None:
    started = time.monotonic()
    result = parse_sitemap(BILLION_LAUGHS.encode(), "https://a.example/sitemap.xml")
    assert time.monotonic() - started < 2
    locs = [u.loc for u in result.urls]
    assert all(len(loc) < 100 for loc in locs)
    assert not any("lollol" in loc or "root:" in loc for loc in locs)
    # The document after the bomb still reads, query string intact.
    assert locs[-1] == "https://a.example/after?x=1&y=2"
    assert "DTD" in (result.warning or "")


def test_broken_xml_keeps_urls_and_their_query_strings() -> None:
    broken = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://a.example/1?x=1&y=2</loc></url>
    <url><loc>https://a.example/2</loc></urll>
    <url><loc>https://a.example/3?p=1&amp;q=2&nbsp;</loc><lastmod>2025-10-20</lastmod></url>
    <url><loc>https://a.example/4?page=1&amp;lang=vi</loc></url>
    <url><loc>https://a.example/5</lo"""
    result = parse_sitemap(broken.encode(), "https://a.example/sitemap.xml")
    assert [u.loc for u in result.urls] == [
        "https://a.example/1?x=1&y=2",  # the bare & escaped before parsing
        "https://a.example/2",
        "https://a.example/3?p=1&q=2",  # &nbsp; read as a (trailing, stripped) space
        "https://a.example/4?page=1&lang=vi",  # &amp; after the first error survives
        "https://a.example/5",  # the truncated last entry
    ]
    assert result.urls[2].lastmod == datetime(2025, 10, 20, tzinfo=UTC)
    assert "not well-formed" in (result.warning or "")
    assert "bare '&'" in (result.warning or "")


def test_sitemaps_without_or_with_old_namespaces() -> None:
    for ns in ("", ' xmlns="http://www.google.com/schemas/sitemap/0.84"'):
        doc = f"<urlset{ns}><url><loc>https://a.example/x</loc></url></urlset>"
        assert [u.loc for u in parse_sitemap(doc.encode(), "https://a.example/").urls] == [
            "https://a.example/x"]


def test_plain_text_sitemap() -> None:
    text = ("\ufeffhttps://laonews.example/ຂ່າວ/1\n\n  https://laonews.example/2  \r\n"
            "# a comment\nnot a url\nftp://laonews.example/3\nhttps://laonews.example/2\n")
    result = parse_sitemap(text.encode(), "https://laonews.example/sitemap.txt")
    assert result.kind == "text"
    assert [u.loc for u in result.urls] == ["https://laonews.example/ຂ່າວ/1",
                                            "https://laonews.example/2"]


def test_url_limit_cuts_with_a_warning() -> None:
    count = MAX_SITEMAP_URLS + 10
    text = "\n".join(f"https://a.example/{i}" for i in range(count))
    result = parse_sitemap(text.encode(), "https://a.example/sitemap.txt")
    assert len(result.urls) == MAX_SITEMAP_URLS
    assert "50,000" in (result.warning or "")
    doc = "<urlset>" + "".join(f"<url><loc>https://a.example/{i}</loc></url>"
                               for i in range(count)) + "</urlset>"
    xml = parse_sitemap(doc.encode(), "https://a.example/sitemap.xml")
    assert len(xml.urls) == MAX_SITEMAP_URLS and xml.urls[-1].loc.endswith("/49999")
    small = parse_sitemap(doc.encode(), "https://a.example/sitemap.xml", max_urls=3)
    assert len(small.urls) == 3 and "cut at 3 URLs" in (small.warning or "")


@pytest.mark.parametrize(("data", "reason"), [
    (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "looks like an HTML page"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "looks like an RSS/Atom feed"),
    (b"", "empty"),
    (b"   \n  ", "empty"),
    (b'<?xml version="1.0"?><opml><body/></opml>', "root element is <opml>"),
    (b"User-agent: *\nDisallow: /\n", "first line is not a URL"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
])
def test_not_a_sitemap(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match="not a sitemap") as info:
        parse_sitemap(data, "https://a.example/sitemap.xml")
    assert reason in info.value.reason
    assert info.value.where == "https://a.example/sitemap.xml"


def test_size_guard() -> None:
    with pytest.raises(TooLargeError, match="over the"):
        parse_sitemap(b" " * (50 * 1024 * 1024 + 1), "https://a.example/sitemap.xml")
    with pytest.raises(InputError, match="over the 10 limit"):
        parse_sitemap(URLSET.encode(), "https://a.example/sitemap.xml", max_bytes=10)
