"""Publish dates: the strongest evidence first, the crawl date never.

Order of trust (each step only runs if the previous found nothing):
1. JSON-LD `datePublished` of an article object;
2. publish-time meta tags (`article:published_time`, `itemprop=datePublished`…);
3. htmldate's extensive search gives the day; a date printed in the page's
   date/byline elements on that same day (in the local style of Vietnamese,
   Chinese, Thai, Lao or English sites) refines it with the time and the
   "GMT+7" if shown. A printed date is taken alone only when htmldate finds
   nothing: on MediaCloud 2020, printed dates that disagree with htmldate were
   mostly related stories' dates (bench/extraction.py);
4. a date in the URL path.
Steps 1–3 keep the time and the stated offset; where a page gives a wall-clock
time without an offset we apply the outlet's local zone (from its TLD or
language) and flag the offset as assumed. A page with no date gets None plus a
note saying so, so callers never fill in the fetch time silently.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import htmldate
from lxml import html as lxml_html

from newsdesk.records import PublishDate

HtmlElement = lxml_html.HtmlElement

# Local zones by country TLD and by language; a page's own offset always wins.
# IANA zones, so summer time is right for the day in question.
TLD_ZONES = {
    "vn": "Asia/Ho_Chi_Minh", "la": "Asia/Vientiane", "th": "Asia/Bangkok",
    "kh": "Asia/Phnom_Penh", "cn": "Asia/Shanghai", "tw": "Asia/Taipei", "hk": "Asia/Hong_Kong",
    "sg": "Asia/Singapore", "my": "Asia/Kuala_Lumpur", "ph": "Asia/Manila", "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul", "id": "Asia/Jakarta", "in": "Asia/Kolkata", "uk": "Europe/London",
    "ie": "Europe/Dublin", "pt": "Europe/Lisbon", "de": "Europe/Berlin", "at": "Europe/Vienna",
    "ch": "Europe/Zurich", "fr": "Europe/Paris", "be": "Europe/Brussels",
    "nl": "Europe/Amsterdam", "lu": "Europe/Luxembourg", "it": "Europe/Rome",
    "es": "Europe/Madrid", "dk": "Europe/Copenhagen", "no": "Europe/Oslo",
    "se": "Europe/Stockholm", "pl": "Europe/Warsaw", "cz": "Europe/Prague",
    "li": "Europe/Vaduz", "lt": "Europe/Vilnius", "tr": "Europe/Istanbul", "ru": "Europe/Moscow",
    "ua": "Europe/Kyiv", "il": "Asia/Jerusalem", "lb": "Asia/Beirut", "za": "Africa/Johannesburg",
    "na": "Africa/Windhoek", "ls": "Africa/Maseru", "tz": "Africa/Dar_es_Salaam",
    "au": "Australia/Sydney", "is": "Atlantic/Reykjavik", "gl": "America/Nuuk",
    "mx": "America/Mexico_City", "py": "America/Asuncion", "br": "America/Sao_Paulo",
}
LANG_ZONES = {"vi": "Asia/Ho_Chi_Minh", "lo": "Asia/Vientiane", "th": "Asia/Bangkok",
              "km": "Asia/Phnom_Penh", "zh": "Asia/Shanghai", "ja": "Asia/Tokyo",
              "ko": "Asia/Seoul", "de": "Europe/Berlin", "fr": "Europe/Paris",
              "it": "Europe/Rome", "es": "Europe/Madrid", "pl": "Europe/Warsaw",
              "cs": "Europe/Prague", "nl": "Europe/Amsterdam", "da": "Europe/Copenhagen",
              "sv": "Europe/Stockholm", "no": "Europe/Oslo", "nb": "Europe/Oslo",
              "tr": "Europe/Istanbul", "ru": "Europe/Moscow", "uk": "Europe/Kyiv"}
# Dates outside this window are typos or copyright years, not publish dates.
EARLIEST = date(1995, 1, 1)

PUBLISH_META = (
    "article:published_time", "article:published:time", "og:published_time",
    "og:article:published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date",
    "article.published", "article_date_original", "original-publish-date",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
    "dc.date.created", "dcterms.created", "date", "dc.date", "weibo:article:create_at",
    "cxenseparse:recs:publishtime", "publication_date", "release_date", "created",
)
DATE_CLASS = re.compile(
    r"(date|time|publish|posted|byline|meta|ngay|thoigian|thoi-gian|pubtime|info|source)",
    re.I,
)

_OFFSET = r"(?:\(?\s*(?:GMT|UTC)\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?\s*\)?)?"
_TIME = (r"(?P<h>\d{1,2})\s*[:hH时時]\s*(?P<mi>\d{2})(?:[:：](?P<s>\d{2}))?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?")
_EN_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_TH_MONTHS = {
    "ม.ค.": 1, "ก.พ.": 2, "มี.ค.": 3, "เม.ย.": 4, "พ.ค.": 5, "มิ.ย.": 6, "ก.ค.": 7,
    "ส.ค.": 8, "ก.ย.": 9, "ต.ค.": 10, "พ.ย.": 11, "ธ.ค.": 12, "มกราคม": 1,
    "กุมภาพันธ์": 2, "มีนาคม": 3, "เมษายน": 4, "พฤษภาคม": 5, "มิถุนายน": 6,
    "กรกฎาคม": 7, "สิงหาคม": 8, "กันยายน": 9, "ตุลาคม": 10, "พฤศจิกายน": 11, "ธันวาคม": 12,
}
_LO_MONTHS = {"ມັງກອນ": 1, "ກຸມພາ": 2, "ມີນາ": 3, "ເມສາ": 4, "ພຶດສະພາ": 5, "ມິຖຸນາ": 6,
              "ກໍລະກົດ": 7, "ສິງຫາ": 8, "ກັນຍາ": 9, "ຕຸລາ": 10, "ພະຈິກ": 11, "ທັນວາ": 12}

_TEXT_PATTERNS = [
    # 2025年10月20日 14:30
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
               r"(?:\s*(?:星期.|週.|周.)?\s*" + _TIME + r")?\s*" + _OFFSET),
    # 2025-10-20 14:30 / 2025/10/20
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"
               r"(?:[ T,]+" + _TIME + r")?\s*" + _OFFSET),
    # 20/10/2025 - 14:30 (GMT+7)  (Vietnamese, Lao, British)
    re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>(?:19|20)\d{2})(?!\d)"
               r"(?:\s*[-,|–]?\s*(?:lúc\s*)?" + _TIME + r")?\s*" + _OFFSET),
    # 14:30 20/10/2025 (time first)
    re.compile(_TIME + r"\s*[-,|–]?\s*(?:\w+,?\s*)?(?P<d>\d{1,2})/(?P<m>\d{1,2})/"
               r"(?P<y>(?:19|20)\d{2})\s*" + _OFFSET),
    # October 20, 2025, 2:30 PM / Oct. 20, 2025
    re.compile(r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+"
               r"(?P<d>\d{1,2}),?\s+(?P<y>(?:19|20)\d{2})(?:,?\s*(?:at\s*)?" + _TIME + r")?\s*"
               + _OFFSET, re.I),
    # 20 October 2025 14:30
    re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|"
               r"Nov|Dec)[a-z]*\.?,?\s+(?P<y>(?:19|20)\d{2})(?:,?\s*" + _TIME + r")?\s*"
               + _OFFSET, re.I),
    # 20 ต.ค. 2568 14:30 น. (Thai, Buddhist era)
    re.compile(r"(?P<d>\d{1,2})\s*(?P<thmon>" + "|".join(map(re.escape, _TH_MONTHS)) +
               r")\s*(?P<by>25\d{2})(?:\s*(?:เวลา\s*)?" + _TIME + r")?"),
    # ວັນທີ 5 ມີນາ 2025 (Lao)
    re.compile(r"(?P<d>\d{1,2})\s*(?P<lomon>" + "|".join(_LO_MONTHS) +
               r")\s*(?P<y>(?:19|20)\d{2}|25\d{2})(?:\s*" + _TIME + r")?"),
]
_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/-]?(?P<m>0[1-9]|1[0-2])[/-]?(?P<d>0[1-9]|[12]\d|3[01])(?:/|[^\d]|$)"
)


def local_zone(url: str | None, language: str | None) -> ZoneInfo | None:
    """An outlet's time zone, from its TLD, else its language; None if unknown."""
    name = None
    if url:
        host = urlparse(url).hostname or ""
        name = TLD_ZONES.get(host.rsplit(".", 1)[-1])
    if name is None and language:
        name = LANG_ZONES.get(language.split("-")[0])
    try:
        return ZoneInfo(name) if name else None
    except ZoneInfoNotFoundError:
        return None


