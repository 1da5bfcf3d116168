"""The live fetcher against a real, hostile HTTP server on 127.0.0.1.

Ordinary tests use `allow_private=True` (the server is on loopback) and no rate
limit; the tests of the SSRF guard, politeness and robots.txt set what they
test. Timing assertions use the server's own arrival timestamps.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import shutil
import socket
import ssl
import subprocess
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import httpcore
import pytest

from newsdesk.ingest import fetch as fetch_module
from newsdesk.ingest.fetch import (
    DECODE_STEP,
    HTML_TYPES,
    USER_AGENT,
    Fetcher,
    FetchPolicy,
    FetchResult,
    address_problem,
    check_url,
    parse_retry_after,
)
from tests.hostile_server import BOMB_SIZE, ETAG, LAST_MODIFIED, PAGE, HostileServer, bomb

LOCAL = {"allow_private": True, "per_host_rate": 0.0}


@pytest.fixture
def server() -> Iterator[HostileServer]:
    srv = HostileServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def policy(**overrides: object) -> FetchPolicy:
    return FetchPolicy(**{**LOCAL, **overrides})  # type: ignore[arg-type]


def fetch(url: str, pol: FetchPolicy | None = None, **kwargs: object) -> FetchResult:
    async def main() -> FetchResult:
        async with Fetcher(pol or policy()) as f:
            return await f.fetch(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(main())


def fetch_all(urls: list[str], pol: FetchPolicy) -> list[FetchResult]:
    """Fetch concurrently with one Fetcher (as a crawl does)."""

    async def main() -> list[FetchResult]:
        async with Fetcher(pol) as f:
            return list(await asyncio.gather(*(f.fetch(u) for u in urls)))

    return asyncio.run(main())


def fetch_seq(urls: list[str], pol: FetchPolicy) -> list[FetchResult]:
    """Fetch one after the other with one Fetcher."""

    async def main() -> list[FetchResult]:
        async with Fetcher(pol) as f:
            return [await f.fetch(u) for u in urls]

    return asyncio.run(main())


def table_resolver(table: dict[str, list[str]], calls: list[str] | None = None):
    """A resolver for made-up names; unknown names fail like DNS does."""

    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    return resolve


async def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"resolved {host} although it should have been refused first")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any TCP connection attempt fails the test (the refusal must come first)."""

    async def connect(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"connected to {args[1:]} although it should have been refused")

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect)


# -- ordinary fetches ----------------------------------------------------------------

def test_plain_page(server: HostileServer) -> None:
    r = fetch(server.url("/page"))
    assert r.ok and r.error is None and r.error_kind is None
    assert (r.status, r.body, r.content_type, r.charset) == (200, PAGE, "text/html", "utf-8")
    assert r.final_url == r.url == server.url("/page") and r.redirects == []
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert 0 < r.elapsed < 5
    sent = server.log[-1].headers
    assert sent["user-agent"] == USER_AGENT == "newsdesk/0.1 (+https://github.com/newsdesk)"
    assert {"gzip", "deflate", "br"} <= {e.strip() for e in sent["accept-encoding"].split(",")}
    assert "text/html" in sent["accept"]


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/deflate-raw", "/brotli"])
def test_compressed_bodies_are_decoded(server: HostileServer, path: str) -> None:
    r = fetch(server.url(path))
    assert r.ok, r.error
    assert r.body == PAGE
    assert r.headers["content-encoding"] in ("gzip", "deflate", "br")


def test_not_entered_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(Fetcher(policy()).fetch("https://example.com/"))


# -- bounded: time and size ------------------------------------------------------------

def test_slow_loris_is_cut_by_the_total_deadline(server: HostileServer) -> None:
    # One byte a second never trips the 5 s read timeout; only the deadline ends it.
    r = fetch(server.url("/slow"), policy(total_timeout=1.5, read_timeout=5))
    assert r.error_kind == "timeout"
    assert r.error == f"{server.url('/slow')}: no complete response within 1.5 s"
    assert r.elapsed < 4
    assert r.body == b""


