"""Ways of getting one SMS to a consumer's handset, chosen in data/sms_gateway.toml.

A sender knows nothing of the outbox: it gets one `Message`, returns the gateway's message ID, or raises
`SendFailed` with one line saying what went wrong. Claiming, retrying and giving up are
`delivery`'s business, so every sender gets them the same way.

- `ConsoleSender` (the default) writes each message out instead of sending it: for demos, tests, and an
  office without a gateway contract yet. Standard error is the journal under systemd, readable by more
  people than the consumer: an OTP's code is written masked unless `[console] show_otp = true` (or the
  database is a demo's, see delivery.configured).
- `HttpSender` speaks to the HTTP APIs Indian bulk-SMS gateways offer: a URL, GET or POST, parameters
  carrying the mobile, the text, the DLT-registered sender ID and the DLT template ID of the text, an API
  key read from the environment, and a Unicode flag for Hindi. It talks through one httpx client, so a
  batch reuses the gateway's connection; tests hand it an `httpx.MockTransport`.
"""

from __future__ import annotations

import json
import os
import re
import string
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    import httpx

from .. import config
from ..errors import Invalid
from . import outbox

CONFIG = "sms_gateway.toml"
PLACEHOLDERS = frozenset({"mobile", "text", "sender_id", "template_id", "api_key", "unicode", "ref", "template", "language"})
ANSWER_SHOWN = 200  # characters of a gateway's answer kept in last_error
ANSWER_READ = 64_000  # bytes of a gateway's answer read at most: an ID and a status, not a web page


@dataclass(frozen=True)
class Message:
    id: int
    mobile: str  # 10 digits, as the outbox keeps it
    template: str
    language: str
    text: str
    # The OTP in `text`, if any: what a sender writing the message anywhere but to the consumer masks.
    secret: str = field(default="", repr=False)

    @property
    def ref(self) -> str:
        """Our reference for the message, the same on every try: a gateway that de-duplicates by client
        reference then drops the second copy of a message resent after a sender died mid-send."""
        return f"wss-{self.id}"


class SendFailed(Exception):
    """The message did not go (or we cannot tell that it did); str() is the reason kept in last_error."""


class Sender(Protocol):
    def send(self, message: Message) -> str:
        """Deliver one message; return the gateway's ID for it, or raise SendFailed."""


# --- DLT template IDs ---------------------------------------------------------------------------------


def dlt_template_id(dlt: dict, message: Message) -> str | None:
    """The DLT template ID registered for this text: `[dlt] name = "id"` for all languages, or
    `[dlt.name] en = "id"`, `hi = "id"` when each language's text was registered on its own (as DLT
    requires, since a template is one exact text)."""
    entry = dlt.get(message.template)
    if isinstance(entry, dict):
        entry = entry.get(message.language)
    return str(entry) if entry else None


# --- the console / file sender ------------------------------------------------------------------------


