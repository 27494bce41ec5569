"""The HTTP gateway sender alone, on httpx's MockTransport: what a gateway receives for each kind of
configuration (form POST, JSON POST, GET), and the one line kept when it times out, cannot be reached,
breaks off, refuses or answers without an ID. tests/test_sms_delivery.py runs it against a real
server on 127.0.0.1, through the outbox and `wss sms send`."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from wss_tui.store import sms
from wss_tui.store.sms.senders import HttpSender, Message, SendFailed, from_config

API_KEY = "test-key-8f3a"
URL = "https://sms.example.test/api/send"
HINDI = "आपका अनुरोध 7859606267 दर्ज हुआ"


def sender(handler, *, response: dict | None = None, **http) -> HttpSender:
    """The shipped data/sms_gateway.toml made an HTTP sender, its [http] table changed by `http`."""
    raw = sms.load_config()
    raw["sender"] = "http"
    raw["http"] = {**raw["http"], "url": URL, **http}
    if response is not None:
        raw["http"]["response"] = response
    made = from_config(raw, environ={"WSS_SMS_API_KEY": API_KEY})
    assert isinstance(made, HttpSender)
    made.transport = httpx.MockTransport(handler)
    return made


def message(text: str = "Your request 7859606267 is registered", *, template: str = "registered", language: str = "en") -> Message:
    return Message(id=42, mobile="9876543210", template=template, language=language, text=text)


def accept(seen: list[httpx.Request]):
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "success", "data": [{"id": "GW000042"}]})
    return handle


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode("ascii")).items()}


def test_a_form_post_carries_the_mobile_text_ids_key_and_unicode_flag():
    seen: list[httpx.Request] = []
    made = sender(accept(seen))
    assert made.send(message()) == "GW000042"
    assert made.send(message(HINDI, language="hi")) == "GW000042"
    english, hindi = (form_of(r) for r in seen)
    assert seen[0].method == "POST" and str(seen[0].url) == URL
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert english["message"] == "Your request 7859606267 is registered" and hindi["message"] == HINDI
    raw = sms.load_config()
    params = raw["http"]["params"]
    # Whatever names data/sms_gateway.toml gives them, the values are these.
    values = {v: k for k, v in params.items()}
    assert english[values["{mobile}"]] == "919876543210"
    assert english[values["{api_key}"]] == API_KEY
    assert english[values["{ref}"]] == "wss-42"
    assert english[values["{unicode}"]] != hindi[values["{unicode}"]]  # Hindi goes as Unicode
    assert hindi[values["{template_id}"]] and english[values["{template_id}"]]


def test_a_json_post_and_a_get_send_the_same_parameters():
    seen: list[httpx.Request] = []
    sender(accept(seen), body="json").send(message(HINDI, language="hi"))
    sender(accept(seen), method="GET", url=URL + "?route=transactional").send(message(HINDI, language="hi"))
    as_json, as_get = seen
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(as_json.content.decode("utf-8"))
    query = {k: v[0] for k, v in parse_qs(as_get.url.query.decode("ascii")).items()}
    assert as_get.method == "GET" and as_get.content == b""
    assert query.pop("route") == "transactional"  # the configured URL's own query is kept
    assert query == body and body[next(k for k, v in body.items() if v == HINDI)] == HINDI


def test_one_client_serves_every_message_until_closed():
    seen: list[httpx.Request] = []
    made = sender(accept(seen))
    made.send(message())
    first = made.client()
    made.send(message())
    assert made.client() is first and len(seen) == 2
    made.close()
    assert first.is_closed


def raising(exc: Exception):
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc
    return handle


@pytest.mark.parametrize(("handler", "reason"), [
    (raising(httpx.ReadTimeout("timed out")), "no answer from the gateway within 10 s"),
    (raising(httpx.ConnectTimeout("timed out")), "no answer from the gateway within 10 s"),
    (raising(httpx.ConnectError("[Errno 111] Connection refused")), "cannot reach the gateway: [Errno 111] Connection refused"),
    (raising(httpx.RemoteProtocolError("peer closed connection without sending complete message body")),
     "the gateway's answer broke off: RemoteProtocolError: peer closed connection without sending complete message body"),
    (lambda r: httpx.Response(503, text="Service Unavailable\n"), "gateway answered HTTP 503: Service Unavailable"),
    (lambda r: httpx.Response(500, text="x" * 5000), "gateway answered HTTP 500: " + "x" * 200 + " …"),
    (lambda r: httpx.Response(200, text="<html>Down for maintenance</html>"),
     "gateway answered something that is not JSON: <html>Down for maintenance</html>"),
    (lambda r: httpx.Response(200, text='{"status": "error", "message": "DLT template mismatch"}'),
     'gateway refused the message: {"status": "error", "message": "DLT template mismatch"}'),
    (lambda r: httpx.Response(200, text='{"status": "success", "data": []}'),
     "gateway's answer has no message ID at 'data.0.id': {\"status\": \"success\", \"data\": []}"),
])
def test_what_goes_wrong_is_one_line_kept_as_the_reason(handler, reason):
    with pytest.raises(SendFailed) as failed:
        sender(handler, timeout_seconds=10).send(message())
    assert str(failed.value) == reason


def test_a_redirect_is_followed_to_the_gateways_new_address():
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/send":
            return httpx.Response(307, headers={"Location": "https://sms.example.test/v2/send"})
        return httpx.Response(200, json={"status": "success", "data": [{"id": "GW7"}]})

    assert sender(handle).send(message()) == "GW7"
    assert [r.url.path for r in seen] == ["/api/send", "/v2/send"] and form_of(seen[1])["message"]


def test_a_text_answer_gives_the_id_its_pattern_captures():
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="OK|msgid=AB12CD34|credits=99")

    response = {"format": "text", "ok_values": ["OK"], "id_regex": r"msgid=(\w+)"}
    assert sender(handle, response=response).send(message()) == "AB12CD34"
    with pytest.raises(SendFailed, match=r"^gateway refused the message: ERR\|no credit$"):
        sender(lambda r: httpx.Response(200, text="ERR|no credit"), response=response).send(message())


def test_a_huge_answer_is_read_only_as_far_as_an_id_could_be():
    served = b'{"padding": "' + b"x" * 10_000_000 + b'", "status": "success", "data": [{"id": "GW1"}]}'

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=served)

    # Cut at 64,000 bytes, the document is no longer whole: refused, and the reason stays one short line.
    with pytest.raises(SendFailed, match=r'^gateway answered something that is not JSON: \{"padding": "x{187} …$'):
        sender(handle).send(message())
