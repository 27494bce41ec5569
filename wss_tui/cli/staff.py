"""`wss staff`: the IT cell adds staff, sets passwords, unlocks, disables and lists them; every change
is recorded with who made it (`--by`, else the OS user), and `wss staff log` shows the record."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from wss_tui.store.codes import StaffAction

from .base import Group, app, engine, fail, print_json, say

staff_app = typer.Typer(help="Staff: add, set a password, unlock, disable / enable, list, reassign their To Dos; the log of changes.", no_args_is_help=True, cls=Group)
app.add_typer(staff_app, name="staff")

UserId = Annotated[str, typer.Argument(metavar="USER_ID", help="Staff user ID, e.g. INR1-SDC3.")]
By = Annotated[str | None, typer.Option(
    "--by", metavar="USER_ID-or-NAME",
    help="Who makes the change, recorded in `wss staff log` (default: the operating-system user running this).",
)]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password as one line from stdin (for scripts) instead of asking."
)]


def _password(user_id: str, from_stdin: bool) -> str:
    """The new password: one line of stdin, or typed twice at a hidden prompt and checked before the second."""
    from wss_tui.store.staff_admin import check_password

    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            fail("password: nothing on stdin; give the password as one line")
        check_password(user_id, password)
        return password
    if not sys.stdin.isatty():
        # getpass would read a pipe with a warning, or the terminal behind it: neither is what a script meant.
        fail("password: no terminal to ask on; give it as one line on stdin with --password-stdin")
    # Prompts go to stderr, so stdout holds only the confirmation line. Asked twice by hand rather than
    # with confirmation_prompt=True, which asks again forever on a mismatch instead of stopping.
    password = typer.prompt(f"New password for {user_id}", hide_input=True, err=True)
    check_password(user_id, password)
    if typer.prompt("Type it again", hide_input=True, err=True) != password:
        fail("password: the two passwords typed differ; nothing was changed; run the command again")
    return password


@staff_app.command("add")
def add(
    ctx: typer.Context,
    user_id: UserId,
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="Full name, as the To Do screens show it.")],
    role: Annotated[str, typer.Option("--role", metavar="ROLE", help="Role from data/roles.toml, e.g. TR-SDC; its scope is the level of office it sits at.")],
    office: Annotated[str, typer.Option("--office", metavar="CODE", help="Office code (data/offices.toml) at the role's level.")],
    mobile: Annotated[str | None, typer.Option("--mobile", metavar="MOBILE", help="10-digit mobile number (optional).")] = None,
    password_stdin: PasswordStdin = False,
    by: By = None,
) -> None:
    """Add a staff member; the password is asked twice (hidden) unless --password-stdin."""
    from wss_tui.store import staff_admin

    by = staff_admin.check_by(by)
    eng = engine(ctx)
    # Every other rule first, so a typo in --office is not found only after the password was typed twice.
    spec = staff_admin.check_new(eng, staff_admin.NewStaff(user_id, name, role, office, mobile))
    entry = staff_admin.add(eng, spec, _password(spec.user_id, password_stdin), by=by)
    typer.echo(f"added {entry.user_id} ({entry.role}, {entry.office_code})")


@staff_app.command("passwd")
def passwd(ctx: typer.Context, user_id: UserId, password_stdin: PasswordStdin = False, by: By = None) -> None:
    """Set a new password; it also lifts a lock-out and clears the failed logins."""
    from wss_tui.store import staff_admin

    by = staff_admin.check_by(by)
    eng = engine(ctx)
    before = staff_admin.get(eng, user_id)
    entry = staff_admin.set_password(eng, before.user_id, _password(before.user_id, password_stdin), by=by)
    notes = ["lock-out lifted"] if before.locked_until else []
    if not entry.active:
        notes.append(f"still disabled: `wss staff enable {entry.user_id}` lets them log in")
    typer.echo(f"password set for {entry.user_id}" + (f" ({'; '.join(notes)})" if notes else ""))


@staff_app.command("unlock")
def unlock(ctx: typer.Context, user_id: UserId, by: By = None) -> None:
    """Lift a lock-out after failed logins (the password stays as it is)."""
    from wss_tui.store import staff_admin

    change = staff_admin.unlock(engine(ctx), user_id, by=by)
    uid = change.entry.user_id
    typer.echo(f"unlocked {uid}" if change.changed else f"{uid} was not locked; nothing changed")


@staff_app.command("disable")
def disable(ctx: typer.Context, user_id: UserId, by: By = None) -> None:
    """Stop a staff member logging in (a transfer, leave, retirement); their records stay."""
    _set_active(ctx, user_id, False, by)


@staff_app.command("enable")
def enable(ctx: typer.Context, user_id: UserId, by: By = None) -> None:
    """Let a disabled staff member log in again."""
    _set_active(ctx, user_id, True, by)


def _set_active(ctx: typer.Context, user_id: str, active: bool, by: str | None) -> None:
    from wss_tui.store import staff_admin

    change = staff_admin.set_active(engine(ctx), user_id, active, by=by)
    e, word = change.entry, "enabled" if active else "disabled"
    typer.echo(f"{word} {e.user_id} ({e.role}, {e.office_code})" if change.changed else f"{e.user_id} was already {word}; nothing changed")
    if not active and change.open_todos:
        n = change.open_todos
        typer.echo(f"{e.user_id} holds {n} open To Do{'s' if n != 1 else ''}; move {'them' if n != 1 else 'it'} "
                   f"with `wss staff reassign {e.user_id} --route` (or --to USER_ID)")


@staff_app.command("reassign")
def reassign(
    ctx: typer.Context,
    user_id: UserId,
    to: Annotated[str | None, typer.Option("--to", metavar="USER_ID", help="Give them all to this colleague.")] = None,
    to_role: Annotated[str | None, typer.Option("--to-role", metavar="ROLE", help="Put them all in this role's queue (Open).")] = None,
    route: Annotated[bool, typer.Option("--route", help="Re-route each by data/routing.toml's rule among the others of its role.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why, for each To Do's log (default: the member is disabled / locked out).")] = None,
    by: By = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the moves as a JSON list.")] = False,
) -> None:
    """Move every open To Do a staff member holds (on leave, transferred, disabled), in one step."""
    from dataclasses import asdict

    from wss_tui.store import staff_admin

    if sum(map(bool, (to, to_role, route))) != 1:
        fail("to: give one of --to USER_ID, --to-role ROLE or --route")
    by = staff_admin.check_by(by)
    moved = staff_admin.reassign(engine(ctx), user_id, to_user=to, to_role=to_role, reason=reason, by=by)
    if as_json:
        print_json([asdict(m) for m in moved])
        return
    uid = user_id.strip().upper()
    if not moved:
        typer.echo(f"{uid} holds no open To Dos; nothing moved")
        return
    for m in moved:
        say(f"{m.todo_id}  {m.details}")
    typer.echo(f"moved {len(moved)} open To Do{'s' if len(moved) != 1 else ''} from {uid}")


ACTION_WIDTH = max(len(action) for action in StaffAction)  # `staff log`'s action column: the longest name
LINE = 80  # the terminal a clerk or an administrator reads it in


@staff_app.command("log")
def log(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", metavar="USER_ID", help="Only changes to this staff member.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many, newest first.")] = 50,
    before: Annotated[int | None, typer.Option("--before", metavar="ID", help="Continue after this change ID (the next page).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as a JSON list.")] = False,
) -> None:
    """Who added staff, set passwords, unlocked, disabled or enabled them, and when; newest first."""
    from dataclasses import asdict

    from wss_tui.store import db, staff_admin
    from wss_tui.store.text import visible
    from wss_tui.store.timefmt import show

    with db.read(engine(ctx)) as session:
        entries = staff_admin.change_log(session, user_id=user, limit=limit, before_id=before)
    if as_json:
        print_json([asdict(e) for e in entries])
        return
    if not entries:
        typer.echo("No staff changes recorded" + (f" for {user.strip().upper()}." if user else "."))
        return
    width = max(len(str(e.id)) for e in entries)
    for e in entries:
        # Checked when written; shown through visible() all the same, as everything stored is.
        head = f"{e.id:>{width}}  {show(e.at)}  {e.action:<{ACTION_WIDTH}}  {e.user_id}"
        by = f"by {visible(e.by, multiline=False)}"
        also = "" if e.by == e.os_user else f" (OS user {visible(e.os_user, multiline=False)})"
        details = visible(e.details, multiline=False)
        if len(head) + 2 + len(by) <= LINE:
            typer.echo(f"{head}  {by}")
        else:  # a long "by" starts the second line rather than running the first past 80 columns
            typer.echo(head)
            details = f"{by}: {details}"
        typer.echo(f"{'':>{width}}  {details}{also}")
    if len(entries) == limit:
        typer.echo(f"Next page: --before {entries[-1].id}")


@staff_app.command("list")
def list_(
    ctx: typer.Context,
    office: Annotated[str | None, typer.Option("--office", metavar="CODE", help="Only staff of this office and the offices under it.")] = None,
    role: Annotated[str | None, typer.Option("--role", metavar="ROLE", help="Only staff of this role, e.g. TR-SDC.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many, by user ID.")] = 100,
    after: Annotated[str | None, typer.Option("--after", metavar="USER_ID", help="Continue after this user ID (the next page).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: total, staff, next_after.")] = False,
) -> None:
    """Staff by user ID with role, office and status: active, disabled, or locked until when; last login."""
    from dataclasses import asdict

    from wss_tui.store import db, staff_admin

    with db.read(engine(ctx)) as session:
        page = staff_admin.list_staff(session, office=office, role=role, limit=limit, after=after)
    next_after = page.entries[-1].user_id if len(page.entries) == limit else None
    if as_json:
        staff = [dict(asdict(e), status=e.status) for e in page.entries]
        print_json(dict(total=page.total, staff=staff, next_after=next_after))
        return
    _print(page, next_after)


def _print(page, next_after: str | None) -> None:
    """One line per member in 80 columns: the name takes what is left (on a line of its own if too little)."""
    from wss_tui.store import clock
    from wss_tui.store.text import visible
    from wss_tui.store.timefmt import show, show_date

    today = show_date(clock.now())
    entries = page.entries
    typer.echo(f"{page.total:,} staff" + (f"; {len(entries)} shown" if len(entries) != page.total else ""))
    if not entries:
        return

    def status(e) -> str:
        if e.status != "locked":
            return e.status
        # A lock lasts minutes: the time of day says enough; the date only when it is not today's.
        at = show(e.locked_until)
        return f"locked until {at[11:] if show_date(e.locked_until) == today else at}"

    # Made visible before the widths are measured, so a control character neither acts nor skews them.
    rows = [tuple(visible(v, multiline=False) for v in
                  (e.user_id, e.role, e.office_code, status(e), show_date(e.last_login_at) or "never", e.name))
            for e in entries]
    heads = ("User ID", "Role", "Office", "Status", "Last login", "Name")
    widths = [max(len(heads[i]), *(len(r[i]) for r in rows)) for i in range(5)]
    room = 80 - sum(widths) - 2 * 5
    own_line = room < 12
    typer.echo("  ".join(h.ljust(w) for h, w in zip(heads, widths)) + ("" if own_line else "  Name"))
    for r in rows:
        head = "  ".join(v.ljust(w) for v, w in zip(r, widths))
        name = r[5]
        if own_line:
            typer.echo(head.rstrip())
            typer.echo(f"    {name}")
        else:
            typer.echo(f"{head}  {name if len(name) <= room else name[: room - 1] + '…'}")
    if next_after:
        typer.echo(f"Next page: --after {next_after}")

