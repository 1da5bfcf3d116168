"""Line-level boilerplate removal shared by the HTML extractor and text dumps.

Engines like trafilatura remove most navigation, but regional news templates
leak four kinds of lines into the body, all visible in seed 003:

- interface lines (font-size switchers "Nhỏ Bình thường Lớn", share bars);
- related-news boxes ("Tin liên quan") inserted *between* body paragraphs, whose
  titles are often printed twice (image alt + link text);
- link cards (title, the same title again, a teaser) after the body;
- trailing lists ("Tin cũ hơn") of other stories' titles.

Captions ("… (Nguồn: Tân Hoa Xã)") are moved to the image list and credit lines
("(theo Vientiane Times)") become the original source. Each rule looks at a
line's shape and its neighbours, so it works on pages we have never seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsdesk.extract import patterns
from newsdesk.records import Image
from newsdesk.text.normalize import fold_key, normalize_paragraph

TEASER_MAX_CHARS = 300  # a card's teaser is short; a body paragraph may be too, so
# a teaser is only dropped right after a duplicated-title pair.
TITLE_LIKE_MAX_CHARS = 200
TRAILING_RUN = 3  # this many title-like lines after the last prose line are a list
UNPUNCTUATED_PROSE_CHARS = 60  # a Thai/Lao line this long is a sentence, not a title


@dataclass
class CleanedText:
    paragraphs: list[str]
    images: list[Image] = field(default_factory=list)
    original_source: str | None = None
    dropped: list[str] = field(default_factory=list)


def _heading_key(line: str) -> str:
    return re.sub(r"[\s:：|>»›\-–—]+$", "", line.strip()).casefold()


def is_box_heading(line: str) -> bool:
    return _heading_key(line) in patterns.BOX_HEADINGS


def is_end_heading(line: str) -> bool:
    return _heading_key(line) in patterns.END_HEADINGS


def is_ui_line(line: str) -> bool:
    """A short line made only of toolbar words (font switcher, share bar)."""
    tokens = [t for t in re.split(r"[\s|/·•:：,，、]+", line.casefold()) if t]
    if not tokens or len(tokens) > patterns.UI_MAX_TOKENS:
        return False
    return all(t in patterns.UI_WORDS or not any(c.isalnum() for c in t) for t in tokens)


def doubled_text(line: str) -> str | None:
    """"X X" → X: a link title printed twice in one line (alt text + link text)."""
    text = line.strip()
    n = len(text)
    if n < 16:
        return None
    for cut in range(n // 2 - 2, n // 2 + 3):
        first, second = text[:cut].strip(), text[cut:].strip()
        if len(first) >= 8 and first == second:
            return first
    return None


def is_caption(line: str) -> bool:
    return len(line) <= patterns.CAPTION_MAX_CHARS and bool(
        patterns.CAPTION_CREDIT.search(line)
    )


def credit_source(line: str) -> str | None:
    """The outlet named by a whole-line credit like "(theo Vientiane Times)"."""
    if len(line) > patterns.CREDIT_MAX_CHARS:
        return None
    stripped = line.strip()
    match = patterns.CREDIT_LINE.match(stripped)
    if not match:
        return None
    # "Theo …" without brackets is also how Vietnamese sentences begin ("Theo
    # người đứng đầu…"); accept it bare only when the line is a short name.
    bracketed = stripped[:1] in "([（"
    value = next(v for v in match.groupdict().values() if v)
    value = value.strip(" .。")
    if not bracketed and (len(value.split()) > 6 or value.endswith(",")):
        return None
    return value or None


def _unpunctuated_script(line: str) -> bool:
    """Thai, Lao, Khmer and Burmese prose ends sentences with a space, not a mark."""
    sample = line[:200]
    hits = sum(1 for ch in sample if "\u0e00" <= ch <= "\u0eff" or "\u1780" <= ch <= "\u17ff"
               or "\u1000" <= ch <= "\u109f")
    return hits >= 0.3 * len(sample)


def is_prose(line: str) -> bool:
    if len(line) > TITLE_LIKE_MAX_CHARS or line.rstrip().endswith(patterns.SENTENCE_END):
        return True
    return len(line) >= UNPUNCTUATED_PROSE_CHARS and _unpunctuated_script(line)


def is_title_like(line: str) -> bool:
    return not is_prose(line)


def clean_lines(lines: list[str], title: str | None = None) -> CleanedText:
    """Apply the boilerplate rules to a page's text lines, in reading order."""
    items = [normalize_paragraph(x) for x in lines]
    items = [x for x in items if x]
    out = CleanedText(paragraphs=[])
    title_key = fold_key(title) if title else None
    i = 0
    while i < len(items):
        line = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        key = fold_key(line)
        if is_end_heading(line):
            out.dropped.extend(items[i:])
            _rescue_credit(items[i + 1 :], out)
            break
        if is_box_heading(line):
            out.dropped.append(line)
            i += 1
            while (i < len(items) and not is_prose(items[i])) or (
                i < len(items) and doubled_text(items[i])
            ):
                out.dropped.append(items[i])
                i += 1
            continue
        if is_ui_line(line) or (title_key and key == title_key):
            out.dropped.append(line)
            i += 1
            continue
        if doubled_text(line):
            out.dropped.append(line)
            i += 1
            continue
        if nxt is not None and key and key == fold_key(nxt):
            # A card: title, the same title again, then maybe a short teaser.
            out.dropped.extend([line, nxt])
            i += 2
            if i < len(items) and _is_teaser(items, i):
                out.dropped.append(items[i])
                i += 1
            continue
        source = credit_source(line)
        if source:
            out.original_source = out.original_source or source
            out.dropped.append(line)
            i += 1
            continue
        if is_caption(line):
            alt = None
            if out.paragraphs and is_title_like(out.paragraphs[-1]):
                # The line before a caption without sentence punctuation is the
                # image's title/alt text (seed 003 prints it above the caption).
                alt = out.paragraphs.pop()
            out.images.append(Image(alt=alt, caption=line))
            i += 1
            continue
        out.paragraphs.append(line)
        i += 1
    _drop_trailing_list(out)
    _bare_credit(out)
    return out


