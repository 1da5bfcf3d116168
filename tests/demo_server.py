"""A real HTTP server on 127.0.0.1 that serves the demo corpus as live sites.

Pages are served at /<host>/<path> from demo/site; feeds at /<host>/feed.xml
(from demo/feeds) with their links rewritten to this server, plus a generated
sitemap and home page per host, ETag/Last-Modified with 304 answers, and a few
switches tests flip to make things fail (a page that 404s, a feed that 500s).
Every request is logged with its time, so tests can check politeness.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import DEMO

OUTLET_HOSTS = {
    "nanfang": "www.nanfang-guancha.example", "huanqiu": "news.huanqiu-kuaixun.example",
    "taipei": "www.taipei-morning.example", "songhong": "baosonghong.example",
    "mekongvn": "tinmekong.example", "mekongherald": "www.mekongherald.example",
    "asiawire": "asiawire.example", "vientianemai": "vientianemai.example",
    "krungthep": "krungthep-daily.example",
}
LAST_MODIFIED = "Sat, 20 Dec 2025 10:00:00 GMT"


@dataclass
class DemoSite:
    base: str = ""
    requests: list[tuple[float, str]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)  # paths that answer 404
    failing: set[str] = field(default_factory=set)  # paths that answer 500
    patches: list[tuple[bytes, bytes]] = field(default_factory=list)  # edits to served bytes
    wrong_charset: dict[str, str] = field(default_factory=dict)  # host → charset to claim
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, host: str, path: str = "/") -> str:
        return f"{self.base}/{host}{path}"

    def rewrite(self, data: bytes) -> bytes:
        for host in OUTLET_HOSTS.values():
            data = data.replace(f"https://{host}/".encode(), f"{self.base}/{host}/".encode())
        return data

    def hits(self, fragment: str) -> int:
        with self.lock:
            return sum(1 for _, path in self.requests if fragment in path)


def _feed_for(host: str) -> Path | None:
    for outlet, h in OUTLET_HOSTS.items():
        if h == host:
            return DEMO / "feeds" / f"{outlet}.xml"
    return None


def _sitemap(site: DemoSite, host: str) -> bytes:
    urls = sorted((DEMO / "site" / host).rglob("*.html"))
    body = "".join(
        f"<url><loc>{site.url(host, '/' + str(p.relative_to(DEMO / 'site' / host)))}</loc></url>"
        for p in urls)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            b'schemas/sitemap/0.9">' + body.encode() + b"</urlset>")


def _home(site: DemoSite, host: str) -> bytes:
    feed = site.url(host, "/feed.xml")
    return (f'<html><head><title>{host}</title><link rel="alternate" '
            f'type="application/rss+xml" href="{feed}"></head><body><h1>{host}</h1>'
            f"<p>Latest news.</p></body></html>").encode()


def make_handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            with site.lock:
                site.requests.append((time.monotonic(), self.path))
            path = self.path.split("?")[0]
            if path in site.failing:
                return self._send(500, b"server error", "text/plain")
            if path in site.missing or path == "/robots.txt":
                return self._send(404, b"not found", "text/plain")
            _, host, *rest = path.split("/", 2)
            rest_path = "/" + (rest[0] if rest else "")
            if rest_path == "/feed.xml" and (feed := _feed_for(host)) is not None:
                return self._send(200, self._patched(site.rewrite(feed.read_bytes())),
                                  "application/xml")
            if rest_path == "/sitemap.xml":
                return self._send(200, _sitemap(site, host), "application/xml")
            if rest_path == "/sitemap.xml.gz":
                return self._send(200, gzip.compress(_sitemap(site, host)), "application/gzip")
            if rest_path == "/":
                return self._send(200, _home(site, host), "text/html; charset=utf-8")
            file = (DEMO / "site" / host / rest_path.lstrip("/")).resolve()
            if (DEMO / "site") in file.parents and file.is_file():
                charset = site.wrong_charset.get(host)
                ctype = f"text/html; charset={charset}" if charset else "text/html"
                return self._send(200, self._patched(file.read_bytes()), ctype)
            return self._send(404, b"not found", "text/plain")

        def _patched(self, body: bytes) -> bytes:
            for old, new in site.patches:
                body = body.replace(old, new)
            return body

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_demo() -> Iterator[DemoSite]:
    site = DemoSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
