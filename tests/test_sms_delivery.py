"""Delivering the SMS outbox: a real HTTP gateway on 127.0.0.1, retries under a fixed clock, giving up,
two senders at once, a crashed sender's lease, and `wss sms send --watch` stopped by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wss_tui.store import clock, db, sms
from wss_tui.store.errors import Invalid
from wss_tui.store.models import SmsOutbox
from wss_tui.store.sms.senders import ConsoleSender, from_config

from ._cli import wss as run_wss

WSS = Path(sys.executable).parent / "wss"
API_KEY = "test-key-8f3a"


# --- a gateway of our own ------------------------------------------------------------------------------


class Gateway:
    """A bulk-SMS gateway on 127.0.0.1: records every request; answers as `mode` says."""

    def __init__(self) -> None:
        self.mode = "accept"
        self.delay = 0.0
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("ascii")
                params = {k: v[0] for k, v in urllib.parse.parse_qs(body, encoding="utf-8").items()}
                with gateway.lock:
                    gateway.requests.append(params)
                    n = len(gateway.requests)
                mode = gateway.mode
                if gateway.delay:
                    time.sleep(gateway.delay)
                if mode == "slow":
                    time.sleep(1.5)
                if mode == "fail":
                    return self._answer(500, b"Internal Server Error")
                if mode == "garbage":
                    return self._answer(200, b"<html><body>Service Temporarily Unavailable</body></html>")
                if mode == "refuse":
                    return self._answer(200, json.dumps({"status": "error", "message": "DLT template mismatch"}).encode())
                self._answer(200, json.dumps({"status": "success", "data": [{"id": f"GW{n:06d}"}]}).encode())

            def _answer(self, code: int, body: bytes) -> None:
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up waiting (the timeout test)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def refs(self) -> list[str]:
        return [r["custom_ref"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.close()


def http_config(gateway: Gateway, **retry) -> dict:
    """The shipped data/sms_gateway.toml, pointed at the test's gateway."""
    raw = sms.load_config()
    raw["sender"] = "http"
    raw["http"]["url"] = gateway.url
    raw["http"]["timeout_seconds"] = 0.5
    raw["retry"] = {**raw["retry"], **retry}
    return raw


def http_sender(gateway: Gateway, **retry):
    raw = http_config(gateway, **retry)
    return sms.settings_from(raw), from_config(raw, environ={"WSS_SMS_API_KEY": API_KEY})


def write_toml(path: Path, raw: dict) -> Path:
    """Enough TOML for the gateway configuration: tables of strings, numbers and string lists."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    lines: list[str] = []

    def table(name: str, d: dict) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, dict)}
        if name:
            lines.append(f"[{name}]")
        lines.extend(f'"{k}" = {value(v)}' for k, v in scalars.items())
        for k, v in d.items():
            if isinstance(v, dict):
                table(f"{name}.{k}" if name else k, v)

    table("", raw)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the outbox ----------------------------------------------------------------------------------------


def queue(engine, n: int = 1, *, language: str = "en", mobile_base: int = 9_800_000_000) -> list[int]:
    ids = []
    with db.write(engine) as session:
        for i in range(n):
            row = sms.queue(
                session,
                case_id=None,
                mobile=str(mobile_base + i),
                template="registered",
                language=language,
                request_name="Bill Correction Request",
                account_id="1234567890",
                request_id=f"{7_000_000_000 + i}",
            )
            session.flush()
            ids.append(row.id)
    return ids


def outbox(engine, ids: list[int]) -> list:
    """The messages' rows as they are now (plain rows, in the order of `ids`)."""
    table = SmsOutbox.__table__
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(table).where(table.c.id.in_(ids)))}
    return [rows[i] for i in ids]


@pytest.fixture(autouse=True)
def nothing_due(engine):
    """The tests count what is sent: the demo's outbox must hold nothing waiting to go."""
    with db.read(engine) as session:
        waiting = session.scalar(select(func.count()).select_from(SmsOutbox).where(SmsOutbox.status.in_(("QUEUED", "SENDING"))))
    assert waiting == 0


