"""The one way newsdesk talks to the network: a safe, polite async HTTP fetcher.

Everything live ingestion downloads (feeds, sitemaps, robots.txt, article pages)
goes through `Fetcher.fetch`, so these rules hold everywhere:

- **It never raises for the network's or the server's faults.** A `FetchResult`
  comes back with `error` (a sentence naming the URL) and `error_kind` (a fixed
  vocabulary a crawler can act on). Only bugs raise.
- **SSRF-safe.** Only http(s). Every hop (the first request and each redirect,
  which is followed by hand) has its host resolved, and is refused if any
  address is loopback, private, link-local, multicast, reserved, unspecified,
  carrier-grade NAT or the cloud metadata address, also when wrapped in IPv6.
  IP literals in odd spellings (`http://2130706433/`, `http://0x7f.1/`) are refused
  before anything else. The connection is then pinned to the vetted addresses: a
  custom httpcore network backend connects to exactly those and never resolves
  the name again, so DNS rebinding between check and connect cannot move it.
- **Bounded.** Connect and read timeouts plus a total deadline per HTTP exchange
  (a server trickling one byte a second still ends); the body is capped while
  streaming, raw and decoded, by decompressors that yield about 64 KiB per
  step, so a gzip or brotli bomb stops at the cap instead of in memory.
- **Polite.** robots.txt is honoured (fetched once per origin through the same
  guarded path), requests to one host start at most `per_host_rate` per second
  and at most `per_host_concurrency` at a time, and `Retry-After` on 429/503 and a
  robots.txt `Crawl-delay` slow that host down further.

Out of scope, on purpose: HTTP proxies (environment proxies are ignored, because
the SSRF check would vet the proxy instead of the target), and hostile network
paths below DNS (routing, ARP); an egress firewall is the tool for those.
Tracking parameters are the caller's business (URL canonicalisation).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import brotli
import httpcore
import httpx

USER_AGENT = "newsdesk/0.1 (+https://github.com/newsdesk)"
ROBOTS_AGENT = "newsdesk"  # the product token robots.txt groups are matched against
MB = 1024 * 1024
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least 500 KiB; the rest is ignored
DECODE_STEP = 64 * 1024  # what one decompressor step may produce (brotli: up to ~1.5x)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Connection pool: idle keep-alive connections kept across hosts, and how long.
POOL_CONNECTIONS = 128
KEEPALIVE_SECONDS = 15.0
# An unwanted body up to this size, arriving within this time, is read to keep the connection.
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 1.0
METADATA_ADDRESS = ipaddress.ip_address("169.254.169.254")
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

# Content types per kind of document. Regional CMSs serve RSS as text/html and
# sitemaps as text/plain or octet-stream, so the default accepts all of them and
# `discover.classify` trusts the bytes; pass a narrower `accept` when it matters.
HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/x-rss+xml", "application/x-atom+xml", "application/feed+json",
              "application/json", *XML_TYPES)
SITEMAP_TYPES = (*XML_TYPES, "text/plain", "application/gzip", "application/x-gzip",
                 "application/octet-stream")
DOCUMENT_TYPES = tuple(dict.fromkeys((*HTML_TYPES, *FEED_TYPES, *SITEMAP_TYPES)))
ANY_TYPE = ("*/*",)

# Brotli >= 1.2 can cap the output of one call; older bindings cannot, so br is
# then not advertised at all rather than decoded without a bound.
_BOUNDED_BROTLI = hasattr(brotli.Decompressor, "can_accept_more_data")
ACCEPT_ENCODING = "gzip, deflate, br" if _BOUNDED_BROTLI else "gzip, deflate"

ErrorKind = Literal["ssrf", "robots", "timeout", "too-large", "redirects", "http", "tls",
                    "connect", "content-type", "bad-url"]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Resolver(Protocol):
    """Host name and port in, IP address strings out (raises OSError when unknown)."""

    def __call__(self, host: str, port: int) -> Awaitable[Sequence[str]]: ...


@dataclass(frozen=True)
class FetchPolicy:
    """Limits and manners of one `Fetcher`; the defaults suit a public crawl."""

    connect_timeout: float = 10.0  # TCP + TLS handshake, and DNS lookup, in seconds
    read_timeout: float = 20.0  # longest silence between two received chunks
    total_timeout: float = 60.0  # wall clock for one HTTP exchange, however the bytes trickle
    max_bytes: int = 10 * MB  # body cap, raw and decoded, enforced while streaming
    max_redirects: int = 5
    per_host_rate: float = 1.0  # request starts per second per host; <= 0 means unlimited
    per_host_concurrency: int = 2
    max_concurrency: int = 16  # requests in flight across all hosts
    accept: tuple[str, ...] = DOCUMENT_TYPES  # media types `fetch` takes unless told otherwise
    user_agent: str = USER_AGENT
    allow_private: bool = False  # True lets loopback/private/link-local addresses through
    respect_robots: bool = True
    max_retry_after: float = 120.0  # a server's Retry-After is obeyed up to this many seconds
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay is obeyed up to this many seconds
    robots_ttl: float = 24 * 3600.0  # RFC 9309 §2.4: a cached robots.txt lives at most a day
    robots_unreachable_ttl: float = 600.0  # how long a host whose robots.txt failed is avoided
    # Host names allowed to resolve to non-public addresses although allow_private is
    # False (your own feed proxy on the LAN). A redirect away from them is checked as usual.
    private_hosts: frozenset[str] = frozenset()
    # Replaces DNS for both the SSRF check and the connection (tests, split horizons).
    resolver: Resolver | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_redirects < 0:
            raise ValueError("max_bytes must be positive and max_redirects not negative")
        if self.per_host_concurrency < 1 or self.max_concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        hosts = frozenset(h.lower().rstrip(".") for h in self.private_hosts)
        object.__setattr__(self, "private_hosts", hosts)


@dataclass
class FetchResult:
    """What one `fetch` got. `error` is None exactly when the fetch succeeded.

    `status`, `headers` and the validators describe the last response received
    (0 / empty when none arrived); `redirects` lists every URL redirected to, in
    order, so `final_url` is its last item or the requested `url`. `elapsed` is
    the whole call in seconds, robots.txt and politeness waits included.
    """

    url: str
    final_url: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str | None = None  # media type only, lower case
    charset: str | None = None  # from the Content-Type header, if it names one
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304 answered the conditional GET; body is empty
    redirects: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    error: str | None = None
    error_kind: ErrorKind | None = None
    retry_after: float | None = None  # seconds a 429/503 asked for (as sent, not capped)

    @property
    def ok(self) -> bool:
        return self.error is None


class _Failure(Exception):
    """Why a fetch stops; `Fetcher.fetch` turns it into the result's error fields."""

    def __init__(self, kind: ErrorKind, reason: str, url: str | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.url = url


class _Unvetted(Exception):
    """The connection layer was asked for a host the SSRF check did not pass."""


# -- addresses ---------------------------------------------------------------------

def address_problem(ip: Address) -> str | None:
    """Why `ip` must not be fetched from unless private access is allowed, or None.

    IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, 6to4, NAT64) are
    judged by the IPv4 address inside, since that is where the packets can end up.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return address_problem(inner)
    if ip == METADATA_ADDRESS:
        return "the cloud metadata address"
    checks = (
        (ip.is_loopback, "a loopback address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT,
         "a carrier-grade NAT address (100.64.0.0/10)"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for bad, why in checks if bad), None)


_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")


def _numeric_labels(host: str) -> list[str]:
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # one trailing dot is a fully qualified name
    return labels


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """An IPv4 host in any spelling browsers and inet_aton accept, or None if malformed.

    Each of one to four parts is decimal, octal (leading 0) or hex (0x); the last
    part fills the remaining bytes, so `2130706433`, `0x7f.1` and `0177.0.0.1` are
    all 127.0.0.1 (WHATWG URL Standard, "IPv4 parser").
    """
    parts = _numeric_labels(host)
    if len(parts) > 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    numbers = []
    for part in parts:
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part[0] == "0":
            try:
                numbers.append(int(part[1:], 8))
            except ValueError:  # 08, 09: not octal
                return None
        else:
            numbers.append(int(part))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _check_numeric_host(host: str) -> None:
    """Refuse IPv4 addresses written any way but plain dotted decimal.

    A host whose last label is a number is an IPv4 address to browsers and to
    libc's resolver, whatever else it looks like, so `http://2130706433/` would
    reach 127.0.0.1. Such spellings have no honest use in news URLs: refused as
    "ssrf" when they hide a non-public address, as "bad-url" otherwise.
    """
    if ":" in host or not _NUMBER.fullmatch(_numeric_labels(host)[-1]):
        return
    ip = _parse_ipv4(host)
    if ip is None:
        raise _Failure("bad-url", f"host {host} is not a valid IP address")
    if host == str(ip):
        return  # plain dotted decimal: vetted with the other addresses
    problem = address_problem(ip)
    if problem:
        raise _Failure("ssrf", f"host {host} is {ip} written another way, {problem}")
    raise _Failure("bad-url", f"host {host} is the IP address {ip} in a non-standard spelling")


def _parse_target(url: str) -> httpx.URL:
    """The URL as httpx will request it, after the checks that need no network."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise _Failure("bad-url", f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme else "scheme-less"
        raise _Failure("bad-url", f"only http and https URLs are fetched, not {shown} ones")
    if not host:
        raise _Failure("bad-url", "the URL has no host name")
    if parts.username is not None or parts.password is not None:
        raise _Failure("bad-url", "URLs carrying a user name or password are not fetched")
    _check_numeric_host(host)
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise _Failure("bad-url", f"not a valid URL ({exc})") from None
    if target.scheme not in ("http", "https") or not target.raw_host:
        raise _Failure("bad-url", "not an http(s) URL with a host")
    _check_numeric_host(_host(target))  # the host httpx will connect to, in case parsers differ
    return target


def _host(target: httpx.URL) -> str:
    """The ASCII (IDNA) host httpcore connects to, lower case, IPv6 without brackets."""
    return target.raw_host.decode("ascii").lower()


def _port(target: httpx.URL) -> int:
    return target.port or (443 if target.scheme == "https" else 80)


def check_url(url: str, *, allow_private: bool = True) -> str | None:
    """The reason `url` can never be fetched ("URL: reason"), or None if it may be.

    Static checks only, no DNS: scheme, host, credentials, odd IP spellings, and
    with `allow_private=False` also literal non-public addresses. Resolution-time
    SSRF checks happen in `Fetcher.fetch`.
    """
    try:
        target = _parse_target(url)
        if not allow_private:
            literal = _ip_literal(_host(target))
            problem = address_problem(literal) if literal else None
            if problem:
                raise _Failure("ssrf", f"{literal} is {problem}")
    except _Failure as failure:
        return f"{url}: {failure.reason}"
    return None


def _ip_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


# -- the connection layer ------------------------------------------------------------

# Host → vetted addresses for the exchange running in this task. httpcore opens
# connections in the task that sends the request, so a context variable reaches
# the backend without any shared mutable state.
_PINNED: ContextVar[dict[str, list[str]] | None] = ContextVar("newsdesk_pinned", default=None)


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to the addresses the SSRF check vetted, never re-resolving.

    This is what closes the DNS-rebinding window: the name is resolved once, the
    answer is checked, and the socket goes to that answer. TLS still verifies the
    certificate against the host name (httpcore passes it as SNI separately).
    A host with no vetted addresses is refused, so a code path that skipped the
    check fails closed.
    """

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        addresses = (_PINNED.get() or {}).get(host.lower())
        if not addresses:
            raise _Unvetted(host)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout,
                                                      local_address=local_address,
                                                      socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise _Unvetted(path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _transport(policy: FetchPolicy) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx has no public way to choose httpcore's network backend, so the pool is
    # replaced by an equivalent one that uses ours (tests fail if httpx changes this).
    assert hasattr(transport, "_pool"), "httpx internals changed: cannot pin connections"
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        # Idle connections are kept per host, and a crawl has many hosts in flight:
        # a pool sized by concurrency alone reopened a connection for every request.
        max_connections=max(policy.max_concurrency * 4, POOL_CONNECTIONS),
        max_keepalive_connections=max(policy.max_concurrency * 4, POOL_CONNECTIONS),
        keepalive_expiry=KEEPALIVE_SECONDS,
        network_backend=_PinnedBackend(),
    )
    return transport


# -- bodies ----------------------------------------------------------------------------

async def _drain(response: httpx.Response) -> None:
    """Read a small unwanted body (an error page, a redirect's) so its connection is reused.

    A large or slow one is abandoned instead: closing the connection is cheaper
    than waiting for a body nobody reads.
    """
    seen = 0
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            async for chunk in response.aiter_raw():
                seen += len(chunk)
                if seen > DRAIN_BYTES:
                    return
    except (TimeoutError, httpx.HTTPError):
        return


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip (several members too) or deflate (zlib-wrapped or raw: servers differ)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        self._d = zlib.decompressobj(self._wbits) if gzip else None
        self._head = b""  # deflate: the first bytes, until the wrapping can be told

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            # RFC 1950 header check: zlib-wrapped deflate, else raw deflate.
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        while True:
            if self._d.eof:
                if not (self._gzip and data[:1] == b"\x1f"):
                    return  # bytes after the end of the stream are ignored
                self._d = zlib.decompressobj(self._wbits)  # the next gzip member
            out = self._d.decompress(data, DECODE_STEP)
            if out:
                yield out
            data = self._d.unconsumed_tail or (self._d.unused_data if self._d.eof else b"")
            if not data and len(out) < DECODE_STEP:
                return


class _BrotliDecoder:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d.is_finished():
            return
        # The limit caps buffer growth, so a piece can reach about 1.5 x DECODE_STEP.
        # Output still pending after a call comes out of calls with empty input.
        out = self._d.process(data, output_buffer_limit=DECODE_STEP)
        while out:
            yield out
            if self._d.is_finished():
                return
            out = self._d.process(b"", output_buffer_limit=DECODE_STEP)


def _decoder(encoding: str) -> _Decoder:
    if encoding in ("gzip", "x-gzip"):
        return _ZlibDecoder(gzip=True)
    if encoding == "deflate":
        return _ZlibDecoder(gzip=False)
    if encoding == "br" and _BOUNDED_BROTLI:
        return _BrotliDecoder()
    raise _Failure("content-type", f"unsupported Content-Encoding {encoding!r}")


def _decode(decoders: Sequence[_Decoder], data: bytes) -> Iterator[bytes]:
    """Pieces of decoded output, lazily, so the caller can stop at its cap."""
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].feed(data):
        yield from _decode(decoders[1:], piece)


def _size(n: int) -> str:
    if n % MB == 0:
        return f"{n // MB} MB"
    return f"{n // 1024} KB" if n % 1024 == 0 else f"{n} bytes"


async def _read_body(response: httpx.Response, limit: int, truncate: bool) -> bytes:
    """The decoded body, refusing (or, with `truncate`, cutting) at `limit` bytes.

    The cap applies to the bytes on the wire and to the decoded bytes; decoders
    yield small pieces, so memory stays near `limit` whatever the ratio.
    """
    too_large = _Failure("too-large", f"response larger than {_size(limit)} limit")
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    encodings = [e for e in encodings if e and e != "identity"]
    decoders = [_decoder(e) for e in reversed(encodings)]
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    received = 0
    try:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > limit and not truncate:
                raise too_large
            for piece in _decode(decoders, chunk):
                if len(body) + len(piece) > limit:
                    if truncate:
                        body += piece[: limit - len(body)]
                        return bytes(body)
                    raise too_large
                body += piece
            if received > limit:
                break  # truncating: enough wire bytes read
    except (zlib.error, brotli.error) as exc:
        raise _Failure("http", f"corrupt {', '.join(encodings)}-encoded body ({exc})") from None
    return bytes(body)


# -- small helpers -------------------------------------------------------------------

def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date), or None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _media_type(content_type: str | None) -> str | None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media or None


def _type_allowed(media: str | None, accept: Sequence[str]) -> bool:
    if media is None:
        return True  # no header: the caller sniffs the bytes (see discover.classify)
    for allowed in accept:
        allowed = allowed.lower()
        if allowed in ("*/*", media) or (allowed.endswith("/*") and
                                         media.startswith(allowed[:-1])):
            return True
    return False


def _accept_header(accept: Sequence[str]) -> str:
    # */* at low weight: some servers answer 406 to a strict list; the type is checked anyway.
    return "*/*" if "*/*" in accept else ", ".join(accept) + ", */*;q=0.1"


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 10:
        if isinstance(cur, ssl.SSLError):
            return cur
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None


def _describe(exc: Exception, policy: FetchPolicy) -> tuple[ErrorKind, str]:
    """The error kind and user-facing reason for an httpx exception."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return "timeout", f"could not connect within {policy.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return "timeout", f"the server sent nothing for {policy.read_timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"timed out ({detail})"
    tls = _ssl_cause(exc)
    if tls is not None:
        if isinstance(tls, ssl.SSLCertVerificationError):
            return "tls", f"TLS certificate rejected ({tls.verify_message or tls.reason})"
        return "tls", f"TLS handshake failed ({tls.reason or tls})"
    if isinstance(exc, httpx.ConnectError):
        return "connect", f"cannot connect ({detail})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connect", f"the server broke the connection ({detail})"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "bad-url", f"not a valid URL ({detail})"
    return "connect", f"connection failed ({detail})"


# -- per-host state ------------------------------------------------------------------

class _Host:
    """Politeness state of one host: in-flight slots and when the next request may start."""

    def __init__(self, interval: float, concurrency: int) -> None:
        self.interval = interval
        self.slots = asyncio.Semaphore(concurrency)
        self.next_at = 0.0  # time.monotonic() before which no request starts
        self.last_start = -1e9

    async def trace(self, event: str, info: dict[str, object]) -> None:
        """httpcore's trace hook: the interval also counts from when the request is sent.

        A request's start is claimed before its connection is had; a slow connect
        or a busy event loop can then send it late, and the next request of the
        host, started on time, would reach the server less than the interval
        after it. Pushing the next start back from the real send closes that gap.
        """
        if event == "http11.send_request_headers.started":
            now = time.monotonic()
            self.last_start = max(self.last_start, now)
            self.next_at = max(self.next_at, now + self.interval)

    def defer(self, seconds: float) -> None:
        self.next_at = max(self.next_at, time.monotonic() + seconds)

    def slow_to(self, interval: float) -> None:
        """Space requests at least `interval` apart from now on (a Crawl-delay)."""
        self.interval = max(self.interval, interval)
        self.next_at = max(self.next_at, self.last_start + self.interval)


@dataclass
class _Robots:
    parser: RobotFileParser | None  # None: no usable robots.txt, everything allowed
    expires: float
    blocked: str | None = None  # set: robots.txt was unreachable, everything refused


# -- the fetcher ---------------------------------------------------------------------

class Fetcher:
    """One per crawl: shares connections, robots.txt and per-host politeness.

    Use as `async with Fetcher(policy) as f: result = await f.fetch(url)`.
    """

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._client: httpx.AsyncClient | None = None
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[tuple[str, str, int], _Robots] = {}
        self._robots_locks: dict[tuple[str, str, int], asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(self.policy.max_concurrency)

    async def __aenter__(self) -> Fetcher:
        p = self.policy
        self._client = httpx.AsyncClient(
            transport=_transport(p),
            timeout=httpx.Timeout(connect=p.connect_timeout, read=p.read_timeout,
                                  write=p.read_timeout, pool=p.total_timeout),
            follow_redirects=False,  # followed by hand: every hop is vetted
            trust_env=False,  # no environment proxies: see the module docstring
            headers={"User-Agent": p.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(self, url: str, *, etag: str | None = None,
                    last_modified: str | None = None,
                    accept: Sequence[str] | None = None) -> FetchResult:
        """GET `url` by the policy's rules; never raises for network or server faults.

        `etag`/`last_modified` make it a conditional GET (a 304 gives
        `not_modified=True` and an empty body). `accept` lists the media types
        wanted (`"type/*"` and `"*/*"` work); a response of another declared type
        fails with "content-type" before its body is read.
        """
        if self._client is None:
            raise RuntimeError("use the Fetcher as `async with Fetcher(policy) as f`")
        started = time.monotonic()
        types = tuple(accept) if accept is not None else self.policy.accept
        result = FetchResult(url=url, final_url=url)
        headers = {"Accept": _accept_header(types)}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            await self._follow(result, headers, types, self.policy.max_bytes, truncate=False,
                               robots=self.policy.respect_robots)
        except _Failure as failure:
            where = failure.url or result.final_url
            origin = f" (redirected from {url})" if where != url else ""
            result.error = f"{where}: {failure.reason}{origin}"
            result.error_kind = failure.kind
            result.body = b""
        if result.not_modified:  # a 304 may omit the validators; the sent ones still hold
            result.etag = result.etag or etag
            result.last_modified = result.last_modified or last_modified
        result.elapsed = time.monotonic() - started
        return result

    # -- hops ------------------------------------------------------------------------
    async def _follow(self, result: FetchResult, headers: dict[str, str],
                      accept: Sequence[str], limit: int, truncate: bool, robots: bool) -> None:
        """Request `result.url`, following redirects by hand; every hop is vetted."""
        current = result.url
        seen: set[str] = set()
        while True:
            try:
                target = _parse_target(current)
                addresses = await self._vet(target)
                if robots:
                    await self._check_robots(target)
                location, set_cookie = await self._exchange(target, addresses, result, headers,
                                                            accept, limit, truncate)
                if location is None:
                    return
                seen.add(str(target.copy_with(fragment=None)))
                try:
                    following = target.join(location)
                except (httpx.InvalidURL, ValueError):
                    raise _Failure("bad-url", f"redirects to an invalid URL {location!r}") from None
                if len(result.redirects) >= self.policy.max_redirects:
                    raise _Failure("redirects",
                                   f"more than {self.policy.max_redirects} redirects")
                # Redirecting to itself while setting a cookie is a cookie check, not a loop.
                if str(following.copy_with(fragment=None)) in seen and not set_cookie:
                    raise _Failure("redirects", f"redirect loop (back to {following})")
            except _Failure as failure:
                failure.url = failure.url or current
                raise
            current = str(following)
            result.redirects.append(current)
            result.final_url = current

    async def _vet(self, target: httpx.URL) -> list[str]:
        """Resolve the host and refuse it if any address is not public; the vetted addresses."""
        host = _host(target)
        exempt = self.policy.allow_private or host.rstrip(".") in self.policy.private_hosts
        literal = _ip_literal(host)
        if literal is not None:
            problem = None if exempt else address_problem(literal)
            if problem:
                raise _Failure("ssrf", f"{literal} is {problem}")
            return [str(literal)]
        addresses = await self._resolve(host, _port(target))
        if not exempt:
            for address in addresses:
                problem = address_problem(ipaddress.ip_address(address))
                if problem:
                    raise _Failure("ssrf", f"{host} resolves to {address}, {problem}")
        return addresses

    async def _resolve(self, host: str, port: int) -> list[str]:
        try:
            async with asyncio.timeout(self.policy.connect_timeout):
                if self.policy.resolver is not None:
                    found = list(await self.policy.resolver(host, port))
                else:
                    infos = await asyncio.get_running_loop().getaddrinfo(
                        host, port, type=socket.SOCK_STREAM)
                    found = [str(info[4][0]) for info in infos]
        except TimeoutError:
            raise _Failure("timeout", f"DNS lookup of {host} timed out") from None
        except OSError as exc:
            raise _Failure("connect", f"cannot resolve host {host} ({exc})") from None
        addresses = list(dict.fromkeys(found))
        if not addresses or not all(_ip_literal(a) for a in addresses):
            raise _Failure("connect", f"cannot resolve host {host} (no usable address)")
        return addresses

    async def _exchange(self, target: httpx.URL, addresses: list[str], result: FetchResult,
                        headers: dict[str, str], accept: Sequence[str], limit: int,
                        truncate: bool) -> tuple[str | None, bool]:
        """One HTTP request/response within the total deadline; (redirect target, set cookie)."""
        assert self._client is not None
        host = _host(target)
        state = self._host(host)
        async with self._turn(state):
            token = _PINNED.set({host: addresses})
            deadline = asyncio.timeout(self.policy.total_timeout)
            try:
                async with deadline:
                    request = self._client.build_request("GET", target, headers=headers,
                                                         extensions={"trace": state.trace})
                    response = await self._client.send(request, stream=True)
                    try:
                        return await self._receive(response, result, accept, limit, truncate)
                    finally:
                        await response.aclose()
            except TimeoutError:
                within = f" within {self.policy.total_timeout:g} s" if deadline.expired() else ""
                raise _Failure("timeout", f"no complete response{within}") from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise _Failure(*_describe(exc, self.policy)) from None
            except _Unvetted:
                raise _Failure("ssrf", f"refused to connect to unchecked host {host}") from None
            finally:
                _PINNED.reset(token)

    async def _receive(self, response: httpx.Response, result: FetchResult,
                       accept: Sequence[str], limit: int,
                       truncate: bool) -> tuple[str | None, bool]:
        status = response.status_code
        h = response.headers
        result.status = status
        result.headers = dict(h.items())
        result.content_type = _media_type(h.get("content-type"))
        result.charset = response.charset_encoding
        result.etag, result.last_modified = h.get("etag"), h.get("last-modified")
        result.retry_after = None
        if status in (429, 503):
            result.retry_after = parse_retry_after(h.get("retry-after"))
            if result.retry_after:
                wait = min(result.retry_after, self.policy.max_retry_after)
                self._host(_host(response.request.url)).defer(wait)
        if status == 304:
            result.not_modified = True
            result.body = b""
            return None, False
        if status in REDIRECT_STATUSES:
            await _drain(response)
            if h.get("location"):
                return h["location"], "set-cookie" in h
            raise _Failure("http", f"HTTP {status} redirect without a Location header")
        if not 200 <= status < 300:
            await _drain(response)
            reason = f" {response.reason_phrase}" if response.reason_phrase else ""
            later = f", retry after {result.retry_after:g} s" if result.retry_after else ""
            raise _Failure("http", f"HTTP {status}{reason}{later}")
        if not _type_allowed(result.content_type, accept):
            raise _Failure("content-type", f"unexpected content type {result.content_type} "
                                           f"(wanted {', '.join(accept[:3])}"
                                           f"{', …' if len(accept) > 3 else ''})")
        result.body = await _read_body(response, limit, truncate)
        return None, False

    # -- politeness --------------------------------------------------------------------
    def _host(self, host: str) -> _Host:
        key = host.rstrip(".")
        state = self._hosts.get(key)
        if state is None:
            rate = self.policy.per_host_rate
            state = _Host(1.0 / rate if rate > 0 else 0.0, self.policy.per_host_concurrency)
            self._hosts[key] = state
        return state

    @contextlib.asynccontextmanager
    async def _turn(self, state: _Host) -> AsyncIterator[None]:
        """Hold a slot of the host and a global one, starting no sooner than the host allows.

        The host's wait happens before taking a global slot, so a slow or
        Retry-After'd host never ties up the crawl's global concurrency; the start
        time is claimed only with the global slot in hand, so no queueing can
        push two starts closer together than the host's interval.
        """
        async with state.slots:
            while True:
                wait = state.next_at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                await self._slots.acquire()
                now = time.monotonic()
                if now >= state.next_at:
                    state.last_start, state.next_at = now, now + state.interval
                    break
                self._slots.release()  # another request of this host went first
            try:
                yield
            finally:
                self._slots.release()

    # -- robots.txt ----------------------------------------------------------------------
    async def _check_robots(self, target: httpx.URL) -> None:
        origin = (target.scheme, _host(target), _port(target))
        robots = self._robots.get(origin)
        if robots is None or robots.expires <= time.monotonic():
            # One fetch per origin: concurrent fetches of the same site wait for it.
            async with self._robots_locks.setdefault(origin, asyncio.Lock()):
                robots = self._robots.get(origin)
                if robots is None or robots.expires <= time.monotonic():
                    robots = await self._load_robots(target)
                    self._robots[origin] = robots
        if robots.blocked:
            raise _Failure("robots", robots.blocked)
        if robots.parser is not None and not robots.parser.can_fetch(ROBOTS_AGENT, str(target)):
            raise _Failure("robots", "disallowed by robots.txt")

    async def _load_robots(self, target: httpx.URL) -> _Robots:
        """Fetch and parse an origin's robots.txt, with RFC 9309's failure rules.

        - 2xx: parsed (first 500 KiB); a Crawl-delay slows the host (capped).
        - 4xx other than 429: "unavailable", everything is allowed.
        - 429, 5xx, timeouts, refused connections, TLS failures: "unreachable",
          everything is disallowed, as RFC 9309 §2.3.1.4 requires and Google does
          for 5xx; retried after `robots_unreachable_ttl`, so a passing outage
          costs minutes, not the crawl.
        - refused redirects (loop, SSRF, bad URL): unavailable, allowed; the page
          itself is still checked on its own.

        The request counts against the host's rate like any other.
        """
        url = str(target.copy_with(path="/robots.txt", query=None, fragment=None))
        scratch = FetchResult(url=url, final_url=url)
        now = time.monotonic()
        try:
            await self._follow(scratch, {"Accept": "text/plain, */*;q=0.1"}, ANY_TYPE,
                               MAX_ROBOTS_BYTES, truncate=True, robots=False)
        except _Failure as failure:
            status = scratch.status
            unreachable = failure.kind in ("timeout", "connect", "tls") or (
                failure.kind == "http" and (status == 429 or status >= 500))
            if not unreachable:
                return _Robots(None, now + self.policy.robots_ttl)
            why = f"HTTP {status}" if failure.kind == "http" else failure.reason
            minutes = self.policy.robots_unreachable_ttl / 60
            return _Robots(None, now + self.policy.robots_unreachable_ttl,
                           blocked=f"robots.txt could not be fetched ({why}); "
                                   f"the site is treated as disallowed for {minutes:g} min")
        parser = RobotFileParser(url)
        parser.parse(scratch.body.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines())
        delay = parser.crawl_delay(ROBOTS_AGENT)
        if delay:
            self._host(_host(target)).slow_to(min(float(delay), self.policy.max_crawl_delay))
        return _Robots(parser, now + self.policy.robots_ttl)
