"""Recognises a member asking to end the conversation, and confirming it, without a model.

Deliberately narrow: asking how to end *some other* conversation is not a request, and only a
clear yes while a confirmation is pending counts as confirming.
"""

from __future__ import annotations

import re

from bot.core.domain import Category

_THIS_CHAT = r"(?:this|our|the)\s+(?:conversation|convo|chat|thread|discussion)"
_REQUEST = re.compile(
    r"^\W*(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+|just\s+|ok(?:ay)?,?\s+)*"
    rf"(?:end|close|stop|terminate|finish|lock)\s+(?:{_THIS_CHAT}|it\s+here)\b(?!\s+with)"
    r"|\bi\s+(?:want|would\s+like|'d\s+like|wish)\s+(?:you\s+)?to\s+(?:end|close|stop|terminate)\s+"
    rf"{_THIS_CHAT}\b"
    r"|\blet'?s\s+(?:end|close|stop)\s+(?:" + _THIS_CHAT + r"|here)\b"
    r"|\b(?:termina|cierra|finaliza)\s+(?:esta|la)\s+(?:conversaci[oó]n|charla)\b"
    r"|\b(?:termine|ferme|arr[eê]te)\s+(?:cette|la)\s+(?:conversation|discussion)\b"
    r"|\b(?:beende|schlie(?:ß|ss)e)\s+(?:dieses|das|diese|die)\s+(?:gespr[aä]ch|unterhaltung|chat)\b"
    r"|\b(?:encerre|termine|feche)\s+(?:esta|essa|a)\s+(?:conversa)\b",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|y|sure|confirm(?:ed)?|i\s+confirm|i\s+understand|understood|do\s+it|"
    r"go\s+ahead|end\s+it|please\s+do|s[ií]|oui|ja|sim|ok(?:ay)?)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"\b(?:no|nope|not|don'?t|do\s+not|wait|cancel|never\s*mind|keep\s+(?:talking|going|chatting)|"
    r"changed\s+my\s+mind)\b",
    re.IGNORECASE,
)


def end_intent(text: str, confirming: bool) -> Category | None:
    """USER_CONFIRMS_END, USER_REQUESTS_END or None for one message."""
    if confirming and _YES.search(text) and not _NO.search(text):
        return Category.USER_CONFIRMS_END
    if _REQUEST.search(text):
        return Category.USER_REQUESTS_END
    return None
