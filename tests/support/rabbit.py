"""Throw-away RabbitMQ virtual hosts, made through the management API."""
import os
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import requests

BROKER_URI = os.environ.get("TEST_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
MANAGEMENT_URI = os.environ.get("TEST_RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")


def _api(path):
    parts = urlsplit(MANAGEMENT_URI)
    auth = (parts.username or "guest", parts.password or "guest")
    base = urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""), "", "", ""))
    return base + "/api/" + path, auth


def amqp_uri(vhost):
    parts = urlsplit(BROKER_URI)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))


def create_vhost(prefix="sme_test"):
    """A new vhost with full permissions for the broker user; its AMQP URI."""
    vhost = f"{prefix}_{uuid.uuid4().hex[:10]}"
    user = urlsplit(BROKER_URI).username or "guest"
    url, auth = _api("vhosts/" + quote(vhost, safe=""))
    requests.put(url, auth=auth, timeout=10).raise_for_status()
    url, auth = _api(f"permissions/{quote(vhost, safe='')}/{quote(user, safe='')}")
    body = {"configure": ".*", "write": ".*", "read": ".*"}
    requests.put(url, json=body, auth=auth, timeout=10).raise_for_status()
    return vhost, amqp_uri(vhost)


def delete_vhost(vhost):
    url, auth = _api("vhosts/" + quote(vhost, safe=""))
    response = requests.delete(url, auth=auth, timeout=30)
    if response.status_code != 404:
        response.raise_for_status()