def parse_iso(value: str) -> datetime | None:
    """Parse an ISO-like timestamp; None if it is not one."""
    value = value.strip()
    if not value:
        return None
    value = re.sub(r"\s+", " ", value)
    candidates = [value, value.replace(" ", "T", 1), value.replace("Z", "+00:00")]
    for candidate in candidates:
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return parsed if _plausible(parsed.date()) else None
    match = re.match(r"^(\d{4})(\d{2})(\d{2})$", value)
    if match:
        try:
            parsed = datetime(*map(int, match.groups()))
        except ValueError:
            return None
        return parsed if _plausible(parsed.date()) else None
    return None


def _plausible(day: date) -> bool:
    return EARLIEST <= day <= date.today() + timedelta(days=2)


def _aware(value: datetime, zone: ZoneInfo | None, source: str) -> PublishDate:
    """Attach the outlet's zone to a wall-clock time, as a fixed offset (kept on save)."""
    if value.tzinfo is not None:
        return PublishDate(value, source, tz_assumed=False)
    local = value.replace(tzinfo=zone or UTC)
    fixed = timezone(local.utcoffset() or timedelta(0))
    return PublishDate(value.replace(tzinfo=fixed), source, tz_assumed=True)


def _from_match(match: re.Match[str]) -> tuple[datetime, bool] | None:
    """A datetime from a text pattern match, and whether it carried an offset."""
    g = {k: v for k, v in match.groupdict().items() if v}
    try:
        if "by" in g:
            year = int(g["by"]) - 543
        else:
            year = int(g["y"])
            if year > 2400:
                year -= 543
        if "mon" in g:
            month = _EN_MONTHS[g["mon"][:3].lower()]
        elif "thmon" in g:
            month = _TH_MONTHS[g["thmon"]]
        elif "lomon" in g:
            month = _LO_MONTHS[g["lomon"]]
        else:
            month = int(g["m"])
        day = int(g["d"])
        hour, minute, second = int(g.get("h", 0)), int(g.get("mi", 0)), int(g.get("s", 0))
        if "ampm" in g:
            pm = g["ampm"].lower().startswith("p")
            hour = hour % 12 + (12 if pm else 0)
        value = datetime(year, month, day, hour, minute, second)
    except (ValueError, KeyError):
        return None
    if not _plausible(value.date()):
        return None
    if "sign" in g:
        hours = int(g["oh"]) + int(g.get("om", 0)) / 60
        delta = timedelta(hours=hours if g["sign"] == "+" else -hours)
        return value.replace(tzinfo=timezone(delta)), True
    return value, False


