"""Messages to a consumer's registered mobile, queued in the same transaction as their cause.

Queuing only: a row in `sms_outbox` with status QUEUED, due at once. Whoever delivers them later reads
that table; a request is never lost because a gateway was down when it was registered.
"""

from __future__ import annotations

import re
import string

from sqlmodel import Session

from .. import clock, config
from . import parts
from ..codes import SmsStatus
from ..errors import Invalid
from ..ids import is_mobile
from ..models import SmsOutbox

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
    if "reason" in out:
        reason = " ".join(str(out["reason"]).split())
        if len(reason) > REASON_CHARS:
            reason = reason[: REASON_CHARS - 3].rstrip() + "..."
        out["reason"] = parts.gsm_only(reason) if lang == "en" else reason
    return out


def render(template: str, language: str, **fields: object) -> tuple[str, str]:
    """(language actually used, text) for a template of data/sms.toml.

    An account whose language has no text gets Hindi, then English, rather than no message at all.
    """
    texts = config.sms_templates().get(template)
    if not isinstance(texts, dict):
        raise Invalid("sms.toml", f"no SMS text {template!r}; add a [{template}] table with en/hi texts")
    for lang in (language, *FALLBACK_LANGUAGES):
        if lang in texts:
            break
    else:
        raise Invalid("sms.toml", f"[{template}] has no text in {language!r}, 'hi' or 'en'; add one")
    fields = _in_language(lang, fields)
    wanted = {name for _, name, _, _ in string.Formatter().parse(texts[lang]) if name}
    missing = wanted - fields.keys()
    if missing:
        raise Invalid("sms.toml", f"[{template}].{lang} uses {', '.join(sorted(missing))}, which this message does not have")
    return lang, texts[lang].format(**fields)


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
