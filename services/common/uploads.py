"""Checks of uploaded files by their content, never by their name."""
import io

from PIL import Image, UnidentifiedImageError

MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
IMAGE_TYPES = ("image/png", "image/jpeg")
MAX_PIXELS = 40_000_000


class BadUpload(ValueError):
    pass


def sniff(data):
    """The type of a file by its first bytes, or None."""
    for magic, content_type in MAGIC:
        if data.startswith(magic):
            return content_type
    return None


def reencode_image(data, max_side=4000):
    """Decode and re-encode an image (drops anything hidden in it, and EXIF);
    returns (bytes, content_type). Raises BadUpload for a non-image."""
    if sniff(data) not in IMAGE_TYPES:
        raise BadUpload("not an image")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            kind = img.format
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if kind == "PNG":
                img.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            img.save(out, "JPEG", quality=88)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadUpload(str(exc))
