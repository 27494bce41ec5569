"""The To Do app: login, then To Do Search → To Do Entry → account context, all on the keyboard.

`make_app(engine, ...)` builds it for `wss tui` and for tests (which pass a prepared database and,
to skip the login screen, the logged-in user).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import Theme

from wss_tui.help_key import HELP_BINDING, help_wanted
from wss_tui.keys import TypeAhead
from wss_tui.store import config
from wss_tui.store.text import visible
from wss_tui.themes import ThemeName

if TYPE_CHECKING:  # the login screen paints before the store's models are loaded (cold start)
    from wss_tui.store.auth import Who
    from wss_tui.store.todos import TodoDetail

DEFAULT_THEME = "textual-dark"
HIGH_CONTRAST = "wss-high-contrast"
THEME_ALIASES = {ThemeName.DEFAULT: DEFAULT_THEME, ThemeName.HIGH_CONTRAST: HIGH_CONTRAST}

HIGH_CONTRAST_THEME = Theme(
    name=HIGH_CONTRAST,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    boost="#303030",
    success="#00FF00",
    warning="#FFB000",
    error="#FF4040",
    dark=True,
    variables={
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "footer-key-foreground": "#FFFF00",
        "input-selection-background": "#FFFF00 50%",
        "border": "#FFFF00",
        "border-blurred": "#A0A0A0",
    },
)


class ScreenCommands(Provider):
    """Every described key of the screen the palette was opened on, findable by name."""

    def _commands(self) -> list[tuple[str, str, object]]:
        found = []
        seen: set[str] = set()
        screen = self.screen
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or not active.enabled or binding.action in seen | {"command_palette"}:
                continue
            if active.node not in (screen, self.app):
                continue
            seen.add(binding.action)
            key_text = self.app.get_key_display(binding)
            found.append((binding.tooltip or binding.description, key_text, partial(self._run, active.node, binding.action)))
        return found

    async def _run(self, node, action: str) -> None:
        await node.run_action(action)

    async def discover(self) -> Hits:
        for name, key, callback in self._commands():
            yield DiscoveryHit(name, callback, help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, key, callback in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, help=f"key: {key}")


class WssApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "WSS To Do"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        replace(HELP_BINDING, action="help", show=False),  # in dialogs too; `?` is on_event's
        Binding("ctrl+t", "toggle_contrast", "High contrast", show=False),
        Binding("f10", "log_out", "Log out", show=False),  # no field takes F10
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self, engine: Engine, *, who: Who | None = None, theme: str | None = None, login_as: str | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.who: Who | None = None
        self.login_as = login_as  # `wss tui --ssh-user`: the user ID sshd fixed; only the password is asked
        self.todos_changed = 0  # bumped by every action, so a search seen again re-reads its page
        self._start_as = who
        self._start_theme = THEME_ALIASES.get(theme or "default", theme or DEFAULT_THEME)
        self.type_ahead = TypeAhead(self)
        self.lock_after = config.lock_after_seconds()  # 0: never
        self.locked = False
        self._last_input = time.monotonic()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.key == "ctrl+j" and not event.is_forwarded:
            # A newline is Enter (as in readline): Enter typed before the terminal went raw arrives as one.
            event = events.Key("enter", "\r")
        # Every key and paste passes the type-ahead gate first (wss_tui/keys.py): a burst is taken
        # one key at a time, each after the app has settled from the one before.
        if isinstance(event, (events.Key, events.Paste, events.MouseDown)):
            self._last_input = time.monotonic()
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self.type_ahead.take(event):
                return
            # `?` must reach the key list from a field too, and a field keeps every printable key from
            # the bindings (priority ones included); so it is caught here, before the field sees it.
            if isinstance(event, events.Key) and event.key == "question_mark" and help_wanted(self):
                self.app_focus = True
                self.action_help()
                return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST_THEME)
        self.theme = self._start_theme
        if self.lock_after:
            self.set_interval(min(5.0, max(0.5, self.lock_after / 4)), self._lock_if_idle)
        if self._start_as is not None:
            self.logged_in(self._start_as)
        else:
            from wss_tui.screens.login import LoginScreen

            self.push_screen(LoginScreen(fixed_user_id=self.login_as))

    def logged_in(self, who: Who) -> None:
        from wss_tui.screens.todo_search import TodoSearchScreen

        self.who = who
        self.sub_title = visible(f"{who.name} · {who.role} · {who.office_code}", multiline=False)
        role = config.roles().get(who.role)
        if role is not None and not role.works_todos:
            from wss_tui.screens.intake import IntakeScreen

            first = IntakeScreen()  # a counter operator has no To Dos: the walk-in counter is their work
        else:
            first = TodoSearchScreen()
        if len(self.screen_stack) > 1:
            self.switch_screen(first)
        else:
            self.push_screen(first)

    # --- sessions that end: the idle lock and "Log out" ------------------------------------------------

    def _lock_if_idle(self) -> None:
        if self.who is None or self.locked or time.monotonic() - self._last_input < self.lock_after:
            return
        from wss_tui.screens.lock import LockScreen

        self.locked = True
        minutes = _minutes(self.lock_after)
        self._record(self.who.user_id, "idle-lock", minutes)

        def unlocked(_: bool | None) -> None:
            self.locked = False
            self._last_input = time.monotonic()
            if self.who is not None:
                self._record(self.who.user_id, "resume")

        self.push_screen(LockScreen(self.who.user_id, minutes), unlocked)

    async def action_log_out(self) -> None:
        """Back to the login screen; what was open is closed, nothing unsaved is kept."""
        if self.who is None:
            return
        from wss_tui.screens.login import LoginScreen

        self._record(self.who.user_id, "logout")
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(LoginScreen(fixed_user_id=self.login_as))
        self.who = None
        self.locked = False
        self.sub_title = ""

    @work(thread=True, group="session-log", exit_on_error=False)
    def _record(self, user_id: str, event: str, minutes: str = "") -> None:
        """In the staff log (`wss staff log`); a database that is down must not stop a lock or a logout."""
        from wss_tui.services import auth

        auth.session_event(self.engine, user_id, event, minutes=minutes)

    def get_system_commands(self, screen):
        # No "Screenshot": over SSH it would write consumers' details to a file on the office server.
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        keyed = any(a.binding.action == "app.manage_todos" for a in screen.active_bindings.values())
        if not keyed and self.check_action("manage_todos", ()):  # on the search screen: its key `M` is listed
            from textual.app import SystemCommand

            yield SystemCommand("To Do management",
                                "Officers: each worker's open To Dos; reassign several at once",
                                self.action_manage_todos)

    def check_action(self, action: str, parameters) -> bool | None:
        if self.locked and action not in ("log_out", "quit", "toggle_contrast"):
            return False  # nothing reaches past the lock: no palette, no help, no other screen
        if action == "manage_todos":
            # Officers only (store/todo_manage.py): a clerk is not shown the key at all, nor loads the screen.
            from wss_tui.store import todo_manage

            if self.who is None or not todo_manage.may_manage(self.who.role):
                return False
            from wss_tui.screens.todo_manage import TodoManageScreen

            return not isinstance(self.screen, TodoManageScreen)
        return super().check_action(action, parameters)

    def action_manage_todos(self) -> None:
        from wss_tui.screens.todo_manage import TodoManageScreen

        if self.check_action("manage_todos", ()):
            self.push_screen(TodoManageScreen())

    def open_todo(self, todo_id: str) -> None:
        """To Do Entry on `todo_id`, read before the screen is pushed so that it composes and paints once."""
        self._open_todo(todo_id)

    @work(exclusive=True, group="todo-open", exit_on_error=False)
    async def _open_todo(self, todo_id: str) -> None:
        from wss_tui.screens.base import describe_error
        from wss_tui.services import todos as service

        assert self.who is not None, "a To Do opened before login"
        try:
            detail = await asyncio.to_thread(service.get, self.engine, self.who.user_id, todo_id)
        except Exception as exc:  # noqa: BLE001 — one line, never a traceback (not found, out of scope, db)
            self.notify(visible(describe_error(exc)), severity="error", timeout=8, markup=False)
            return
        self.show_todo(detail)

    def show_todo(self, detail: TodoDetail, *, notice: str = "") -> None:
        from wss_tui.screens.todo_entry import TodoEntryScreen

        self.push_screen(TodoEntryScreen(detail.todo_id, detail=detail, notice=notice))

    def open_account(self, account_id: str) -> None:
        from wss_tui.screens.account import AccountScreen

        self.push_screen(AccountScreen(account_id))

    def action_mis(self) -> None:
        """The MIS of the offices the user works in; refused to a role without To Dos, as the store
        refuses it (store/mis/)."""
        from wss_tui.screens.mis import MisScreen

        if self.who is None:
            return
        role = config.roles().get(self.who.role)
        if role is None or not role.works_todos:
            self.notify(visible(f"{self.who.role} does not work complaints, so has no MIS; ask your SDO"),
                        severity="warning", timeout=6, markup=False)
            return
        if isinstance(self.screen, MisScreen):
            return
        self.push_screen(MisScreen(self.engine, self.who.user_id))

    def action_help(self) -> None:
        from wss_tui.screens.help import HelpScreen

        if self.locked:
            return

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen.for_screen(self.screen))

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT_THEME if self.theme == HIGH_CONTRAST else HIGH_CONTRAST
        self.notify(f"Theme: {'high contrast' if self.theme == HIGH_CONTRAST else 'default'}", timeout=2)


def _minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} seconds"
    minutes = seconds / 60
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def make_app(engine: Engine, *, who: Who | None = None, theme: str | None = None, login_as: str | None = None) -> WssApp:
    return WssApp(engine, who=who, theme=theme, login_as=login_as)
