"""A browser's reading of HTML forms, for journeys walked over plain HTTP:
the forms of a page (action, method, fields with their current values, the
options of each select, the submit buttons), filled and sent back as a
browser would send them.

    page = Page(session.get(url))
    form = page.form(action_endswith="/approve")      # or page.form(with_field="sms_code")
    response = form.submit(session, {"reason": "材料齐全"}, files={"file": ("a.pdf", b"...")})
"""
from html.parser import HTMLParser
from urllib.parse import urljoin


class Form:
    def __init__(self, page_url, attrs):
        self.action = urljoin(page_url, attrs.get("action") or page_url)
        self.method = (attrs.get("method") or "get").lower()
        self.attrs = attrs
        self.fields = []  # (name, value, type) in document order; checkboxes only when checked
        self.options = {}  # select name -> [option values]
        self.checkable = {}  # checkbox/radio name -> [values]
        self.buttons = []  # (name, value, label)

    def names(self):
        return {name for name, _, _ in self.fields} | set(self.checkable) | set(self.options)

    def data(self, values=None):
        """What the browser sends: the form's own values, `values` over them
        (a list for a multi-valued field)."""
        values = dict(values or {})
        sent = []
        for name, value, kind in self.fields:
            if name in values or kind == "file":
                continue
            sent.append((name, value))
        for name, value in values.items():
            for one in value if isinstance(value, (list, tuple)) else [value]:
                sent.append((name, one))
        return sent

    def submit(self, session, values=None, files=None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        if self.method == "get":
            return session.get(self.action, params=self.data(values), **kwargs)
        return session.post(self.action, data=self.data(values), files=files, **kwargs)


class _Parser(HTMLParser):
    def __init__(self, url):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms = []
        self.form = None
        self.select = None
        self.option = None
        self.textarea = None
        self.texts = {}

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(self.url, attrs)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self.form.checkable.setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self.form.fields.append((name, attrs.get("value", "on"), kind))
            elif kind in ("submit", "button", "image"):
                self.form.buttons.append((name, attrs.get("value", ""), attrs.get("value", "")))
            else:
                self.form.fields.append((name, attrs.get("value", ""), kind))
        elif tag == "button":
            self.form.buttons.append((name, attrs.get("value", ""), ""))
        elif tag == "select" and name:
            self.select = [name, None, []]
        elif tag == "option" and self.select is not None:
            self.option = attrs.get("value")
            self.select[2].append(self.option)
            if "selected" in attrs:
                self.select[1] = self.option
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        if self.select is not None and self.option is None and self.select[2]:
            pass

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None and self.form is not None:
            name, chosen, options = self.select
            self.form.options[name] = [o for o in options if o is not None]
            self.form.fields.append((name, chosen if chosen is not None else (options[0] if options else ""),
                                     "select"))
            self.select = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form.fields.append((self.textarea[0], self.textarea[1], "textarea"))
            self.textarea = None


class Page:
    def __init__(self, response):
        self.response = response
        self.url = response.url
        self.text = response.text
        parser = _Parser(self.url)
        parser.feed(self.text)
        self.forms = parser.forms

    def form(self, action_endswith=None, with_field=None):
        for form in self.forms:
            if action_endswith and not form.action.split("?")[0].endswith(action_endswith):
                continue
            if with_field and with_field not in form.names():
                continue
            if form.method == "get" and not action_endswith:
                continue
            return form
        raise AssertionError(f"no form (action …{action_endswith}, field {with_field}) on {self.url}:\n"
                             + self.text[:2000])