@pytest.fixture
def at(fixed_clock):
    """Move the store's clock: at(seconds) sets it that many seconds after the fixed start."""

    def move(seconds: float = 0) -> None:
        moment = fixed_clock + timedelta(seconds=seconds)
        clock.set_clock(lambda: moment)

    move(0)
    return move


# --- the HTTP gateway sender ---------------------------------------------------------------------------


def test_gateway_gets_mobile_text_sender_id_dlt_template_key_and_unicode_flag(engine, gateway, at):
    settings, sender = http_sender(gateway)
    hindi, english = queue(engine, language="hi")[0], queue(engine, language="en", mobile_base=7_700_000_000)[0]

    report = sms.deliver(engine, sender, settings)

    assert (report.sent, report.retrying, report.gave_up) == (2, 0, 0)
    by_ref = {r["custom_ref"]: r for r in gateway.requests}
    rows = dict(zip((hindi, english), outbox(engine, [hindi, english])))
    h, e = by_ref[f"wss-{hindi}"], by_ref[f"wss-{english}"]
    assert h["message"] == rows[hindi].text and "प्रिय उपभोक्ता" in h["message"]  # Hindi arrives whole, UTF-8
    assert (h["numbers"], h["sender"], h["apikey"], h["unicode"], h["template_id"]) == (
        "919800000000", "UPPCLB", API_KEY, "1", "1107168000000010002")
    assert (e["numbers"], e["unicode"], e["template_id"]) == ("917700000000", "0", "1107168000000010001")
    for row in rows.values():
        assert row.status == "SENT" and row.tries == 1 and row.sent_at == clock.now() and row.last_error is None
    assert {rows[hindi].gateway_id, rows[english].gateway_id} == {"GW000001", "GW000002"}


def test_a_failing_gateway_is_retried_with_backoff_until_it_takes_the_message(engine, gateway, at):
    settings, sender = http_sender(gateway, backoff_seconds=60, backoff_factor=2)
    gateway.mode = "fail"
    [sid] = queue(engine)

    assert sms.deliver(engine, sender, settings).retrying == 1
    [row] = outbox(engine, [sid])
    assert (row.status, row.tries, row.next_try_at) == ("QUEUED", 1, clock.now() + timedelta(seconds=60))
    assert row.last_error == "gateway answered HTTP 500: Internal Server Error"

    at(59)  # not yet due: nothing goes
    assert sms.deliver(engine, sender, settings).tried == 0
    at(60)
    assert sms.deliver(engine, sender, settings).retrying == 1
    [row] = outbox(engine, [sid])
    assert (row.tries, row.next_try_at) == (2, clock.now() + timedelta(seconds=120))  # the wait doubled

    gateway.mode = "accept"
    at(60 + 119)
    assert sms.deliver(engine, sender, settings).tried == 0
    at(60 + 120)
    assert sms.deliver(engine, sender, settings).sent == 1
    [row] = outbox(engine, [sid])
    assert (row.status, row.tries, row.gateway_id, row.last_error) == ("SENT", 3, "GW000003", None)
    assert gateway.refs() == [f"wss-{sid}"] * 3  # the same reference on every try


@pytest.mark.parametrize(
    "mode, error",
    [
        ("slow", "no answer from the gateway within 0.5 s"),
        ("garbage", "gateway answered something that is not JSON: <html><body>Service Temporarily Unavailable</body></html>"),
        ("refuse", 'gateway refused the message: {"status": "error", "message": "DLT template mismatch"}'),
    ],
)
def test_timeout_garbage_and_refusal_are_failed_tries(engine, gateway, at, mode, error):
    settings, sender = http_sender(gateway)
    gateway.mode = mode
    [sid] = queue(engine)
    # For "slow" the error says the client's 0.5 s timeout, not the gateway's 1.5 s, ended the wait
    # (a wall-clock bound here failed on a loaded machine).
    assert sms.deliver(engine, sender, settings).retrying == 1
    [row] = outbox(engine, [sid])
    assert (row.status, row.tries, row.last_error) == ("QUEUED", 1, error)


