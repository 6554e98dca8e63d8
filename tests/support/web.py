"""Small pieces of web forms that many tests send: a real image to upload,
and the hidden inputs (CSRF token, idempotency key) of a rendered form."""
import io
import re

from PIL import Image


def png_bytes(size=(64, 40), color=(200, 30, 30)):
    """A small real PNG image (a licence photo stand-in)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def hidden_fields(html):
    """Hidden inputs of the page's form, to send back."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
