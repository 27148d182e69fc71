"""Alert messages: content, highlighting, escaping per format, and templates that cannot be turned into attacks."""

from __future__ import annotations

import pytest

from rules.render import AlertView, render_alert, render_digest, render_health, render_template

BODY = "Taiwan and Japan will cooperate on AI chips. <script>alert(1)</script> {{ 7*7 }} ends here."
AI = BODY.index("AI")
VIEW = AlertView(
    rule="ai",
    kind="new",
    title="Taiwan & Japan <AI>",
    url="https://focustaiwan.tw/business/202512020024",
    source="focustaiwan",
    language="en",
    published="2025-12-02T20:18+08:00",
    body=BODY,
    evidence=({"term": "AI", "group": "ai", "field": "body", "start": AI, "end": AI + 2, "text": "AI"},),
)

INJECTIONS = [
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{% include '/etc/passwd' %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ config }}{{ request }}{{ lipsum.__globals__ }}",
]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_message_has_title_source_language_date_terms_snippet_and_link(fmt):
    message = render_alert(VIEW, fmt)
    assert message.format == fmt and "Taiwan & Japan <AI>" in message.title
    for part in ("focustaiwan", "en", "2025-12-02T20:18+08:00", "focustaiwan.tw/business/202512020024"):
        assert part in message.body


def test_the_matched_term_is_highlighted_for_each_format():
    assert "«AI»" in render_alert(VIEW, "text").body
    assert "**AI**" in render_alert(VIEW, "markdown").body
    assert "<mark>AI</mark>" in render_alert(VIEW, "html").body


def test_page_text_is_escaped_in_html():
    body = render_alert(VIEW, "html").body
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Taiwan &amp; Japan &lt;AI&gt;" in body


def test_page_text_that_looks_like_a_template_stays_text():
    assert "{{ 7*7 }}" in render_alert(VIEW, "text").body
    assert "{{ 7*7 }}" in render_template("{{ snippet }}", VIEW, "text").body
    assert "49" not in render_template("{{ snippet }}", VIEW, "text").body


@pytest.mark.parametrize("template", INJECTIONS)
@pytest.mark.parametrize("fmt", ["text", "html"])
def test_template_injection_renders_inert(template, fmt):
    body = render_template(template, VIEW, fmt).body
    for leak in ("root:", "<module", "__builtins__", "os.py", "subprocess", "<class", "function"):
        assert leak not in body


def test_a_template_gets_the_fields_and_html_is_autoescaped():
    body = render_template("<h1>{{ title }}</h1>{{ snippet }} ({{ terms }}) {{ url }}", VIEW, "html").body
    assert body.startswith("<h1>Taiwan &amp; Japan &lt;AI&gt;</h1>")
    assert "<mark>AI</mark>" in body and "&lt;script&gt;" in body and "(AI)" in body


def test_a_digest_groups_matches_by_rule():
    other = AlertView("partnership", "new", "MOU signed", "https://x.tw/2", "cna", "zh-Hant", None, "合作備忘錄")
    message = render_digest([VIEW, other, VIEW], "markdown")
    assert "3 matches" in message.title
    assert message.body.index("ai (2)") < message.body.index("partnership (1)")


def test_health_messages():
    assert "failing" in render_health("cna", "failing", "timeout", "text").title
    assert "recovered" in render_health("cna", "recovered", None, "text").title
