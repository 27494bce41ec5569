"""Every data/*.toml is read through its model: a typo'd key or a value of the wrong type is reported by
`wss config check` with the file and the key, and the app and `wss db upgrade` refuse to start on it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wss_tui.store import config, settings
from wss_tui.store.settings.files import MODELS, OfficeLevel

DATA = Path(__file__).resolve().parent.parent / "data"
WSS = Path(sys.executable).parent / "wss"

# file -> (a typo'd key: (line as shipped, as mistyped), the key reported), (a wrong type: …)
BREAKS = {
    "offices.toml": (('town = "Lucknow"', 'twon = "Lucknow"', "office[1].twon"),
                     ('code = "MVVNL"', "code = 7", "office[1].code")),
    "roles.toml": (("works_todos = true", "works_todo = true", "role.TR-SDC.works_todo"),
                   ("works_todos = true", 'works_todos = "yes"', "role.TR-SDC.works_todos")),
    "request_types.toml": (("min_reason_chars = 10", "min_reason_char = 10", "intake.min_reason_char"),
                           ("max_attachments = 5", "max_attachments = 5.5", "intake.max_attachments")),
    "routing.toml": (('policy = "least-loaded"', 'polcy = "least-loaded"', "default.polcy"),
                     ("roles = [", 'roles = "TR-SDO"\nunused = [', "reassign.roles")),
    "search.toml": (("check_seconds = 10", "check_secnds = 10", "search.check_secnds"),
                    ("check_seconds = 10", 'check_seconds = "10"', "search.check_seconds")),
    "escalation.toml": (("cap_bills = 12", "cap_bill = 12", "compensation.cap_bill"),
                        ("second_saturday_off = false", 'second_saturday_off = "no"', "calendar.second_saturday_off")),
    "revision.toml": (("due_days = 3", "due_day = 3", "review.due_day"),
                      ("digits = 6", 'digits = "6"', "otp.digits")),
    "powers.toml": (("up_to = 50_000", "upto = 50_000", "approver[1].upto"),
                    ('role = "TR-SDO"', "role = 1", "approver[1].role")),
    "tariff.toml": (("duty_percent = 5.0", "duty_pct = 5.0", "category.LMV-1-URBAN[1].duty_pct"),
                    ("fixed = 110.0", 'fixed = "110"', "category.LMV-1-URBAN[1].fixed")),
    "sms.toml": (("[status_changed]", "[status_change]", "status_change"),
                 ("[otp]\n", "[otp]\nen2 = 5\n", "otp.en2")),
    "sms_gateway.toml": (("max_tries = 5", "max_tris = 5", "retry.max_tris"),
                         ("show_otp = false", "show_otp = 0", "console.show_otp")),
}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("samples"))
    monkeypatch.setenv("WSS_DATA_DIR", str(copy))
    settings.clear_caches()
    yield copy
    monkeypatch.delenv("WSS_DATA_DIR")
    settings.clear_caches()


def _break(copy: Path, name: str, shipped: str, broken: str) -> None:
    path = copy / name
    text = path.read_text(encoding="utf-8")
    assert shipped in text, f"{name} no longer has {shipped!r}: update the test"
    path.write_text(text.replace(shipped, broken, 1), encoding="utf-8")


def test_every_shipped_file_has_a_model_and_is_sound():
    assert set(MODELS) == {p.name for p in DATA.glob("*.toml")}
    sound, problems = settings.check_all()
    assert problems == []
    assert sound == [f"data/{name}" for name in MODELS]


def test_the_models_know_the_office_levels_the_code_does():
    from typing import get_args

    assert get_args(OfficeLevel) == config.OFFICE_LEVELS


@pytest.mark.parametrize("name", list(BREAKS))
@pytest.mark.parametrize("which", ["typo", "type"])
def test_a_typo_or_a_wrong_type_is_reported_with_file_and_key(data_copy, name, which):
    shipped, broken, key = BREAKS[name][0 if which == "typo" else 1]
    _break(data_copy, name, shipped, broken)
    sound, problems = settings.check_all()
    shown = str(data_copy / name)
    assert shown not in sound
    mine = [line for line in problems if line.startswith(f"{shown}: {key}: ")]
    assert mine, problems
    rule = mine[0].removeprefix(f"{shown}: {key}: ")
    if which == "typo":
        assert rule.startswith(("unknown key", "missing")) or "unknown" in rule, rule
    else:
        assert re.match(r"must be .+ \(got .+\)$", rule), rule
    # The other files stay sound: one problem is not blamed on its neighbours.
    assert all(line.startswith(f"{shown}: ") for line in problems), problems


def test_a_number_out_of_range_says_the_bound_and_what_was_given(data_copy):
    _break(data_copy, "escalation.toml", "after_days = 12", "after_days = 0")
    _, problems = settings.check_all()
    assert problems == [f"{data_copy / 'escalation.toml'}: matrix.level[2].after_days: must be at least 1 (got 0)"]


def test_a_reader_reports_the_same_file_and_key():
    """Not only the check: the first reader of a broken file names it, and the key."""
    with pytest.raises(settings.ConfigError, match=r"data/search\.toml: search\.check_seconds: must be at most 300 \(got 900\)"):
        settings.validate("search.toml", {"search": {"check_seconds": 900}})


def _wss(data: Path | None, *args: str, db: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if data is not None:
        env["WSS_DATA_DIR"] = str(data)
    cmd = [str(WSS), *(["--db", db] if db else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_wss_config_check_says_ok_for_each_file_and_exits_0():
    out = _wss(None, "config", "check")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"data/{name}: ok" for name in MODELS]


def test_wss_config_check_gives_one_error_line_per_problem_and_exits_1(data_copy):
    _break(data_copy, "search.toml", "check_seconds = 10", "check_secnds = 10")
    _break(data_copy, "revision.toml", "digits = 6", 'digits = "6"')
    out = _wss(data_copy, "config", "check")
    assert out.returncode == 1
    assert out.stderr.splitlines() == [
        f"error: {data_copy / 'search.toml'}: search.check_secnds: unknown key; check its spelling against the shipped file",
        f"error: {data_copy / 'revision.toml'}: otp.digits: must be a whole number (got '6')",
    ]
    assert f"{data_copy / 'offices.toml'}: ok" in out.stdout.splitlines()


def test_wss_db_upgrade_and_the_app_refuse_to_start_on_a_broken_file(data_copy, tmp_path):
    _break(data_copy, "roles.toml", "works_todos = true", 'works_todos = "yes"')
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    for args in (("db", "upgrade"), ("tui",)):
        out = _wss(data_copy, *args, db=url)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        lines = out.stderr.splitlines()
        assert lines[0] == f"error: {data_copy / 'roles.toml'}: role.TR-SDC.works_todos: must be true or false (got 'yes')"
        assert lines[-1].startswith("error: the configuration has problems")
    assert not (tmp_path / "fresh.db").exists() or (tmp_path / "fresh.db").stat().st_size == 0