def test_unreachable_gateway_is_a_failed_try(engine, at):
    raw = sms.load_config()
    raw["sender"] = "http"
    raw["http"]["url"] = "http://127.0.0.1:9/api/send"  # discard port: nothing listens
    settings, sender = sms.settings_from(raw), from_config(raw, environ={"WSS_SMS_API_KEY": API_KEY})
    [sid] = queue(engine)
    assert sms.deliver(engine, sender, settings).retrying == 1
    assert outbox(engine, [sid])[0].last_error.startswith("cannot reach the gateway:")


def test_gives_up_after_max_tries_and_wss_sms_list_failed_shows_it(engine, demo_url, gateway, at):
    settings, sender = http_sender(gateway, max_tries=3, backoff_seconds=10, backoff_factor=3)
    gateway.mode = "fail"
    with db.read(engine) as session:
        failed_before = sms.count_by_status(session)["FAILED"]  # the demo's own
    failing = queue(engine)[0]
    also_failing = queue(engine, mobile_base=7_000_000_000)[0]
    for next_due in (10, 10 + 30):  # waits of 10 s, then 30 s
        report = sms.deliver(engine, sender, settings)
        assert (report.retrying, report.gave_up) == (2, 0)
        at(next_due)
    report = sms.deliver(engine, sender, settings)
    assert (report.sent, report.retrying, report.gave_up) == (0, 0, 2)
    assert len(gateway.requests) == 6  # three tries each, then no more
    at(100_000)
    assert sms.deliver(engine, sender, settings).tried == 0

    rows = outbox(engine, [failing, also_failing])
    for row in rows:
        assert (row.status, row.tries, row.next_try_at) == ("FAILED", 3, None)
        assert row.last_error == "gave up after 3 tries: gateway answered HTTP 500: Internal Server Error"
    with db.read(engine) as session:
        assert sms.count_by_status(session)["FAILED"] == failed_before + 2

    listed = run_wss("--db", demo_url, "sms", "list", "--failed", "--json")
    assert listed.returncode == 0, listed.stderr
    payload = json.loads(listed.stdout)
    assert len(payload) == failed_before + 2 and [m["id"] for m in payload[:2]] == [also_failing, failing]  # newest first
    assert all(m["status"] == "FAILED" and m["last_error"].startswith("gave up after 3 tries") for m in payload[:2])
    table = run_wss("--db", demo_url, "sms", "list", "--failed")
    assert table.returncode == 0
    assert f"FAILED {failed_before + 2}" in table.stdout and "gave up after 3 tries: gateway answered HTTP 500" in table.stdout
    assert all(len(line) <= 80 for line in table.stdout.splitlines())
    assert failed_before > 0  # the demo gives up on a few (DND numbers)
    for m in payload[2:]:  # the demo's own, on its requests: whom to phone
        assert f"request {m['case_id']} · gave up after" in table.stdout


def test_wss_sms_list_fits_80_columns_with_long_templates_and_errors(engine, demo_url):
    """revision_approved/hi and CANCELLED made the line 82 columns wide; a long gateway error ran on."""
    from sqlalchemy import update

    error = "gave up after 5 tries: gateway answered HTTP 400: " + "the number is on the DND register \x1b[2J " * 4
    with db.write(engine) as session:
        row = sms.queue(session, case_id=None, mobile="9800000001", template="revision_approved", language="hi",
                        bill_no="12345678901234", account_id="1234567890", amount="1,234.56", due_date="15-12-2026",
                        request_id="7000000001", lps="12.34", total="2,345.67")
        session.flush()
        session.execute(update(SmsOutbox).where(SmsOutbox.id == row.id).values(status="CANCELLED", last_error=error))
    table = run_wss("--db", demo_url, "sms", "list", "--limit", "5")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    ours = next(i for i, line in enumerate(lines) if "9800000001" in line)
    assert "…/hi" in lines[ours] and "CANCELLED" in lines[ours]
    # The error below it, wrapped, every word kept and the escape shown, not sent to the terminal.
    wrapped = " ".join(line.strip() for line in lines[ours + 1:ours + 5])
    assert "\x1b" not in table.stdout and "on the DND register ␛[2J the number" in wrapped


# --- claims, leases, concurrency -----------------------------------------------------------------------


