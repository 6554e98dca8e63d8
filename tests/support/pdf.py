"""Reading a PDF back as a person or a scanner would: its text, whether its
fonts are embedded, and the QR codes of its images (pypdf and zxing-cpp)."""
import io

from pypdf import PdfReader


def reader(data):
    return PdfReader(io.BytesIO(data))


def text(data):
    return "\n".join(page.extract_text() or "" for page in reader(data).pages)


def page_texts(data):
    return [page.extract_text() or "" for page in reader(data).pages]


def page_size_mm(data):
    box = reader(data).pages[0].mediabox
    return round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)


def fonts(data):
    """{font name: embedded?} over every page; a composite (Type0) font is
    embedded when its descendant's descriptor holds a font file."""
    out = {}
    for page in reader(data).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptors = []
            if "/DescendantFonts" in font:
                for descendant in font["/DescendantFonts"]:
                    descriptors.append(descendant.get_object().get("/FontDescriptor"))
            else:
                descriptors.append(font.get("/FontDescriptor"))
            embedded = all(
                d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                for d in descriptors
            )
            out[str(font["/BaseFont"])] = embedded
    return out


def qr_codes(data):
    """The distinct texts of the QR codes in the PDF's images (pages may
    share one resource dictionary, so an image can be listed on each)."""
    import zxingcpp
    from PIL import Image

    found = []
    for page in reader(data).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            # A scanner sees the code with a quiet zone around it.
            framed = Image.new("L", (picture.width + 40, picture.height + 40), 255)
            framed.paste(picture, (20, 20))
            found += [r.text for r in zxingcpp.read_barcodes(framed) if r.text not in found]
    return found
