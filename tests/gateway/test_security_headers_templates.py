"""The pages live under a Content-Security-Policy without 'unsafe-inline':
a browser runs no inline script, no inline event handler and applies no
style attribute or <style> block. So no template may hold one — each
would be a control that silently does nothing or a page that loses its
layout. Scripts and styles come from gateway/static/."""
from pathlib import Path

import pytest

from tests.support.inline_code import inline_code

TEMPLATES = Path(__file__).resolve().parents[2] / "gateway" / "templates"


ALL_TEMPLATES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", ALL_TEMPLATES)
def test_template_has_no_inline_script_handler_or_style(name):
    assert inline_code((TEMPLATES / name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("snippet", [
    "<script>alert(1)</script>",
    "<script src=\"{{ url_for('static', filename='a.js') }}\">go()</script>",
    "<button type=\"button\" onclick=\"go()\">?</button>",
    "<form method=\"post\" {% if x %}onsubmit=\"return confirm('?')\"{% endif %}>",
    "<select ONCHANGE=\"pick(this)\"></select>",
    "<td style=\"white-space: pre-line\">{{ note }}</td>",
    "{% block head %}<style>.a { color: red; }</style>{% endblock %}",
    "<a href=\"javascript:history.back()\">返回</a>",
])
def test_the_check_finds_each_kind_of_inline_code(snippet):
    assert inline_code(snippet)


def test_the_check_passes_what_the_policy_allows():
    allowed = """{# a comment with <style> and onclick= in it #}
<script src="{{ url_for('static', filename='portal.js') }}" defer></script>
<link rel="stylesheet" href="{{ url_for('static', filename='site.css') }}">
<form method="post" data-confirm="确定删除这一条吗？"{% if a > b %} class="inline"{% endif %}>
<button type="button" class="help-icon" aria-controls="help-{{ f.key }}">?</button></form>"""
    assert inline_code(allowed) == []
