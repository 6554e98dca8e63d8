"""WSGI entry for gunicorn: `gunicorn 'gateway.wsgi:app'`. Log lines as
LOG_FORMAT says (services.common.logs), gunicorn's own included.

gunicorn's workers add up their metrics in PROMETHEUS_MULTIPROC_DIR; unset,
a directory of this gunicorn master under the temporary directory (each
worker's parent is the master, so all of them find the same one, and a
restarted master starts afresh). It must exist before prometheus_client
is imported (by gateway.telemetry)."""
import os
import tempfile

from services.common import known_warnings

known_warnings.quiet()  # before the libraries that warn on import

from services.common import contracts as c  # noqa: E402

os.environ.setdefault(
    c.ENV_PROMETHEUS_MULTIPROC_DIR, os.path.join(tempfile.gettempdir(), f"sme-gateway-metrics-{os.getppid()}")
)
os.makedirs(os.environ[c.ENV_PROMETHEUS_MULTIPROC_DIR], exist_ok=True)

from gateway import create_app  # noqa: E402
from services.common import logs  # noqa: E402

logs.configure("gateway")
app = create_app()
