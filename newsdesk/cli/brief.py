"""Brief commands: `newsdesk brief ARTICLE_ID` and `newsdesk digest --query …`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from newsdesk.cli.common import (
    DataOpt,
    JsonOpt,
    app,
    err,
    fail,
    open_data_store,
    out,
    parse_day,
)
from newsdesk.errors import NewsdeskError

LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Reader's language: en, zh, vi, th or lo (default: the article's).")]


def _cites(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


@app.command()
def brief(
    article_id: Annotated[str | None, typer.Argument(
        metavar="[ARTICLE_ID]", help="Article id, external id or unique prefix.")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Reader's language: en, zh, vi, th or lo (default: the article's). "
                       "With --all, a comma-separated list (default: en,zh,vi).")] = None,
    style: Annotated[str | None, typer.Option(
        help="points, categories or insights (default: points). "
             "With --all, a comma-separated list.")] = None,
    engine: Annotated[str, typer.Option(help="auto, extractive or llm.")] = "auto",
    all_articles: Annotated[bool, typer.Option(
        "--all", help="Brief every article in the store (idempotent: cached briefs are "
                      "reused) and print a summary.")] = False,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A structured brief of one article; every bullet cites its paragraphs [n]."""
    from newsdesk.brief.service import brief_article, check_options

    if all_articles:
        if article_id is not None:
            raise fail("give an ARTICLE_ID or --all, not both", 2)
        _brief_all(lang, style, engine, data, as_json)
        return
    if article_id is None:
        raise fail("missing ARTICLE_ID (or --all to brief every article)", 2)
    style = style or "points"
    try:
        check_options(lang, style, engine)
    except NewsdeskError as exc:
        raise fail(str(exc), 2) from None
    try:
        with open_data_store(data) as store:
            result = brief_article(store, article_id, lang=lang, style=style, engine=engine)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        from newsdesk.cli.common import print_json

        print_json(result.to_json())
        return
    lab = result.labels
    if result.title:
        out.print(f"[bold]{escape(result.title)}[/bold]")
    out.print(f"[dim]{result.article_id} · {result.language} · {result.engine}"
              f"{' · cached' if result.cached else ''}[/dim]")
    for note in result.notes:
        out.print(f"[yellow]note:[/yellow] {escape(note)}")
    out.print()
    out.print(f"[bold]{escape(lab.get('viewpoint', 'Core Viewpoint'))}[/bold]")
    out.print(f"{escape(result.viewpoint.text)} {_cites(result.viewpoint.citations)}",
              highlight=False)
    if result.points:
        out.print()
        key = "insights" if result.style == "insights" else "points"
        out.print(f"[bold]{escape(lab.get(key, key))}[/bold]")
        for p in result.points:
            out.print(f"- {escape(p.text)} {_cites(p.citations)}", highlight=False)
    if result.groups:
        out.print()
        out.print(f"[bold]{escape(lab.get('categories', 'Summary by Categories'))}[/bold]")
        for g in result.groups:
            out.print(f"[bold]{escape(g.title)}[/bold]")
            for p in g.points:
                out.print(f"- {escape(p.text)} {_cites(p.citations)}", highlight=False)
    v = result.verification
    out.print()
    out.print(f"[dim]{escape(lab.get('verification', 'Verification'))}: score {v.score:.2f}, "
              f"{v.checked} bullets checked, {v.recited} re-cited, {len(v.dropped)} dropped"
              "[/dim]", highlight=False)
    for d in v.dropped:
        out.print(f"[dim]  dropped: {escape(str(d['text'])[:80])} ({escape(str(d['reason']))})"
                  "[/dim]", highlight=False)


