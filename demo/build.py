#!/usr/bin/env python3
"""Render the newsdesk demo corpus: fictional news sites built from demo/content.

    python3 demo/build.py           # write demo/site, demo/feeds, demo/manifest.jsonl
    python3 demo/build.py --check   # render into a temp dir, exit 1 if committed output differs

Standard library only. Same input gives byte-identical output (no build time is written).
All sites are fictional and live under the reserved `.example` TLD.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

DEMO = Path(__file__).resolve().parent
CONTENT_DIRS = [DEMO / "content" / "stories", DEMO / "content" / "singles"]
OUTPUTS = ("site", "feeds", "manifest.jsonl")

LANGS = ("zh", "vi", "en", "lo", "th")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ARTICLE_FIELDS = ("slug", "lang", "outlet", "published", "updated", "authors", "title", "lead",
                  "paragraphs", "image", "credit", "tags", "republished_from")


# --------------------------------------------------------------------------- outlets


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    base: str  # https://host
    lang: str
    html_lang: str
    script: str | None
    encoding: str  # Python codec of most pages
    declared: str  # charset label of most pages
    tz_hours: int  # local zone used when a date has no offset
    feed: str  # rss | atom

    @property
    def host(self) -> str:
        return self.base.split("://", 1)[1]

    @property
    def domain(self) -> str:
        return self.host.removeprefix("www.")


OUTLETS: dict[str, Outlet] = {o.key: o for o in (
    Outlet("nanfang", "南方观察报", "https://www.nanfang-guancha.example", "zh", "zh-CN", "Hans",
           "gbk", "gbk", 8, "rss"),
    Outlet("huanqiu", "环球快讯网", "https://news.huanqiu-kuaixun.example", "zh", "zh-Hans",
           "Hans", "utf-8", "utf-8", 8, "rss"),
    Outlet("taipei", "臺北晨報", "https://www.taipei-morning.example", "zh", "zh-Hant-TW", "Hant",
           "cp950", "big5", 8, "atom"),
    Outlet("songhong", "Báo Sông Hồng", "https://baosonghong.example", "vi", "vi", None,
           "cp1258", "windows-1258", 7, "rss"),
    Outlet("mekongvn", "Tin Mê Kông", "https://tinmekong.example", "vi", "vi-VN", None,
           "utf-8", "utf-8", 7, "rss"),
    Outlet("mekongherald", "The Mekong Herald", "https://www.mekongherald.example", "en", "en",
           None, "utf-8", "utf-8", 7, "atom"),
    Outlet("asiawire", "Asia Wire Service", "https://asiawire.example", "en", "en-US", None,
           "utf-8", "UTF-8", 0, "rss"),
    Outlet("vientianemai", "ຂ່າວວຽງຈັນໃໝ່", "https://vientianemai.example", "lo", "lo", None,
           "utf-8", "utf-8", 7, "rss"),
    Outlet("krungthep", "ข่าวกรุงเทพรายวัน", "https://krungthep-daily.example", "th", "th", None,
           "utf-8", "utf-8", 7, "rss"),
)}

# Pages that deviate from their outlet's usual encoding/declaration, by outlet:
# (how many pages, python codec, declared label or None, how it is declared).
VARIANTS: dict[str, tuple[int, str, str | None, str]] = {
    "nanfang": (2, "gbk", "gb2312", "http-equiv"),
    "huanqiu": (1, "utf-8", "iso-8859-1", "meta"),
    "songhong": (3, "cp1258", None, "none"),
    "mekongvn": (2, "utf-8", "utf-8", "nfd"),
    "krungthep": (2, "tis-620", "tis-620", "http-equiv"),
}


# --------------------------------------------------------------------------- content


@dataclass
class Article:
    slug: str
    story: str
    topic: str
    outlet: Outlet
    lang: str
    published: datetime | None
    updated: datetime | None
    authors: list[str]
    title: str
    lead: str
    body: list[str]
    image: dict[str, str] | None
    credit: str | None
    tags: list[str]
    republished_from: str | None
    source_file: str
    # filled in by plan()
    section: str = ""
    path: str = ""  # relative to the host directory
    encoding: str = ""
    declared: str | None = None
    declare_how: str = "meta"
    nfd: bool = False
    related: list[tuple[str, str]] = field(default_factory=list)
    more: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.outlet.base}/{self.path}"


class Problems:
    """Content problems, reported but never fatal."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def detect_lang(text: str) -> str | None:
    """Language by script; Vietnamese vs English by Vietnamese-only letters."""
    counts = {"lo": 0, "th": 0, "zh": 0, "latin": 0, "vi": 0}
    for ch in unicodedata.normalize("NFC", text):
        cp = ord(ch)
        if 0x0E80 <= cp <= 0x0EFF:
            counts["lo"] += 1
        elif 0x0E00 <= cp <= 0x0E7F:
            counts["th"] += 1
        elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
            counts["zh"] += 1
        elif (ch.isalpha() and cp < 0x0250) or 0x1E00 <= cp <= 0x1EFF:
            counts["latin"] += 1
            if cp > 0x7F and ch in VI_LETTERS:
                counts["vi"] += 1
    script = max(("lo", "th", "zh", "latin"), key=lambda k: counts[k])
    if counts[script] == 0:
        return None
    if script != "latin":
        return script
    return "vi" if counts["vi"] >= max(3, counts["latin"] * 0.04) else "en"


VI_LETTERS = set(unicodedata.normalize("NFC", (
    "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")))
VI_LETTERS |= {c.upper() for c in VI_LETTERS}

# A few characters that differ between simplified and traditional Chinese.
HANS_ONLY = set("这说时会来们为发经国对过还没问门长书车东马见动")
HANT_ONLY = set("這說時會來們為發經國對過還沒問門長書車東馬見動")


def parse_date(value: object, where: str, name: str, outlet: Outlet,
               problems: Problems) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add(where, f"{name} is not a string ({value!r}); treated as null")
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        problems.add(where, f"{name} {value!r} is not ISO 8601; treated as null")
        return None
    if dt.tzinfo is None:
        problems.add(where, f"{name} {value!r} has no UTC offset; "
                            f"assumed UTC{outlet.tz_hours:+d} (outlet's zone)")
        dt = dt.replace(tzinfo=timezone(timedelta(hours=outlet.tz_hours)))
    return dt


