"""What every screen shares: `?` lists the keys, the themes, the command palette, `wss tui` itself."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from wss_tui.app import DEFAULT_THEME, HIGH_CONTRAST
from wss_tui.cli.base import app as cli
from wss_tui.screens.help import HelpScreen
from wss_tui.screens.todo_entry import TodoEntryScreen
from wss_tui.screens.todo_search import TodoSearchScreen

from .tui_helpers import app_as, column, settle


async def test_question_mark_lists_every_key_of_the_screen(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        listed = column(app, "#help-keys", "what")
        for what in ("Next page", "Prev page", "Next To Do", "Open ID", "Refresh", "Filters", "Open",
                     "High contrast", "Quit"):
            assert what in listed, what
        await pilot.press("escape")
        assert isinstance(app.screen, TodoSearchScreen)


async def test_help_on_the_entry_lists_its_actions(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TodoEntryScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        listed = column(app, "#help-keys", "what")
        # A key not offered on this To Do now is listed as such: it says why when pressed.
        for what in ("Take", "Forward", "Send back", "Add log entry", "Priority", "Complete", "Next To Do",
                     "Keys/Values", "Account", "Back"):
            assert what in listed or f"{what} (not on this To Do now: says why)" in listed, what


async def test_high_contrast_theme_by_key_and_by_option(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == DEFAULT_THEME
        await pilot.press("ctrl+t")
        assert app.theme == HIGH_CONTRAST
        await pilot.press("ctrl+t")
        assert app.theme == DEFAULT_THEME
    app = app_as(engine, theme="high-contrast")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == HIGH_CONTRAST


async def test_command_palette_runs_the_screens_actions_by_name(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Add log")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "TextDialog"
        assert "User Details" in str(app.screen.title_text)


def test_wss_tui_without_a_schema_is_one_error_line(empty_engine, tmp_path):
    (tmp_path / "nothing-here.db").touch()  # a missing file is another error (tests/test_hostile_crashes.py)
    url = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "tui"])
    assert result.exit_code != 0
    assert f"{url} has no tables yet; run `wss db upgrade`" in str(result.exception)


def test_wss_tui_refuses_an_unknown_theme_as_a_usage_error(demo_url):
    result = subprocess.run([sys.executable, "-m", "wss_tui", "--db", demo_url, "tui", "--theme", "purple"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Invalid value for '--theme'")
    assert "'purple' is not one of 'default', 'high-contrast', 'textual-dark'" in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_the_themes_wss_tui_offers_are_ours_and_textuals():
    from textual.theme import BUILTIN_THEMES

    from wss_tui.app import THEME_ALIASES
    from wss_tui.themes import OURS, ThemeName

    assert set(ThemeName) == set(OURS) | set(BUILTIN_THEMES)
    assert set(THEME_ALIASES) == set(OURS)


async def test_the_palette_offers_no_screenshot_that_would_write_a_file_on_the_server(engine):
    app = app_as(engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and {"Theme", "Quit"} <= set(titles)
