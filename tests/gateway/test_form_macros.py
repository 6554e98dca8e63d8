"""The shared form macros: every link of an error summary leads to a field
that exists, multi-choice boxes included."""
import re

from flask import render_template_string

from gateway import create_app

PAGE = """{% import "_form.html" as form %}
{{ form.error_summary(errors, fields) }}
{% for f in fields %}{{ form.field(f, None, errors.get(f.key)) }}{% endfor %}"""


def test_every_summary_link_has_its_field():
    app = create_app({})
    try:
        fields = [
            {"key": "categories", "label": "服务类别", "type": "multichoice", "options": ["创业辅导", "投融资"],
             "required": True, "help": ""},
            {"key": "name", "label": "名称", "type": "text", "required": True, "help": "", "max_length": 50},
            {"key": "kind", "label": "类型", "type": "choice", "options": ["甲", "乙"], "required": True, "help": ""},
        ]
        errors = {"categories": "请至少选择一项", "name": "请填写名称", "kind": "请选择类型"}
        with app.test_request_context("/"):
            html = render_template_string(PAGE, fields=fields, errors=errors)
        links = re.findall(r'href="#([^"]+)"', html)
        assert links == ["f-categories", "f-name", "f-kind"]
        for target in links:
            assert len(re.findall(f'id="{target}"', html)) == 1, target
    finally:
        app.extensions["rpc"].close()