def _str_list(value: object, where: str, name: str, problems: Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(where, f"{name} is not a list; ignored")
        return []
    out = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append(nfc(item.strip()))
        else:
            problems.add(where, f"empty or non-string item in {name} dropped: {item!r}")
    return out


def load_article(raw: object, story: str, topic: str, where: str,
                 problems: Problems) -> Article | None:
    if not isinstance(raw, dict):
        problems.add(where, "article is not an object; skipped")
        return None
    slug = raw.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        problems.add(where, f"missing or unusable slug {slug!r}; skipped")
        return None
    where = f"{where} [{slug}]"
    missing = [f for f in ARTICLE_FIELDS if f not in raw]
    if missing:
        problems.add(where, "missing fields: " + ", ".join(missing))
    outlet = OUTLETS.get(raw.get("outlet"))  # type: ignore[arg-type]
    if outlet is None:
        problems.add(where, f"unknown outlet {raw.get('outlet')!r}; skipped")
        return None
    for name in ("title", "lead"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            problems.add(where, f"missing or empty {name}; skipped")
            return None
    paragraphs = raw.get("paragraphs")
    if not isinstance(paragraphs, list):
        problems.add(where, "paragraphs is not a list; skipped")
        return None
    body = []
    for p in paragraphs:
        if isinstance(p, str) and p.strip():
            body.append(nfc(p.strip()))
        else:
            problems.add(where, f"empty or non-string paragraph dropped: {p!r}")
    title, lead = nfc(raw["title"].strip()), nfc(raw["lead"].strip())

    lang = raw.get("lang")
    text = " ".join([title, lead, *body])
    detected = detect_lang(text) if sum(c.isalpha() for c in text) >= 40 else None
    if lang not in LANGS:
        problems.add(where, f"lang {lang!r} is not one of {'/'.join(LANGS)}")
    if detected and lang != detected:
        problems.add(where, f"lang is {lang!r} but the text is {detected!r}; using {detected!r}")
    if detected and detected != outlet.lang:
        problems.add(where, f"text is {detected!r} but outlet {outlet.key} publishes "
                            f"in {outlet.lang!r}")
    final_lang = detected or (lang if lang in LANGS else outlet.lang)
    if final_lang == "zh":
        text = title + lead + "".join(body)
        hans = sum(text.count(c) for c in HANS_ONLY)
        hant = sum(text.count(c) for c in HANT_ONLY)
        if outlet.script == "Hant" and hans > hant:
            problems.add(where, f"simplified Chinese text on traditional outlet {outlet.key}")
        if outlet.script == "Hans" and hant > hans:
            problems.add(where, f"traditional Chinese text on simplified outlet {outlet.key}")

    published = parse_date(raw.get("published"), where, "published", outlet, problems)
    updated = parse_date(raw.get("updated"), where, "updated", outlet, problems)
    if published is None and updated is not None:
        problems.add(where, "updated given without published; not shown")
        updated = None
    if published and updated and updated < published:
        problems.add(where, "updated is earlier than published")

    image = raw.get("image")
    if image is not None:
        if not isinstance(image, dict):
            problems.add(where, "image is not an object; ignored")
            image = None
        else:
            alt, caption = image.get("alt"), image.get("caption")
            if not isinstance(alt, str) or not alt.strip():
                problems.add(where, "image has no alt text")
                alt = ""
            if not isinstance(caption, str) or not caption.strip():
                problems.add(where, "image has no caption")
                caption = ""
            image = {"alt": nfc(alt.strip()), "caption": nfc(caption.strip())}
    credit = raw.get("credit")
    if credit is not None and (not isinstance(credit, str) or not credit.strip()):
        problems.add(where, f"credit {credit!r} is empty or not a string; ignored")
        credit = None
    republished = raw.get("republished_from")
    if republished is not None and not isinstance(republished, str):
        problems.add(where, "republished_from is not a string; ignored")
        republished = None
    return Article(
        slug=slug, story=story, topic=topic, outlet=outlet, lang=final_lang, published=published,
        updated=updated, authors=_str_list(raw.get("authors"), where, "authors", problems),
        title=title, lead=lead, body=body, image=image,
        credit=nfc(credit.strip()) if credit else None,
        tags=_str_list(raw.get("tags"), where, "tags", problems),
        republished_from=republished, source_file=where.split(" [")[0],
    )


def load_content(dirs: list[Path], problems: Problems) -> list[Article]:
    articles: dict[str, Article] = {}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            where = str(path.resolve().relative_to(DEMO.parent))
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                problems.add(where, f"unreadable JSON ({exc}); file skipped")
                continue
            if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
                problems.add(where, "no 'articles' list; file skipped")
                continue
            story = data.get("story")
            if not isinstance(story, str) or not story:
                problems.add(where, "missing 'story'; using the file name")
                story = path.stem
            topic = data.get("topic") if isinstance(data.get("topic"), str) else ""
            for raw in data["articles"]:
                slug = raw.get("slug") if isinstance(raw, dict) else None
                if isinstance(slug, str) and slug in articles:
                    problems.add(f"{where} [{slug}]", "duplicate slug (first seen in "
                                 f"{articles[slug].source_file}); skipped")
                    continue
                article = load_article(raw, story, topic, where, problems)
                if article is not None:
                    articles[article.slug] = article
    for article in articles.values():
        src = article.republished_from
        if src is None:
            continue
        where = f"{article.source_file} [{article.slug}]"
        if src not in articles:
            problems.add(where, f"republished_from {src!r} is not a known article; dropped")
            article.republished_from = None
        elif src == article.slug:
            problems.add(where, "republished_from points to itself; dropped")
            article.republished_from = None
    return sorted(articles.values(), key=lambda a: a.slug)


# --------------------------------------------------------------------------- site furniture

# Story topics (English) are mapped to a category, each outlet names its own section.
CATEGORY_WORDS: list[tuple[str, str]] = [
    ("health", r"dengue|vaccin|measles|antibiotic|flu\b|hospital|surger|health|disease"),
    ("education", r"student|school|universit|enrol|scholarship|admission|curricul|vocational"),
    ("sport", r"marathon|football|volleyball|muay thai|sport|dragon boat|\brace|games|silat"),
    ("culture", r"tourist|touris|festival|exhibition|film|night market|heritage|dance|alms|"
                r"documentar|museum|sketch|floating market|\bart\b"),
    ("environment", r"typhoon|cold wave|\bheat|\brain|flood|tide|landslide|mangrove|species|"
                    r"orchid|frog|langur|catfish|tonle sap|water level|drought|monsoon|"
                    r"riverbank|climate|weather|mekong river|environment|wildlife|pollution"),
    ("tech", r"drone|batter|chip|semiconductor|voice assistant|\bai\b|data cent|robot|"
             r"startup|technolog|science"),
    ("transport", r"railway|\brail|expressway|bridge|\bbus|light rail|airline|car-free|"
                  r"road|\bport\b|transport"),
    ("economy", r"export|import|price|market|stock|inflation|trade|invest|harvest|plant|"
                r"econom|pmi|hydropower|gold|rice|durian|coffee|housing|bank|business"),
]
CATEGORIES = ("world", "economy", "environment", "tech", "transport", "culture", "sport",
              "health", "education")

# Per outlet: navigation as (category or None, url slug, label); 8-12 links with home.
SECTIONS: dict[str, list[tuple[str | None, str, str]]] = {
    "nanfang": [(None, "yaowen", "要闻"), ("world", "guoji", "国际"),
                ("economy", "caijing", "财经"),
                ("environment", "shehui", "社会"), ("tech", "keji", "科技"),
                ("transport", "jiaotong", "交通"), ("culture", "wenlv", "文旅"),
                ("sport", "tiyu", "体育"), ("health", "jiankang", "健康"),
                ("education", "jiaoyu", "教育"), (None, "pinglun", "评论")],
    "huanqiu": [("world", "world", "国际"), ("economy", "finance", "财经"),
                ("tech", "tech", "科技"), ("environment", "society", "社会"),
                ("transport", "auto", "汽车·交通"), ("culture", "travel", "旅游"),
                ("sport", "sports", "体育"), ("health", "health", "健康"),
                ("education", "edu", "教育"), (None, "opinion", "评论")],
    "taipei": [(None, "politics", "政治"), ("world", "world", "國際"), ("economy", "money", "財經"),
               ("environment", "life", "生活"), ("tech", "tech", "科技"),
               ("transport", "local", "地方"), ("culture", "culture", "文化"),
               ("sport", "sports", "體育"), ("health", "health", "健康"),
               ("education", "edu", "教育"), (None, "opinion", "評論")],
    "songhong": [(None, "thoi-su", "Thời sự"), ("world", "the-gioi", "Thế giới"),
                 ("economy", "kinh-te", "Kinh tế"), ("environment", "moi-truong", "Môi trường"),
                 ("tech", "cong-nghe", "Công nghệ"), ("transport", "giao-thong", "Giao thông"),
                 ("culture", "van-hoa", "Văn hóa"), ("sport", "the-thao", "Thể thao"),
                 ("health", "suc-khoe", "Sức khỏe"), ("education", "giao-duc", "Giáo dục")],
    "mekongvn": [(None, "mien-tay", "Miền Tây"), ("world", "quoc-te", "Quốc tế"),
                 ("economy", "kinh-doanh", "Kinh doanh"),
                 ("environment", "thoi-tiet-moi-truong", "Thời tiết - Môi trường"),
                 ("tech", "khoa-hoc", "Khoa học"), ("transport", "giao-thong", "Giao thông"),
                 ("culture", "du-lich", "Du lịch"), ("sport", "the-thao", "Thể thao"),
                 ("health", "y-te", "Y tế"), ("education", "giao-duc", "Giáo dục")],
    "mekongherald": [("world", "region", "Region"), ("economy", "business", "Business"),
                     ("environment", "environment", "Environment"),
                     ("tech", "science-tech", "Science & Tech"),
                     ("transport", "infrastructure", "Infrastructure"),
                     ("culture", "life-culture", "Life & Culture"), ("sport", "sport", "Sport"),
                     ("health", "health", "Health"), ("education", "education", "Education"),
                     (None, "opinion", "Opinion")],
    "asiawire": [("world", "world", "World"), ("economy", "business", "Business"),
                 (None, "markets", "Markets"), ("environment", "climate", "Climate"),
                 ("tech", "technology", "Technology"), ("transport", "transport", "Transport"),
                 ("culture", "lifestyle", "Lifestyle"), ("sport", "sports", "Sports"),
                 ("health", "health", "Health"), ("education", "education", "Education")],
    "vientianemai": [(None, "local", "ຂ່າວພາຍໃນ"), ("world", "international", "ຕ່າງປະເທດ"),
                     ("economy", "economy", "ເສດຖະກິດ"),
                     ("environment", "environment", "ສິ່ງແວດລ້ອມ"),
                     ("tech", "technology", "ເຕັກໂນໂລຊີ"), ("transport", "transport", "ຄົມມະນາຄົມ"),
                     ("culture", "culture", "ວັດທະນະທຳ"), ("sport", "sport", "ກິລາ"),
                     ("health", "health", "ສຸຂະພາບ"), ("education", "education", "ການສຶກສາ")],
    "krungthep": [(None, "politics", "การเมือง"), ("world", "foreign", "ต่างประเทศ"),
                  ("economy", "economy", "เศรษฐกิจ"), ("environment", "environment", "สิ่งแวดล้อม"),
                  ("tech", "technology", "เทคโนโลยี"), ("transport", "transport", "คมนาคม"),
                  ("culture", "travel", "ท่องเที่ยว"), ("sport", "sport", "กีฬา"),
                  ("health", "health", "สุขภาพ"), ("education", "education", "การศึกษา")],
}

# Interface text per outlet.
UI: dict[str, dict[str, object]] = {
    "nanfang": {
        "home": "首页", "search": "搜索", "search_ph": "请输入关键词", "login": "登录",
        "font": ("字号：", ["大", "中", "小"]), "share": ("分享到：", ["微信", "微博"]),
        "related": "相关新闻", "more": "更多新闻", "tags": "标签：", "by": "作者：",
        "comment": "网友评论", "comment_ph": "文明上网，理性发言", "name": "昵称",
        "submit": "发表评论", "print": "打印", "email": "邮件", "ad": "广告",
        "here": "当前位置：", "body": "正文",
        "footer": ["南方观察报社 版权所有 未经授权禁止转载", "地址：广州市越秀区示例路88号",
                   "粤ICP备11223344号 互联网新闻信息服务许可证编号：粤新网备A-0088号",
                   "新闻热线：020-8700 0000"],
    },
    "huanqiu": {
        "home": "首页", "search": "搜索", "search_ph": "搜索新闻", "login": "登录",
        "font": ("字号：", ["大", "中", "小"]), "share": ("分享到：", ["微信", "微博"]),
        "related": "相关新闻", "more": "更多新闻", "tags": "关键词：", "by": "",
        "comment": "我要评论", "comment_ph": "说点什么吧……", "name": "昵称",
        "submit": "提交", "print": "打印本页", "email": "邮件推荐", "ad": "广告",
        "here": "", "body": "",
        "footer": ["环球快讯网 版权所有", "地址：北京市朝阳区示例大街1号",
                   "京ICP备55667788号 | 违法和不良信息举报电话：010-6500 0000"],
    },
    "taipei": {
        "home": "首頁", "search": "搜尋", "search_ph": "請輸入關鍵字", "login": "會員登入",
        "font": ("字號：", ["大", "中", "小"]),
        "share": ("分享到：", ["微信", "微博", "Facebook", "LINE"]),
        "related": "相關新聞", "more": "更多新聞", "tags": "標籤：", "by": "",
        "comment": "讀者留言", "comment_ph": "請文明發言，勿人身攻擊", "name": "暱稱",
        "submit": "送出留言", "print": "列印", "email": "轉寄", "ad": "廣告",
        "here": "", "body": "",
        "footer": ["臺北晨報 版權所有 © 臺北晨報社", "地址：臺北市中山區範例路100號",
                   "出版事業登記證 局版臺誌字第0000號", "客服專線：(02) 2500-0000"],
    },
    "songhong": {
        "home": "Trang chủ", "search": "Tìm kiếm", "search_ph": "Nhập từ khóa...",
        "login": "Đăng nhập", "font": ("", ["Nhỏ", "Bình thường", "Lớn"]),
        "share": ("Chia sẻ", ["Facebook", "Zalo"]), "related": "Tin liên quan",
        "more": "Tin cũ hơn", "tags": "Từ khóa:", "by": "",
        "comment": "Ý kiến bạn đọc", "comment_ph": "Ý kiến của bạn...", "name": "Họ tên",
        "submit": "Gửi bình luận", "print": "In bài", "email": "Gửi email", "ad": "QUẢNG CÁO",
        "here": "", "body": "",
        "footer": ["© Báo Sông Hồng. Bản quyền thuộc về Báo Sông Hồng.",
                   "Địa chỉ: Số 18 phố Hàng Mẫu, quận Hoàn Kiếm, Hà Nội",
                   "Giấy phép hoạt động báo điện tử số 321/GP-BTTTT",
                   "Đường dây nóng: 0912 345 678",
                   "Ghi rõ nguồn 'Báo Sông Hồng' khi phát hành lại thông tin từ website này."],
    },
    "mekongvn": {
        "home": "Trang chủ", "search": "Tìm", "search_ph": "Tìm kiếm tin tức",
        "login": "Đăng nhập", "font": ("Cỡ chữ:", ["Nhỏ", "Bình thường", "Lớn"]),
        "share": ("Chia sẻ:", ["Facebook", "Zalo"]), "related": "Tin liên quan",
        "more": "Tin cũ hơn", "tags": "Tags:", "by": "",
        "comment": "Bình luận", "comment_ph": "Nhập bình luận của bạn", "name": "Tên của bạn",
        "submit": "Gửi", "print": "In trang", "email": "Gửi cho bạn bè", "ad": "Quảng cáo",
        "here": "", "body": "",
        "footer": ["© Tin Mê Kông – Trang tin điện tử tổng hợp",
                   "Trụ sở: 25 đường Bến Mẫu, quận Ninh Kiều, TP Cần Thơ",
                   "Giấy phép số 45/GP-TTĐT do Sở Thông tin và Truyền thông TP Cần Thơ cấp",
                   "Hotline: 0292 3888 999"],
    },
    "mekongherald": {
        "home": "Home", "search": "Search", "search_ph": "Search the Herald", "login": "Sign in",
        "font": ("", ["A-", "A", "A+"]), "share": ("Share:", ["Facebook", "X", "LinkedIn"]),
        "related": "Related", "more": "More stories", "tags": "Topics:", "by": "By ",
        "comment": "Join the conversation", "comment_ph": "Add a comment…", "name": "Your name",
        "submit": "Post comment", "print": "Print", "email": "Email", "ad": "Advertisement",
        "here": "", "body": "", "updated": "Updated",
        "footer": ["© The Mekong Herald. All rights reserved.",
                   "Mekong Herald Media Co., 12 Riverside Example Road, Vientiane, Lao PDR",
                   "Publishing licence No. 0412/MICT", "News hotline: +856 21 000 000"],
    },
    "asiawire": {
        "home": "Home", "search": "Search", "search_ph": "Search Asia Wire", "login": "Log in",
        "font": ("Text size:", ["A-", "A", "A+"]),
        "share": ("Share:", ["Facebook", "X", "LinkedIn"]), "related": "Related",
        "more": "More stories", "tags": "Tags:", "by": "By ",
        "comment": "Comments", "comment_ph": "Write a comment", "name": "Name",
        "submit": "Submit", "print": "Print", "email": "Email this story", "ad": "Advertisement",
        "here": "", "body": "",
        "footer": ["© Asia Wire Service Pte. Ltd.",
                   "Asia Wire Service, 1 Example Quay, Singapore",
                   "Registered news agency licence AW-778", "Desk hotline: +65 6000 0000"],
    },
    "vientianemai": {
        "home": "ໜ້າຫຼັກ", "search": "ຊອກຫາ", "search_ph": "ຊອກຫາຂ່າວ", "login": "ເຂົ້າສູ່ລະບົບ",
        "font": ("", ["A-", "A", "A+"]), "share": ("ແບ່ງປັນ:", ["Facebook", "WhatsApp"]),
        "related": "ຂ່າວທີ່ກ່ຽວຂ້ອງ", "more": "ຂ່າວອື່ນໆ", "tags": "ຄຳສຳຄັນ:", "by": "ໂດຍ: ",
        "comment": "ສະແດງຄຳເຫັນ", "comment_ph": "ຂຽນຄຳເຫັນຂອງທ່ານ", "name": "ຊື່",
        "submit": "ສົ່ງ", "print": "ພິມ", "email": "ອີເມວ", "ad": "ໂຄສະນາ",
        "here": "", "body": "",
        "footer": ["© ຂ່າວວຽງຈັນໃໝ່ ສະຫງວນລິຂະສິດ",
                   "ທີ່ຢູ່: ຖະໜົນຕົວຢ່າງ, ເມືອງຈັນທະບູລີ, ນະຄອນຫຼວງວຽງຈັນ",
                   "ໃບອະນຸຍາດເລກທີ 088/ຖວທ", "ສາຍດ່ວນ: 021 000 000"],
    },
    "krungthep": {
        "home": "หน้าแรก", "search": "ค้นหา", "search_ph": "ค้นหาข่าว", "login": "เข้าสู่ระบบ",
        "font": ("ขนาดตัวอักษร", ["A-", "A", "A+"]),
        "share": ("แชร์:", ["Facebook", "LINE", "X"]), "related": "ข่าวที่เกี่ยวข้อง",
        "more": "ข่าวล่าสุด", "tags": "แท็ก:", "by": "โดย ",
        "comment": "แสดงความคิดเห็น", "comment_ph": "พิมพ์ความคิดเห็นของคุณ", "name": "ชื่อ",
        "submit": "ส่งความคิดเห็น", "print": "พิมพ์", "email": "อีเมล", "ad": "โฆษณา",
        "here": "", "body": "",
        "footer": ["© ข่าวกรุงเทพรายวัน สงวนลิขสิทธิ์",
                   "ที่อยู่: เลขที่ 99 ถนนตัวอย่าง แขวงจตุจักร เขตจตุจักร กรุงเทพฯ",
                   "ใบอนุญาตเลขที่ กท.0123", "สายด่วน: 02 000 0000"],
    },
}

# Stock headlines that fill link lists when an outlet has few articles (they link to
# pages that are not part of the corpus, as on any crawled site).
FILLERS: dict[str, list[str]] = {
    "zh-Hans": ["多地发布高温预警 提醒市民注意防暑", "国内油价迎来年内新一轮调整",
                "专家解读：新能源汽车下乡有哪些新变化", "周末出行提示：部分高速路段车流量大",
                "跨境电商新规落地 中小卖家如何应对", "秋季养生：专家建议早睡早起适量运动",
                "本地楼市成交量环比回升", "博物馆夜场开放时间延长至晚九点"],
    "zh-Hant": ["連假出遊注意 國道將實施高乘載管制", "油價下週可望小幅調降",
                "颱風季將至 氣象署提醒民眾做好防颱準備", "外送平台新制上路 店家反應兩極",
                "夜市美食地圖出爐 在地人推薦必吃小吃", "房市交易量連續三個月回溫",
                "健保新制明年實施 門診部分負擔調整", "捷運新路線通車首週 運量優於預期"],
    "vi": ["Giá xăng dầu điều chỉnh giảm nhẹ từ chiều nay",
           "Hà Nội công bố lịch cắt điện tuần tới ở một số quận",
           "Năm lưu ý khi mua sắm trực tuyến dịp cuối năm",
           "Đội tuyển Việt Nam tập trung chuẩn bị cho vòng loại",
           "Giá vàng trong nước biến động mạnh đầu tuần",
           "Khởi công dự án nâng cấp quốc lộ 1 qua miền Trung",
           "Nhiều trường đại học công bố học phí năm học mới",
           "Cảnh báo thủ đoạn lừa đảo qua tin nhắn giả danh ngân hàng"],
    "en": ["Five things to watch in regional markets this week",
           "Opinion: River nations need a data-sharing deal that works",
           "Weekend weather: showers expected across the region",
           "Photos: Life along the river at dawn",
           "How rising rice prices are changing family budgets",
           "Ride-hailing apps face new rules on driver pay",
           "Explainer: How cross-border e-visas work",
           "Airport upgrade adds a new check-in hall"],
    "th": ["กรมอุตุฯ พยากรณ์อากาศ 7 วันข้างหน้า", "ราคาทองคำวันนี้ปรับขึ้นเล็กน้อย",
           "เปิดเส้นทางท่องเที่ยวใหม่ริมฝั่งโขง", "ผลสลากกินแบ่งรัฐบาลงวดล่าสุด",
           "กรุงเทพฯ เตรียมปรับปรุงทางเท้าหลายเส้นทาง",
           "สาธารณสุขแนะวิธีป้องกันไข้หวัดใหญ่ช่วงหน้าฝน",
           "ตลาดหุ้นไทยปิดบวกตามตลาดต่างประเทศ", "รถไฟฟ้าสายใหม่เปิดทดลองให้บริการฟรี"],
    "lo": ["ລາຄານ້ຳມັນເຊື້ອໄຟປັບລົງເລັກນ້ອຍ", "ນະຄອນຫຼວງວຽງຈັນ ກຽມຈັດງານບຸນທາດຫຼວງ",
           "ພະແນກສາທາລະນະສຸກ ແນະນຳວິທີປ້ອງກັນໄຂ້ຍຸງລາຍ", "ອັດຕາແລກປ່ຽນເງິນກີບມື້ນີ້",
           "ທີມຊາດລາວ ກຽມພ້ອມລົງແຂ່ງຂັນ", "ສະພາບອາກາດທົ່ວປະເທດ ໃນອາທິດນີ້",
           "ເປີດເສັ້ນທາງລົດເມໃໝ່ ໃນນະຄອນຫຼວງວຽງຈັນ", "ນັກທ່ອງທ່ຽວຕ່າງປະເທດ ເພີ່ມຂຶ້ນ"],
}
FILLER_PATH = {"nanfang": "yaowen/n{n}.html", "huanqiu": "world/article/hq{n}.html",
               "taipei": "politics/news/{n}.html", "songhong": "thoi-su/tin-{n}.html",
               "mekongvn": "mien-tay/bai-viet-{n}.html", "mekongherald": "opinion/story-{n}.html",
               "asiawire": "markets/aw-{n}.html", "vientianemai": "local/post-{n}.html",
               "krungthep": "politics/news-{n}.html"}


def filler_key(outlet: Outlet) -> str:
    return f"zh-{outlet.script}" if outlet.lang == "zh" else outlet.lang


def category(article: Article) -> str:
    text = (article.topic or "").lower()
    for name, pattern in CATEGORY_WORDS:
        if re.search(pattern, text):
            return name
    return "world"


def stable_hash(text: str) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16)


# --------------------------------------------------------------------------- dates

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
MONTHS_TH = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
             "พ.ย.", "ธ.ค.")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")