@dataclass
class ConsoleSender:
    """Writes each message as one JSON line to `file`, or one readable line to `stream` (standard error,
    so `--json` output on standard out stays clean)."""

    file: Path | None = None
    dlt: dict = field(default_factory=dict)
    stream: TextIO | None = None
    show_otp: bool = False

    def written(self, message: Message) -> str:
        """The text as written out: the OTP masked, unless showing it was asked for (a message queued
        by an earlier version, with no `secret` named, is masked by its template)."""
        if self.show_otp:
            return message.text
        text = message.text.replace(message.secret, "*" * len(message.secret)) if message.secret else message.text
        return outbox.redacted(message.template, text)

    def send(self, message: Message) -> str:
        template_id = dlt_template_id(self.dlt, message)
        gateway_id = f"console-{message.id}"
        text = self.written(message)
        try:
            if self.file is not None:
                record = dict(
                    ref=message.ref,
                    mobile=message.mobile,
                    template=message.template,
                    language=message.language,
                    template_id=template_id,
                    text=text,
                )
                # One write per line, append mode: lines of two senders sharing the file never interleave.
                with open(self.file, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                stream = self.stream or sys.stderr
                dlt = f", DLT {template_id}" if template_id else ""
                stream.write(f"SMS {message.ref} to {message.mobile} ({message.template}, {message.language}{dlt}): {text}\n")
                stream.flush()
        except OSError as exc:
            raise SendFailed(f"cannot write the message out: {exc}") from None
        return gateway_id


# --- the HTTP gateway sender --------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpSettings:
    url: str
    method: str = "POST"
    body: str = "form"  # form | json (POST only)
    timeout_seconds: float = 10.0
    sender_id: str = ""
    api_key_env: str = "WSS_SMS_API_KEY"
    mobile_prefix: str = "91"
    unicode_on: str = "1"
    unicode_off: str = "0"
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    response_format: str = "json"  # json | text
    ok_path: str = ""
    ok_values: tuple[str, ...] = ()
    id_path: str = ""
    id_regex: str = ""


@dataclass
class HttpSender:
    settings: HttpSettings
    api_key: str = field(repr=False)  # never in a log line or traceback
    dlt: dict = field(default_factory=dict)
    transport: httpx.BaseTransport | None = field(default=None, repr=False)  # tests: httpx.MockTransport
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def client(self) -> httpx.Client:
        """One client for every message this sender sends (senders in threads share it: httpx's pool is
        thread-safe), made at the first message so that `wss mis`, which reads the outbox, never loads
        httpx. Redirects are followed, as a gateway moving its API expects."""
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(
                    transport=self.transport, timeout=self.settings.timeout_seconds, follow_redirects=True,
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def send(self, message: Message) -> str:
        import httpx

        s = self.settings
        template_id = dlt_template_id(self.dlt, message)
        if not template_id:
            # DLT rules make the operator drop an unregistered text; better to say so here.
            raise SendFailed(f"no DLT template ID for template {message.template!r} ({message.language}); add it under [dlt] in {CONFIG}")
        values = dict(
            mobile=f"{s.mobile_prefix}{message.mobile}",
            text=message.text,
            sender_id=s.sender_id,
            template_id=template_id,
            api_key=self.api_key,
            unicode=s.unicode_off if message.text.isascii() else s.unicode_on,
            ref=message.ref,
            template=message.template,
            language=message.language,
        )
        params = {name: value.format_map(values) for name, value in s.params.items()}
        headers = {name: value.format_map(values) for name, value in s.headers.items()}
        url, body = httpx.URL(s.url), {}
        if s.method == "GET":
            url = url.copy_merge_params(params)  # added to any query the configured URL already has
        elif s.body == "json":
            body["json"] = params
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        else:
            body["data"] = params
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        try:
            with self.client().stream(s.method, url, headers=headers, **body) as response:
                answer = _read_some(response)
        except httpx.TimeoutException:
            raise SendFailed(f"no answer from the gateway within {s.timeout_seconds:g} s") from None
        except httpx.ConnectError as exc:
            raise SendFailed(f"cannot reach the gateway: {_reason(exc)}") from None
        except httpx.TransportError as exc:  # connection reset mid-answer, a malformed status line …
            raise SendFailed(f"the gateway's answer broke off: {exc.__class__.__name__}: {_reason(exc)}") from None
        except httpx.HTTPError as exc:  # too many redirects, and the like
            raise SendFailed(f"cannot reach the gateway: {exc.__class__.__name__}: {_reason(exc)}") from None
        if response.status_code >= 400 or response.is_redirect:
            raise SendFailed(f"gateway answered HTTP {response.status_code}: {_shown(answer)}")
        return self._gateway_id(answer)

    def _gateway_id(self, answer: bytes) -> str:
        s = self.settings
        text = answer.decode("utf-8", errors="replace")
        if s.response_format == "text":
            if s.ok_values and not any(ok in text for ok in s.ok_values):
                raise SendFailed(f"gateway refused the message: {_shown(answer)}")
            match = re.search(s.id_regex, text)
            if not match:
                raise SendFailed(f"gateway's answer has no message ID: {_shown(answer)}")
            return match.group(1)[:64]
        try:
            doc = json.loads(text)
        except ValueError:
            raise SendFailed(f"gateway answered something that is not JSON: {_shown(answer)}") from None
        if s.ok_path:
            verdict = _at_path(doc, s.ok_path)
            if verdict is None or str(verdict) not in s.ok_values:
                raise SendFailed(f"gateway refused the message: {_shown(answer)}")
        gateway_id = _at_path(doc, s.id_path)
        if gateway_id is None or gateway_id == "" or isinstance(gateway_id, dict | list):
            raise SendFailed(f"gateway's answer has no message ID at {s.id_path!r}: {_shown(answer)}")
        return str(gateway_id)[:64]


def _at_path(doc: object, path: str) -> object:
    """`data.0.id` → doc["data"][0]["id"]; None where the answer has no such place."""
    for part in path.split("."):
        if isinstance(doc, dict):
            doc = doc.get(part)
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def _read_some(response) -> bytes:
    """The first ANSWER_READ bytes of the answer: a gateway that sends a whole page is not read to the end."""
    answer = b""
    for chunk in response.iter_bytes():
        answer += chunk
        if len(answer) >= ANSWER_READ:
            return answer[:ANSWER_READ]
    return answer


def _reason(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


def _shown(answer: bytes) -> str:
    text = answer.decode("utf-8", errors="replace").strip().replace("\n", " ")
    if not text:
        return "(empty answer)"
    return text if len(text) <= ANSWER_SHOWN else text[:ANSWER_SHOWN] + " …"


# --- from configuration -------------------------------------------------------------------------------


def from_config(raw: dict, *, environ: dict[str, str] | None = None) -> Sender:
    """The sender data/sms_gateway.toml chooses, checked whole before the first message goes."""
    environ = os.environ if environ is None else environ
    kind = raw.get("sender", "console")
    dlt = raw.get("dlt", {})
    if not isinstance(dlt, dict):
        raise Invalid(CONFIG, "[dlt] must be a table of template name = DLT template ID")
    if kind == "console":
        console = raw.get("console", {})
        file = console.get("file", "")
        show_otp = console.get("show_otp", False)
        if not isinstance(show_otp, bool):
            raise Invalid(CONFIG, "[console] show_otp must be true or false")
        return ConsoleSender(file=Path(file).expanduser() if file else None, dlt=dlt, show_otp=show_otp)
    if kind != "http":
        raise Invalid(CONFIG, f"sender = {kind!r} is not known; use \"console\" or \"http\"")
    settings = http_settings(raw.get("http", {}))
    require_dlt_ids(dlt)
    return HttpSender(settings=settings, api_key=_api_key(settings, environ), dlt=dlt)


def require_dlt_ids(dlt: dict) -> None:
    """Every text of sms.toml needs its DLT template ID before the gateway sender starts: a gap found
    at send time would only show up as failed messages, one consumer at a time."""
    for template, texts in config.sms_templates().items():
        if not isinstance(texts, dict):
            continue
        for language in texts:
            if not dlt_template_id(dlt, Message(0, "", template, language, "")):
                raise Invalid(CONFIG, f"no DLT template ID for the {template!r} text in {language!r}; add it under [dlt.{template}]")


def http_settings(http: dict) -> HttpSettings:
    if not http.get("url"):
        raise Invalid(CONFIG, "[http] needs url, the gateway's address")
    if not str(http["url"]).startswith(("http://", "https://")):
        raise Invalid(CONFIG, f"[http] url {http['url']!r} must start with http:// or https://")
    method = str(http.get("method", "POST")).upper()
    if method not in ("GET", "POST"):
        raise Invalid(CONFIG, f"[http] method {method!r}: use GET or POST")
    body = http.get("body", "form")
    if body not in ("form", "json"):
        raise Invalid(CONFIG, f"[http] body {body!r}: use \"form\" or \"json\"")
    params = {str(k): str(v) for k, v in http.get("params", {}).items()}
    headers = {str(k): str(v) for k, v in http.get("headers", {}).items()}
    if "{text}" not in "".join(params.values()) or "{mobile}" not in "".join(params.values()):
        raise Invalid(CONFIG, "[http.params] must send {mobile} and {text} in some parameter")
    for where, table in (("params", params), ("headers", headers)):
        for name, value in table.items():
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
            except ValueError:
                raise Invalid(CONFIG, f"[http.{where}] {name} = {value!r} has an unmatched brace") from None
            unknown = used - PLACEHOLDERS
            if unknown:
                raise Invalid(CONFIG, f"[http.{where}] {name} uses {{{sorted(unknown)[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}")
    response = http.get("response", {})
    fmt = response.get("format", "json")
    if fmt not in ("json", "text"):
        raise Invalid(CONFIG, f"[http.response] format {fmt!r}: use \"json\" or \"text\"")
    if fmt == "json" and not response.get("id_path"):
        raise Invalid(CONFIG, "[http.response] needs id_path, where the gateway's answer holds the message ID")
    if fmt == "text":
        try:
            groups = re.compile(response.get("id_regex", "")).groups
        except re.error as exc:
            raise Invalid(CONFIG, f"[http.response] id_regex does not compile: {exc}") from None
        if groups < 1:
            raise Invalid(CONFIG, "[http.response] id_regex needs one (group) capturing the message ID")
    timeout = float(http.get("timeout_seconds", 10))
    if timeout <= 0:
        raise Invalid(CONFIG, "[http] timeout_seconds must be more than 0")
    return HttpSettings(
        url=str(http["url"]),
        method=method,
        body=body,
        timeout_seconds=timeout,
        sender_id=str(http.get("sender_id", "")),
        api_key_env=str(http.get("api_key_env", "WSS_SMS_API_KEY")),
        mobile_prefix=str(http.get("mobile_prefix", "91")),
        unicode_on=str(http.get("unicode_on", "1")),
        unicode_off=str(http.get("unicode_off", "0")),
        params=params,
        headers=headers,
        response_format=fmt,
        ok_path=str(response.get("ok_path", "")),
        ok_values=tuple(str(v) for v in response.get("ok_values", ())),
        id_path=str(response.get("id_path", "")),
        id_regex=str(response.get("id_regex", "")),
    )


def _api_key(settings: HttpSettings, environ) -> str:
    uses_key = "{api_key}" in "".join(settings.params.values()) + "".join(settings.headers.values())
    key = environ.get(settings.api_key_env, "")
    if uses_key and not key:
        raise Invalid(CONFIG, f"set the environment variable {settings.api_key_env} to the gateway's API key")
    return key
