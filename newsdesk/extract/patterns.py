"""Boilerplate vocabulary of regional news sites, kept apart from the logic.

This is data that grows with every new outlet (as trafilatura keeps its XPaths
in one module). The words came from reading Vietnamese, Chinese, Thai, Lao and
English news templates, among them seed 003 in ../shared/seeds; the rules that use
them (newsdesk.extract.boilerplate) are general: a line is dropped because of
its shape and position, not because it is one particular string. Re-check the
set against bench/extraction.py whenever a word is added or removed.
"""

from __future__ import annotations

import re

# A heading that opens a box of links to other stories; the box ends where
# ordinary prose resumes.
BOX_HEADINGS = {
    # vi
    "tin liên quan", "bài liên quan", "tin cùng chuyên mục", "tin khác", "xem thêm",
    "đọc thêm", "có thể bạn quan tâm", "tin nổi bật", "tin đọc nhiều", "tin mới nhất",
    "tin tức liên quan", "bài viết liên quan", "cùng chuyên mục",
    # zh
    "相关新闻", "相关阅读", "相关报道", "相关文章", "延伸阅读", "推荐阅读", "热点新闻",
    "相關新聞", "相關閱讀", "延伸閱讀", "推薦閱讀", "相關報導", "熱門新聞",
    # en
    "related", "related news", "related articles", "related stories", "related content",
    "read more", "read also", "see also", "also read", "recommended", "recommended for you",
    # th / lo
    "ข่าวที่เกี่ยวข้อง", "อ่านเพิ่มเติม", "ข่าวแนะนำ", "ຂ່າວທີ່ກ່ຽວຂ້ອງ", "ອ່ານຕໍ່", "ຂ່າວແນະນຳ",
}

# A heading after which nothing belongs to the article any more.
END_HEADINGS = {
    # vi
    "tin cũ hơn", "tin mới hơn", "tin mới", "tin đã đưa", "bình luận", "ý kiến bạn đọc",
    "gửi bình luận", "tin cùng chuyên mục", "các tin khác", "tin khác cùng chuyên mục",
    # zh
    "更多新闻", "更多新聞", "猜你喜欢", "猜你喜歡", "热门推荐", "熱門推薦", "网友评论", "網友評論",
    "发表评论", "發表評論", "往期回顾", "精彩推荐", "最新新闻", "最新新聞",
    # en
    "more stories", "more news", "most read", "most popular", "you may also like",
    "you might also like", "trending", "trending now", "comments", "leave a comment",
    "latest news", "more from this section", "popular stories",
    # th / lo
    "ข่าวล่าสุด", "ความคิดเห็น", "ຂ່າວອື່ນໆ", "ຄຳເຫັນ", "ຂ່າວລ່າສຸດ",
}

# Words that make up font-size switchers, share bars and print/mail toolbars.
# A short line made only of these is interface, not text.
UI_WORDS = {
    # vi
    "nhỏ", "bình", "thường", "lớn", "cỡ", "chữ", "chia", "sẻ", "in", "gửi", "email",
    "bài", "viết", "lưu", "zalo", "facebook", "twitter", "x", "trang", "tin", "bản",
    "sao", "chép", "liên", "kết", "theo", "dõi", "thích", "google", "news", "báo",
    # zh
    "字号", "字體", "字体", "大", "中", "小", "默认", "打印", "分享", "分享到", "微信",
    "微博", "朋友圈", "qq", "空间", "收藏", "复制链接", "複製連結", "关闭", "返回",
    "顶部", "纠错", "列印", "分享至", "字級", "字级",
    # en
    "a", "a-", "a+", "aa", "text", "size", "font", "small", "normal", "large", "share",
    "tweet", "print", "mail", "linkedin", "whatsapp", "telegram", "line", "copy", "link",
    "save", "reddit", "pinterest", "on", "this", "article", "follow", "us",
    # th / lo
    "แชร์", "พิมพ์", "ขนาด", "ตัวอักษร", "ແບ່ງປັນ", "ພິມ",
}
UI_MAX_TOKENS = 10

