"""Helpers that tests share: test infrastructure on the real RabbitMQ and
PostgreSQL, the whole system started as `make run` starts it, valid business
identifiers, and events read off the bus.

Nothing here monkey-patches eventlet, so the browser-test process (which must
stay unpatched) can import every module of this package.
"""