def gmt_label(dt: datetime) -> str:
    offset = dt.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"GMT{sign}{h}" + (f":{m:02d}" if m else "")


def local_date(dt: datetime, style: str, source: str = "") -> str:
    """The visible date in an outlet's style, in the publish offset's local time."""
    if style == "vi":
        return (f"{WEEKDAYS_VI[dt.weekday()]}, {dt.day:02d}/{dt.month:02d}/{dt.year} - "
                f"{dt.hour:02d}:{dt.minute:02d} ({gmt_label(dt)})")
    if style == "zh":
        return f"{dt.year}年{dt.month}月{dt.day}日 {dt.hour:02d}:{dt.minute:02d} {source}"
    if style == "th":
        return (f"{dt.day} {MONTHS_TH[dt.month - 1]} {dt.year + 543} "
                f"{dt.hour:02d}:{dt.minute:02d} น.")
    if style == "lo":
        return f"{dt.day:02d}/{dt.month:02d}/{dt.year} {dt.hour:02d}:{dt.minute:02d}"
    hour12 = dt.hour % 12 or 12
    ampm = "AM" if dt.hour < 12 else "PM"
    return f"{MONTHS_EN[dt.month - 1]} {dt.day}, {dt.year}, {hour12}:{dt.minute:02d} {ampm}"


def iso(dt: datetime) -> str:
    return dt.isoformat()


# --------------------------------------------------------------------------- planning


