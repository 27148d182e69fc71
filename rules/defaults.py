"""The built-in concept groups ``@ai`` and ``@partnership`` and the two default rules.

Terms are in English, Chinese (Traditional; Simplified folds to the same text) and Indonesian. Indonesian
prefixed forms are listed explicitly; clitics (-nya, -lah, -kah) are handled by the matcher for every term.
Precision over recall: ``AI`` is an acronym and matches case-sensitively (not "said", "Ai", "ai"), and bare
"partner"-like English words that are common in other senses ("ally", "deal", "pact" in idioms) are left out.

>>> "AI" in DEFAULT_GROUPS["ai"], DEFAULT_RULES[0]
(True, RuleSpec(name='ai', query='@ai', sources=(), languages=()))
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rules.spec import RuleSpec

_AI_ENGLISH = (
    "AI", "A.I.", "artificial intelligence", "generative AI", "GenAI", "AGI", "machine learning",
    "deep learning", "LLM", "LLMs", "large language model", "large language models", "neural network",
    "neural networks", "ChatGPT", "chatbot", "chatbots", "AI chip", "AI chips",
)
_AI_CHINESE = (
    "人工智慧", "人工智能", "生成式AI", "生成式人工智慧", "機器學習", "深度學習",
    "大型語言模型", "大語言模型",
    "神經網路", "神經網絡", "AI晶片", "聊天機器人",
)
_AI_INDONESIAN = (
    "kecerdasan buatan", "kecerdasan artifisial", "pembelajaran mesin", "pembelajaran mendalam",
    "model bahasa besar", "jaringan saraf", "AI generatif",
)

_PARTNERSHIP_ENGLISH = (
    "partnership", "partnerships", "partner", "partners", "cooperation", "cooperate", "cooperates",
    "cooperating", "cooperative", "co-operation", "co-operate", "collaboration", "collaborations",
    "collaborate", "collaborates", "collaborating", "collaborative", "MOU", "MoU", "MOUs", "MoUs",
    "memorandum of understanding", "agreement", "agreements", "joint statement", "joint declaration",
    "alliance", "alliances", "strategic dialogue",
)
_PARTNERSHIP_CHINESE = (
    "合作", "夥伴", "備忘錄", "合作備忘錄", "瞭解備忘錄", "了解備忘錄", "聯合聲明",
    "協議", "協定", "結盟", "聯盟",
)
_PARTNERSHIP_INDONESIAN = (
    "kemitraan", "mitra", "bermitra", "kerja sama", "kerjasama", "bekerja sama", "bekerjasama",
    "kolaborasi", "berkolaborasi", "nota kesepahaman", "perjanjian", "pernyataan bersama", "aliansi",
    "beraliansi", "kesepakatan kerja sama",
)

DEFAULT_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "ai": _AI_ENGLISH + _AI_CHINESE + _AI_INDONESIAN,
    "partnership": _PARTNERSHIP_ENGLISH + _PARTNERSHIP_CHINESE + _PARTNERSHIP_INDONESIAN,
})

DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("ai", "@ai"),
    RuleSpec("partnership", "@partnership"),
)
