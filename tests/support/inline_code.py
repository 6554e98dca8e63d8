"""Inline code in HTML: what a Content-Security-Policy without
'unsafe-inline' blocks (inline scripts, on* handlers, style attributes,
<style> blocks, javascript: URLs). Used by the template and page checks."""
from html.parser import HTMLParser
import re

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)


def markup(source):
    """The template's HTML with its Jinja tags blanked out: an expression
    becomes X (an attribute value), a statement or comment a space."""
    return JINJA.sub(lambda m: "X" if m.group().startswith("{{") else " ", source)


class InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        where = f"line {self.getpos()[0]}"
        names = {name.lower(): value for name, value in attrs}
        for name in names:
            if name.startswith("on"):
                self.found.append(f"{where}: <{tag} {name}=...>")
        if "style" in names:
            self.found.append(f"{where}: <{tag} style=...>")
        if any((value or "").strip().lower().startswith("javascript:") for value in names.values()):
            self.found.append(f"{where}: <{tag} ...javascript: URL>")
        if tag == "style":
            self.found.append(f"{where}: <style> block")
        if tag == "script":
            if not names.get("src"):
                self.found.append(f"{where}: <script> without src")
            self.in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.found.append(f"line {self.getpos()[0]}: inline script body")


def inline_code(source):
    finder = InlineFinder()
    finder.feed(markup(source))
    finder.close()
    return finder.found