def plan(articles: list[Article]) -> None:
    """Decide URL, encoding variant and link lists of every article."""
    by_outlet: dict[str, list[Article]] = {}
    for a in articles:
        by_outlet.setdefault(a.outlet.key, []).append(a)
    for key, group in by_outlet.items():
        outlet = OUTLETS[key]
        sections = {cat: slug for cat, slug, _ in SECTIONS[key] if cat}
        for a in group:
            a.section = sections[category(a)]
            dt = a.published
            if dt is None:
                a.path = f"{a.section}/{a.slug}.html"
            elif key == "mekongvn":
                a.path = f"{a.section}/{dt.year}/{dt.month:02d}/{dt.day:02d}/{a.slug}.html"
            else:
                a.path = f"{a.section}/{dt.year}/{dt.month:02d}/{a.slug}.html"
            a.encoding, a.declared = outlet.encoding, outlet.declared
            a.declare_how = "http-equiv" if key in ("songhong", "asiawire") else "meta"
        # Deviating pages: chosen by a hash of the slug, at least one ordinary page kept.
        if key in VARIANTS:
            count, codec, label, how = VARIANTS[key]
            n = min(count, len(group) - 1) if len(group) > 1 else 0
            for a in sorted(group, key=lambda a: (stable_hash(a.slug), a.slug))[:n]:
                if how == "nfd":
                    a.nfd = True
                else:
                    a.encoding, a.declared, a.declare_how = codec, label, how
        for a in group:
            link_lists(a, group)


def link_lists(a: Article, group: list[Article]) -> None:
    outlet = a.outlet
    h = stable_hash(a.slug)
    fillers = [(t, f"{outlet.base}/{FILLER_PATH[outlet.key].format(n=10231 + 7 * i)}")
               for i, t in enumerate(FILLERS[filler_key(outlet)])]
    # Undated pages carry no date anywhere, so they link only to date-free URLs.
    others = [o for o in group if o is not a and (a.published or not o.published)]
    tags = set(a.tags)

    def closeness(o: Article) -> tuple[int, float, str]:
        gap = (abs((o.published - a.published).total_seconds())
               if o.published and a.published else 1e12)
        return (-len(tags & set(o.tags)), gap, o.slug)

    related = sorted(others, key=closeness)[: 2 + h % 2]
    a.related = [(o.title, o.url) for o in related]
    if len(a.related) < 2:
        a.related += fillers[h % 4: h % 4 + 2 - len(a.related)]
    taken = {o.slug for o in related}
    rest = [o for o in others if o.slug not in taken]
    if a.published:
        older = sorted((o for o in rest if o.published and o.published < a.published),
                       key=lambda o: (-o.published.timestamp(), o.slug))  # type: ignore[union-attr]
        newer = sorted((o for o in rest if o.published and o.published >= a.published),
                       key=lambda o: (o.published.timestamp(), o.slug))  # type: ignore[union-attr]
        rest = older + newer
    else:
        rest = sorted(rest, key=lambda o: o.slug)
    want = 5 + h % 4
    more = [(o.title, o.url) for o in rest[:want]]
    used = {u for _, u in a.related}
    for t, u in fillers:
        if len(more) >= want:
            break
        if u not in used:
            more.append((t, u))
    a.more = more


# --------------------------------------------------------------------------- rendering helpers


def esc(text: str) -> str:
    """Escape text content (quotes stay literal so visible text matches the source)."""
    return html.escape(text, quote=False)


def att(text: str) -> str:
    return html.escape(text, quote=True)


def charset_tag(a: Article) -> str:
    if a.declared is None:
        return ""
    if a.declare_how == "http-equiv":
        return (f'<meta http-equiv="Content-Type" content="text/html; charset={a.declared}">')
    return f'<meta charset="{a.declared}">'


# How Chinese outlets write each other's names in their own script.
NAMES_IN_SCRIPT = {("huanqiu", "Hant"): "環球快訊網", ("nanfang", "Hant"): "南方觀察報",
                   ("taipei", "Hans"): "台北晨报"}


def source_name(a: Article, by_slug: dict[str, Article]) -> str:
    """The source a page names: the original outlet when the story is republished."""
    src = by_slug.get(a.republished_from or "")
    if src is not None and src.outlet.key != a.outlet.key:
        return NAMES_IN_SCRIPT.get((src.outlet.key, a.outlet.script or ""), src.outlet.name)
    return a.outlet.name


def visible_date(a: Article, by_slug: dict[str, Article]) -> str | None:
    if a.published is None:
        return None
    lang = a.outlet.lang
    if lang == "zh":
        label = "來源：" if a.outlet.script == "Hant" else "来源："
        return local_date(a.published, "zh", label + source_name(a, by_slug))
    return local_date(a.published, lang)


def json_ld(a: Article) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url},
        "headline": a.title,
        "description": a.lead,
    }
    if a.published:
        data["datePublished"] = iso(a.published)
        data["dateModified"] = iso(a.updated or a.published)
    if a.authors:
        data["author"] = [{"@type": "Person", "name": n} for n in a.authors]
    if a.image:
        data["image"] = [image_src(a)]
    data["publisher"] = {"@type": "Organization", "name": a.outlet.name,
                         "logo": {"@type": "ImageObject", "url": f"{a.outlet.base}/logo.png"}}
    data["inLanguage"] = a.outlet.html_lang
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def meta_dates(a: Article) -> list[str]:
    if a.published is None:
        return []
    out = [f'<meta property="article:published_time" content="{iso(a.published)}">']
    if a.updated:
        out.append(f'<meta property="article:modified_time" content="{iso(a.updated)}">')
    return out


def og_tags(a: Article, site_name: str | None = None) -> list[str]:
    out = [
        '<meta property="og:type" content="article">',
        f'<meta property="og:site_name" content="{att(site_name or a.outlet.name)}">',
        f'<meta property="og:title" content="{att(a.title)}">',
        f'<meta property="og:description" content="{att(a.lead)}">',
        f'<meta property="og:url" content="{att(a.url)}">',
    ]
    if a.image:
        out.append(f'<meta property="og:image" content="{att(image_src(a))}">')
    return out


IMAGE_DIRS = {"nanfang": "https://www.nanfang-guancha.example/images/content/",
              "huanqiu": "https://img.huanqiu-kuaixun.example/pic/",
              "taipei": "https://img.taipei-morning.example/photos/",
              "songhong": "https://baosonghong.example/uploads/images/",
              "mekongvn": "https://cdn.tinmekong.example/media/",
              "mekongherald": "https://www.mekongherald.example/media/images/",
              "asiawire": "https://photos.asiawire.example/",
              "vientianemai": "https://vientianemai.example/wp-content/uploads/",
              "krungthep": "https://static.krungthep-daily.example/img/"}


def image_src(a: Article) -> str:
    return f"{IMAGE_DIRS[a.outlet.key]}{a.slug}.jpg"


def share_links(a: Article, networks: list[str]) -> str:
    u = quote(a.url, safe="")
    hrefs = {
        "Facebook": f"https://www.facebook.com/sharer/sharer.php?u={u}",
        "Zalo": f"https://sp.zalo.me/share_inline?url={u}",
        "X": f"https://x.com/intent/post?url={u}",
        "LinkedIn": f"https://www.linkedin.com/sharing/share-offsite/?url={u}",
        "LINE": f"https://social-plugins.line.me/lineit/share?url={u}",
        "WhatsApp": f"https://wa.me/?text={u}",
        "微博": f"https://service.weibo.com/share/share.php?url={u}",
        "微信": "javascript:void(0)",
    }
    return " ".join(f'<a class="share-{i}" href="{att(hrefs[n])}" rel="nofollow">{esc(n)}</a>'
                    for i, n in enumerate(networks, 1))


def nav_items(a: Article) -> list[tuple[str, str, bool]]:
    return [(f"{a.outlet.base}/{slug}/", label, slug == a.section)
            for _, slug, label in SECTIONS[a.outlet.key]]


def section_label(a: Article) -> str:
    return next(label for _, slug, label in SECTIONS[a.outlet.key] if slug == a.section)


def tag_href(a: Article, tag: str) -> str:
    if a.outlet.lang == "vi":
        plain = unicodedata.normalize("NFD", tag.replace("đ", "d").replace("Đ", "D"))
        plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
        return f"{a.outlet.base}/tag/{re.sub(r'[^a-z0-9]+', '-', plain).strip('-')}.html"
    return f"{a.outlet.base}/tag/{quote(tag)}"


def link_list(items: list[tuple[str, str]], li: str = "li") -> str:
    return "\n".join(f'<{li}><a href="{att(u)}">{esc(t)}</a></{li}>' for t, u in items)


def flow(a: Article, lead: str, image: str, related: str, tail: list[str],
         credit: str, para: str = "<p>{}</p>") -> str:
    """Lead, image, body paragraphs with the related box between them, tail, credit."""
    parts = [lead]
    if image:
        parts.append(image)
    paras = [para.format(esc(p)) for p in a.body]
    pos = 2 if len(paras) >= 3 else (1 if len(paras) == 2 else None)
    if pos is not None and related:
        paras.insert(pos, related)
    parts += paras
    parts += [t for t in tail if t]
    if a.credit:
        parts.append(credit.format(esc(a.credit)))
    if pos is None and related:
        parts.append(related)
    return "\n".join(parts)


def comment_form(action: str, ui: dict, cls: str = "comment-form") -> str:
    return (f'<form class="{cls}" action="{att(action)}" method="post">\n'
            f'<textarea name="content" rows="4" placeholder="{att(ui["comment_ph"])}"></textarea>\n'
            f'<input type="text" name="name" placeholder="{att(ui["name"])}">\n'
            f'<button type="submit">{esc(ui["submit"])}</button>\n</form>')


def search_form(action: str, ui: dict, cls: str = "search") -> str:
    return (f'<form class="{cls}" action="{att(action)}" method="get">'
            f'<input type="text" name="q" placeholder="{att(ui["search_ph"])}">'
            f'<button type="submit">{esc(ui["search"])}</button></form>')


def font_switch(ui: dict, cls: str = "font-size") -> str:
    label, sizes = ui["font"]
    links = " ".join(f'<a href="javascript:void(0)" data-size="{i}">{esc(s)}</a>'
                     for i, s in enumerate(sizes))
    return f'<div class="{cls}">{esc(label)}{links}</div>'


def footer_lines(ui: dict, tag: str = "p") -> str:
    return "\n".join(f"<{tag}>{esc(line)}</{tag}>" for line in ui["footer"])


def authors_text(a: Article, sep: str) -> str:
    return sep.join(a.authors)


# --------------------------------------------------------------------------- templates
# One function per outlet; each returns the page as text (encoded later).


def _if(flag: bool, name: str, value: str) -> str:
    """An attribute only on the current item (e.g. the active menu entry)."""
    return f' {name}="{value}"' if flag else ""


