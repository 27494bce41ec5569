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
