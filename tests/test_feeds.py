"""Feeds: RSS 0.91/2.0, RSS 1.0 (RDF), Atom, JSON Feed, legacy encodings, broken input."""

from __future__ import annotations

import gzip
import re
import time
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsdesk.errors import InputError, TooLargeError
from newsdesk.ingest.feeds import ParsedFeed, parse_feed

DEMO_FEEDS = Path(__file__).resolve().parents[1] / "demo" / "feeds"
ICT = timezone(timedelta(hours=7))
CST = timezone(timedelta(hours=8))

RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Tin Mê Kông - Thời sự</title>
  <link>/thoi-su/</link>
  <language>vi-VN</language>
  <item>
    <title>Lũ lụt ở miền Trung: hàng nghìn hộ dân phải sơ tán</title>
    <link>/thoi-su/lu-lut-mien-trung-4801.html</link>
    <guid isPermaLink="false">tinmekong-4801</guid>
    <description><![CDATA[<p><img src="/i/lu.jpg" alt="lũ"/>Nước lũ dâng cao &amp; nhanh
      ở <b>Quảng Bình</b>.</p><p>Chính quyền&nbsp;đã sơ tán 3.000 hộ.</p>
      <script>alert(1)</script>]]></description>
    <pubDate>Mon, 20 Oct 2025 14:30:00 +0700</pubDate>
    <author>toasoan@tinmekong.example (Trần Thị Bình)</author>
    <category>Thời sự</category><category>Thiên tai</category><category>Thời sự</category>
  </item>
  <item>
    <title>Giá lúa gạo tăng mạnh</title>
    <link>https://tinmekong.example/kinh-te/gia-lua-gao-4802.html</link>
    <dc:creator>Nguyễn Văn An</dc:creator>
    <dc:date>2025-10-20T09:05:00+07:00</dc:date>
    <content:encoded><![CDATA[<p>Giá lúa gạo tăng.</p><p>Nông dân phấn khởi.</p>]]>
    </content:encoded>
  </item>
</channel>
</rss>
"""

RSS091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91">
<channel>
<title>Asia Wire Service</title>
<link>http://asiawire.example/</link>
<description>Wire copy</description>
<language>en-us</language>
<item>
<title>Caf\xe9 prices rise &eacute;verywhere</title>
<link>http://asiawire.example/2025/10/coffee.html</link>
<description>Prices &amp;amp; margins &lt;b&gt;up&lt;/b&gt;</description>
</item>
<item>
<title>Second story</title>
<link>/2025/10/second.html</link>
</item>
</channel>
</rss>
"""

RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://krungthep-daily.example/rss">
    <title>ข่าวกรุงเทพรายวัน</title>
    <link>https://krungthep-daily.example/</link>
    <description>ข่าวล่าสุด</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://krungthep-daily.example/news/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://krungthep-daily.example/news/1">
    <title>น้ำท่วมกรุงเทพฯ หลังฝนตกหนักทั้งคืน</title>
    <link>https://krungthep-daily.example/news/1</link>
    <description>กรุงเทพมหานครเร่งระบายน้ำ</description>
    <dc:date>2025-10-20T06:45:00+07:00</dc:date>
    <dc:creator>สมชาย ใจดี</dc:creator>
    <dc:subject>ภัยพิบัติ</dc:subject>
  </item>
</rdf:RDF>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.taipei-morning.example/news/">
  <title type="html">臺北晨報 &lt;b&gt;即時&lt;/b&gt;</title>
  <link rel="alternate" href="/"/>
  <link rel="self" href="/atom.xml"/>
  <id>tag:taipei-morning.example,2025:feed</id>
  <updated>2025-10-20T15:00:00+08:00</updated>
  <entry>
    <title>颱風逼近臺灣 氣象局發布海上警報</title>
    <link rel="alternate" href="2025/10/20/typhoon.html"/>
    <id>tag:taipei-morning.example,2025:typhoon</id>
    <published>2025-10-20T14:30:00+08:00</published>
    <updated>2025-10-20T16:00:00+08:00</updated>
    <author><name>林美玲</name><email>lin@taipei-morning.example</email></author>
    <author><name>陳志明</name></author>
    <category term="weather" label="天氣"/>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>颱風<b>逼近</b>。</p>
      <p>請民眾注意。</p></div></summary>
  </entry>
  <entry>
    <title type="text">沒有連結的快訊</title>
    <updated>2025-10-20T12:00:00Z</updated>
    <summary>純文字 &lt;不是標籤&gt;</summary>
  </entry>
