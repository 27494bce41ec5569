"""store/text.py: what no typed or imported text may hold, and how stored text is shown."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wss_tui.store import text
from wss_tui.store.errors import Invalid


@pytest.mark.parametrize(
    "value, named",
    [
        ("a\x1b]0;owned\x07b", "U+001B (ESC)"),
        ("bell\x07", "U+0007 (BEL)"),
        ("nul\x00", "U+0000 (NUL)"),
        ("del\x7f", "U+007F (DEL)"),
        ("csi\x9b", "U+009B (CSI)"),
        ("Rs \u202e0001", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("bytes \udcff", "not UTF-8"),
        ("tab\there", "U+0009 (TAB)"),
        ("line\u2028sep", "U+2028"),
    ],
)
def test_refused_characters_are_named_with_the_field(value, named):
    with pytest.raises(Invalid) as err:
        text.check("reason", value)
    assert err.value.field == "reason"
    assert named in err.value.message


def test_newline_only_where_the_field_has_lines():
    assert text.check("details", "line 1\nline 2", multiline=True) == "line 1\nline 2"
    with pytest.raises(Invalid, match="line break"):
        text.check("name", "line 1\nline 2")


@pytest.mark.parametrize("value", ["[@click=app.quit]x[/]", "मीटर रीडिंग ५१२", "क्‍ष ZWJ", "₹ 2,202.99", ""])
def test_plain_text_of_any_script_passes_unchanged(value):
    assert text.check("reason", value) == value


def test_visible_marks_controls_and_keeps_the_rest():
    assert text.visible("a\x1b]52;c;eA==\x07b") == "a\u241b]52;c;eA==\u2407b"
    assert text.visible("x\x7fy\u202ez") == "x\u2421y\ufffdz"
    assert text.visible("two\nlines") == "two\nlines"
    assert text.visible("two\nlines", multiline=False) == "two\u240alines"
    assert text.visible(None) == ""


@given(st.text())
def test_nothing_visible_can_act_on_a_terminal(value):
    shown = text.visible(value, multiline=False)
    assert text.first_refused(shown) is None
    assert text.check("any", shown) == shown


def test_the_importers_fast_scan_is_the_same_rule_on_every_code_point():
    """`has_refused` (one regular expression, for a whole import column) agrees with `is_refused`."""
    every = "".join(map(chr, range(0x110000)))
    for multiline in (False, True):
        fast = {i for i, ch in enumerate(every) if text.has_refused(ch, multiline=multiline)}
        slow = {i for i, ch in enumerate(every) if text.is_refused(ch, multiline=multiline)}
        assert fast == slow
    assert not text.has_refused("मीटर क्‍ष ₹2,202.99 [@click=app.quit]x[/]")
    assert text.has_refused("two\nlines") and not text.has_refused("two\nlines", multiline=True)


def test_bytes_that_are_not_utf8_are_named_as_such():
    with pytest.raises(Invalid) as err:
        text.check("reason", "bytes \udcff")
    assert err.value.message == "has a byte that is not UTF-8 (U+DCFF) at character 7; type plain text without it"


# --- one rule for a typed reason, note, remark or comment (text.typed) --------------------------------


def _typed_fields():
    from wss_tui.store import config, intake, staff_admin
    from wss_tui.store.revision import calc, closure
    from wss_tui.store.revision.calc import Correction
    from wss_tui.store.todos import common

    return {
        "revision remark": lambda v: calc.check_remark(Correction("READING", v)),
        "closing comment": closure.check_comment,
        "To Do note": lambda v: common._text(v, "note", "say why you forward it"),
        "walk-in reason": lambda v: intake._check_reason(v, config.intake_rules()),
        "changed by": staff_admin.check_by,
    }


@pytest.mark.parametrize("where", ["revision remark", "closing comment", "To Do note", "walk-in reason", "changed by"])
@pytest.mark.parametrize("value", ["ab\x1b", "x\x1b" * 3000], ids=["short", "long"])
def test_a_refused_character_is_named_before_the_length_everywhere(where, value):
    """Each place once had its own copy of the rule, some measuring the length first: "write at least 10
    characters" for an escape sequence, which then came back refused for the escape once lengthened."""
    with pytest.raises(Invalid, match=r"U\+001B \(ESC\)"):
        _typed_fields()[where](value)


@pytest.mark.parametrize("where", ["revision remark", "closing comment", "To Do note", "walk-in reason", "changed by"])
def test_typed_text_is_stripped_and_kept_as_typed_everywhere(where):
    assert _typed_fields()[where]("  Meter photo shows 15 units less  ") == "Meter photo shows 15 units less"
