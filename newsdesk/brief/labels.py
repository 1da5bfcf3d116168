"""Headings, group titles and notes in the reader's language (en, zh, vi, th, lo).

No translation model ships offline, so the bullets of an offline brief stay in
the article's language; these fixed strings are what we *can* give the reader in
their own language. Hand-written, short, one table per key.
"""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "zh": "Chinese", "vi": "Vietnamese", "th": "Thai", "lo": "Lao"},
    "zh": {"en": "英文", "zh": "中文", "vi": "越南文", "th": "泰文", "lo": "老挝文"},
    "vi": {"en": "tiếng Anh", "zh": "tiếng Trung", "vi": "tiếng Việt", "th": "tiếng Thái",
           "lo": "tiếng Lào"},
    "th": {"en": "ภาษาอังกฤษ", "zh": "ภาษาจีน", "vi": "ภาษาเวียดนาม", "th": "ภาษาไทย",
           "lo": "ภาษาลาว"},
    "lo": {"en": "ພາສາອັງກິດ", "zh": "ພາສາຈີນ", "vi": "ພາສາຫວຽດນາມ", "th": "ພາສາໄທ",
           "lo": "ພາສາລາວ"},
}

_TEXT: dict[str, dict[str, str]] = {
    "viewpoint": {"en": "Core Viewpoint", "zh": "核心观点", "vi": "Quan điểm chính",
                  "th": "ประเด็นหลัก", "lo": "ແນວຄິດຫຼັກ"},
    "points": {"en": "Core Points", "zh": "核心要点", "vi": "Điểm chính",
               "th": "สาระสำคัญ", "lo": "ຈຸດສຳຄັນ"},
    "insights": {"en": "Core Insights", "zh": "核心洞察", "vi": "Nhận định chính",
                 "th": "ข้อคิดสำคัญ", "lo": "ຂໍ້ສັງເກດຫຼັກ"},
    "categories": {"en": "Summary by Categories", "zh": "分类摘要", "vi": "Tóm tắt theo nhóm",
                   "th": "สรุปตามหมวดหมู่", "lo": "ສະຫຼຸບຕາມໝວດ"},
    "group": {"en": "Group {n}: {title}", "zh": "第{n}组：{title}", "vi": "Nhóm {n}: {title}",
              "th": "กลุ่มที่ {n}: {title}", "lo": "ກຸ່ມທີ {n}: {title}"},
    # sentence categories
    "facts": {"en": "Key developments", "zh": "主要进展", "vi": "Diễn biến chính",
              "th": "ความเคลื่อนไหวหลัก", "lo": "ຄວາມເຄື່ອນໄຫວຫຼັກ"},
    "figures": {"en": "Numbers and figures", "zh": "数据与数字", "vi": "Số liệu",
                "th": "ตัวเลขและสถิติ", "lo": "ຕົວເລກ ແລະ ສະຖິຕິ"},
    "quotes": {"en": "People and quotes", "zh": "人物与表态", "vi": "Nhân vật và phát biểu",
               "th": "บุคคลและคำกล่าว", "lo": "ບຸກຄົນ ແລະ ຄຳເວົ້າ"},
    "background": {"en": "Background", "zh": "背景", "vi": "Bối cảnh", "th": "ภูมิหลัง",
                   "lo": "ຄວາມເປັນມາ"},
    "next": {"en": "Next steps", "zh": "下一步", "vi": "Bước tiếp theo", "th": "ขั้นตอนต่อไป",
             "lo": "ຂັ້ນຕອນຕໍ່ໄປ"},
    # digest sections
    "what_happened": {"en": "What happened", "zh": "事件概要", "vi": "Chuyện gì đã xảy ra",
                      "th": "เกิดอะไรขึ้น", "lo": "ເກີດຫຍັງຂຶ້ນ"},
    "differences": {"en": "How sources differ", "zh": "各方报道差异",
                    "vi": "Các nguồn khác nhau thế nào", "th": "แต่ละแหล่งต่างกันอย่างไร",
                    "lo": "ແຕ່ລະແຫຼ່ງຕ່າງກັນແນວໃດ"},
    "timeline": {"en": "Timeline", "zh": "时间线", "vi": "Dòng thời gian", "th": "ลำดับเหตุการณ์",
                 "lo": "ລຳດັບເຫດການ"},
    "sources": {"en": "Sources", "zh": "来源", "vi": "Nguồn", "th": "แหล่งข่าว", "lo": "ແຫຼ່ງຂ່າວ"},
    "undated": {"en": "undated", "zh": "无日期", "vi": "không rõ ngày", "th": "ไม่ระบุวันที่",
                "lo": "ບໍ່ລະບຸວັນທີ"},
    "verification": {"en": "Verification", "zh": "引用核查", "vi": "Kiểm chứng trích dẫn",
                     "th": "การตรวจสอบการอ้างอิง", "lo": "ການກວດສອບການອ້າງອີງ"},
    # notes
    "source_language": {
        "en": "No offline translation model is available: this brief is in {source} "
              "(the article's language), not {reader}.",
        "zh": "没有可离线使用的翻译模型：本摘要使用文章原文语言（{source}），而非{reader}。",
        "vi": "Không có mô hình dịch ngoại tuyến: bản tóm tắt này viết bằng {source} "
              "(ngôn ngữ của bài báo), không phải {reader}.",
        "th": "ไม่มีโมเดลแปลภาษาแบบออฟไลน์: สรุปนี้เป็น{source} (ภาษาของบทความ) ไม่ใช่{reader}",
        "lo": "ບໍ່ມີແບບຈຳລອງແປພາສາແບບອອບລາຍ: ບົດສະຫຼຸບນີ້ເປັນ{source} (ພາສາຂອງບົດຂ່າວ) "
              "ບໍ່ແມ່ນ{reader}.",
    },
    "digest_languages": {
        "en": "Bullets are quoted in each article's own language (no offline translation model).",
        "zh": "各条要点保留各文章原文语言（没有可离线使用的翻译模型）。",
        "vi": "Các ý được trích nguyên văn theo ngôn ngữ của từng bài (không có mô hình dịch "
              "ngoại tuyến).",
        "th": "แต่ละข้อยกมาเป็นภาษาของบทความต้นฉบับ (ไม่มีโมเดลแปลภาษาแบบออฟไลน์)",
        "lo": "ແຕ່ລະຂໍ້ຍົກມາເປັນພາສາຂອງບົດຂ່າວຕົ້ນສະບັບ (ບໍ່ມີແບບຈຳລອງແປພາສາແບບອອບລາຍ).",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """A fixed string in `lang` (English when we have no such language)."""
    table = _TEXT[key]
    template = table.get(lang) or table["en"]
    return template.format(**values) if values else template


def language_name(code: str, in_lang: str) -> str:
    names = LANGUAGE_NAMES.get(in_lang) or LANGUAGE_NAMES["en"]
    return names.get(code) or LANGUAGE_NAMES["en"].get(code) or code


def section_labels(lang: str) -> dict[str, str]:
    """Headings a renderer needs, in the reader's language."""
    keys = ("viewpoint", "points", "insights", "categories", "what_happened", "differences",
            "timeline", "sources", "verification")
    return {k: text(k, lang) for k in keys}