def test_endless_body_stops_at_the_size_cap(server: HostileServer) -> None:
    r = fetch(server.url("/endless"), policy(max_bytes=1024 * 1024))
    assert r.error_kind == "too-large"
    assert r.error == f"{server.url('/endless')}: response larger than 1 MB limit"
    assert r.elapsed < 10 and r.body == b""


def test_declared_length_over_the_cap_is_refused_before_reading(server: HostileServer) -> None:
    r = fetch(server.url("/big"))  # says 20 MB, sends 1 KB and hangs
    assert r.error_kind == "too-large"
    assert r.error == f"{server.url('/big')}: response larger than 10 MB limit"
    assert r.elapsed < 3


@pytest.mark.parametrize("path", ["/bomb", "/bomb-br"])
def test_compression_bomb_stops_at_the_decoded_cap(server: HostileServer, path: str) -> None:
    assert len(bomb("gzip" if path == "/bomb" else "br")) < 100_000  # tiny on the wire
    r = fetch(server.url(path))  # default 10 MB cap; it decodes to 64 MB
    assert r.error_kind == "too-large", r.error
    assert "response larger than 10 MB limit" in (r.error or "")


@pytest.mark.parametrize("step", [1, 7, 4096])
def test_decoders_round_trip_in_any_chunking(step: int) -> None:
    data = bytes(range(256)) * 2000 + bytes(300_000)
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    encoded = {
        "gzip": gzip.compress(data) + gzip.compress(b"and a second member"),
        "deflate": zlib.compress(data),
        "br": brotli.compress(data),
    }
    for name, blob in [*encoded.items(), ("deflate", raw.compress(data) + raw.flush())]:
        decoder = fetch_module._decoder(name)
        out = b"".join(p for i in range(0, len(blob), step) for p in decoder.feed(blob[i:i + step]))
        assert out == data + (b"and a second member" if name == "gzip" else b""), name


@pytest.mark.parametrize("kind", ["gzip", "br"])
def test_decoders_never_produce_more_than_one_step_at_a_time(kind: str) -> None:
    # What keeps memory bounded: the whole bomb in one call still comes out in small
    # pieces (brotli's limit caps buffer growth, so its pieces can pass 64 KiB a little).
    decoder = fetch_module._decoder(kind)
    total = 0
    for piece in decoder.feed(bomb(kind)):
        assert len(piece) <= 2 * DECODE_STEP
        total += len(piece)
    assert total == BOMB_SIZE


# -- redirects -----------------------------------------------------------------------

def test_redirect_chain_within_the_cap_is_recorded(server: HostileServer) -> None:
    r = fetch(server.url("/chain?n=4"))  # 5 redirects: exactly the default cap
    assert r.ok, r.error
    assert r.redirects == [server.url(p) for p in
                           ("/chain?n=3", "/chain?n=2", "/chain?n=1", "/chain?n=0", "/page")]
    assert r.final_url == server.url("/page") and r.body == PAGE


def test_too_many_redirects(server: HostileServer) -> None:
    r = fetch(server.url("/chain?n=5"))
    assert r.error_kind == "redirects"
    assert "more than 5 redirects" in (r.error or "")
    assert server.hits["/page"] == 0


def test_redirect_loop(server: HostileServer) -> None:
    r = fetch(server.url("/loop"))
    assert r.error_kind == "redirects"
    assert "redirect loop" in (r.error or "")
    assert server.hits["/loop"] == 1 and server.hits["/loop-b"] == 1


def test_cookie_check_redirect_to_itself_is_not_a_loop(server: HostileServer) -> None:
    r = fetch(server.url("/cookie-check"))
    assert r.ok, r.error
    assert r.body == PAGE and r.redirects == [server.url("/cookie-check")]


