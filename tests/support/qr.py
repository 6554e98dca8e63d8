"""Reading QR codes the way a phone meets them: the picture at a given pixel
size, softened by a 1-pixel blur (focus, screen, paper) and JPEG-compressed,
then decoded by zxing-cpp."""
import io

import zxingcpp
from PIL import Image, ImageFilter

BLUR_PX = 1.0
JPEG_QUALITY = 40


def captured(image, size=None, blur=BLUR_PX):
    """`image` (PIL) resized to `size` pixels square (when given), blurred and
    JPEG-compressed as a phone camera's frame would be."""
    picture = image.convert("L")
    if size:
        picture = picture.resize((size, size), Image.BILINEAR)
    picture = picture.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY)
    return Image.open(io.BytesIO(out.getvalue()))


def read(image):
    """[(text, version, error-correction level)] of the QR codes found."""
    return [
        (r.text, int(r.extra.get("Version", 0)), r.extra.get("ECLevel") or r.ec_level)
        for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def png(data):
    return Image.open(io.BytesIO(data))