# Image credits that end a caption: "(Ảnh: TTXVN)", "(Nguồn: Tân Hoa Xã)",
# "Photo: Reuters", "（新华社记者 王晓摄）", "（图片来源：…）", "圖／…", "(ภาพ: …)".
CAPTION_CREDIT = re.compile(
    r"""(
        [(\[（]\s*(ảnh|nguồn|nguồn\s+ảnh|photo|photos|image|picture|credit|ภาพ|ພາບ)
            \s*[:：]\s*[^)\]）]{1,80}[)\]）]\s*\.?
      | \b(ảnh|photo|photos|image|credit)\s*:\s*[^.:]{1,60}\.?
      | [(（]\s*(图片来源|圖片來源|摄影|攝影|图|圖|资料图|資料圖|供图|供圖)
            \s*[:：／/]?\s*[^)）]{1,60}[)）]
      | [(（][^)）]{1,40}(摄|攝)[)）]
      | ^(图|圖)\s*[／/:：]
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
CAPTION_MAX_CHARS = 400

# A whole line naming where a rewritten story came from: "(theo Vientiane Times)",
# "Theo TTXVN", "（来源：环球时报）", "(Source: Reuters)", "ที่มา : …".
CREDIT_LINE = re.compile(
    r"""^\s*[(\[（]?\s*(
        (?:theo|nguồn)\s+(?P<vi>[^()\[\]（）]{2,80}?)
      | (?:来源|來源|稿源|转自|轉自|转载自|轉載自|来自|來自)\s*[:：]\s*(?P<zh>[^()（）]{2,60}?)
      | (?:source|sources|via|originally\s+published\s+(?:by|in|at)
          |(?:additional\s+)?reporting\s+by)
            \s*[:：]?\s+(?P<en>[^()]{2,80}?)
      | (?:ที่มา|ທີ່ມາ)\s*[:：]?\s*(?P<thlo>.{2,200}?)
    )\s*[)\]）]?\s*[.。]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
CREDIT_MAX_CHARS = 120

# Sentence-final punctuation across our languages: a line without it is more
# likely a title, a link or a label than a paragraph of prose.
SENTENCE_END = (*tuple(".!?。！？…\"'”’」』)）:：;；"), "ฯ")

# Structural class/id words of boilerplate containers in HTML templates.
BOILERPLATE_CLASS = re.compile(
    r"""(^|[\s_-])(
        related|relate|relates|lienquan|tinlienquan|tin-lien-quan|morenews|more-news|tin-khac|
        tinkhac|share|sharing|social|socials|sharebar|share-bar|fontsize|font-size|text-size|
        textsize|font-switch|toolbar|tool-bar|breadcrumb|breadcrumbs|comment|comments|
        binhluan|binh-luan|print|subscribe|newsletter|advert|advertisement|ads|banner|
        sidebar|footer|navbar|nav|menu|popular|trending|recommend|recommended|
        most-read|mostread|older|older-news|tin-cu|tincu|xemthem|xem-them|readmore|
        read-more|tags|tag-list|taglist|keywords|copyright|hotline
    )([\s_-]|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# Class/id words of image captions.
CAPTION_CLASS = re.compile(
    r"(caption|figcaption|image-desc|img-desc|photo-desc|desc_image|expnote|pic-info|"
    r"image_caption|photo_caption|picture-caption)",
    re.IGNORECASE,
)

# Class/id words of a standfirst: the bold summary paragraph under a headline,
# which many templates keep outside the body container (and trafilatura drops).
STANDFIRST_CLASS = re.compile(
    r"(^|[\s_-])(lead|sapo|standfirst|stand-first|chapo|dek|deck|summary|article-summary|"
    r"intro|article-intro|excerpt|teaser-text|subtitle|sub-title|description|desc)([\s_-]|$)",
    re.IGNORECASE,
)
