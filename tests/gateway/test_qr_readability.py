"""The intake QR code is small enough to read at first try: the short link
(PUBLIC_BASE_URL + /q/ + 128-bit id) is a QR version ≤ 5 at error correction
M, and decodes at the size the portal shows it (220 px), at half that, and on
the A4 poster printed at 150 dpi (120 mm), each through a phone-like blur.
The signed token the code encoded before does not read at half size."""
import pytest

from gateway.portal.tenants import _qr
from tests.support import qr

SHORT_ID = "Ab3_dE5-gH7iJ9kL1mN3oP"  # 22 characters: 128 bits, base64url
BASES = ("http://127.0.0.1:8000", "https://smejs.example.gov.cn", "https://sme.jiangsu.example.gov.cn/shuangchuang")
DISPLAYED_PX = 220
POSTER_PX = round(120 / 25.4 * 150)  # 120 mm at 150 dpi
LEVELS = "LMQH"


@pytest.mark.parametrize("base", BASES)
def test_the_short_intake_link_is_a_small_qr_that_reads_at_every_size(base):
    url = f"{base}/q/{SHORT_ID}"
    image = _qr(url).make_image().get_image()
    for size in (DISPLAYED_PX, DISPLAYED_PX // 2, POSTER_PX):
        [(text, version, level)] = qr.read(qr.captured(image, size))
        assert text == url, size
        assert version <= 5 and LEVELS.index(level) >= LEVELS.index("M"), (version, level)


def test_a_signed_token_in_the_code_does_not_read_at_half_size():
    """Why the code encodes a short id: what it encoded before."""
    token = ("eyJkIjoiMGY1ZjM1ZDItYzQ5Ny00YjQ5LWE0ZjQtZjQ1ZjQ1ZjQ1ZjQ1IiwiZSI6MTc5NjEwNDAwMCwibiI6IkFiQ2RFZ"
             "kdoSWpLbE1uT3AiLCJzIjoxfQ.AbCdEfGhIjKlMnOpQrStUv")
    image = _qr(f"{BASES[1]}/intake/{token}").make_image().get_image()
    assert qr.read(qr.captured(image, DISPLAYED_PX // 2)) == []