def test_redirect_to_a_non_http_scheme_is_refused(server: HostileServer) -> None:
    start = server.url("/redirect?to=file:///etc/passwd")
    r = fetch(start)
    assert r.error_kind == "bad-url"
    assert r.error == ("file:/etc/passwd: only http and https URLs are fetched, not file: "
                       f"ones (redirected from {start})")


def test_redirect_into_a_robots_disallowed_path_is_not_followed(server: HostileServer) -> None:
    server.robots = (200, b"User-agent: *\nDisallow: /private/\n", 0)
    r = fetch(server.url("/redirect?to=/private/x"))
    assert r.error_kind == "robots" and r.redirects == [server.url("/private/x")]
    assert server.hits["/private/x"] == 0


# -- SSRF ----------------------------------------------------------------------------

def test_default_policy_refuses_loopback(server: HostileServer) -> None:
    r = fetch(server.url("/page"), FetchPolicy())
    assert r.error_kind == "ssrf"
    assert r.error == f"{server.url('/page')}: 127.0.0.1 is a loopback address"
    assert server.log == []  # not even robots.txt was asked for


def test_default_policy_refuses_a_name_resolving_to_loopback(server: HostileServer) -> None:
    r = fetch(server.url("/page", host="localhost"), FetchPolicy())  # the real resolver
    assert r.error_kind == "ssrf"
    assert "localhost resolves to" in (r.error or "") and "loopback" in (r.error or "")
    assert server.log == []


def test_real_resolver_path_works_when_private_is_allowed(server: HostileServer) -> None:
    r = fetch(server.url("/page", host="localhost"))
    assert r.ok, r.error
    assert r.body == PAGE


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/page",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]:{port}/page",
    "http://2130706433:{port}/page",
    "http://0x7f.1:{port}/page",
    "http://evil.test:{port}/page",
])
def test_redirect_from_a_public_host_to_a_private_one_is_refused(
        server: HostileServer, target: str) -> None:
    """public.test passes the check (and is really fetched); where it redirects does not."""
    target = target.format(port=server.port)
    resolver = table_resolver({"public.test": ["127.0.0.1"], "evil.test": ["10.1.2.3"]})
    pol = FetchPolicy(allow_private=False, per_host_rate=0, resolver=resolver,
                      private_hosts=frozenset({"public.test"}))
    start = server.url(f"/redirect?to={target}", host="public.test")

    ok = fetch(server.url("/page", host="public.test"), pol)
    assert ok.ok, ok.error  # the start host is allowed and reachable
    assert server.hits["/page"] == 1

    r = fetch(start, pol)
    assert r.error_kind == "ssrf", r.error
    assert r.error is not None and r.error.startswith(f"{target}: ")
    assert r.error.endswith(f"(redirected from {start})")
    assert r.status == 302 and r.redirects == [target] and r.final_url == target
    assert server.hits["/redirect"] == 1
    assert server.hits["/page"] == 1  # the private target was never requested


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://10.0.0.1/", "10.0.0.1 is a private address"),
    ("http://192.168.1.10:8080/", "192.168.1.10 is a private address"),
    ("http://172.16.5.4/", "172.16.5.4 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"),
    ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
    ("http://100.64.0.1/", "100.64.0.1 is a carrier-grade NAT address (100.64.0.0/10)"),
    ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://[::]/", ":: is an unspecified address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://[fc00::1]/", "fc00::1 is a private address"),
    ("http://[::ffff:10.0.0.1]/", "::ffff:a00:1 is a private address"),
    ("http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe is the cloud metadata address"),
    ("http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1 is a loopback address"),
    ("http://2130706433/", "host 2130706433 is 127.0.0.1 written another way, a loopback address"),
    ("http://0x7f.1/", "host 0x7f.1 is 127.0.0.1 written another way, a loopback address"),
    ("http://0x7f000001/", "host 0x7f000001 is 127.0.0.1 written another way"),
    ("http://0177.0.0.1/", "host 0177.0.0.1 is 127.0.0.1 written another way"),
    ("http://017700000001/", "host 017700000001 is 127.0.0.1 written another way"),
    ("http://127.1/", "host 127.1 is 127.0.0.1 written another way"),
    ("http://127.0.0.1./", "host 127.0.0.1. is 127.0.0.1 written another way"),
    ("http://10.1/", "host 10.1 is 10.0.0.1 written another way, a private address"),
    ("http://0/", "host 0 is 0.0.0.0 written another way, an unspecified address"),
    ("http://0xa9.0xfe.0xa9.0xfe/", "is 169.254.169.254 written another way, the cloud metadata"),
])
def test_private_literals_and_odd_spellings_are_refused_offline(
        no_network: None, url: str, why: str) -> None:
    r = fetch(url, FetchPolicy(resolver=no_dns))
    assert r.error_kind == "ssrf", r.error
    assert r.error is not None and r.error.startswith(f"{url}: ") and why in r.error
    assert r.status == 0
    static = check_url(url, allow_private=False)
    assert static is not None and why in static