def test_a_crashed_senders_claim_is_taken_again_when_its_lease_ends(engine, gateway, at):
    settings, sender = http_sender(gateway, lease_seconds=300)
    [sid] = queue(engine)
    [claim] = sms.claim(engine, settings, 5)  # ... and the sender dies before marking it
    [row] = outbox(engine, [sid])
    assert (row.status, row.tries, row.next_try_at) == ("SENDING", 1, clock.now() + timedelta(seconds=300))

    assert sms.deliver(engine, sender, settings).tried == 0  # held: nobody else sends it
    at(299)
    assert sms.deliver(engine, sender, settings).tried == 0
    at(300)
    assert sms.deliver(engine, sender, settings).sent == 1
    [row] = outbox(engine, [sid])
    assert (row.status, row.tries) == ("SENT", 2)
    # The dead sender's claim cannot undo what the next one did.
    assert sms.mark_failed(engine, claim, settings, "late") == ""
    assert outbox(engine, [sid])[0].status == "SENT"


def test_a_sender_dying_on_the_last_try_leaves_the_message_failed(engine, at):
    settings = sms.Settings(max_tries=2, lease_seconds=60)
    [sid] = queue(engine)
    sms.claim(engine, settings, 1)
    at(60)
    sms.claim(engine, settings, 1)  # second try, and that sender dies too
    at(120)
    assert sms.claim(engine, settings, 1) == []
    [row] = outbox(engine, [sid])
    assert (row.status, row.tries) == ("FAILED", 2)
    assert "lease ran out" in row.last_error


def queue_otp(engine, code: str, mobile: str = "9811111111") -> int:
    with db.write(engine) as session:
        row = sms.queue(session, case_id=None, mobile=mobile, template="otp", language="en", otp=code,
                        request_id="7000000001", account_id="1234567890", status="Case Completed", minutes=15)
        session.flush()
        return row.id


def test_an_otp_code_leaves_the_outbox_once_sent_given_up_or_abandoned(engine, gateway, at):
    """The OTP is stored hashed; the outbox's copy of its text is masked once it is out of the queue, so
    reading the table cannot close a complaint in the consumer's name. IDs in the text stay whole."""
    settings, sender = http_sender(gateway, max_tries=1)
    sent = queue_otp(engine, "042917")
    assert "042917" in outbox(engine, [sent])[0].text  # queued: the sender still needs it
    assert sms.deliver(engine, sender, settings).sent == 1
    assert "OTP 042917 " in gateway.requests[-1]["message"]  # the consumer got the code …
    [row] = outbox(engine, [sent])
    assert "OTP ****** confirms closing request 7000000001 of A/c 1234567890" in row.text  # … the table did not

    gateway.mode = "fail"
    given_up = queue_otp(engine, "555123", mobile="9822222222")
    assert sms.deliver(engine, sender, settings).gave_up == 1
    assert "555123" not in outbox(engine, [given_up])[0].text and "******" in outbox(engine, [given_up])[0].text

    lease = sms.Settings(max_tries=1, lease_seconds=60)
    abandoned = queue_otp(engine, "777001", mobile="9833333333")
    sms.claim(engine, lease, 1)  # and that sender dies
    at(120)
    assert sms.claim(engine, lease, 1) == []
    [row] = outbox(engine, [abandoned])
    assert row.status == "FAILED" and "777001" not in row.text and "******" in row.text

    registered = queue(engine)[0]  # other templates keep their text
    text_before = outbox(engine, [registered])[0].text
    gateway.mode = "accept"
    assert sms.deliver(engine, sender, settings).sent == 1
    assert outbox(engine, [registered])[0].text == text_before


def test_two_senders_in_threads_never_send_one_message_twice(engine, gateway, at):
    settings, sender = http_sender(gateway, batch=3)
    gateway.delay = 0.005  # long enough for the two to overlap all the way through
    ids = queue(engine, 40)
    reports = []

    def run() -> None:
        reports.append(sms.deliver(engine, sender, settings))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(gateway.refs()) == sorted(f"wss-{i}" for i in ids)  # each exactly once
    assert sum(r.sent for r in reports) == 40 and all(r.sent > 0 for r in reports)
    assert {(r.status, r.tries) for r in outbox(engine, ids)} == {("SENT", 1)}


