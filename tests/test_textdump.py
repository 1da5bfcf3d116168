"""Saved text pages: seed 000 (a results page) and seed 003 (an article page)."""

from __future__ import annotations

from datetime import UTC, datetime

from newsdesk.ingest.textdump import parse_text_file, split_source_label
from tests import realtext

SEED000_TITLES = [
    "王沪宁对老挝进行正式友好访问并出席老挝建国50周年庆祝活动",
    "老挝人革党中央总书记、国家主席通伦会见李书磊",
    "2025年“露天电影院——中老优秀电影巡映”活动在老挝举行",
    "通讯|“天才妈妈友谊工坊”为老挝妇女带来发展新机遇",
    "第十一届丝绸之路国际艺术节老挝文化交流演出活动在西安举行 赵刚苏莎婉·维亚吉出席并致辞",
    "时政镜距离|“山不再高,路不再远,我们更近了”",
    "“山不再高,路不再远,我们更近了”",
    "陈刚会见老挝国家副主席本通",
    "中交集团援建的十八洞村“国际姊妹村”老挝听松村幼儿园竣工移交",
    "习近平会见老挝人民革命党中央总书记、国家主席",
]


def test_seed000_results_page() -> None:
    text = realtext.seed("000").read_text("utf-8")
    query, pages = parse_text_file(text, "seed000")
    assert query == "中老命运共同体"
    assert [p.title for p in pages] == SEED000_TITLES
    first = pages[0]
    assert first.source_name == "Xin Hua She" and first.source_label is None
    assert first.published is not None
    assert first.published.value == datetime(2025, 12, 2, 17, 13, tzinfo=UTC)
    people = pages[2]
    assert (people.source_name, people.source_label) == ("人民网-国际频道", "原创稿")
    assert people.published is not None
    assert people.published.value == datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    assert [p.published.value.strftime("%Y-%m-%d %H:%M") for p in pages if p.published] == [
        "2025-12-02 17:13", "2025-11-12 04:21", "2025-11-03 09:00", "2025-10-24 01:32",
        "2025-10-18 00:04", "2025-09-21 01:47", "2025-09-21 01:35", "2025-09-19 01:12",
        "2025-09-13 03:31", "2025-09-05 06:30",
    ]
    assert all(p.language == "zh-Hans" for p in pages)
    # The excerpt is the text; the structured summary is split into its bullets.
    assert "中老命运共同体" in first.text
    summary = pages[1].paragraphs
    assert summary[0] == "Core Points" and "Summary by Categories" in summary
    assert any(p.endswith("[1]") for p in summary)


def test_source_labels_split_only_han_tags() -> None:
    assert split_source_label("人民网-国际频道 原创稿") == ("人民网-国际频道", "原创稿")
    assert split_source_label("Xin Hua She") == ("Xin Hua She", None)
    assert split_source_label("环球时报 转载") == ("环球时报", "转载")
    assert split_source_label("新华网") == ("新华网", None)


def test_seed003_article_page() -> None:
    text = realtext.seed("003").read_text("utf-8")
    query, pages = parse_text_file(text, "seed003")
    assert query is None and len(pages) == 1
    page = pages[0]
    assert page.title.startswith("BRF: Trung Quốc-Lào ký kết Kế hoạch hành động")
    assert page.language == "vi"
    assert page.original_source == "Vientiane Times"
    assert page.published is None and page.date_note
    assert page.paragraphs[0].startswith("Trong khuôn khổ chuyến thăm chính thức")
    assert page.lead == page.paragraphs[0]
    assert page.paragraphs[-1].startswith("Sau cuộc gặp, hai nhà lãnh đạo")
    assert len(page.paragraphs) == 8
    # Body order across the "Tin liên quan" box that sat between paragraphs 2 and 3.
    assert page.paragraphs[1].startswith("Trao đổi với ông Thongloun Sisoulith")
    assert page.paragraphs[2].startswith("Ông Tập Cận Bình kêu gọi")
    assert [i.caption for i in page.images] == [
        "Chủ tịch Trung Quốc Tập Cận Bình và người đồng cấp Lào Thongloun Sisoulith tại cuộc "
        "gặp ở Bắc Kinh, Trung Quốc hôm 20/10. (Nguồn: Tân Hoa Xã)"
    ]
    body = page.text
    for leaked in ("Nhỏ Bình thường Lớn", "Tin liên quan", "Tin cũ hơn", "Nguồn: Tân Hoa Xã",
                   "6 tàu chiến", "Hamas", "Australia", "Philippines", "gián điệp",
                   "theo Vientiane Times", "Chủ tịch Thượng viện"):
        assert leaked not in body, leaked


# A page we wrote in the same shape but other words: the rules must be general.
OTHER_SAVED_PAGE = """A- A A+
Share Facebook X LinkedIn

Night trains return to the Mekong line after a two-year pause

Passenger night trains will run again between Vientiane and the border from June, it said.
Sleeper carriages at the depot in Vientiane. (Photo: Mekong Herald)

The service had been suspended while the track was upgraded.

Related
Border crossings extend opening hours Border crossings extend opening hours

Tickets go on sale on Friday, with fares starting at 120,000 kip.

Bus fares rise in the capital

Bus fares rise in the capital

City buses will cost 2,000 kip more from June.

(Source: Asia Wire Service)

More stories
Rice exports hit a record in May
Floods close two roads in the north
Football: national team names new coach
"""

CHINESE_SAVED_PAGE = """字号：大 中 小
分享到： 微信 微博

老挝万象新建物流园开工

本报讯 万象新建的物流园区十五日开工，预计两年内建成。
工人们在工地上作业。（新华社记者 张明 摄）
园区占地一百二十公顷，将连接中老铁路货运站。
相关新闻
中老铁路货运量创新高 中老铁路货运量创新高
项目负责人表示，园区建成后可提供三千个就业岗位。
（来源：环球快讯网）
更多新闻
湄公河水位回升
万象举行新年庆祝活动
"""


def test_rules_generalise_to_other_saved_pages() -> None:
    _, [page] = parse_text_file(OTHER_SAVED_PAGE, "other.txt")
    assert page.title == "Night trains return to the Mekong line after a two-year pause"
    assert page.paragraphs == [
        "Passenger night trains will run again between Vientiane and the border from June, "
        "it said.",
        "The service had been suspended while the track was upgraded.",
        "Tickets go on sale on Friday, with fares starting at 120,000 kip.",
    ]
    assert page.captions == ["Sleeper carriages at the depot in Vientiane. (Photo: Mekong Herald)"]
    assert page.original_source == "Asia Wire Service"
    assert page.language == "en"

    _, [zh] = parse_text_file(CHINESE_SAVED_PAGE, "zh.txt")
    assert zh.title == "老挝万象新建物流园开工"
    assert zh.paragraphs == [
        "本报讯 万象新建的物流园区十五日开工，预计两年内建成。",
        "园区占地一百二十公顷，将连接中老铁路货运站。",
        "项目负责人表示，园区建成后可提供三千个就业岗位。",
    ]
    assert zh.captions == ["工人们在工地上作业。（新华社记者 张明 摄）"]
    assert zh.original_source == "环球快讯网"
    assert zh.language == "zh-Hans"