def _brief_all(lang: str | None, style: str | None, engine: str, data: Path | None,
               as_json: bool) -> None:
    """`newsdesk brief --all`: fill the brief cache for every article, then a summary."""
    from newsdesk.brief.service import brief_all, check_options, parse_list
    from newsdesk.brief.types import LANGUAGES, STYLES
    from newsdesk.cli.common import print_json

    try:
        langs = parse_list(lang, LANGUAGES, "language", ("en", "zh", "vi"))
        styles = parse_list(style, STYLES, "style", ("points",))
        check_options(None, None, engine)
    except NewsdeskError as exc:
        raise fail(str(exc), 2) from None

    def progress(done: int, total: int) -> None:
        if not as_json and (done % 25 == 0 or done == total):
            err.print(f"[dim]{done}/{total} articles[/dim]", highlight=False)

    try:
        with open_data_store(data) as store:
            summary = brief_all(store, langs=langs, styles=styles, engine=engine,
                                progress=progress)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(summary.to_json())
    else:
        rate = summary.briefs / summary.seconds if summary.seconds else 0.0
        out.print(f"{summary.briefs} briefs for {summary.articles} articles "
                  f"({', '.join(summary.languages)} × {', '.join(summary.styles)}): "
                  f"{summary.made} made, {summary.briefs - summary.made} from the cache, "
                  f"{len(summary.failed)} failed, {summary.seconds:.1f} s "
                  f"({rate:.1f} briefs/s)", highlight=False)
        for f in summary.failed[:10]:
            out.print(f"[yellow]failed:[/yellow] {f['article_id']} ({f['lang']}, {f['style']}): "
                      f"{escape(f['error'])}", highlight=False)
        if len(summary.failed) > 10:
            out.print(f"… and {len(summary.failed) - 10} more failures", highlight=False)
        if summary.interrupted:
            out.print("[yellow]interrupted:[/yellow] the briefs made so far are cached; "
                      "run again to finish.")
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def digest(
    query: Annotated[str, typer.Option("--query", "-q", help="What the digest is about.")],
    since: Annotated[str | None, typer.Option(help="Published on/after (YYYY-MM-DD).")] = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many articles.")] = 8,
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A digest over a search: what happened, how sources differ, a timeline."""
    from newsdesk import config
    from newsdesk.brief.digest import digest as make_digest
    from newsdesk.brief.types import LANGUAGES
    from newsdesk.cli.common import print_json, state

    if lang is not None and lang not in LANGUAGES:
        raise fail(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}", 2)
    if limit < 1:
        raise fail("--limit must be at least 1", 2)
    after = parse_day(since)
    try:
        with open_data_store(data) as store:
            result = make_digest(query, store=store, data=config.data_dir(data or state["data"]),
                                 since=after, lang=lang, limit=limit)
    except NewsdeskError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(result.to_json())
        return
    lab = result.labels

    def cites(point: object) -> str:
        return "".join(c.label() for c in point.citations)  # type: ignore[attr-defined]

    out.print(f"[bold]{escape(query)}[/bold]")
    for note in result.notes:
        out.print(f"[yellow]note:[/yellow] {escape(note)}")
    sections = [("what_happened", result.what_happened)]
    for key, points in sections:
        out.print()
        out.print(f"[bold]{escape(lab.get(key, key))}[/bold]")
        for p in points:
            out.print(f"- {escape(p.text)} {escape(cites(p))}", highlight=False)
    if result.differences:
        out.print()
        out.print(f"[bold]{escape(lab.get('differences', 'How sources differ'))}[/bold]")
        for g in result.differences:
            out.print(f"[bold]{escape(g.title)}[/bold]")
            for p in g.points:
                out.print(f"- {escape(p.text)} {escape(cites(p))}", highlight=False)
    if result.timeline:
        out.print()
        out.print(f"[bold]{escape(lab.get('timeline', 'Timeline'))}[/bold]")
        for p in result.timeline:
            out.print(f"- {escape(p.date or '')}: {escape(p.text)} {escape(cites(p))}",
                      highlight=False)
    out.print()
    out.print(f"[bold]{escape(lab.get('sources', 'Sources'))}[/bold]")
    for a in result.articles:
        out.print(f"{a.ref} = {a.article_id} · {escape(a.source or '?')} · {a.language} · "
                  f"{escape((a.published or '')[:10])} · {escape(a.title)}", highlight=False)
    v = result.verification
    out.print(f"[dim]{escape(lab.get('verification', 'Verification'))}: score {v.score:.2f}, "
              f"{v.checked} bullets checked, {len(v.dropped)} dropped[/dim]", highlight=False)