@pytest.mark.parametrize("url", ["http://134744072/", "http://0x8.0x8.0x8.0x8/",
                                 "http://1.2.3.4.5/", "http://999.1.1.1/", "http://08.1.1.1/"])
def test_odd_public_or_malformed_numeric_hosts_are_bad_urls(no_network: None, url: str) -> None:
    r = fetch(url, FetchPolicy(allow_private=True, resolver=no_dns))
    assert r.error_kind == "bad-url", r.error


def test_any_private_address_in_a_dns_answer_is_refused(no_network: None) -> None:
    resolver = table_resolver({"mixed.test": ["93.184.216.34", "10.0.0.7"],
                               "meta.test": ["169.254.169.254"],
                               "cgnat.test": ["100.100.1.1"],
                               "mapped.test": ["::ffff:192.168.0.1"]})
    for host, why in [("mixed.test", "resolves to 10.0.0.7, a private address"),
                      ("meta.test", "resolves to 169.254.169.254, the cloud metadata address"),
                      ("cgnat.test", "resolves to 100.100.1.1, a carrier-grade NAT address"),
                      ("mapped.test", "resolves to ::ffff:192.168.0.1, a private address")]:
        r = fetch(f"https://{host}/feed", FetchPolicy(resolver=resolver))
        assert r.error_kind == "ssrf", r.error
        assert why in (r.error or "")


def test_connection_goes_to_the_vetted_address_without_resolving_again(
        server: HostileServer) -> None:
    # The name exists only in this resolver, whose second answer would be a black hole:
    # success with one lookup shows the socket went to the address that was checked.
    calls: list[str] = []
    answers = iter([["127.0.0.1"], ["10.255.255.1"], ["10.255.255.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    r = fetch(server.url("/page", host="pinned.test"),
              policy(resolver=rebinding, respect_robots=False, connect_timeout=2))
    assert r.ok, r.error
    assert calls == ["pinned.test"]
    assert server.log[-1].headers["host"] == f"pinned.test:{server.port}"


def test_connection_layer_fails_closed_for_unchecked_hosts() -> None:
    backend = fetch_module._PinnedBackend()
    with pytest.raises(fetch_module._Unvetted):
        asyncio.run(backend.connect_tcp("example.com", 80))


def test_policy_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        FetchPolicy(max_bytes=0)
    with pytest.raises(ValueError):
        FetchPolicy(per_host_concurrency=0)
    assert FetchPolicy(private_hosts=frozenset({"Feeds.LAN."})).private_hosts == {"feeds.lan"}


def test_address_problem_passes_public_addresses() -> None:
    import ipaddress

    for public in ("93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"):
        assert address_problem(ipaddress.ip_address(public)) is None


# -- bad URLs ------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "why"), [
    ("file:///etc/passwd", "only http and https URLs are fetched, not file: ones"),
    ("ftp://example.com/feed.xml", "not ftp: ones"),
    ("javascript:alert(1)", "not javascript: ones"),
    ("mailto:editor@example.com", "not mailto: ones"),
    ("example.com/feed", "not scheme-less ones"),
    ("http://", "no host name"),
    ("http://user:secret@example.com/", "user name or password"),
    ("http://example.com:99999/", "not a valid URL"),
])
def test_bad_urls(no_network: None, url: str, why: str) -> None:
    r = fetch(url, FetchPolicy(resolver=no_dns))
    assert r.error_kind == "bad-url"
    assert r.error is not None and r.error.startswith(f"{url}: ") and why in r.error
    assert check_url(url) == r.error


