"""Small rules live once: IDs (ids.py), OTP codes, mobiles and their masking, sizes (numbers.size_text),
money (money.py), bill months (timefmt.show_month) and times (timefmt.shower as show). Each rule alone,
and the places that once had their own copy now agreeing with it."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from wss_tui.store import accounts, cases, db, ids, money, numbers, otp, timefmt, todos
from wss_tui.store.errors import Invalid, NotFound
from wss_tui.store.importing.fields import Bad, Mobile, Rupees
from wss_tui.store.models import BEING_WORKED_ON, ToDo
from wss_tui.store.todos import SearchFilter

from .tui_helpers import CLERK

# Every Unicode decimal digit, by script: what a Hindi (or any) keyboard may put in an ID.
DECIMAL_DIGITS = [chr(c) for c in range(0x110000) if chr(c).isdecimal()]
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


# --- IDs -------------------------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from(DECIMAL_DIGITS), min_size=1, max_size=20))
def test_any_decimal_digit_is_read_as_its_ascii_digit(typed):
    assert ids.digits(typed) == "".join(str(unicodedata.decimal(ch)) for ch in typed)
    assert ids.digits(typed).isascii()


@given(st.text(max_size=20))
def test_what_is_not_a_decimal_digit_is_kept_for_the_check_to_refuse(typed):
    kept = ids.digits(typed)
    assert kept == "".join(ch if not ch.isdecimal() else str(unicodedata.decimal(ch)) for ch in "".join(typed.split()))


@pytest.mark.parametrize("typed", ["0173220842", " 0173 220 842 ", "०१७३२२०८४२", "０１７３２２０８４２", "٠١٧٣٢٢٠٨٤٢"])
def test_a_request_id_in_any_digits_and_groups_is_the_ascii_id(typed):
    assert ids.request_id(typed) == "0173220842"


@pytest.mark.parametrize("typed", ["", "017322084", "01732208421", "017322084x", "²173220842", "0173220842\x1b"])
def test_what_is_not_a_request_id_is_named(typed):
    with pytest.raises(Invalid, match="is not a request ID; type the 10 digits"):
        ids.request_id(typed)


def test_the_to_do_search_and_the_request_status_read_an_id_alike(engine):
    """They had two rules: todos.resolve let Devanagari through (and found nothing), request_status refused it."""
    with db.read(engine) as session:
        row = next(r for r in todos.search(session, CLERK, SearchFilter(status=BEING_WORKED_ON), limit=200).rows if r.case_id)
        hindi = row.case_id.translate(DEVANAGARI)
        assert todos.resolve(session, CLERK, hindi) == todos.resolve(session, CLERK, row.case_id)
        assert cases.request_status(session, hindi).request_id == row.case_id
        assert todos.resolve(session, CLERK, row.todo_id.translate(DEVANAGARI)) == row.todo_id
        for bad in ("12345", "²" * 10):
            with pytest.raises(Invalid, match="14-digit To Do ID or the consumer's 10-digit request ID"):
                todos.resolve(session, CLERK, bad)
            with pytest.raises(Invalid, match="is not a request ID"):
                cases.request_status(session, bad)
        with pytest.raises(NotFound):
            cases.request_status(session, "०००००००००१")


def test_an_account_id_in_devanagari_is_the_ascii_account():
    assert accounts.validate_account_id("४७०५ ५९०२७६") == "4705590276"


@given(st.text(alphabet=st.sampled_from("0123456789०१२३४५६७८९ ab²"), max_size=10))
def test_an_otp_is_the_same_code_for_the_store_and_the_dialog(typed):
    """otp.check_code (the store) and the closing dialog both use ids.otp_code: one answer for any text."""
    try:
        expected = ids.otp_code(typed, 6)
    except Invalid as exc:
        assert exc.field == "OTP" and "6 digits" in exc.message
        with pytest.raises(Invalid):
            otp.check_code(typed)
        return
    assert expected.isascii() and len(expected) == 6
    assert otp.check_code(typed) == expected


# --- mobiles -------------------------------------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_a_mobile_is_ten_digits_starting_6_to_9_for_the_importer_staff_and_sms_alike(number):
    assert ids.is_mobile(number) == (number[0] in "6789")
    try:
        imported = Mobile().one(number)
    except Bad:
        imported = None
    assert (imported == number) == ids.is_mobile(number)


def test_the_sms_outbox_refuses_what_the_rule_refuses(engine):
    from wss_tui.store import sms

    with db.write(engine) as session, pytest.raises(Invalid, match="is not a 10-digit mobile number"):
        sms.queue(session, case_id=None, mobile="0123456789", template="registered", language="en",
                  request_name="x", account_id="1", request_id="1")


@pytest.mark.parametrize("mobile, shown", [("9876543210", "******3210"), (None, ""), ("", "")])
def test_a_mobile_is_masked_to_its_last_four_digits(mobile, shown):
    assert ids.mask_mobile(mobile) == shown


def test_no_other_masking_is_left():
    from wss_tui.screens import intake as intake_screen
    from wss_tui.store.revision import closure

    assert not hasattr(closure, "mask") and not hasattr(intake_screen, "mask")


# --- sizes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, shown", [
    (0, "0 bytes"), (1023, "1,023 bytes"), (1024, "1 KB"), (3 * 1024 + 100, "3 KB"), (1 << 20, "1.0 MB"),
    (5 * (1 << 20), "5.0 MB"), (3 * (1 << 30), "3.0 GB"),
])
def test_sizes_are_shown_one_way(n, shown):
    assert numbers.size_text(n) == shown


def test_the_attachment_limit_and_the_to_do_detail_show_a_size_alike():
    from wss_tui.store import attachments

    refusal = attachments._too_big("scan.pdf", 3 * 1024 + 100, 1024)
    assert "scan.pdf is 3 KB, over the 1 KB limit" in str(refusal)


# --- money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, paise", [
    ("12", 1200), ("0.1", 10), ("-12.3", -1230), ("-0.05", -5), ("1,200", 120000), ("1,23,456.70", 12345670),
    (".5", 50), ("+7", 700), ("", None), ("  ", None),
])
def test_rupees_are_read_to_exact_paise(typed, paise):
    assert money.paise(typed, "Arrear") == paise


@pytest.mark.parametrize("typed, words", [
    ("1.005", "has 3 decimals; an amount has at most 2"), ("abc", "is not an amount"), ("1e5", "is not an amount"),
    ("nan", "is not an amount"), ("५०", "is not one of the digits 0-9"), ("1234567890123", "too large"),
])
def test_what_is_not_an_amount_is_named(typed, words):
    with pytest.raises(Invalid, match=words) as err:
        money.paise(typed, "Arrear")
    assert err.value.field == "Arrear"


@settings(max_examples=300)
@given(st.one_of(st.from_regex(r"[+-]?[0-9]{0,13}(\.[0-9]{0,3})?", fullmatch=True), st.text(max_size=12)))
def test_the_revision_screen_and_the_importer_read_an_amount_alike(typed):
    """The screen (money.paise) and the importer (Rupees) once had two rules; now one, the importer
    refusing only thousands commas (not data in an extract)."""
    raw = typed.strip()
    if not raw or "," in raw:
        return
    try:
        typed_paise = money.paise(raw, "Arrear")
    except Invalid:
        typed_paise = None
    try:
        imported = Rupees(negative=True).one(raw)
    except Bad:
        imported = None
    assert imported == typed_paise
    if typed_paise is not None:
        assert abs(typed_paise) < 10 ** (numbers.MAX_DECIMAL_DIGITS + 2)


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_shown_rupees_read_back_to_the_same_paise(paise):
    assert money.paise(money.rupees(paise).removesuffix("INR"), "x") == paise


# --- bill months ---------------------------------------------------------------------------------


def test_a_bill_month_is_shown_one_way():
    assert timefmt.show_month(date(2026, 10, 1)) == "10-2026"
    assert timefmt.show_month(None) == ""


def test_the_cli_and_the_screens_show_a_bill_month_alike():
    import inspect

    from wss_tui.cli import account as cli_account
    from wss_tui.screens import account, intake, revision

    for module in (cli_account, account, intake, revision):
        source = inspect.getsource(module)
        assert "show_month(" in source and "%b %Y" not in source and "%m-%Y" not in source, module.__name__


# --- times ---------------------------------------------------------------------------------------


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30), timezones=st.just(UTC)))
@settings(max_examples=500)
def test_many_times_are_shown_as_one_is(at):
    """timefmt.shower, the sweep's way to format thousands of log times, writes what show() writes."""
    show = timefmt.shower()
    assert show(at) == timefmt.show(at)
    assert show(at + timedelta(hours=12)) == timefmt.show(at + timedelta(hours=12))  # the day's text, cached


def test_a_run_of_todo_ids_is_fresh_and_of_the_todo_id_form(engine):
    with db.read(engine) as session:
        taken = set(session.scalars(select(ToDo.todo_id)))
        run = ids.new_todo_ids(session, 500)
    assert len(set(run)) == 500 and not taken & set(run)
    assert all(ids.is_digits(t, ids.TODO_ID_DIGITS) for t in run)
    assert [int(t) for t in run] == list(range(int(run[0]), int(run[0]) + 500))
