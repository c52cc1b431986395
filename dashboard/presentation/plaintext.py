"""Text from files, APIs, the database or a URL shown as text, never as Markdown or HTML.

Streamlit renders the body of ``st.markdown``, ``st.caption``, ``st.error``/``warning``/
``info``/``success``, ``st.table`` cells and widget labels as Markdown (with images, links,
HTML-like tags, ``:color[…]`` directives and LaTeX). A page title or a column header from
an uploaded file must not become an image fetched from an address the file chooses, a
link or formatting: every such text passes through ``literal`` before it is put into a
Markdown string. Tables of such text go to ``st.dataframe``, which shows plain text.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def literal(value) -> str:
    """``value`` as Markdown source that renders as exactly its text on one line.

    Every ASCII punctuation character is backslash-escaped (CommonMark: an escaped
    character is literal, so ``![x](http://…)``, ``<img …>``, ``**``, ``:red[…]`` and ``$…$``
    stay text); line breaks become spaces, so a value cannot start a heading or a list.
    """
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    return _PUNCTUATION.sub(r"\\\1", text)
