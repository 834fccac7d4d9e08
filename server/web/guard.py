"""The Host header: the service answers only for the names it is known by (DNS rebinding).

A web page on evil.example can make its own name resolve to 127.0.0.1 and then talk to the service
as a "same-origin" page. The browser still sends `Host: evil.example`, so a request whose host is a
name the service does not answer for is refused (400), over HTTPS and --insecure-http alike.

Invariants: IP literals are always accepted (DNS rebinding needs a name); the names accepted are
localhost, this machine's names, the names in the server certificate, the host of PUBLIC_URL, the
--host given, and ALLOWED_HOSTS (BIAOTAI_ALLOWED_HOSTS, comma-separated; "*" turns the check off).
The check is on whenever `biaotai serve` runs the app (it sets SERVE_HOST) or ALLOWED_HOSTS is set.
The set is computed once per app.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, current_app, request

EXTENSION_KEY = "biaotai_allowed_hosts"


def _hostname(host: str) -> str:
    """The name part of a Host header: without port, brackets or a trailing dot, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
        return True
    except ValueError:
        return False


def allowed_names(app: Flask) -> frozenset[str] | None:
    """The names this app answers for (None: any host)."""
    from ..certs import machine_names

    configured = app.config.get("ALLOWED_HOSTS") or ()
    if isinstance(configured, str):
        configured = [n for n in configured.replace("，", ",").split(",")]
    configured = [n.strip().lower().rstrip(".") for n in configured if n and n.strip()]
    if "*" in configured or not (configured or app.config.get("SERVE_HOST")):
        return None  # an app not run by `biaotai serve` (tests, another WSGI server) and nothing configured
    names = {"localhost", *configured, *(n.lower() for n in machine_names())}
    certificate = app.extensions.get("biaotai_certificate")
    if certificate is not None:
        names.update(n.lower() for n in certificate.dns_names)
    if app.config.get("PUBLIC_URL"):
        public = urlsplit(str(app.config["PUBLIC_URL"])).hostname
        if public:
            names.add(public.lower())
    if app.config.get("SERVE_HOST"):
        names.add(_hostname(str(app.config["SERVE_HOST"])))
    return frozenset(names)


def host_allowed(host: str | None) -> bool:
    names = current_app.extensions.get(EXTENSION_KEY)
    if names is None:
        return True
    name = _hostname(host or "")
    return bool(name) and (_is_ip(name) or name in names)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = allowed_names(app)
