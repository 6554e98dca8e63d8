"""The intake link as the portal shows it: the public address and its path."""
import re
from urllib.parse import urlparse


PUBLIC = "https://sme.example.gov.cn"


def shown_link(html):
    """The path of the short intake link shown beside the QR code, which
    starts with PUBLIC_BASE_URL whatever host the page was asked on."""
    url = re.search(r'value="([^"]+)" id="intake-url"', html).group(1)
    assert url.startswith(PUBLIC + "/q/"), url
    return url[len(PUBLIC):]


def intake_path(app, html):
    """The intake pages' path the shown link opens (the signed token's)."""
    response = app.test_client().get(shown_link(html))
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    return urlparse(response.headers["Location"]).path