def _join_en(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _mailto(a: Article) -> str:
    return f"mailto:?subject={quote(a.title)}&body={quote(a.url)}"


def _lines(*parts: str | list[str]) -> str:
    out: list[str] = []
    for p in parts:
        if isinstance(p, list):
            out.extend(x for x in p if x)
        elif p:
            out.append(p)
    return "\n".join(out) + "\n"


def page_songhong(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["songhong"], a.outlet.base
    nav = "\n".join(f'<li{_if(cur, "class", "active")}><a href="{att(u)}">{esc(t)}</a></li>'
                    for u, t, cur in nav_items(a))
    rel_items = "\n".join(
        f'<li><a class="thumb" href="{att(u)}" title="{att(t)}"><img src="{base}/images/thumb/'
        f'{stable_hash(u) % 9000 + 1000}.jpg" alt="{att(t)}" width="120">'
        f'<span class="thumb-title">{esc(t)}</span></a>\n'
        f'<a class="title" href="{att(u)}">{esc(t)}</a></li>' for t, u in a.related)
    related = (f'<div class="box-tinlienquan">\n<h3>{ui["related"]}</h3>\n<ul>\n{rel_items}\n'
               f'</ul>\n</div>')
    image = ""
    if a.image:
        cap = (f'\n<tr><td class="image-caption">{esc(a.image["caption"])}</td></tr>'
               if a.image["caption"] else "")
        image = (f'<table class="image" align="center"><tr><td><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}" width="600"></td></tr>{cap}</table>')
    author = (f'<p class="author" style="text-align:right"><strong>{esc(authors_text(a, " - "))}'
              f'</strong></p>' if a.authors else "")
    body = flow(a, f'<p class="sapo"><strong>{esc(a.lead)}</strong></p>', image, related,
                [author], '<p style="text-align:right"><strong>{}</strong></p>')
    date = visible_date(a, by_slug)
    tags = ", ".join(f'<a href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
        f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{a.outlet.html_lang}">', "<head>",
        charset_tag(a),
        f"<title>{esc(a.title)} - {esc(a.outlet.name)}</title>",
        f'<meta name="description" content="{att(a.lead)}">',
        f'<meta name="keywords" content="{att(", ".join(a.tags))}">',
        f'<link rel="canonical" href="{att(a.url)}">', og_tags(a),
        f'<link rel="stylesheet" type="text/css" href="{base}/css/style.css?v=3">',
        f'<script type="text/javascript" src="{base}/js/jquery.min.js"></script>',
        "</head>", "<body>", '<div id="wrapper">', '<div id="header">',
        f'<div class="top-bar"><a class="login" href="{base}/dang-nhap.html">{ui["login"]}</a>'
        f' | <a href="{base}/rss.html">RSS</a></div>',
        f'<div class="logo"><a href="{base}/"><img src="{base}/images/logo.png" '
        f'alt="{att(a.outlet.name)}"></a> <span class="site-name">{esc(a.outlet.name)}</span>'
        "</div>",
        search_form(f"{base}/tim-kiem.html", ui, "search-box"),
        f'<ul id="menu">\n<li class="home"><a href="{base}/">{ui["home"]}</a></li>\n{nav}\n</ul>',
        "</div>", '<div id="content">',
        f'<div class="breadcrumb"><a href="{base}/">{ui["home"]}</a> &raquo; '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></div>',
        '<div class="col-left">', '<div class="detail">',
        f'<h1 class="title-detail">{esc(a.title)}</h1>',
        '<div class="toolbar">',
        f'<span class="date-time">{esc(date)}</span>' if date else "",
        font_switch(ui, "font-size"), "</div>",
        '<div id="main-detail">', body, "</div>",
        f'<div class="tags">{ui["tags"]} {tags}</div>' if tags else "",
        f'<div class="social">{ui["share"][0]} {share_links(a, ui["share"][1])}</div>',
        f'<div class="tools"><a class="print" href="javascript:window.print()">{ui["print"]}</a>'
        f' <a class="email" href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</div>",
        f'<div class="box-tincu">\n<h3>{ui["more"]}</h3>\n<ul>\n{link_list(a.more)}\n</ul>\n'
        "</div>",
        f'<div class="box-comment">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/binh-luan.html", ui), "</div>",
        "</div>",
        f'<div class="col-right"><div class="ads">{ui["ad"]}</div></div>',
        "</div>",
        f'<div id="footer">\n{footer_lines(ui)}\n</div>', "</div>", "</body>", "</html>")


def page_mekongvn(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["mekongvn"], a.outlet.base
    nav = "\n".join(f'<li><a href="{att(u)}"{_if(cur, "aria-current", "page")}>'
                    f"{esc(t)}</a></li>" for u, t, cur in nav_items(a))
    related = (f'<div class="related-box">\n<strong class="related-title">{ui["related"]}'
               f"</strong>\n<ul>\n{link_list(a.related)}\n</ul>\n</div>")
    image = ""
    if a.image:
        image = (f'<p style="text-align:center"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}"></p>')
        if a.image["caption"]:
            image += f'\n<p><em>{esc(a.image["caption"])}</em></p>'
    body = flow(a, f'<p class="sapo"><strong>{esc(a.lead)}</strong></p>', image, related, [],
                '<p style="text-align:right;"><strong>{}</strong></p>')
    date = visible_date(a, by_slug)
    meta = []
    if a.authors:
        meta.append(f'<span class="post-author">{esc(authors_text(a, " - "))}</span>')
    if date:
        meta.append(f'<span class="post-date">{esc(date)}</span>')
    tags = " ".join(f'<a rel="tag" href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!doctype html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(a.title)} | {esc(a.outlet.name)}</title>",
        f'<link rel="canonical" href="{att(a.url)}">',
        f'<meta name="description" content="{att(a.lead)}">',
        f'<meta name="author" content="{att(", ".join(a.authors))}">' if a.authors else "",
        og_tags(a),
        '<link rel="stylesheet" href="https://cdn.tinmekong.example/assets/app.css">',
        "</head>", '<body class="single-post">', '<header class="site-header">',
        '<div class="container">',
        f'<a class="brand" href="{base}/">{esc(a.outlet.name)}</a>',
        search_form(f"{base}/tim-kiem", ui, "header-search"),
        f'<a class="btn-login" href="{base}/tai-khoan/dang-nhap">{ui["login"]}</a>',
        "</div>",
        f'<nav class="main-nav"><ul>\n<li><a href="{base}/">{ui["home"]}</a></li>\n{nav}\n'
        "</ul></nav>",
        "</header>", '<main class="container">',
        f'<ol class="breadcrumbs"><li><a href="{base}/">{ui["home"]}</a></li>'
        f'<li><a href="{base}/{a.section}/">{esc(section_label(a))}</a></li></ol>',
        '<article class="post">', f'<h1 class="post-title">{esc(a.title)}</h1>',
        f'<div class="post-meta">{" ".join(meta)}</div>' if meta else "",
        f'<div class="post-tools">{font_switch(ui, "text-size")}'
        f'<div class="share">{ui["share"][0]} {share_links(a, ui["share"][1])}</div></div>',
        '<div class="post-content">', body, "</div>",
        f'<div class="post-tags">{ui["tags"]} {tags}</div>' if tags else "",
        f'<div class="post-actions"><button type="button" onclick="window.print()">'
        f'{ui["print"]}</button> <a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</article>",
        f'<section class="older-posts">\n<h2>{ui["more"]}</h2>\n<ul>\n{link_list(a.more)}\n'
        "</ul>\n</section>",
        f'<section class="comments">\n<h2>{ui["comment"]}</h2>',
        comment_form(f"{base}/binh-luan/gui", ui), "</section>", "</main>",
        f'<footer class="site-footer">\n{footer_lines(ui, "div")}\n</footer>',
        "</body>", "</html>")


def page_nanfang(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["nanfang"], a.outlet.base
    nav = "\n".join(f'<li><a href="{att(u)}"{_if(cur, "class", "cur")}>{esc(t)}</a></li>'
                    for u, t, cur in nav_items(a))
    related = (f'<div class="xgxw">\n<h4>{ui["related"]}</h4>\n<ul>\n{link_list(a.related)}\n'
               "</ul>\n</div>")
    image = ""
    if a.image:
        cap = (f"<figcaption>{esc(a.image['caption'])}</figcaption>"
               if a.image["caption"] else "")
        image = (f'<figure class="pic"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}">{cap}</figure>')
    body = flow(a, f"<p>{esc(a.lead)}</p>", image, related, [],
                '<p style="text-align:right">{}</p>')
    date = visible_date(a, by_slug)
    tags = " ".join(f'<a href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        f"<title>{esc(a.title)}_{esc(a.outlet.name)}</title>",
        f'<meta name="keywords" content="{att(",".join(a.tags))}">',
        f'<meta name="description" content="{att(a.lead)}">',
        f'<meta name="author" content="{att(" ".join(a.authors))}">' if a.authors else "",
        meta_dates(a), f'<link rel="canonical" href="{att(a.url)}">', og_tags(a),
        f'<link rel="stylesheet" href="{base}/static/css/article.css">',
        "</head>", "<body>",
        '<div class="topbar"><div class="w1000"><span class="welcome">欢迎访问南方观察报</span>'
        f'<a class="login" href="{base}/user/login.html">{ui["login"]}</a> '
        f'<a href="{base}/user/register.html">注册</a></div></div>',
        '<div class="header w1000">',
        f'<div class="logo"><a href="{base}/">{esc(a.outlet.name)}</a></div>',
        search_form(f"{base}/search.php", ui, "so"), "</div>",
        f'<div class="nav"><ul>\n<li><a href="{base}/">{ui["home"]}</a></li>\n{nav}\n</ul></div>',
        '<div class="w1000 main">',
        f'<div class="crumbs">{ui["here"]}<a href="{base}/">{ui["home"]}</a> &gt; '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a> &gt; {ui["body"]}</div>',
        '<div class="article-wrap">', f'<h1 class="article-title">{esc(a.title)}</h1>',
        '<div class="article-info">',
        f'<span class="pubtime">{esc(date)}</span>' if date else "",
        (f'<span class="author">{ui["by"]}{esc(authors_text(a, " "))}</span>'
         if a.authors else ""),
        font_switch(ui, "fontsize"), "</div>",
        '<div class="article-content" id="articleContent">', body, "</div>",
        f'<div class="share">{ui["share"][0]}{share_links(a, ui["share"][1])}</div>',
        f'<div class="tags">{ui["tags"]}{tags}</div>' if tags else "",
        f'<div class="btns"><a href="javascript:window.print()">{ui["print"]}</a> '
        f'<a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</div>",
        f'<div class="more-news">\n<h3>{ui["more"]}</h3>\n<ul>\n{link_list(a.more)}\n</ul>\n'
        "</div>",
        f'<div class="comment">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/comment/post.php", ui), "</div>", "</div>",
        f'<div class="footer">\n{footer_lines(ui, "div")}\n</div>', "</body>", "</html>")


def page_huanqiu(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["huanqiu"], a.outlet.base
    nav = "\n".join(f'<a href="{att(u)}"{_if(cur, "class", "on")}>{esc(t)}</a>'
                    for u, t, cur in nav_items(a))
    related = (f'<div class="related-news">\n<div class="rn-title">{ui["related"]}</div>\n<ul>\n'
               f"{link_list(a.related)}\n</ul>\n</div>")
    image = ""
    if a.image:
        cap = (f"<figcaption>{esc(a.image['caption'])}</figcaption>"
               if a.image["caption"] else "")
        image = (f'<figure><img src="{att(image_src(a))}" alt="{att(a.image["alt"])}">{cap}'
                 "</figure>")
    body = flow(a, f"<p>{esc(a.lead)}</p>", image, related, [],
                '<p class="source-note">{}</p>')
    date = visible_date(a, by_slug)
    tags = " ".join(f'<a href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        '<meta name="renderer" content="webkit">',
        f"<title>{esc(a.title)}-{esc(a.outlet.name)}</title>",
        f'<link rel="canonical" href="{att(a.url)}">',
        f'<meta name="description" content="{att(a.lead)}">', og_tags(a), json_ld(a),
        '<link rel="stylesheet" href="https://static.huanqiu-kuaixun.example/css/detail.css">',
        "</head>", "<body>",
        f'<div id="top"><div class="top-links"><a href="{base}/">{esc(a.outlet.name)}首页</a> '
        f'<a class="login" href="https://passport.huanqiu-kuaixun.example/login">{ui["login"]}'
        "</a></div></div>",
        '<header class="hd">',
        f'<div class="logo"><a href="{base}/">{esc(a.outlet.name)}</a></div>',
        f'<nav class="menu"><a href="{base}/">{ui["home"]}</a>\n{nav}\n</nav>',
        search_form(f"{base}/search", ui, "hd-search"), "</header>",
        '<div class="container">',
        f'<div class="nav-path"><a href="{base}/">{ui["home"]}</a> &gt; '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></div>',
        '<div class="l-con" id="article">', '<div class="t-container">',
        f"<h1>{esc(a.title)}</h1>", '<div class="metadata-info">',
        f'<span class="time">{esc(date)}</span>' if date else "",
        (f'<span class="author">{esc(authors_text(a, "、"))}</span>' if a.authors else ""),
        "</div>",
        f'<div class="toolbar">{font_switch(ui, "a-size")}'
        f'<div class="share-bar">{ui["share"][0]}{share_links(a, ui["share"][1])}</div></div>',
        "</div>", '<article class="la-content">', body, "</article>",
        f'<div class="tags-row">{ui["tags"]}{tags}</div>' if tags else "",
        f'<div class="page-tools"><a href="javascript:window.print()">{ui["print"]}</a> '
        f'<a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</div>",
        f'<div class="more">\n<h3>{ui["more"]}</h3>\n<ul>\n{link_list(a.more)}\n</ul>\n</div>',
        f'<div class="comment-box">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/comment/add", ui), "</div>", "</div>",
        f'<footer class="ft">\n{footer_lines(ui, "div")}\n</footer>', "</body>", "</html>")


def page_taipei(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["taipei"], a.outlet.base
    nav = "\n".join(f'<li class="{"current" if cur else "item"}"><a href="{att(u)}">{esc(t)}'
                    "</a></li>" for u, t, cur in nav_items(a))
    related = (f'<div class="story-related">\n<h3>{ui["related"]}</h3>\n<ul>\n'
               f"{link_list(a.related)}\n</ul>\n</div>")
    image = ""
    if a.image:
        cap = (f"<figcaption>{esc(a.image['caption'])}</figcaption>"
               if a.image["caption"] else "")
        image = (f'<figure class="photo"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}">{cap}</figure>')
    body = flow(a, f"<p>{esc(a.lead)}</p>", image, related, [],
                '<p class="story-source">{}</p>')
    date = visible_date(a, by_slug)
    tags = " ".join(f'<a class="tag" href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        f"<title>{esc(a.title)} - {esc(a.outlet.name)}</title>",
        f'<meta name="description" content="{att(a.lead)}">', meta_dates(a), og_tags(a),
        f'<link rel="canonical" href="{att(a.url)}">',
        f'<link rel="alternate" type="application/atom+xml" href="{base}/feed.atom">',
        "</head>", "<body>", '<header id="masthead">',
        f'<div class="brand"><a href="{base}/">{esc(a.outlet.name)}</a></div>',
        f'<div class="member"><a href="{base}/member/login">{ui["login"]}</a></div>',
        search_form(f"{base}/search", ui, "site-search"),
        f'<nav id="main-menu"><ul>\n<li class="item"><a href="{base}/">{ui["home"]}</a></li>\n'
        f"{nav}\n</ul></nav>",
        "</header>", '<div id="wrap">',
        f'<nav class="breadcrumb"><a href="{base}/">{ui["home"]}</a> › '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></nav>',
        '<div class="story">', f'<h1 class="story-title">{esc(a.title)}</h1>',
        '<div class="story-meta">',
        f'<span class="date">{esc(date)}</span>' if date else "",
        (f'<span class="reporter">{esc(authors_text(a, "、"))}</span>' if a.authors else ""),
        "</div>",
        f'<div class="story-tools">{font_switch(ui, "fontsize")}'
        f'<div class="share">{ui["share"][0]}{share_links(a, ui["share"][1])}</div></div>',
        '<div class="story-body">', body, "</div>",
        f'<div class="story-tags">{ui["tags"]}{tags}</div>' if tags else "",
        f'<div class="story-print"><a href="javascript:window.print()">{ui["print"]}</a> '
        f'<a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</div>",
        f'<div class="more-news">\n<h3>{ui["more"]}</h3>\n<ul>\n{link_list(a.more)}\n</ul>\n'
        "</div>",
        f'<div class="comments">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/comment", ui), "</div>", "</div>",
        f'<footer id="footer">\n{footer_lines(ui, "div")}\n</footer>', "</body>", "</html>")


def _author_links(a: Article) -> str:
    links = [f'<a class="author" href="{a.outlet.base}/authors/'
             f'{re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") or "staff"}">{esc(n)}</a>'
             for n in a.authors]
    return _join_en(links)


def page_mekongherald(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["mekongherald"], a.outlet.base
    nav = "\n".join(f'<li><a href="{att(u)}"{_if(cur, "aria-current", "page")}>'
                    f"{esc(t)}</a></li>" for u, t, cur in nav_items(a))
    related = (f'<aside class="related">\n<h2>{ui["related"]}</h2>\n<ul>\n{link_list(a.related)}'
               "\n</ul>\n</aside>")
    image = ""
    if a.image:
        cap = (f"<figcaption>{esc(a.image['caption'])}</figcaption>"
               if a.image["caption"] else "")
        image = (f'<figure class="article__image"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}" loading="lazy">{cap}</figure>')
    body = flow(a, f'<div class="lead">{esc(a.lead)}</div>', image, related, [],
                '<p class="credit"><em>{}</em></p>')
    dateline = []
    if a.published:
        dateline.append(f'<span class="published">{esc(visible_date(a, by_slug) or "")}</span>')
        if a.updated:
            dateline.append(f'<span class="updated">{ui["updated"]} '
                            f'{esc(local_date(a.updated, "en"))}</span>')
    tags = " ".join(f'<a href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(a.title)} | {esc(a.outlet.name)}</title>",
        f'<meta name="description" content="{att(a.lead)}">',
        f'<meta name="author" content="{att(", ".join(a.authors))}">' if a.authors else "",
        f'<link rel="canonical" href="{att(a.url)}">', og_tags(a),
        '<meta name="twitter:card" content="summary_large_image">', json_ld(a),
        f'<link rel="stylesheet" href="{base}/assets/herald.css">', "</head>",
        '<body class="article-page">', '<a class="skip-link" href="#main">Skip to content</a>',
        '<header class="masthead">',
        f'<div class="masthead__top"><a class="signin" href="{base}/account/sign-in">'
        f'{ui["login"]}</a> <a class="subscribe" href="{base}/subscribe">Subscribe</a></div>',
        f'<a class="masthead__logo" href="{base}/">{esc(a.outlet.name)}</a>',
        search_form(f"{base}/search", ui, "masthead__search"),
        f'<nav class="primary-nav"><ul>\n<li><a href="{base}/">{ui["home"]}</a></li>\n{nav}\n'
        "</ul></nav>", "</header>", '<main id="main">',
        f'<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="{base}/">{ui["home"]}</a> / '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></nav>',
        '<article class="article">', '<header class="article__header">',
        f'<h1 class="article__headline">{esc(a.title)}</h1>',
        (f'<div class="article__byline">{ui["by"]}{_author_links(a)}</div>'
         if a.authors else ""),
        f'<div class="article__dateline">{" ".join(dateline)}</div>' if dateline else "",
        "</header>",
        f'<div class="article__tools">{font_switch(ui, "type-size")}'
        f'<div class="share">{ui["share"][0]} {share_links(a, ui["share"][1])}</div></div>',
        '<div class="article__body">', body, "</div>",
        '<footer class="article__footer">',
        f'<div class="topics">{ui["tags"]} {tags}</div>' if tags else "",
        f'<div class="actions"><button type="button" onclick="window.print()">{ui["print"]}'
        f'</button> <a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</footer>", "</article>",
        f'<section class="more-stories">\n<h2>{ui["more"]}</h2>\n<ul>\n{link_list(a.more)}\n'
        "</ul>\n</section>",
        f'<section class="comments" id="comments">\n<h2>{ui["comment"]}</h2>',
        comment_form(f"{base}/comments", ui), "</section>", "</main>",
        f'<footer class="site-footer">\n{footer_lines(ui)}\n</footer>', "</body>", "</html>")


def page_asiawire(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["asiawire"], a.outlet.base
    nav = " | ".join(f'<a href="{att(u)}"{_if(cur, "class", "selected")}>{esc(t)}</a>'
                     for u, t, cur in nav_items(a))
    related = (f'<div class="related-links">\n<h4>{ui["related"]}</h4>\n<ul>\n'
               f"{link_list(a.related)}\n</ul>\n</div>")
    image = ""
    if a.image:
        cap = (f"<figcaption>{esc(a.image['caption'])}</figcaption>"
               if a.image["caption"] else "")
        image = (f'<figure class="story-photo"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}">{cap}</figure>')
    body = flow(a, f'<div class="lead"><p>{esc(a.lead)}</p></div>', image, related, [],
                '<p class="story-credit">{}</p>')
    date = visible_date(a, by_slug)
    tags = ", ".join(f'<a href="{att(tag_href(a, t))}">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        f"<title>{esc(a.title)} - {esc(a.outlet.name)}</title>",
        f'<link rel="canonical" href="{att(a.url)}">',
        f'<meta name="description" content="{att(a.lead)}">', og_tags(a), json_ld(a),
        f'<link rel="stylesheet" href="{base}/static/wire.css">', "</head>", "<body>",
        '<div class="page">',
        '<div class="utility-bar"><span class="tagline">Asia Wire Service — news from across '
        f'the region</span> <a class="login" href="{base}/login">{ui["login"]}</a></div>',
        '<header class="site-header">',
        f'<div class="logo"><a href="{base}/">{esc(a.outlet.name)}</a></div>',
        f'<nav class="sections"><a href="{base}/">{ui["home"]}</a> | {nav}</nav>',
        search_form(f"{base}/search", ui, "search"), "</header>",
        f'<div class="crumbs"><a href="{base}/">{ui["home"]}</a> &gt; '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></div>',
        '<div class="story" id="story">', f'<h1 class="story-headline">{esc(a.title)}</h1>',
        (f'<div class="story-byline">{ui["by"]}{esc(_join_en(a.authors))}</div>'
         if a.authors else ""),
        f'<div class="story-timestamp">{esc(date)}</div>' if date else "",
        f'<div class="story-tools"><div class="share">{ui["share"][0]} '
        f'{share_links(a, ui["share"][1])}</div>{font_switch(ui, "text-size")}</div>',
        '<div class="story-body">', body, "</div>",
        f'<div class="story-tags">{ui["tags"]} {tags}</div>' if tags else "",
        f'<div class="story-actions"><a href="javascript:window.print()">{ui["print"]}</a> '
        f'<a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</div>",
        f'<div class="more-stories">\n<h3>{ui["more"]}</h3>\n<ul>\n{link_list(a.more)}\n</ul>\n'
        "</div>",
        f'<div class="comments">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/comments/new", ui), "</div>",
        f'<footer class="footer">\n{footer_lines(ui)}\n</footer>', "</div>", "</body>",
        "</html>")


def page_vientianemai(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["vientianemai"], a.outlet.base
    nav = "\n".join(f'<li class="menu-item{" current-menu-item" if cur else ""}">'
                    f'<a href="{att(u)}">{esc(t)}</a></li>' for u, t, cur in nav_items(a))
    related = (f'<div class="related-posts">\n<h3>{ui["related"]}</h3>\n<ul>\n'
               f"{link_list(a.related)}\n</ul>\n</div>")
    image = ""
    if a.image:
        cap = (f'<figcaption class="wp-element-caption">{esc(a.image["caption"])}</figcaption>'
               if a.image["caption"] else "")
        image = (f'<figure class="wp-block-image"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}">{cap}</figure>')
    body = flow(a, f"<p><strong>{esc(a.lead)}</strong></p>", image, related, [],
                '<p style="text-align:right"><strong>{}</strong></p>')
    date = visible_date(a, by_slug)
    meta = []
    if date:
        meta.append(f'<span class="posted-on">{esc(date)}</span>')
    if a.authors:
        meta.append(f'<span class="byline">{ui["by"]}{esc(authors_text(a, ", "))}</span>')
    tags = ", ".join(f'<a href="{att(tag_href(a, t))}" rel="tag">{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(a.title)} – {esc(a.outlet.name)}</title>",
        f'<link rel="canonical" href="{att(a.url)}">', og_tags(a),
        f"<link rel='stylesheet' href='{base}/wp-content/themes/vtm/style.css'>", "</head>",
        '<body class="post-template-default single single-post">',
        '<div id="page" class="site">', '<header id="masthead" class="site-header">',
        f'<div class="site-branding"><div class="site-title"><a href="{base}/" rel="home">'
        f"{esc(a.outlet.name)}</a></div></div>",
        f'<div class="header-login"><a href="{base}/wp-login.php">{ui["login"]}</a></div>',
        search_form(f"{base}/", ui, "search-form"),
        '<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">',
        f'<li class="menu-item"><a href="{base}/">{ui["home"]}</a></li>', nav, "</ul></nav>",
        "</header>", '<div id="content" class="site-content">',
        f'<div class="breadcrumbs"><a href="{base}/">{ui["home"]}</a> » '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></div>',
        f'<article id="post-{stable_hash(a.slug) % 90000 + 10000}" class="post type-post">',
        f'<header class="entry-header"><h1 class="entry-title">{esc(a.title)}</h1>',
        f'<div class="entry-meta">{" ".join(meta)}</div>' if meta else "", "</header>",
        f'<div class="entry-tools">{font_switch(ui, "font-resizer")}'
        f'<div class="share">{ui["share"][0]} {share_links(a, ui["share"][1])}</div></div>',
        '<div class="entry-content">', body, "</div>",
        '<footer class="entry-footer">',
        f'<span class="tags-links">{ui["tags"]} {tags}</span>' if tags else "",
        f'<span class="print-email"><a href="javascript:window.print()">{ui["print"]}</a> '
        f'<a href="{att(_mailto(a))}">{ui["email"]}</a></span>', "</footer>", "</article>",
        f'<section class="more-news">\n<h2>{ui["more"]}</h2>\n<ul>\n{link_list(a.more)}\n</ul>\n'
        "</section>",
        f'<div id="comments" class="comments-area">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/wp-comments-post.php", ui, "comment-form"), "</div>", "</div>",
        f'<footer id="colophon" class="site-footer">\n{footer_lines(ui, "div")}\n</footer>',
        "</div>", "</body>", "</html>")


def page_krungthep(a: Article, by_slug: dict[str, Article]) -> str:
    ui, base = UI["krungthep"], a.outlet.base
    nav = "\n".join(f'<li{_if(cur, "class", "active")}><a href="{att(u)}">{esc(t)}</a></li>'
                    for u, t, cur in nav_items(a))
    related = (f'<div class="box-related">\n<h3>{ui["related"]}</h3>\n<ul>\n'
               f"{link_list(a.related)}\n</ul>\n</div>")
    image = ""
    if a.image:
        cap = (f"<figcaption>{esc(a.image['caption'])}</figcaption>"
               if a.image["caption"] else "")
        image = (f'<figure class="image-detail"><img src="{att(image_src(a))}" '
                 f'alt="{att(a.image["alt"])}">{cap}</figure>')
    body = flow(a, f'<p class="excerpt"><strong>{esc(a.lead)}</strong></p>', image, related, [],
                '<p class="ref">{}</p>')
    date = visible_date(a, by_slug)
    tags = " ".join(f'<a href="{att(tag_href(a, t))}">#{esc(t)}</a>' for t in a.tags)
    return _lines(
        "<!DOCTYPE html>", f'<html lang="{a.outlet.html_lang}">', "<head>", charset_tag(a),
        f"<title>{esc(a.title)} - {esc(a.outlet.name)}</title>",
        f'<meta name="description" content="{att(a.lead)}">',
        f'<meta name="author" content="{att(", ".join(a.authors))}">' if a.authors else "",
        meta_dates(a), f'<link rel="canonical" href="{att(a.url)}">', og_tags(a),
        f'<link rel="stylesheet" href="{base}/assets/css/main.css">', "</head>", "<body>",
        f'<div class="header-top"><a class="login" href="{base}/member/login">{ui["login"]}'
        "</a></div>",
        '<header class="header">',
        f'<div class="logo"><a href="{base}/">{esc(a.outlet.name)}</a></div>',
        search_form(f"{base}/search", ui, "search-bar"),
        f'<nav class="menu-main"><ul>\n<li><a href="{base}/">{ui["home"]}</a></li>\n{nav}\n'
        "</ul></nav>", "</header>", '<div class="container">',
        f'<div class="breadcrumb"><a href="{base}/">{ui["home"]}</a> / '
        f'<a href="{base}/{a.section}/">{esc(section_label(a))}</a></div>',
        '<div class="content-detail">', f'<h1 class="title">{esc(a.title)}</h1>',
        '<div class="detail-info">',
        f'<span class="date-publish">{esc(date)}</span>' if date else "",
        (f'<span class="writer">{ui["by"]}{esc(authors_text(a, ", "))}</span>'
         if a.authors else ""),
        "</div>",
        f'<div class="tools">{font_switch(ui, "font-size")}'
        f'<div class="share">{ui["share"][0]} {share_links(a, ui["share"][1])}</div></div>',
        '<div class="detail">', body, "</div>",
        f'<div class="tags">{ui["tags"]} {tags}</div>' if tags else "",
        f'<div class="actions"><a href="javascript:window.print()">{ui["print"]}</a> '
        f'<a href="{att(_mailto(a))}">{ui["email"]}</a></div>',
        "</div>",
        f'<div class="latest-news">\n<h3>{ui["more"]}</h3>\n<ul>\n{link_list(a.more)}\n</ul>\n'
        "</div>",
        f'<div class="comment">\n<h3>{ui["comment"]}</h3>',
        comment_form(f"{base}/comment/post", ui), "</div>", "</div>",
        f'<footer class="footer">\n{footer_lines(ui)}\n</footer>', "</body>", "</html>")


TEMPLATES = {"nanfang": page_nanfang, "huanqiu": page_huanqiu, "taipei": page_taipei,
             "songhong": page_songhong, "mekongvn": page_mekongvn,
             "mekongherald": page_mekongherald, "asiawire": page_asiawire,
             "vientianemai": page_vientianemai, "krungthep": page_krungthep}


# --------------------------------------------------------------------------- encoding

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_CP1258_CACHE: dict[str, bytes] = {}


def _cp1258_char(ch: str) -> bytes:
    """One character as a real cp1258 page writes it: base letter + combining tone mark."""
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    parts = unicodedata.normalize("NFD", ch)
    tones = "".join(c for c in parts if c in TONE_MARKS)
    rest = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
    return (rest + tones).encode("cp1258", "xmlcharrefreplace")


def encode_cp1258(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        b = _CP1258_CACHE.get(ch)
        if b is None:
            b = _CP1258_CACHE[ch] = _cp1258_char(ch)
        out += b
    return bytes(out)


def encode_text(text: str, codec: str, nfd: bool = False) -> bytes:
    if nfd:
        text = unicodedata.normalize("NFD", text)
    if codec == "cp1258":
        return encode_cp1258(text)
    return text.encode(codec, "xmlcharrefreplace")


# --------------------------------------------------------------------------- feeds

FEED_LABELS = {"gbk": "GBK", "utf-8": "UTF-8", "cp950": "big5", "cp1258": "windows-1258"}
FEED_LANGS = {"Hans": "zh-cn", "Hant": "zh-tw"}
FEED_TAGLINES = {
    "nanfang": "南方观察报 最新新闻", "huanqiu": "环球快讯网 最新资讯",
    "taipei": "臺北晨報 即時新聞",
    "songhong": "Tin mới nhất - Báo Sông Hồng", "mekongvn": "Tin mới - Tin Mê Kông",
    "mekongherald": "Latest from The Mekong Herald", "asiawire": "Asia Wire Service top stories",
    "vientianemai": "ຂ່າວລ່າສຸດ - ຂ່າວວຽງຈັນໃໝ່", "krungthep": "ข่าวล่าสุด - ข่าวกรุงเทพรายวัน",
}


def newest_first(group: list[Article]) -> list[Article]:
    dated = sorted((a for a in group if a.published),
                   key=lambda a: (-a.published.timestamp(), a.slug))  # type: ignore[union-attr]
    return dated + sorted((a for a in group if not a.published), key=lambda a: a.slug)


def render_feed(outlet: Outlet, group: list[Article]) -> bytes:
    items = newest_first(group)
    label = FEED_LABELS[outlet.encoding]
    stamps = [a.updated or a.published for a in items if a.published]
    newest = max(stamps, key=lambda d: d.timestamp()) if stamps else None  # type: ignore[union-attr]
    lines = [f'<?xml version="1.0" encoding="{label}"?>']
    if outlet.feed == "atom":
        lines += [f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.html_lang}">',
                  f"<title>{esc(outlet.name)}</title>",
                  f"<subtitle>{esc(FEED_TAGLINES[outlet.key])}</subtitle>",
                  f"<id>{outlet.base}/</id>",
                  f'<link rel="alternate" type="text/html" href="{outlet.base}/"/>',
                  f'<link rel="self" type="application/atom+xml" href="{outlet.base}/feed.atom"/>']
        if newest:
            lines.append(f"<updated>{iso(newest)}</updated>")
        for a in items:
            lines += ["<entry>", f"<title>{esc(a.title)}</title>",
                      f'<link rel="alternate" type="text/html" href="{att(a.url)}"/>',
                      f"<id>{esc(a.url)}</id>"]
            if a.published:
                lines += [f"<published>{iso(a.published)}</published>",
                          f"<updated>{iso(a.updated or a.published)}</updated>"]
            lines += [f"<author><name>{esc(n)}</name></author>" for n in a.authors]
            lines += [f'<category term="{att(t)}"/>' for t in a.tags]
            lines += [f"<summary>{esc(a.lead)}</summary>", "</entry>"]
        lines.append("</feed>")
    else:
        lang = FEED_LANGS.get(outlet.script or "", outlet.lang)
        lines += ['<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
                  'xmlns:dc="http://purl.org/dc/elements/1.1/">', "<channel>",
                  f"<title>{esc(outlet.name)}</title>", f"<link>{outlet.base}/</link>",
                  f"<description>{esc(FEED_TAGLINES[outlet.key])}</description>",
                  f"<language>{lang}</language>",
                  f'<atom:link href="{outlet.base}/rss.xml" rel="self" '
                  'type="application/rss+xml"/>']
        if newest:
            lines.append(f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>")
        for a in items:
            lines += ["<item>", f"<title>{esc(a.title)}</title>", f"<link>{esc(a.url)}</link>",
                      f'<guid isPermaLink="true">{esc(a.url)}</guid>']
            if a.published:
                lines.append(f"<pubDate>{format_datetime(a.published)}</pubDate>")
            lines += [f"<dc:creator>{esc(n)}</dc:creator>" for n in a.authors]
            lines += [f"<category>{esc(t)}</category>" for t in a.tags]
            lines += [f"<description>{esc(a.lead)}</description>", "</item>"]
        lines += ["</channel>", "</rss>"]
    return encode_text("\n".join(lines) + "\n", outlet.encoding)


# --------------------------------------------------------------------------- output


def manifest_line(a: Article, by_slug: dict[str, Article]) -> str:
    record = {
        "slug": a.slug,
        "story": a.story,
        "path": f"site/{a.outlet.host}/{a.path}",
        "url": a.url,
        "outlet": a.outlet.key,
        "source_name": a.outlet.name,
        "domain": a.outlet.domain,
        "lang": a.lang,
        "script": a.outlet.script if a.lang == "zh" else None,
        "encoding": a.encoding,
        "declared_charset": a.declared,
        "title": a.title,
        "lead": a.lead,
        "paragraphs": [a.lead, *a.body],
        "caption": (a.image or {}).get("caption") or None,
        "image_alt": (a.image or {}).get("alt") or None,
        "published": iso(a.published) if a.published else None,
        "authors": a.authors,
        "credit": a.credit,
        "republished_from": a.republished_from,
    }
    return json.dumps(record, ensure_ascii=False)


def render(out: Path, problems: Problems) -> list[Article]:
    """Render everything under `out` (site/, feeds/, manifest.jsonl)."""
    articles = load_content(CONTENT_DIRS, problems)
    plan(articles)
    by_slug = {a.slug: a for a in articles}
    for a in articles:
        text = TEMPLATES[a.outlet.key](a, by_slug)
        target = out / "site" / a.outlet.host / a.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encode_text(text, a.encoding, a.nfd))
    (out / "feeds").mkdir(parents=True, exist_ok=True)
    for key, outlet in OUTLETS.items():
        group = [a for a in articles if a.outlet.key == key]
        if group:
            (out / "feeds" / f"{key}.xml").write_bytes(render_feed(outlet, group))
    lines = [manifest_line(a, by_slug) for a in articles]
    (out / "manifest.jsonl").write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return articles


def output_files(root: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for name in OUTPUTS:
        path = root / name
        if path.is_file():
            files[name] = path
        elif path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file():
                    files[f.relative_to(root).as_posix()] = f
    return files


def compare(expected_root: Path, actual_root: Path) -> list[str]:
    expected, actual = output_files(expected_root), output_files(actual_root)
    diffs = [f"missing: {k}" for k in sorted(expected.keys() - actual.keys())]
    diffs += [f"not produced by the build: {k}" for k in sorted(actual.keys() - expected.keys())]
    diffs += [f"differs: {k}" for k in sorted(expected.keys() & actual.keys())
              if expected[k].read_bytes() != actual[k].read_bytes()]
    return diffs


def summary(articles: list[Article]) -> str:
    rows: dict[tuple[str, str, str, str], int] = {}
    for a in articles:
        key = (a.outlet.key, a.lang, a.encoding, a.declared or "(none)")
        rows[key] = rows.get(key, 0) + 1
    lines = [f"{len(articles)} pages"]
    lines += [f"  {o:<13} {lang:<3} {enc:<8} declared {dec:<12} {n:>3}"
              for (o, lang, enc, dec), n in sorted(rows.items())]
    return "\n".join(lines)


# --------------------------------------------------------------------------- verification

DATE_LIKE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|(?<!\d)\d{1,2}/\d{1,2}/(?:19|20)\d{2}"
    r"|\d+\s*年\s*\d+\s*月|/20\d{2}/\d{2}/|datePublished|published_time|<time|\b25[5-7]\d\b"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December) \d{1,2}, \d{4}")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
LEAD_RE = {"zh": re.compile(r"<p>(.*?)</p>", re.S),
           "vi": re.compile(r'<p class="sapo"><strong>(.*?)</strong></p>', re.S),
           "en": re.compile(r'<div class="lead">(?:<p>)?(.*?)(?:</p>)?</div>', re.S)}
CHARSET_RE = re.compile(rb'<meta[^>]*charset=["\']?([A-Za-z0-9_-]+)', re.I)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)
        if tag in ("script", "style", "title"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()
        if tag in ("script", "style", "title"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def verify(root: Path) -> int:
    """Check committed output: decoding, titles, HTML balance, undated pages, feeds."""
    failures: list[str] = []
    records = [json.loads(line) for line in
               (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    needs_refs = []
    for r in records:
        where = r["path"]
        data = (root / where).read_bytes()
        try:
            text = data.decode(r["encoding"])
        except UnicodeDecodeError as exc:
            failures.append(f"{where}: does not decode as {r['encoding']}: {exc}")
            continue
        declared = CHARSET_RE.search(data[:1024])
        found = declared.group(1).decode().lower() if declared else None
        if found != (r["declared_charset"].lower() if r["declared_charset"] else None):
            failures.append(f"{where}: declares {found!r}, manifest {r['declared_charset']!r}")
        norm = nfc(text)
        if r["title"] not in norm:
            if r["title"] in html.unescape(norm):
                needs_refs.append(where)
            else:
                failures.append(f"{where}: title not found")
        if f'<link rel="canonical" href="{att(r["url"])}">' not in norm:
            failures.append(f"{where}: canonical link missing")
        if r["url"] != "https://" + where.removeprefix("site/"):
            failures.append(f"{where}: URL does not mirror the path")
        lead = html.unescape(LEAD_RE[r["lang"]].search(norm).group(1)) if r["lang"] in LEAD_RE \
            and LEAD_RE[r["lang"]].search(norm) else None
        if r["lang"] in LEAD_RE and lead != r["lead"]:
            failures.append(f"{where}: lead markup not found")
        checker = _Checker()
        checker.feed(text)
        checker.close()
        if checker.stack:
            checker.errors.append(f"unclosed tags {checker.stack}")
        failures += [f"{where}: {e}" for e in checker.errors[:3]]
        visible = nfc(" ".join(checker.text))
        for p in r["paragraphs"]:
            if p not in visible:
                failures.append(f"{where}: paragraph not in visible text: {p[:40]}")
        if r["published"] is None:
            for m in DATE_LIKE.finditer(norm):
                failures.append(f"{where}: undated page contains date-like {m.group(0)!r}")
        elif r["outlet"] in ("songhong", "mekongvn", "vientianemai") and re.search(
                r"datePublished|published_time|<time|pubdate", norm):
            failures.append(f"{where}: machine-readable date on a text-only outlet")
    codecs = {"gbk": "gbk", "utf-8": "utf-8", "big5": "cp950", "windows-1258": "cp1258"}
    per_outlet: dict[str, int] = {}
    for r in records:
        per_outlet[r["outlet"]] = per_outlet.get(r["outlet"], 0) + 1
    for key, count in per_outlet.items():
        raw = (root / "feeds" / f"{key}.xml").read_bytes()
        label = re.match(rb'<\?xml version="1.0" encoding="([^"]+)"', raw)
        if not label:
            failures.append(f"feeds/{key}.xml: no encoding in the XML prolog")
            continue
        text = raw.decode(codecs[label.group(1).decode().lower()])
        try:
            tree = ElementTree.fromstring(text.split("?>", 1)[1])
        except ElementTree.ParseError as exc:
            failures.append(f"feeds/{key}.xml: {exc}")
            continue
        n = len(tree.findall(".//item")) + len(tree.findall("{http://www.w3.org/2005/Atom}entry"))
        if n != count:
            failures.append(f"feeds/{key}.xml: {n} entries for {count} pages")
    for f in failures:
        print(f)
    if needs_refs:
        print(f"{len(needs_refs)} page(s) show the title only through character references:")
        for where in needs_refs:
            print(f"  {where}")
    print(f"verified {len(records)} pages and {len(per_outlet)} feeds: "
          f"{len(failures)} problem(s)")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    args = set(argv)
    unknown = args - {"--check", "--verify", "-q"}
    if unknown:
        print(__doc__, file=sys.stderr)
        return 2
    if "--verify" in args:
        return verify(DEMO)
    problems = Problems()
    with tempfile.TemporaryDirectory(prefix=".build-", dir=DEMO) as tmp:
        out = Path(tmp)
        articles = render(out, problems)
        if "--check" in args:
            diffs = compare(out, DEMO)
            for d in diffs:
                print(d)
            if diffs:
                print(f"{len(diffs)} difference(s): run python3 demo/build.py", file=sys.stderr)
                return 1
            print(f"demo output is up to date ({len(articles)} pages)")
            return 0
        for name in OUTPUTS:
            old = DEMO / name
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
            os.replace(out / name, old)
    if "-q" not in args:
        print(summary(articles))
    if problems.items:
        print(f"{len(problems.items)} content problem(s):", file=sys.stderr)
        for item in problems.items:
            print(f"  {item}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
