"""Text from users (scenario, variant and file names, messages that quote them) shown literally in Markdown.

The app renders headers, captions and messages as Markdown: a name holding
``![t](http://host/x.png)`` would otherwise make the browser fetch that address.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~$!:])")
_HTML_OR_MARKDOWN = set("&<>\"'\\`*_{}[]()#|~$!:+-=")
_LINE_START = re.compile(r"^(\s*)([-+=])")  # a list item, a rule or a heading underline only at a line's start


def html_safe(text: object) -> str:
    """``text`` for raw HTML that Markdown may still read: every HTML- or Markdown-special character as an entity."""
    return "".join(f"&#{ord(c)};" if c in _HTML_OR_MARKDOWN else c for c in str(text))


def markdown_safe(text: object) -> str:
    """``text`` with every Markdown-special character escaped (shown as typed), line breaks kept."""
    return "  \n".join(_LINE_START.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", line)) for line in str(text).splitlines())
