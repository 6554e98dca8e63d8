"""Loaded by pytest before any other plugin (`-p tests.eventlet_first` in
pytest.ini): eventlet's monkey patch must come before anything imports ssl
or socket (installed pytest plugins may), as `nameko run` patches first.
The browser-test process stays unpatched (Playwright's sync API hangs in a
patched process)."""
import os

if os.environ.get("SME_BROWSER_TESTS") != "1":
    import eventlet

    eventlet.monkey_patch()