def date_in_text(text: str, zone: ZoneInfo | None) -> PublishDate | None:
    """The first date written in `text` in any of the supported local styles."""
    best: tuple[int, re.Match[str]] | None = None
    for pattern in _TEXT_PATTERNS:
        match = pattern.search(text)
        if (match and (best is None or match.start() < best[0])
                and _from_match(match) is not None):
            best = (match.start(), match)
    if best is None:
        return None
    parsed = _from_match(best[1])
    assert parsed is not None
    value, _ = parsed
    return _aware(value, zone, "text")


def _jsonld_date(objects: list[dict[str, object]]) -> str | None:
    for obj in objects:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            if isinstance(value, str) and value.strip():
                return value
    return None


def _meta_date(tree: HtmlElement) -> str | None:
    by_name: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if name and content and name not in by_name:
            by_name[name] = content
    for name in PUBLISH_META:
        if name in by_name and parse_iso(by_name[name]):
            return by_name[name]
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        value = el.get("datetime") or el.get("content") or (el.text_content() or "")
        if parse_iso(value):
            return value
    for el in tree.xpath("//time[@datetime]"):
        cls = (el.get("class") or "") + (el.get("pubdate") or "")
        if "publish" in cls.lower() or el.get("pubdate") is not None:
            return el.get("datetime")
    return None


def _date_elements_text(tree: HtmlElement) -> list[str]:
    texts: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "html", "body"):
            continue
        marker = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.tag == "time" or DATE_CLASS.search(marker):
            text = " ".join(el.text_content().split())
            if 6 <= len(text) <= 300:
                texts.append(text)
                if el.tag == "time" and el.get("datetime"):
                    texts.insert(0, el.get("datetime") or "")
        if len(texts) >= 30:
            break
    return texts