_BARE_CREDIT = re.compile(r"^[(（]\s*([^()（）.!?。！？\d]{2,60}?)\s*[)）]\.?$")


def _bare_credit(out: CleanedText) -> None:
    """A last line that is only an outlet's name in brackets: "(Asia Wire Service)"."""
    if out.original_source or not out.paragraphs:
        return
    match = _BARE_CREDIT.match(out.paragraphs[-1])
    if match:
        out.original_source = match.group(1).strip()
        out.dropped.append(out.paragraphs.pop())


def _is_teaser(items: list[str], i: int) -> bool:
    line = items[i]
    if len(line) > TEASER_MAX_CHARS:
        return False
    if line.endswith(("...", "…")):
        return True
    after = items[i + 1] if i + 1 < len(items) else None
    after2 = items[i + 2] if i + 2 < len(items) else None
    return (
        after is None
        or (after2 is not None and fold_key(after) == fold_key(after2))
        or is_end_heading(after)
        or credit_source(after) is not None
        or doubled_text(after) is not None
    )


def _rescue_credit(rest: list[str], out: CleanedText) -> None:
    """A credit line can sit below a 'more news' list; keep what it tells us."""
    if out.original_source:
        return
    for line in rest:
        source = credit_source(line)
        if source and line.strip()[:1] in "([（":
            out.original_source = source
            return


def _drop_trailing_list(out: CleanedText) -> None:
    """Remove a run of title-like lines after the last prose paragraph."""
    paras = out.paragraphs
    last_prose = max((i for i, p in enumerate(paras) if is_prose(p)), default=-1)
    tail = paras[last_prose + 1 :]
    if len(tail) >= TRAILING_RUN:
        out.dropped.extend(tail)
        del paras[last_prose + 1 :]