</feed>
"""


def rss(items: str, link: str = "https://tinmekong.example/", language: str = "") -> bytes:
    lang = f"<language>{language}</language>" if language else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<link>{link}</link>{lang}{items}</channel></rss>").encode()


def test_rss2() -> None:
    feed = parse_feed(RSS2.encode(), "https://tinmekong.example/rss/thoi-su.rss",
                      "application/rss+xml; charset=utf-8")
    assert (feed.kind, feed.title, feed.link) == (
        "rss", "Tin Mê Kông - Thời sự", "https://tinmekong.example/thoi-su/")
    assert feed.language == "vi-VN"
    assert (feed.bozo, feed.warning, feed.entries_lost) == (False, None, False)
    first, second = feed.entries
    assert first.guid == "tinmekong-4801"  # a non-permalink guid is kept as written
    assert first.link == "https://tinmekong.example/thoi-su/lu-lut-mien-trung-4801.html"
    assert first.title == "Lũ lụt ở miền Trung: hàng nghìn hộ dân phải sơ tán"
    assert first.summary == ("Nước lũ dâng cao & nhanh ở Quảng Bình.\n"
                             "Chính quyền đã sơ tán 3.000 hộ.")
    assert first.published == datetime(2025, 10, 20, 14, 30, tzinfo=ICT)
    assert first.published.utcoffset() == timedelta(hours=7)  # not feedparser's UTC
    assert not first.published_tz_assumed and first.updated is None
    assert first.authors == ["Trần Thị Bình"]
    assert first.categories == ["Thời sự", "Thiên tai"]
    # No guid: the link is the id. dc:date is the only date: it is the publish date.
    assert second.guid == second.link == "https://tinmekong.example/kinh-te/gia-lua-gao-4802.html"
    assert second.published == second.updated == datetime(2025, 10, 20, 9, 5, tzinfo=ICT)
    assert second.authors == ["Nguyễn Văn An"]
    assert second.summary == "Giá lúa gạo tăng.\nNông dân phấn khởi."  # from content:encoded


def test_rss091_with_netscape_doctype_and_latin1() -> None:
    feed = parse_feed(RSS091, "http://asiawire.example/rss091.xml")
    assert feed.kind == "rss" and feed.title == "Asia Wire Service" and feed.language == "en-us"
    first, second = feed.entries
    assert first.title == "Café prices rise éverywhere"  # HTML entity from the Netscape DTD
    assert first.summary == "Prices & margins up"  # escaped HTML, then escaped again
    assert first.guid == first.link == "http://asiawire.example/2025/10/coffee.html"
    assert first.published is None and first.updated is None
    assert second.link == "http://asiawire.example/2025/10/second.html"


def test_rss10_rdf() -> None:
    feed = parse_feed(RDF.encode(), "https://krungthep-daily.example/rss")
    assert feed.kind == "rdf" and feed.title == "ข่าวกรุงเทพรายวัน"
    (entry,) = feed.entries
    assert entry.guid == entry.link == "https://krungthep-daily.example/news/1"
    assert entry.title == "น้ำท่วมกรุงเทพฯ หลังฝนตกหนักทั้งคืน"
    assert entry.summary == "กรุงเทพมหานครเร่งระบายน้ำ"
    assert entry.published == datetime(2025, 10, 20, 6, 45, tzinfo=ICT)
    assert entry.published.utcoffset() == timedelta(hours=7)
    assert entry.authors == ["สมชาย ใจดี"] and entry.categories == ["ภัยพิบัติ"]


def test_atom() -> None:
    feed = parse_feed(ATOM.encode(), "https://www.taipei-morning.example/atom.xml")
    assert feed.kind == "atom"
    assert feed.title == "臺北晨報 即時"  # type="html": markup stripped
    assert feed.link == "https://www.taipei-morning.example/"
    typhoon, flash = feed.entries
    assert typhoon.guid == "tag:taipei-morning.example,2025:typhoon"
    assert typhoon.link == "https://www.taipei-morning.example/news/2025/10/20/typhoon.html"
    assert typhoon.published == datetime(2025, 10, 20, 14, 30, tzinfo=CST)
    assert typhoon.published.utcoffset() == timedelta(hours=8)
    assert typhoon.updated == datetime(2025, 10, 20, 16, 0, tzinfo=CST)
    assert typhoon.authors == ["林美玲", "陳志明"] and typhoon.categories == ["天氣"]
    assert typhoon.summary == "颱風逼近。\n請民眾注意。"
    # Neither id nor link: a stable id from title and date.
    assert flash.link is None and flash.guid.startswith("sha256:")
    assert flash.title == "沒有連結的快訊" and flash.summary == "純文字 <不是標籤>"
    assert flash.published == datetime(2025, 10, 20, 12, 0, tzinfo=UTC)
    assert parse_feed(ATOM.encode(), "https://elsewhere.example/").entries[1].guid == flash.guid


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as real sites write it: base letters precomposed, tones combining."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += (base + tones).encode("cp1258")
    return bytes(out)


LEGACY = {
    "gbk": ("国务院常务会议研究部署推动经济持续回升向好", "会议指出，要坚持稳中求进工作总基调。"),
    "big5": ("颱風逼近臺灣 氣象局發布海上警報", "請民眾注意強風豪雨，避免前往海邊。"),
    "windows-1258": ("Lũ lụt ở miền Trung: hàng nghìn hộ dân phải sơ tán",
                     "Nước lũ dâng cao ở Quảng Bình, chính quyền đã sơ tán người dân."),
    "tis-620": ("น้ำท่วมกรุงเทพฯ หลังฝนตกหนักทั้งคืน", "กรุงเทพมหานครเร่งระบายน้ำในหลายเขต"),
}


@pytest.mark.parametrize("label", list(LEGACY))
def test_legacy_encodings_declared_in_the_prolog(label: str) -> None:
    title, summary = LEGACY[label]
    doc = (f'<?xml version="1.0" encoding="{label}"?>\n<rss version="2.0"><channel>'
           f"<title>{title[:4]}</title><link>https://news.example/</link>"
           f"<item><title>{title}</title><link>/a/1.html</link>"
           f"<description>&lt;p&gt;{summary}&lt;/p&gt;</description></item></channel></rss>")
    data = to_cp1258(doc) if label == "windows-1258" else doc.encode(label)
    feed = parse_feed(data, "https://news.example/rss.xml")
    (entry,) = feed.entries
    assert entry.title == title and entry.summary == summary
    assert unicodedata.is_normalized("NFC", entry.title)
    assert feed.title == title[:4] and not feed.bozo


def test_wrong_declared_encoding_is_overridden() -> None:
    title, summary = LEGACY["gbk"]
    doc = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
           f"<item><title>{title}</title><description>{summary}</description>"
           f"<link>https://nanfang.example/1</link></item></channel></rss>")
    feed = parse_feed(doc.encode("gbk"), "https://nanfang.example/rss")
    assert feed.entries[0].title == title and feed.encoding == "gb18030"
    assert feed.bozo and "declared encoding utf-8" in (feed.warning or "")
    # UTF-8 labelled ISO-8859-1 (a CMS default) is read as UTF-8.
    vi = LEGACY["windows-1258"][0]
    latin = parse_feed(rss(f"<item><title>{vi}</title><link>/x</link></item>").replace(
        b'encoding="utf-8"', b'encoding="ISO-8859-1"'), "https://tinmekong.example/rss")
    assert latin.entries[0].title == vi


def test_unescaped_ampersand_keeps_every_entry() -> None:
    items = ("<item><title>Q&A: giá xăng & dầu</title><link>https://a.example/q?id=1&lang=vi</link>"
             "</item><item><title>Second</title><link>https://a.example/2</link></item>")
    feed = parse_feed(rss(items), "https://a.example/rss")
    assert [e.title for e in feed.entries] == ["Q&A: giá xăng & dầu", "Second"]
    assert feed.entries[0].link == "https://a.example/q?id=1&lang=vi"
    assert feed.bozo and "bare '&'" in (feed.warning or "") and not feed.entries_lost


def test_mismatched_tags_fall_back_to_the_loose_parser() -> None:
    items = ("<item><title>One <b>bold</i></title><link>https://a.example/1</link></item>"
             "<item><title>Two</title><link>https://a.example/2</link></item>")
    feed = parse_feed(rss(items), "https://a.example/rss")
    assert [e.title for e in feed.entries] == ["One bold", "Two"]
    assert feed.bozo and "mismatched tag" in (feed.warning or "")
    assert len(feed.warning or "") <= 200


def test_truncated_feed_keeps_what_was_read() -> None:
    whole = RSS2.encode()
    cut = whole[: whole.index(b"<dc:date>")]
    feed = parse_feed(cut, "https://tinmekong.example/rss")
    assert feed.bozo and feed.entries_lost
    assert "truncated" in (feed.warning or "")
    first, second = feed.entries
    assert first.title.startswith("Lũ lụt") and first.published is not None
    assert second.title == "Giá lúa gạo tăng mạnh" and second.published is None


def test_php_warnings_before_the_feed() -> None:
    data = (b"<br />\n<b>Warning</b>:  Undefined variable $x in /var/www/rss.php on line 12<br />\n"
            + RSS2.encode())
    feed = parse_feed(data, "https://tinmekong.example/rss.php", "text/html")
    assert len(feed.entries) == 2 and feed.entries[0].guid == "tinmekong-4801"
    assert feed.bozo and "characters before <rss>" in (feed.warning or "")


def test_authors_are_names_never_addresses() -> None:
    items = ("<item><title>a</title><link>/1</link><author>desk@tinmekong.example</author></item>"
             "<item><title>b</title><link>/2</link><author>Lê Văn C &lt;c@x.vn&gt;</author></item>")
    first, second = parse_feed(rss(items), "https://a.example/rss").entries
    assert first.authors == [] and second.authors == ["Lê Văn C"]


def test_entries_without_id_link_or_title_are_counted_lost() -> None:
    items = ("<item><description>orphan text</description></item>"
             "<item><title>kept</title></item>")
    feed = parse_feed(rss(items), "https://a.example/rss")
    assert [e.title for e in feed.entries] == ["kept"]
    assert feed.entries_lost and "no id, link or title" in (feed.warning or "")


def test_html_page_instead_of_a_feed() -> None:
    page = ("<!DOCTYPE html><html><head><title>Tin Mê Kông</title>"
            '<link rel="alternate" type="application/rss+xml" href="/rss/home.rss"></head>'
            "<body><h1>Trang chủ</h1><div class='item'>x</div></body></html>").encode()
    with pytest.raises(InputError) as info:
        parse_feed(page, "https://tinmekong.example/feed", "text/html; charset=utf-8")
    assert info.value.where == "https://tinmekong.example/feed"
    assert info.value.reason == ("not a feed: looks like an HTML page "
                                 "(it links to the feed https://tinmekong.example/rss/home.rss)")


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "the document is empty"),
    (b"  \n", "the document is empty"),
    (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
     b"<url><loc>https://a.example/</loc></url></urlset>", "looks like a sitemap"),
    (b"https://a.example/1\nhttps://a.example/2\n", "plain-text list of URLs"),
    (b"Service temporarily unavailable", "plain text"),
    (b'<?xml version="1.0"?><opml version="2.0"><body/></opml>', "root element is <opml>"),
    (b'{"items": []}', "JSON without a jsonfeed.org version"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
    # A path must never be opened (feedparser opens strings that name a file).
    (b"/etc/passwd", "plain text"),
])
def test_not_a_feed(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=r"^https://a\.example/rss: not a feed: ") as info:
        parse_feed(data, "https://a.example/rss")
    assert reason in info.value.reason


def test_valid_feed_with_no_items_is_not_an_error() -> None:
    feed = parse_feed(rss(""), "https://a.example/rss")
    assert feed.entries == [] and feed.title == "t" and not feed.bozo


def test_size_guard() -> None:
    with pytest.raises(TooLargeError, match="over the 20,971,520 limit"):
        parse_feed(b" " * (20 * 1024 * 1024 + 1), "https://a.example/rss")
    with pytest.raises(InputError, match="over the 100 limit"):
        parse_feed(RSS2.encode(), "https://a.example/rss", max_bytes=100)


def test_billion_laughs_and_external_entities_do_not_expand() -> None:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    doc = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{lol}'
           '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<rss version="2.0"><channel><title>t</title>'
           "<item><title>boom &lol9; &xxe;</title><link>https://a.example/1?a=1&amp;b=2</link>"
           "</item></channel></rss>")
    started = time.monotonic()
    feed = parse_feed(doc.encode(), "https://a.example/rss")
    assert time.monotonic() - started < 2
    (entry,) = feed.entries
    assert entry.title == "boom &lol9; &xxe;"  # left as text, never expanded or fetched
    assert entry.link == "https://a.example/1?a=1&b=2"
    assert "DTD" in (feed.warning or "")


@pytest.mark.parametrize(("raw", "link", "language", "expected", "assumed"), [
    ("Mon, 20 Oct 2025 14:30:00 +0700", "https://a.example/", "", (14, 30, 7), False),
    ("Mon, 20 Oct 2025 14:30:00 GMT+7", "https://a.example/", "", (14, 30, 7), False),
    ("Mon, 20 Oct 2025 07:30:00 GMT", "https://a.example/", "vi", (7, 30, 0), False),
    ("2025-10-20T14:30:00+07:00", "https://a.example/", "", (14, 30, 7), False),
    ("2025-10-20T06:30:00Z", "https://a.example/", "", (6, 30, 0), False),
    # "CST" from a Chinese CMS (Java's Date.toString) is China Standard Time, not US Central.
    ("Mon Oct 20 14:30:00 CST 2025", "https://nanfang.example/", "zh-cn", (14, 30, 8), False),
    ("Mon, 20 Oct 2025 14:30:00 CST", "https://news.example/", "en-us", (14, 30, -6), False),
    ("Mon, 20 Oct 2025 14:30:00 ICT", "https://a.example/", "", (14, 30, 7), False),
    # No offset: the outlet's zone, by TLD then language, flagged as assumed.
    ("Mon, 20 Oct 2025 14:30:00", "https://vnexpress.vn/", "", (14, 30, 7), True),
    ("2025-10-20 14:30:00", "https://a.example/", "zh-cn", (14, 30, 8), True),
    ("20/10/2025 14:30", "https://a.example/", "vi", (14, 30, 7), True),
    ("20/10/2025 - 14:30 (GMT+7)", "https://a.example/", "", (14, 30, 7), False),
])
def test_dates_keep_their_offset(raw: str, link: str, language: str,
                                 expected: tuple[int, int, int], assumed: bool) -> None:
    item = f"<item><title>x</title><link>/1</link><pubDate>{raw}</pubDate></item>"
    (entry,) = parse_feed(rss(item, link, language), link + "rss").entries
    hour, minute, offset = expected
    assert entry.published == datetime(2025, 10, 20, hour, minute,
                                       tzinfo=timezone(timedelta(hours=offset)))
    assert entry.published.utcoffset() == timedelta(hours=offset)
    assert entry.published_tz_assumed is assumed


@pytest.mark.parametrize("raw", [
    "Thu, 01 Jan 1970 00:00:00 +0000",  # epoch zero from a CMS bug
    "Mon, 20 Oct 2125 14:30:00 +0700",
    "yesterday", "0000-00-00 00:00:00", "",
])
def test_implausible_or_unreadable_dates_are_none(raw: str) -> None:
    item = f"<item><title>x</title><link>/1</link><pubDate>{raw}</pubDate></item>"
    (entry,) = parse_feed(rss(item), "https://a.example/rss").entries
    assert entry.published is None and not entry.published_tz_assumed


def test_summaries_are_plain_nfc_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Lũ lụt")
    items = (
        "<item><title>a</title><link>/1</link><description>&amp;lt;p&amp;gt;Twice "
        "&amp;amp;lt;escaped&amp;amp;gt;&amp;lt;/p&amp;gt;</description></item>"
        f"<item><title>{decomposed}</title><link>/2</link><description><![CDATA[{decomposed}"
        "<br>line two<style>p{}</style><ul><li>one</li><li>two</li></ul>]]></description></item>"
        "<item><title>c</title><link>/3</link><description>   </description></item>"
    )
    first, second, third = parse_feed(rss(items), "https://a.example/rss").entries
    assert first.summary == "Twice <escaped>"
    assert second.title == "Lũ lụt" and unicodedata.is_normalized("NFC", second.title)
    assert second.summary == "Lũ lụt\nline two\none\ntwo"
    assert third.summary is None


def test_duplicate_guids_are_kept_once() -> None:
    item = "<item><title>{}</title><guid>same-id</guid><link>/{}</link></item>"
    feed = parse_feed(rss(item.format("a", 1) + item.format("b", 2)), "https://a.example/rss")
    assert [(e.guid, e.title) for e in feed.entries] == [("same-id", "a")]


def test_links_must_be_web_urls() -> None:
    items = ("<item><title>a</title><link>javascript:alert(1)</link></item>"
             "<item><title>b</title><link>//cdn.a.example/b</link></item>")
    first, second = parse_feed(rss(items), "https://a.example/rss").entries
    assert first.link is None and first.guid.startswith("sha256:")
    assert second.link == "https://cdn.a.example/b"


def test_gzipped_feed() -> None:
    plain = parse_feed(RSS2.encode(), "https://tinmekong.example/rss")
    packed = parse_feed(gzip.compress(RSS2.encode()), "https://tinmekong.example/rss")
    assert packed.entries == plain.entries


def test_json_feed() -> None:
    doc = """{"version": "https://jsonfeed.org/version/1.1", "title": "Vientiane Mai",
      "home_page_url": "https://vientianemai.example/", "language": "lo",
      "items": [
        {"id": "vm-1", "url": "/news/1", "title": "ຂ່າວມື້ນີ້",
         "content_html": "<p>ວຽງຈັນ &amp; ຫຼວງພະບາງ</p>",
         "date_published": "2025-10-20T14:30:00+07:00", "authors": [{"name": "ສົມພອນ"}],
         "tags": ["ສັງຄົມ", 3]},
        {"url": "https://vientianemai.example/news/2", "summary": "plain",
         "date_published": "2025-10-20T08:00:00"},
        {"content_text": "no id, url or title"}, "junk"
      ]}"""
    feed = parse_feed(doc.encode(), "https://vientianemai.example/feed.json")
    assert (feed.kind, feed.title, feed.link) == (
        "json", "Vientiane Mai", "https://vientianemai.example/")
    first, second = feed.entries
    assert first.guid == "vm-1" and first.link == "https://vientianemai.example/news/1"
    assert first.summary == "ວຽງຈັນ & ຫຼວງພະບາງ" and first.authors == ["ສົມພອນ"]
    assert first.categories == ["ສັງຄົມ"]
    assert first.published == datetime(2025, 10, 20, 14, 30, tzinfo=ICT)
    assert second.guid == second.link and second.published_tz_assumed
    assert second.published == datetime(2025, 10, 20, 8, 0, tzinfo=ICT)  # Lao: Asia/Vientiane
    with pytest.raises(InputError, match="broken JSON Feed"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": [', "https://a.example/f")


# The demo outlets (demo/build.py): which feed format and script each one uses.
DEMO_OUTLETS = {
    "nanfang": ("rss", "han"), "huanqiu": ("rss", "han"), "taipei": ("atom", "han"),
    "songhong": ("rss", "vi"), "mekongvn": ("rss", "vi"), "mekongherald": ("atom", None),
    "asiawire": ("rss", None), "vientianemai": ("rss", "lao"), "krungthep": ("rss", "thai"),
}
VI_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def in_script(text: str, script: str) -> bool:
    ranges = {"han": ("\u4e00", "\u9fff"), "lao": ("\u0e80", "\u0eff"),
              "thai": ("\u0e00", "\u0e7f")}
    if script == "vi":
        return any(c in VI_LETTERS for c in text.lower())
    low, high = ranges[script]
    return any(low <= c <= high for c in text)


def test_demo_feeds() -> None:
    paths = sorted(DEMO_FEEDS.glob("*.xml")) if DEMO_FEEDS.is_dir() else []
    assert len(paths) == 9, "demo/feeds/*.xml are committed (python3 demo/build.py writes them)"
    for path in paths:
        feed: ParsedFeed = parse_feed(path.read_bytes(), f"https://feeds.example/{path.name}")
        assert feed.entries and not feed.entries_lost, path
        guids = [e.guid for e in feed.entries]
        assert len(guids) == len(set(guids)), path
        for entry in feed.entries:
            assert entry.link and entry.link.startswith(("http://", "https://")), (path, entry)
            assert entry.title and "\ufffd" not in entry.title, (path, entry.title)
            assert unicodedata.is_normalized("NFC", entry.title)
            assert not re.search(r"<[a-z/][^>]*>", entry.summary or ""), (path, entry.summary)
            assert entry.published is None or entry.published.utcoffset() is not None
        outlet = next((k for k in sorted(DEMO_OUTLETS, key=len, reverse=True) if k in path.stem),
                      None)
        if outlet is None:
            continue
        kind, script = DEMO_OUTLETS[outlet]
        assert feed.kind == kind, path
        if script:  # legacy encodings (GBK, Big5, cp1258) read right: titles in their script
            readable = sum(in_script(e.title or "", script) for e in feed.entries)
            assert readable >= 0.8 * len(feed.entries), (path, [e.title for e in feed.entries])
