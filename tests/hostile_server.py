"""A real HTTP server on 127.0.0.1 that misbehaves on request, for the fetcher tests.

It runs `http.server.ThreadingHTTPServer` in a background thread on a free port
and logs every request (arrival time on the monotonic clock, path, headers), so
tests can assert from the server's side what the fetcher really sent and when.
Every endless or slow handler is bounded and stops when the server stops.

Routes (query parameters in brackets):

    /page /private/... /public/...   an HTML page
    /gzip /deflate /deflate-raw /brotli   the page, content-encoded
    /slow [every=1]        headers, then one byte per `every` seconds (slow loris)
    /endless               an HTML body that never ends
    /big                   declares Content-Length: 20 MB
    /bomb /bomb-br         a small gzip/brotli body that decodes to 64 MB
    /redirect [to, code]   a redirect to `to`
    /chain [n]             n redirects, then /page
    /loop /loop-b          redirect to each other
    /cookie-check          sets a cookie and redirects to itself, then serves the page
    /status [code]         an empty response with that status
    /retry [code=429, after=2]   that status with Retry-After: after
    /cond                  ETag + Last-Modified, 304 on a matching conditional GET
    /image                 a PNG
    /sleep [s]             the page after `s` seconds (tracks concurrency)
    /robots.txt            `robots` (status, body, delay in seconds); 404 by default
"""

from __future__ import annotations

import gzip
import ssl
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import brotli

PAGE = b"<!DOCTYPE html><html><head><title>Hello</title></head><body><p>Hi.</p></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ETAG = '"v1-abc"'
LAST_MODIFIED = "Wed, 01 Oct 2025 08:00:00 GMT"
BOMB_SIZE = 64 * 1024 * 1024
MAX_STREAM_SECONDS = 30  # no handler streams longer than this, whatever the client does

_bombs: dict[str, bytes] = {}


def bomb(kind: str) -> bytes:
    """64 MB of zeros, compressed (gzip ≈ 64 KB, brotli ≈ 100 bytes); built once."""
    if kind not in _bombs:
        zeros = bytes(BOMB_SIZE)
        _bombs[kind] = (gzip.compress(zeros, 9, mtime=0) if kind == "gzip"
                        else brotli.compress(zeros, quality=5))
    return _bombs[kind]


@dataclass
class Hit:
    at: float  # time.monotonic() when the request arrived
    path: str  # with the query string
    headers: dict[str, str]


@dataclass
class HostileServer:
    host: str = "127.0.0.1"
    port: int = 0
    log: list[Hit] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)  # by path without query
    robots: tuple[int, bytes, float] | None = None  # status, body, delay before answering
    in_flight: int = 0
    max_in_flight: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [h.at for h in self.log if urlsplit(h.path).path == path]

    def start(self, tls: ssl.SSLContext | None = None) -> None:
        server = ThreadingHTTPServer((self.host, 0), _Handler)
        server.daemon_threads = True
        if tls is not None:  # HTTPS; the handshake happens in accept()
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.state = self  # type: ignore[attr-defined]
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class _Handler(BaseHTTPRequestHandler):
    server_version = "Hostile/1.0"
    state: HostileServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        state: HostileServer = self.server.state  # type: ignore[attr-defined]
        self.state = state
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        with state.lock:
            state.log.append(Hit(time.monotonic(), self.path,
                                 {k.lower(): v for k, v in self.headers.items()}))
            state.hits[path] += 1
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self.route(path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should
        finally:
            with state.lock:
                state.in_flight -= 1

    def send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
             **headers: str) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, piece: bytes, every: float, ctype: str = "text/html") -> None:
        """Send `piece` every `every` seconds, without a length, until stopped or bounded."""
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.end_headers()
        end = time.monotonic() + MAX_STREAM_SECONDS
        while time.monotonic() < end and not self.state.stopping.is_set():
            self.wfile.write(piece)
            self.wfile.flush()
            if every:
                time.sleep(every)

    def route(self, path: str, q: dict[str, str]) -> None:
        s = self.state
        if path in ("/page", "/feed") or path.startswith(("/private/", "/public/")):
            self.send(200, PAGE)
        elif path == "/gzip":
            self.send(200, gzip.compress(PAGE), Content_Encoding="gzip")
        elif path == "/deflate":
            self.send(200, zlib.compress(PAGE), Content_Encoding="deflate")
        elif path == "/deflate-raw":
            c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            self.send(200, c.compress(PAGE) + c.flush(), Content_Encoding="deflate")
        elif path == "/brotli":
            self.send(200, brotli.compress(PAGE), Content_Encoding="br")
        elif path == "/slow":
            self.stream(b"x", float(q.get("every", "1")))
        elif path == "/endless":
            self.stream(b"<p>" + b"x" * 65536 + b"</p>", 0)
        elif path == "/big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(20 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"x" * 1024)
        elif path == "/bomb":
            self.send(200, bomb("gzip"), Content_Encoding="gzip")
        elif path == "/bomb-br":
            self.send(200, bomb("br"), Content_Encoding="br")
        elif path == "/redirect":
            self.send(int(q.get("code", "302")), b"", Location=q["to"])
        elif path == "/chain":
            n = int(q.get("n", "0"))
            self.send(302, b"", Location=f"/chain?n={n - 1}" if n > 0 else "/page")
        elif path == "/loop":
            self.send(302, b"", Location="/loop-b")
        elif path == "/loop-b":
            self.send(301, b"", Location=f"http://{self.headers['Host']}/loop")
        elif path == "/cookie-check":
            if "seen=1" in (self.headers.get("Cookie") or ""):
                self.send(200, PAGE)
            else:
                self.send(302, b"", Location="/cookie-check", Set_Cookie="seen=1; Path=/")
        elif path == "/status":
            self.send(int(q.get("code", "500")), b"oops")
        elif path == "/retry":
            self.send(int(q.get("code", "429")), b"slow down", Retry_After=q.get("after", "2"))
        elif path == "/cond":
            if (self.headers.get("If-None-Match") == ETAG
                    or self.headers.get("If-Modified-Since") == LAST_MODIFIED):
                self.send(304, b"", ctype="", ETag=ETAG)
            else:
                self.send(200, PAGE, ETag=ETAG, Last_Modified=LAST_MODIFIED)
        elif path == "/image":
            self.send(200, PNG, ctype="image/png")
        elif path == "/sleep":
            time.sleep(float(q.get("s", "0.3")))
            self.send(200, PAGE)
        elif path == "/robots.txt" and s.robots is not None:
            status, body, delay = s.robots
            time.sleep(delay)
            self.send(status, body, ctype="text/plain")
        else:
            self.send(404, b"not here")