def test_check_url_allows_ordinary_and_private_urls_by_default() -> None:
    assert check_url("https://vnexpress.net/rss/tin-moi-nhat.rss") is None
    assert check_url("http://127.0.0.1:8000/feed") is None  # `source add --allow-private`
    assert check_url("http://127.0.0.1:8000/feed", allow_private=False) == (
        "http://127.0.0.1:8000/feed: 127.0.0.1 is a loopback address")


# -- HTTP errors, content types, conditional GET -----------------------------------------

@pytest.mark.parametrize("code", [404, 500])
def test_http_error_statuses(server: HostileServer, code: int) -> None:
    url = server.url(f"/status?code={code}")
    r = fetch(url)
    assert r.error_kind == "http" and r.status == code and r.body == b""
    reason = "Not Found" if code == 404 else "Internal Server Error"
    assert r.error == f"{url}: HTTP {code} {reason}"


def test_wrong_content_type(server: HostileServer) -> None:
    r = fetch(server.url("/image"), accept=HTML_TYPES)
    assert r.error_kind == "content-type"
    assert "unexpected content type image/png" in (r.error or "")
    assert r.content_type == "image/png" and r.body == b""
    assert fetch(server.url("/image")).error_kind == "content-type"  # the default too
    assert fetch(server.url("/image"), accept=["image/*"]).body.startswith(b"\x89PNG")


def test_conditional_get(server: HostileServer) -> None:
    url = server.url("/cond")
    first = fetch(url)
    assert (first.status, first.etag, first.last_modified) == (200, ETAG, LAST_MODIFIED)
    assert first.body == PAGE and not first.not_modified

    r = fetch(url, etag=ETAG)
    assert r.ok and r.not_modified and r.status == 304 and r.body == b""
    assert r.etag == ETAG
    assert server.log[-1].headers["if-none-match"] == ETAG

    r = fetch(url, last_modified=LAST_MODIFIED)
    assert r.ok and r.not_modified and r.body == b""
    assert r.last_modified == LAST_MODIFIED  # kept although the 304 omitted it
    assert server.log[-1].headers["if-modified-since"] == LAST_MODIFIED

    r = fetch(url, etag='"stale"')
    assert r.ok and not r.not_modified and r.body == PAGE
    assert "if-none-match" not in server.log[0].headers


# -- politeness ----------------------------------------------------------------------

def test_retry_after_is_recorded_and_delays_the_host(server: HostileServer) -> None:
    url = server.url("/retry?code=429&after=2")
    throttled, after = fetch_seq([url, server.url("/page")], policy())
    assert throttled.error_kind == "http" and throttled.status == 429
    assert throttled.retry_after == 2.0
    assert throttled.error == f"{url}: HTTP 429 Too Many Requests, retry after 2 s"
    assert after.ok
    (t_429,), (t_page,) = server.times("/retry"), server.times("/page")
    assert t_page - t_429 >= 1.9


def test_retry_after_wait_is_capped(server: HostileServer) -> None:
    url = server.url("/retry?code=503&after=3600")
    throttled, after = fetch_seq([url, server.url("/page")], policy(max_retry_after=1.0))
    assert throttled.retry_after == 3600.0 and throttled.status == 503
    assert after.ok
    gap = server.times("/page")[0] - server.times("/retry")[0]
    assert 0.9 <= gap < 3