def _htmldate_day(raw_html: str, url: str | None) -> datetime | None:
    """htmldate's day, unless it is a month guessed from other stories' links.

    Extensive search reads dates out of every link on the page; on a page with
    no date of its own it returns the 1st of the month found in related-news
    URLs (/2025/06/…). A 1st that only extensive search finds, and that is
    not written anywhere on the page, is such a guess and is dropped.
    """
    try:
        found = htmldate.find_date(raw_html, extensive_search=True, original_date=True, url=url)
    except Exception:  # htmldate raises on odd trees; a missing date is the answer
        return None
    day = parse_iso(found) if found else None
    if day is None or day.day != 1:
        return day
    try:
        plain = htmldate.find_date(raw_html, extensive_search=False, original_date=True, url=url)
    except Exception:
        plain = None
    if plain:
        return day
    written = (f"{day:%Y-%m-%d}", f"{day:%Y/%m/%d}", f"{day:%d/%m/%Y}", f"{day:%d.%m.%Y}",
               f"1/{day.month}/{day.year}", f"{day.year}年{day.month}月1日", f"{day:%Y%m%d}")
    return day if any(w in raw_html for w in written) else None


def _local_day(found: PublishDate, zone: ZoneInfo | None, anchor: date | None) -> PublishDate:
    """Show a UTC-stamped time in the outlet's local time.

    CMSs often write metadata in UTC ("…T02:18:11Z") while the outlet's day,
    in its URL and on the page, is the previous one. Only then (htmldate's day,
    which reads URL and page dates, differs from the UTC day) is the instant
    shown in another offset: the outlet's zone (by TLD or language) if that
    gives htmldate's day, else the smallest offset that does; flagged as
    assumed. A UTC stamp that agrees with the page stays as stated.
    """
    value = found.value
    if value.utcoffset() != timedelta(0) or anchor is None or anchor == value.date():
        return found
    if zone is not None:
        local = value.astimezone(zone)
        shifted = value.astimezone(timezone(local.utcoffset() or timedelta(0)))
        if shifted.date() == anchor:
            return PublishDate(shifted, found.source, tz_assumed=True)
    for hours in sorted(range(-12, 15), key=abs):
        shifted = value.astimezone(timezone(timedelta(hours=hours)))
        if shifted.date() == anchor:
            return PublishDate(shifted, found.source, tz_assumed=True)
    return found


def _visible_date(tree: HtmlElement, zone: ZoneInfo | None, anchor: date | None
                  ) -> PublishDate | None:
    """The page's printed date line, with its time and offset.

    htmldate's day (when it found one) is the anchor: a printed date on another
    day is more often a related story's date than the publish date, so it is
    only taken when htmldate found nothing at all.
    """
    first: PublishDate | None = None
    for text in _date_elements_text(tree):
        parsed_iso = parse_iso(text)
        found = _aware(parsed_iso, zone, "text") if parsed_iso else date_in_text(text, zone)
        if found is None:
            continue
        if anchor is None or found.value.date() == anchor:
            return found
        first = first or found
    return first if anchor is None else None


def find_publish_date(
    tree: HtmlElement,
    raw_html: str,
    url: str | None,
    language: str | None,
    jsonld: list[dict[str, object]],
) -> tuple[PublishDate | None, str | None]:
    """The page's publish date, or None and a note saying why there is none."""
    zone = local_zone(url, language)
    anchor_day = _htmldate_day(raw_html, url)
    for source, value in (("json-ld", _jsonld_date(jsonld)), ("meta", _meta_date(tree))):
        parsed = parse_iso(value) if value else None
        if parsed is not None:
            stated = _aware(parsed, zone, source)
            return _local_day(stated, zone, anchor_day.date() if anchor_day else None), None
    text_date = _visible_date(tree, zone, anchor_day.date() if anchor_day else None)
    if text_date is not None:
        return text_date, None
    if anchor_day is not None:
        return _aware(anchor_day, zone, "htmldate"), None
    if url:
        match = _URL_DATE.search(urlparse(url).path)
        if match:
            try:
                day = datetime(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                day = None
            if day and _plausible(day.date()):
                return _aware(day, zone, "url"), None
    return None, "no publish date found in metadata, visible text or URL"
