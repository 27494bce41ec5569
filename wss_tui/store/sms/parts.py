"""How many SMS parts a text takes, as the gateway bills it.

A text wholly in the GSM 03.38 alphabet goes as 7-bit: 160 characters in one part, 153 a part when
split (the rest carry the joining header); the extension characters (^ { } [ ] ~ | € and \\) take two.
Anything else — Devanagari, "₹", curly quotes — sends the whole message as UCS-2: 70 UTF-16 units in
one part, 67 a part when split. Templates are sized against these (tests/test_sms_parts.py): an
English message in one part, a Hindi one in at most two, with every field at its longest.
"""

from __future__ import annotations

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def count(text: str) -> int:
    """The parts `text` is sent in (1 for an empty text)."""
    if is_gsm(text):
        units, single, per_part = sum(2 if ch in GSM_EXTENSION else 1 for ch in text), GSM_SINGLE, GSM_PART
    else:
        units, single, per_part = len(text.encode("utf-16-le")) // 2, UCS2_SINGLE, UCS2_PART
    if units <= single:
        return 1
    return -(-units // per_part)


def gsm_only(text: str) -> str:
    """`text` with every character outside the GSM alphabet replaced by "?", so a free-text field
    (a rejection's reason) cannot turn a one-part English message into several UCS-2 parts."""
    return "".join(ch if ch in GSM_BASIC else "?" for ch in text)