def test_two_wss_sms_send_processes_never_send_one_message_twice(engine, demo_url, gateway, tmp_path):
    config = write_toml(tmp_path / "gateway.toml", http_config(gateway, batch=4))
    gateway.delay = 0.005
    ids = queue(engine, 40)
    env = {**os.environ, "WSS_SMS_API_KEY": API_KEY}
    command = [str(WSS), "--db", demo_url, "sms", "send", "--config", str(config), "--json"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    sent = [json.loads(out)["sent"] for out, _ in outs]
    assert sum(sent) == 40
    assert sorted(gateway.refs()) == sorted(f"wss-{i}" for i in ids)
    assert {r.status for r in outbox(engine, ids)} == {"SENT"}


def test_stopping_mid_batch_hands_the_unsent_claims_back(engine, at, tmp_path):
    settings = sms.Settings(batch=5)
    stop = threading.Event()

    class StopAfterOne(ConsoleSender):
        def send(self, message):
            stop.set()
            return super().send(message)

    ids = queue(engine, 5)
    report = sms.deliver(engine, StopAfterOne(file=tmp_path / "sent.jsonl"), settings, stop=stop)
    assert (report.sent, report.released) == (1, 4)
    rows = outbox(engine, ids)
    assert [(r.status, r.tries) for r in rows] == [("SENT", 1)] + [("QUEUED", 0)] * 4
    assert all(r.next_try_at <= clock.now() for r in rows[1:])  # due again at once


# --- the command ---------------------------------------------------------------------------------------


def test_wss_sms_send_with_the_shipped_console_sender(engine, demo_url):
    [en] = queue(engine)
    [hi] = queue(engine, language="hi", mobile_base=6_200_000_000)
    out = run_wss("--db", demo_url, "sms", "send")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Sent 2; failed, to be retried 0; gave up 0."
    assert f"SMS wss-{en} to 9800000000 (registered, en, DLT 1107168000000010001): Dear Consumer" in out.stderr
    assert f"SMS wss-{hi} to 6200000000 (registered, hi, DLT 1107168000000010002): प्रिय उपभोक्ता" in out.stderr
    assert {r.status for r in outbox(engine, [en, hi])} == {"SENT"}
    again = run_wss("--db", demo_url, "sms", "send", "--json")
    assert json.loads(again.stdout) == {"sent": 0, "retrying": 0, "gave_up": 0, "released": 0, "cancelled": 0, "stopped": False}


def test_wss_sms_send_limit(engine, demo_url, tmp_path):
    ids = queue(engine, 5)
    config = write_toml(tmp_path / "gateway.toml", {**sms.load_config(), "console": {"file": str(tmp_path / "sent.jsonl")}})
    out = run_wss("--db", demo_url, "sms", "send", "--limit", "2", "--config", str(config), "--json")
    assert json.loads(out.stdout)["sent"] == 2
    assert [r.status for r in outbox(engine, ids)] == ["SENT", "SENT", "QUEUED", "QUEUED", "QUEUED"]
    assert [json.loads(line)["ref"] for line in (tmp_path / "sent.jsonl").read_text().splitlines()] == [f"wss-{i}" for i in ids[:2]]


def test_http_sender_without_its_api_key_refuses_to_start(engine, demo_url, gateway, tmp_path):
    config = write_toml(tmp_path / "gateway.toml", http_config(gateway))
    env = {k: v for k, v in os.environ.items() if k != "WSS_SMS_API_KEY"}
    out = subprocess.run([str(WSS), "--db", demo_url, "sms", "send", "--config", str(config)], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip() == "error: sms_gateway.toml: set the environment variable WSS_SMS_API_KEY to the gateway's API key"
    assert gateway.requests == []


def test_gateway_configuration_mistakes_are_named():
    raw = sms.load_config()
    raw["sender"] = "http"
    del raw["dlt"]["otp"]
    with pytest.raises(Invalid, match=r"no DLT template ID for the 'otp' text in 'en'; add it under \[dlt.otp\]"):
        from_config(raw, environ={"WSS_SMS_API_KEY": API_KEY})
    with pytest.raises(Invalid, match="sender = 'carrier-pigeon' is not known"):
        from_config({"sender": "carrier-pigeon"})
    with pytest.raises(Invalid, match=r"sms_gateway\.toml: retry\.max_tries: must be at least 1 \(got 0\)"):
        sms.settings_from({"retry": {"max_tries": 0}})


def test_watch_keeps_delivering_as_messages_arrive_and_stops_cleanly_on_ctrl_c(engine, demo_url, tmp_path):
    sent_file = tmp_path / "sent.jsonl"
    raw = sms.load_config()
    raw["console"] = {"file": str(sent_file)}
    raw["watch"] = {"poll_seconds": 0.2}
    config = write_toml(tmp_path / "gateway.toml", raw)
    [first] = queue(engine)
    proc = subprocess.Popen(
        [str(WSS), "--db", demo_url, "sms", "send", "--watch", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_lines(sent_file, 1)
        [second] = queue(engine, mobile_base=7_100_000_000)  # arrives while it watches
        wait_for_lines(sent_file, 2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert out.strip().endswith("Sent 2; failed, to be retried 0; gave up 0.\nStopped.")
    assert [json.loads(line)["ref"] for line in sent_file.read_text().splitlines()] == [f"wss-{first}", f"wss-{second}"]
    assert {r.status for r in outbox(engine, [first, second])} == {"SENT"}


def wait_for_lines(path: Path, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} did not reach {n} lines in {timeout} s")


# --- OTP messages: the code is minted as the message goes ---------------------------------------------


def queue_live_otps(engine, n: int) -> dict[int, int]:
    """n OTPs waiting to go, on the demo's open cases, as otp.send leaves them: {outbox id: case_otp id}."""
    from wss_tui.store import otp
    from wss_tui.store.models import Case, CaseOtp, ToDo

    out = {}
    with db.write(engine) as s:
        rows = s.execute(select(Case.case_id, ToDo.todo_id, ToDo.office_code).join(ToDo, ToDo.case_id == Case.case_id)
                         .where(Case.closed_at.is_(None)).order_by(Case.case_id).limit(n)).all()
        assert len(rows) == n
        for k, r in enumerate(rows):
            mobile = f"98{k:08d}"
            row = CaseOtp(case_id=r.case_id, todo_id=r.todo_id, mobile=mobile, code_hash=otp.UNSENT, outcome="Case Completed",
                          comment="done", created_by="INR1-SDC1", created_at=clock.now(), expires_at=clock.now())
            s.add(row)
            s.flush()
            message = sms.queue(s, case_id=r.case_id, mobile=mobile, template="otp", language="en", otp=sms.masked_code(6),
                                otp_id=row.id, request_id=r.case_id, account_id="1234567890", status="Case Completed", minutes=15)
            s.flush()
            out[message.id] = row.id
    return out


def test_two_senders_mint_and_send_each_otp_once_and_the_outbox_keeps_none(engine, at):
    from argon2 import PasswordHasher

    from wss_tui.store.models import CaseOtp

    otps = queue_live_otps(engine, 12)
    got, lock = [], threading.Lock()

    class Phone:
        def send(self, message) -> str:
            with lock:
                got.append(message)
            time.sleep(0.005)  # a gateway's round trip: the two senders overlap all the way through
            return f"phone-{message.id}"

    settings = sms.Settings(batch=2)
    threads = [threading.Thread(target=sms.deliver, args=(engine, Phone(), settings)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(m.id for m in got) == sorted(otps)  # each exactly once
    hashes = {}
    with db.read(engine) as s:
        for r in s.execute(select(CaseOtp.id, CaseOtp.code_hash, CaseOtp.expires_at).where(CaseOtp.id.in_(list(otps.values())))):
            hashes[r.id] = r.code_hash
            assert r.expires_at == clock.now() + timedelta(minutes=15)
    for m in got:
        code = m.secret
        assert len(code) == 6 and f"OTP {code} " in m.text
        assert PasswordHasher().verify(hashes[otps[m.id]], code)
    for row in outbox(engine, list(otps)):
        assert row.status == "SENT" and "OTP ****** " in row.text
        assert not any(m.secret in row.text for m in got)