def test_parse_retry_after() -> None:
    now = datetime(2025, 10, 1, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True),
                             now=now) == 30.0
    assert parse_retry_after("Wed, 01 Oct 2025 07:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None
    assert parse_retry_after(None) is None


def test_per_host_rate_limit_holds_across_concurrent_tasks(server: HostileServer) -> None:
    results = fetch_all([server.url(f"/page?i={i}") for i in range(6)],
                        policy(per_host_rate=2.0, per_host_concurrency=6))
    assert all(r.ok for r in results)
    times = sorted(server.times("/page"))
    assert len(times) == 6
    # At 2/s, starts are >= 0.5 s apart, so no window shorter than 1 s holds 3 requests
    # (the first request needs no token; a little slack for scheduling jitter).
    assert all(b - a >= 0.45 for a, b in itertools.pairwise(times))
    assert all(times[i + 2] - times[i] >= 0.95 for i in range(4))
    assert 2.4 <= times[-1] - times[0] < 4


def test_per_host_concurrency_cap(server: HostileServer) -> None:
    results = fetch_all([server.url(f"/sleep?s=0.4&i={i}") for i in range(6)],
                        policy(per_host_concurrency=2))
    assert all(r.ok for r in results)
    assert server.max_in_flight == 2


def test_global_concurrency_cap(server: HostileServer) -> None:
    hosts = ["a.test", "b.test", "c.test"]
    resolver = table_resolver({h: ["127.0.0.1"] for h in hosts})
    urls = [server.url(f"/sleep?s=0.4&i={i}", host=hosts[i % 3]) for i in range(6)]
    results = fetch_all(urls, policy(resolver=resolver, max_concurrency=2,
                                     per_host_concurrency=2))
    assert all(r.ok for r in results), [r.error for r in results]
    assert server.max_in_flight == 2


# -- robots.txt ----------------------------------------------------------------------

def test_robots_disallowed_path_is_never_requested(server: HostileServer) -> None:
    server.robots = (200, b"User-agent: *\nDisallow: /private/\n", 0)
    results = fetch_seq([server.url("/private/secret"), server.url("/public/ok"),
                         server.url("/private/other")], policy())
    denied, allowed, denied_again = results
    assert denied.error_kind == "robots" and denied_again.error_kind == "robots"
    assert denied.error == f"{server.url('/private/secret')}: disallowed by robots.txt"
    assert allowed.ok and allowed.body == PAGE
    assert server.hits["/private/secret"] == 0 and server.hits["/private/other"] == 0
    assert server.hits["/robots.txt"] == 1  # fetched once, cached for the Fetcher's life


def test_robots_group_for_our_agent(server: HostileServer) -> None:
    server.robots = (200, b"User-agent: newsdesk\nDisallow: /\n\nUser-agent: *\nAllow: /\n", 0)
    r = fetch(server.url("/page"))
    assert r.error_kind == "robots" and server.hits["/page"] == 0


@pytest.mark.parametrize("status", [403, 404, 410])
def test_robots_4xx_allows_everything(server: HostileServer, status: int) -> None:
    server.robots = (status, b"Disallow: /", 0)
    r = fetch(server.url("/page"))
    assert r.ok, r.error
    assert server.hits["/robots.txt"] == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_robots_unreachable_disallows_everything(server: HostileServer, status: int) -> None:
    server.robots = (status, b"", 0)
    results = fetch_seq([server.url("/page"), server.url("/feed")], policy())
    for r in results:
        assert r.error_kind == "robots"
        assert f"robots.txt could not be fetched (HTTP {status})" in (r.error or "")
    assert server.hits["/page"] == 0 and server.hits["/feed"] == 0
    assert server.hits["/robots.txt"] == 1  # the failure is cached too


def test_robots_timeout_disallows(server: HostileServer) -> None:
    server.robots = (200, b"User-agent: *\nAllow: /\n", 3)
    r = fetch(server.url("/page"), policy(total_timeout=1))
    assert r.error_kind == "robots"
    assert "robots.txt could not be fetched (no complete response within 1 s)" in (r.error or "")
    assert server.hits["/page"] == 0


def test_robots_can_be_ignored(server: HostileServer) -> None:
    server.robots = (200, b"User-agent: *\nDisallow: /\n", 0)
    r = fetch(server.url("/page"), policy(respect_robots=False))
    assert r.ok and server.hits["/robots.txt"] == 0


def test_robots_crawl_delay_slows_the_host(server: HostileServer) -> None:
    server.robots = (200, b"User-agent: *\nCrawl-delay: 1\n", 0)
    results = fetch_seq([server.url("/page?a"), server.url("/page?b")], policy())
    assert all(r.ok for r in results)
    first, second = server.times("/page")
    assert second - first >= 0.95


# -- connection failures -------------------------------------------------------------

def test_https_to_a_plain_http_server_is_a_tls_error(server: HostileServer) -> None:
    url = f"https://127.0.0.1:{server.port}/page"
    r = fetch(url, policy(respect_robots=False))
    # The plain server answers the ClientHello with an HTTP 400, which OpenSSL
    # rejects as a bad record: a "tls" error naming the reason.
    assert r.error_kind == "tls", r.error
    assert r.error is not None and r.error.startswith(f"{url}: TLS handshake failed (")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for public.test (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=public.test", "-addext", "subjectAltName=DNS:public.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[str, str]) -> Iterator[HostileServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    srv = HostileServer()
    srv.start(tls=context)
    try:
        yield srv
    finally:
        srv.stop()


def test_tls_checks_the_url_host_on_a_pinned_connection(
        tls_server: HostileServer, certificate: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Connections go to the vetted IP, but the certificate is still checked against the
    # URL's host name: trusted for public.test, refused for another name on the same IP.
    resolver = table_resolver({"public.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    pol = policy(resolver=resolver, respect_robots=False)
    url = f"https://public.test:{tls_server.port}/page"

    untrusted = fetch(url, pol)
    assert untrusted.error_kind == "tls"
    assert untrusted.error == f"{url}: TLS certificate rejected (self-signed certificate)"

    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # httpx's trust store override
    trusted = fetch(url, pol)
    assert trusted.ok, trusted.error
    assert trusted.body == PAGE

    mismatch = fetch(f"https://other.test:{tls_server.port}/page", pol)
    assert mismatch.error_kind == "tls"
    assert "Hostname mismatch" in (mismatch.error or "")


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/page"
    r = fetch(url, policy(respect_robots=False))
    assert r.error_kind == "connect"
    assert r.error is not None and r.error.startswith(f"{url}: cannot connect (")


def test_unknown_host_is_a_connect_error() -> None:
    r = fetch("https://nowhere.test/feed", FetchPolicy(resolver=table_resolver({})))
    assert r.error_kind == "connect"
    assert r.error is not None and r.error.startswith(
        "https://nowhere.test/feed: cannot resolve host nowhere.test")


def test_ssl_module_is_what_reports_tls_failures() -> None:
    # Guards the mapping above: a certificate error is an ssl.SSLError, found in the cause chain.
    exc = RuntimeError("wrapper")
    exc.__cause__ = ssl.SSLCertVerificationError(1, "certificate verify failed")
    assert fetch_module._ssl_cause(exc) is exc.__cause__


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; counts the TCP connections it was given."""

    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        status, body = (404, b"<p>not here</p>") if self.path == "/missing" else (200, PAGE)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_connections_are_reused_also_after_an_error_page() -> None:
    """A crawl of many pages must not open a connection per request (the crawl
    benchmark saw 5,100 connections for 5,100 requests), and a 404's small body is
    read so its connection stays usable."""
    _KeepAliveHandler.connections = 0
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveHandler)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        results = fetch_seq([f"{base}/a", f"{base}/missing", f"{base}/b", f"{base}/c"],
                            policy())
    finally:
        srv.shutdown()
        srv.server_close()
    assert [r.status for r in results] == [200, 404, 200, 200]
    assert results[1].error and "404" in results[1].error
    # robots.txt (404) and four requests, all over one connection.
    assert _KeepAliveHandler.connections == 1
