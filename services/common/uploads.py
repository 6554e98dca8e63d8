"""The upload policy: one set of limits and checks for every file a user
uploads (营业执照 on 注册 and 申诉, 附件, the 服务台账 .xlsx), and checks of
uploaded files by their content, never by their name.

Every limit is checked before the work it protects:

- the size of a file before its body is read into memory (the gateway, from
  the spooled upload; the owning service again on the blob it reads);
- the pixels of an image from its header (`Image.open` reads only the
  header) before anything is decoded: a hard refusal, never Pillow's warning;
  decoding is then bounded by MAX_PIXELS, JPEGs are decoded already scaled
  down (`draft`) and the re-encode is a plain one (no `optimize` search);
- an .xlsx is a zip: its compressed and uncompressed sizes and its number of
  parts are read from the zip directory before any part is inflated (reads
  stop at the sizes the directory states), and the ledger reader bounds rows,
  blank ones included, and columns (services/declarations/ledger_import.py);
  its XML is parsed by openpyxl through defusedxml, which refuses entity
  declarations and external references.

Each refusal is a `BadUpload` whose message says in Chinese what to do.
"""
import io
import warnings
import zipfile

from PIL import Image, UnidentifiedImageError

MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
IMAGE_TYPES = ("image/png", "image/jpeg")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MB = 1024 * 1024
# Largest file of each kind (bytes); the gateway refuses a bigger one before
# reading it, the owning service again. Attachments are further limited by
# their batch's 单个附件大小上限.
LICENCE = "licence"
ATTACHMENT = "attachment"
LEDGER = "ledger"
MAX_BYTES = {LICENCE: 10 * MB, ATTACHMENT: 32 * MB, LEDGER: 8 * MB}
TOO_BIG = {
    LICENCE: "营业执照图片不能超过10MB，请压缩后重新上传",
    ATTACHMENT: "文件不能超过32MB，请压缩后重新上传",
    LEDGER: "Excel文件不能超过8MB，请分多次导入",
}

# Images: 24 million pixels (6000×4000, a 24-megapixel photo; an A4 scan at
# 600 dpi is 35 M, at 300 dpi 8.7 M). Decoding that as RGBA takes ~100 MB.
MAX_PIXELS = 24_000_000
MAX_SIDE = 4000  # re-encoded images are scaled down to fit this square

# .xlsx: the parts of the zip, inflated, may take at most this much.
MAX_XLSX_UNZIPPED = 32 * MB
MAX_XLSX_PARTS = 200
XLSX_UNREADABLE = "文件无法读取，请使用页面提供的Excel模板（.xlsx）"


class BadUpload(ValueError):
    """A refused upload; str() is the Chinese message for the user."""


class TooManyPixels(BadUpload):
    """An image whose header claims more than MAX_PIXELS."""


def sniff(data):
    """The type of a file by its first bytes, or None."""
    for magic, content_type in MAGIC:
        if data.startswith(magic):
            return content_type
    return None


def check_size(kind, size):
    """BadUpload when a file of `size` bytes is too big for `kind`."""
    if size > MAX_BYTES[kind]:
        raise BadUpload(TOO_BIG[kind])


def _pixel_message(width=None, height=None):
    claimed = f"{width}×{height}像素" if width else f"超过{MAX_PIXELS // 10_000}万像素"
    return f"图片尺寸过大（{claimed}），请缩小到{MAX_PIXELS // 10_000}万像素以内（如6000×4000）后重新上传"


def read_blob(store, key, kind, limit=None):
    """The bytes of an uploaded blob, its size checked (from the store's
    metadata) before it is read; BadUpload when too big. BlobNotFound as the
    store raises it."""
    limit = min(limit or MAX_BYTES[kind], MAX_BYTES[kind])
    if store.size(key) > limit:
        raise BadUpload(TOO_BIG[kind] if limit == MAX_BYTES[kind] else f"文件不能超过{limit // MB}MB")
    return store.get(key)


def image_size(data):
    """(width, height) from an image's header, without decoding its pixels;
    BadUpload when it is not a PNG/JPEG or claims too many pixels."""
    if sniff(data) not in IMAGE_TYPES:
        raise BadUpload("not an image")
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as img:  # reads the header only
            width, height = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's check of the header
        raise TooManyPixels(_pixel_message())
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise BadUpload(str(exc))
    if width <= 0 or height <= 0:
        raise BadUpload("not an image")
    if width * height > MAX_PIXELS:
        raise TooManyPixels(_pixel_message(width, height))
    return width, height


def reencode_image(data, max_side=MAX_SIDE):
    """Decode and re-encode an image (drops anything hidden in it, and EXIF);
    returns (bytes, content_type). Raises TooManyPixels before decoding an
    image too large, BadUpload for a non-image."""
    image_size(data)
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as img:
            kind = img.format
            if kind == "JPEG":
                img.draft("RGB", (max_side, max_side))  # decode already scaled down
            img.load()
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if kind == "PNG":
                img.save(out, "PNG", compress_level=6)
                return out.getvalue(), "image/png"
            img.save(out, "JPEG", quality=88)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise BadUpload(str(exc))


# Pillow's own guard, behind image_size()'s (which names the size it read):
# an error, never a mere warning, for any image claiming four times the limit.
Image.MAX_IMAGE_PIXELS = 4 * MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)  # a refusal, never a log line


def check_xlsx(data):
    """An .xlsx within the limits, judged from its zip directory alone (no
    part is inflated); returns the open ZipFile. BadUpload otherwise."""
    check_size(LEDGER, len(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise BadUpload(XLSX_UNREADABLE)
    if len(parts) > MAX_XLSX_PARTS:
        raise BadUpload(XLSX_UNREADABLE)
    if sum(p.file_size for p in parts) > MAX_XLSX_UNZIPPED:
        raise BadUpload(
            f"Excel文件解压后超过{MAX_XLSX_UNZIPPED // MB}MB，请删除多余的工作表、图片和空行，或分多次导入"
        )
    return archive
