"""One HTML page builder: every page cxsim writes is a title, a lead sentence and its parts, self-contained.

Pages inline plotly once (the first figure carries it) and work offline. Text from
users is escaped here, never by the callers.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd

from cxsim.core.version import __version__

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: 0.35rem 0.6rem; text-align: right; white-space: pre-line; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f6fa; }
.note { color: #555; font-size: 0.9rem; }
.lead { font-size: 1.15em; font-weight: bold; }
pre { white-space: pre-wrap; }
"""


def esc(text: object) -> str:
    """Text shown literally in a page."""
    return html.escape(str(text))


def figures_html(figures: Iterable, plotly_inlined: bool = False) -> str:
    """Plotly figures as page parts, plotly's script inlined with the first unless already there."""
    parts = []
    for fig in figures:
        parts.append(fig.to_html(full_html=False, include_plotlyjs=False if plotly_inlined else "inline"))
        plotly_inlined = True
    return "".join(parts)


def table_html(frame: pd.DataFrame, titles: Sequence[str] | None = None) -> str:
    """A table of a frame's rows (its index left out), every cell escaped; ``titles`` are hover texts of the rows."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = [f"<td>{esc(v)}</td>" for v in row]
        if titles is not None:
            cells[0] = f"<td title='{esc(titles[i])}'>{esc(row[0])}</td>"
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def bullets(items: Iterable[str | tuple[str, str]], empty: str = "(none)") -> str:
    """Plain-text items as a list; an item ``(term, text)`` shows the term in bold."""
    body = "".join(f"<li><b>{esc(item[0])}</b>: {esc(item[1])}</li>" if isinstance(item, tuple) else f"<li>{esc(item)}</li>"
                   for item in items)
    return f"<ul>{body or f'<li>{esc(empty)}</li>'}</ul>"


def html_page(title: str, lead: str, *parts: str) -> str:
    """A whole page: ``title`` as its heading, ``lead`` (the answer) first, then the parts (HTML) in order."""
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{STYLE}</style></head>\n<body>\n<h1>{esc(title)}</h1>\n<p class='lead'>{esc(lead)}</p>\n"
            + "\n".join(parts) + f"\n<p class='note'>cxsim {__version__}</p>\n</body></html>\n")
