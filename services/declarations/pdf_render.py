"""HTML → A4 PDF with WeasyPrint, in a child process.

Laying out a long 服务台账 in CJK takes seconds of CPU and a few hundred MB;
in a child process that memory goes back to the system when it exits, a
crash or a runaway document ends only the child, and the service's own event
loop keeps answering. Nothing is fetched but data: URIs (the QR code); fonts
are the system's Noto CJK, embedded as subsets.

    python -m services.declarations.pdf_render < page.html > page.pdf
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # where `-m services...` is found

TIMEOUT = 120  # seconds one rendering may take


class RenderFailed(RuntimeError):
    pass


def html_to_pdf(html):
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()


def in_child(html, popen=subprocess.Popen, timeout=TIMEOUT):
    """The PDF of `html`, rendered by a child Python process (`popen` may be
    eventlet's green Popen, so that waiting blocks no other work)."""
    child = popen(
        [sys.executable, "-W", "ignore", "-m", __name__],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
    )
    try:
        out, err = child.communicate(input=html.encode("utf-8"), timeout=timeout)
    except Exception as exc:
        # By name: eventlet's green Popen raises the class of its own copy of subprocess.
        if type(exc).__name__ != "TimeoutExpired":
            child.kill()
            raise
        child.kill()
        child.communicate()
        raise RenderFailed(f"rendering took longer than {timeout} s")
    if child.returncode != 0 or not out.startswith(b"%PDF-"):
        raise RenderFailed(f"rendering failed ({child.returncode}): {err.decode('utf-8', 'replace')[-500:]}")
    return out


def main():
    html = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(html_to_pdf(html))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
