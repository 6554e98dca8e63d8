"""导出Excel of the console's lists: every workbook through
services.common.spreadsheets (text stays text), sent as a download that is
not cached, and the export itself logged in the 操作日志 of the service whose
data left (who, which list, which filters)."""
import logging
import tempfile

from flask import send_file
from nameko.exceptions import MethodNotFound, RemoteError

from gateway import rpc
from gateway.rpc import ServiceUnavailable
from services.common import clock, spreadsheets
from services.common import contracts as c
from services.common.errors import ServiceError

def log_export(service, action, target, filters=None):
    """Record the export in `service`'s 操作日志; an export is not refused
    because the log's service is slow, but the failure is not hidden."""
    try:
        rpc(service, c.RPC_LOG_READ, action, target, None, {k: v for k, v in (filters or {}).items() if v})
    except (ServiceUnavailable, ServiceError, MethodNotFound, RemoteError):
        logging.getLogger(__name__).exception("could not log the export %s of %s", action, target)


def send_workbook(title, header, rows, filename, widths=18):
    """A one-sheet .xlsx of `rows` (an iterable: written as it comes) as a
    download named `filename`_<time>.xlsx."""
    book = spreadsheets.Book(write_only=True)
    sheet = book.sheet(title, header=header, widths=widths)
    for row in rows:
        sheet.append(row)
    return send_book(book, filename)


def send_book(book, filename):
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        book.save(spool)
    except Exception:
        spool.close()
        raise
    spool.seek(0)
    stamp = clock.beijing_now().strftime("%Y%m%d%H%M")
    response = send_file(spool, mimetype=spreadsheets.MIMETYPE, as_attachment=True,
                         download_name=f"{filename}_{stamp}.xlsx")
    response.headers["Cache-Control"] = "private, no-store"
    return response
