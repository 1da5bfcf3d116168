"""Brief commands: `newsdesk brief ARTICLE_ID` and `newsdesk digest --query …`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from newsdesk.cli.common import DataOpt, JsonOpt, app, fail, open_data_store, out, parse_day
from newsdesk.errors import NewsdeskError

LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Reader's language: en, zh, vi, th or lo (default: the article's).")]


def _cites(ns: list[int]) -> str:
    return "".join(f"[{n}]" for n in ns)


@app.command()
def brief(
    article_id: Annotated[str, typer.Argument(metavar="ARTICLE_ID",
                                              help="Article id, external id or unique prefix.")],
    lang: LangOpt = None,
    style: Annotated[str, typer.Option(help="points, categories or insights.")] = "points",
    engine: Annotated[str, typer.Option(help="auto, extractive or llm.")] = "auto",
    data: DataOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A structured brief of one article; every bullet cites its paragraphs [n]."""
    from newsdesk.brief.service import brief_article, check_options

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
