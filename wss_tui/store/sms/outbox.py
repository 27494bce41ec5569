"""Messages to a consumer's registered mobile, queued in the same transaction as their cause.

Queuing only: a row in `sms_outbox` with status QUEUED, due at once. Whoever delivers them later reads
that table; a request is never lost because a gateway was down when it was registered.
"""

from __future__ import annotations

import re
import string

from sqlalchemy import String, case, cast, literal
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from .. import clock, config
from ..codes import SmsStatus
from ..errors import Invalid
from ..ids import is_mobile
from ..models import SmsOutbox
from . import parts

QUEUED = SmsStatus.QUEUED
FALLBACK_LANGUAGES = ("hi", "en")
# Templates whose text carries a secret for the consumer alone. The OTP is stored hashed and its code
# minted only as the message goes (delivery.py), so the outbox holds it masked throughout; a message
# queued by an earlier version held it in clear, and is masked once out of the queue.
SECRET_TEMPLATES = frozenset({"otp"})
_CODE = re.compile(r"(?<!\d)\d{4,8}(?!\d)")  # an OTP; request (10) and account IDs (10, 12) are longer
CODE_MASK = "*"


def masked_code(digits: int) -> str:
    """What an OTP's text holds in place of the code until it is minted: one mask per digit."""
    return CODE_MASK * digits


def with_code(text: str, code: str) -> str:
    """The text as the consumer gets it: the masked code (exactly len(code) masks) replaced by `code`."""
    return re.sub(rf"(?<!\{CODE_MASK}){re.escape(masked_code(len(code)))}(?!\{CODE_MASK})", code, text, count=1)


def redacted(template: str, text: str) -> str:
    """The text to keep once the message is out of the queue: a secret template's code masked."""
    if template not in SECRET_TEMPLATES:
        return text
    return _CODE.sub(lambda m: "*" * len(m.group()), text)


REASON_CHARS = 40  # a rejection's reason in an SMS: what keeps its text within its parts (sms.toml)


def _in_language(lang: str, fields: dict) -> dict:
    """The fields as the text's language names them: a Hindi text gets the Hindi status and request
    names (data/hindi.toml); a free-text reason is cut short, and in an English text kept to the GSM
    alphabet, so one character typed in Devanagari cannot make it several UCS-2 parts."""
    out = dict(fields)
    if lang == "hi":
        names = config.hindi_names()
        for key, table in (("status", "status"), ("request_name", "request")):
            if key in out:
                out[key] = names[table].get(str(out[key]), out[key])
    if "authority" in out:  # a role code: the officer's title, in Hindi where hindi.toml [role] has it
        code = str(out["authority"])
        out["authority"] = (config.hindi_names()["role"].get(code) if lang == "hi" else None) or config.role_title(code)
    if "reason" in out:
        reason = " ".join(str(out["reason"]).split())
        if len(reason) > REASON_CHARS:
            reason = reason[: REASON_CHARS - 3].rstrip() + "..."
        out["reason"] = parts.gsm_only(reason) if lang == "en" else reason
    return out


def _texts(template: str) -> dict[str, str]:
    texts = config.sms_templates().get(template)
    if not isinstance(texts, dict):
        raise Invalid("sms.toml", f"no SMS text {template!r}; add a [{template}] table with en/hi texts")
    return texts


def _language(texts: dict[str, str], template: str, language: str) -> str:
    """The account's language if the template has a text in it, else Hindi, then English."""
    for lang in (language, *FALLBACK_LANGUAGES):
        if lang in texts:
            return lang
    raise Invalid("sms.toml", f"[{template}] has no text in {language!r}, 'hi' or 'en'; add one")


def _check_fields(template: str, lang: str, text: str, have) -> None:
    wanted = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    missing = wanted - set(have)
    if missing:
        raise Invalid("sms.toml", f"[{template}].{lang} uses {', '.join(sorted(missing))}, which this message does not have")


def render(template: str, language: str, **fields: object) -> tuple[str, str]:
    """(language actually used, text) for a template of data/sms.toml.

    An account whose language has no text gets Hindi, then English, rather than no message at all.
    """
    texts = _texts(template)
    lang = _language(texts, template, language)
    fields = _in_language(lang, fields)
    _check_fields(template, lang, texts[lang], fields)
    return lang, texts[lang].format(**fields)


# --- the same, per row in SQL: for a set-based writer (the escalation sweep) -----------------------


def language_sql(template: str, language: ColumnElement) -> ColumnElement:
    """render()'s choice of language for each row whose account language is `language`."""
    texts = _texts(template)
    return case((language.in_(list(texts)), language), else_=literal(_language(texts, template, ""), String))


def render_sql(template: str, language: ColumnElement, columns: dict[str, ColumnElement], **fields: object) -> ColumnElement:
    """render() for each row: the text in the language language_sql() picks, with `columns` (SQL
    expressions of the row) and `fields` (the same for every row, named in each language as render()
    names them) put in its places."""
    texts = _texts(template)
    fallback = _language(texts, template, "")

    def text_in(lang: str) -> ColumnElement:
        named = _in_language(lang, fields)
        _check_fields(template, lang, texts[lang], (*named, *columns))
        pieces: list[object] = []
        for before, name, _, _ in string.Formatter().parse(texts[lang]):
            pieces.append(before)
            if name:
                if name not in columns:
                    pieces.append(str(named[name]))
                else:  # || of a number would be read as + by SQLAlchemy: the column as text
                    col = columns[name]
                    pieces.append(col if isinstance(col.type, String) else cast(col, String))
        out, run = None, ""
        for piece in pieces:  # adjacent constants joined, then everything with SQL's ||
            if isinstance(piece, str):
                run += piece
                continue
            part = (literal(run, String) + piece) if run else piece
            out, run = (part if out is None else out + part), ""
        if run:
            out = literal(run, String) if out is None else out + literal(run, String)
        return out

    return case(*((language == lang, text_in(lang)) for lang in texts if lang != fallback), else_=text_in(fallback))


def queue(session: Session, *, case_id: str | None, mobile: str, template: str, language: str,
          otp_id: int | None = None, **fields: object) -> SmsOutbox:
    """Add one QUEUED message for `mobile` (10 digits) to the caller's unit of work. `otp_id`: the
    case_otp row whose code is put into the text (at its masked place) when the message is sent."""
    if not is_mobile(mobile):
        raise Invalid("mobile", f"{mobile!r} is not a 10-digit mobile number starting 6-9; correct the account's registered mobile")
    lang, text = render(template, language, **fields)
    now = clock.now()
    row = SmsOutbox(
        case_id=case_id,
        mobile=mobile,
        template=template,
        language=lang,
        text=text,
        created_at=now,
        status=QUEUED,
        next_try_at=now,
        otp_id=otp_id,
    )
    session.add(row)
    return row
