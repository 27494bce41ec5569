"""Typed configuration: every data/*.toml read through its pydantic model (files.py), and the check
`wss config check`, the app and `wss db upgrade` run before they start.

    read(name) -> the file's model, checked (ConfigError: one line per problem, naming file and key)
    raw(name)  -> the file as a dict, checked the same way (for readers not yet on the models)
    check_all() -> list of problem lines; [] when every file is sound, alone and together
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import WssError
from .base import ConfigError, problems
from .files import MODELS

OPTIONAL = frozenset({"routing.toml"})  # a copy of data/ without it routes least-loaded everywhere


def label(name: str, path: Path | None = None) -> str:
    """How a file is named in messages: data/NAME for the shipped folder, else its path."""
    if path is not None:
        return str(path)
    return str(Path(os.environ["WSS_DATA_DIR"]) / name) if os.environ.get("WSS_DATA_DIR") else f"data/{name}"


def _path(name: str) -> Path:
    from .. import config  # config reads its files through this package

    return config.data_dir() / name


def load_toml(name: str, path: Path | None = None) -> dict:
    """The file as TOML gives it; FileNotFoundError passes through (some files are optional)."""
    shown = label(name, path)
    try:
        with open(path or _path(name), "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, [f"{shown}: cannot be read as TOML: {exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(shown, [f"{shown}: is not UTF-8 text; save it as UTF-8"]) from None


def validate(name: str, data: dict, path: Path | None = None) -> BaseModel:
    """`data` (the file `name`'s contents) through its model, or ConfigError."""
    try:
        return MODELS[name].model_validate(data)
    except ValidationError as exc:
        shown = label(name, path)
        raise ConfigError(shown, problems(shown, exc)) from None


def read(name: str, path: Path | None = None) -> BaseModel:
    return validate(name, load_toml(name, path), path)


def raw(name: str, path: Path | None = None) -> dict:
    data = load_toml(name, path)
    validate(name, data, path)
    return data


# --- the whole check ---------------------------------------------------------------------------


def _semantic_checks() -> dict[str, list[Callable[[], object]]]:
    """What each file's readers check across keys and files: each is called, and its Invalid is a
    problem of that file."""
    from .. import config, sla, tariff
    from ..escalation import matrix as escalation_matrix
    from ..revision import rules
    from ..sms import delivery, senders

    def gateway():
        settings = delivery.settings_from(raw("sms_gateway.toml"))
        raw_file = raw("sms_gateway.toml")
        if raw_file.get("sender") == "http":
            senders.http_settings(raw_file.get("http", {}))
            senders.require_dlt_ids(raw_file.get("dlt", {}))
        return settings

    return {
        "offices.toml": [config.offices],
        "roles.toml": [config.roles],
        "request_types.toml": [config.request_types, config.intake_rules],
        "routing.toml": [config.routing_rules],
        "search.toml": [config.search_check_seconds],
        "escalation.toml": [escalation_matrix, sla.rule, sla.warn_before],
        "revision.toml": [rules.rules],
        "powers.toml": [rules.approvers],
        "tariff.toml": [tariff.lines],
        "sms.toml": [config.sms_templates],
        "sms_gateway.toml": [gateway],
        "hindi.toml": [config.hindi_names],
    }


def clear_caches() -> None:
    """Forget what was read, so the next reader reads the files again."""
    from .. import calendar, config, sla, tariff
    from ..escalation import matrix as escalation_matrix
    from ..revision import rules

    for fn in (config.offices, config.roles, config.request_types, config.intake_rules, config.sms_templates,
               config.search_check_seconds, config.routing_rules, calendar.load_settings, calendar.business_calendar,
               escalation_matrix, sla.rule, sla.warn_before, rules.rules, rules.approvers, tariff.lines):
        fn.cache_clear()


def check_all() -> tuple[list[str], list[str]]:
    """(the files found sound, one line per problem) over every data/*.toml, read afresh."""
    clear_caches()
    sound: list[str] = []
    found: list[str] = []
    checks = _semantic_checks()
    for name in MODELS:
        shown = label(name)
        try:
            read(name)
        except FileNotFoundError:
            if name not in OPTIONAL:
                found.append(f"{shown}: missing; copy the shipped data/{name}")
                continue
        except ConfigError as exc:
            found.extend(exc.problems)
            continue
        before = len(found)
        for check in checks[name]:
            try:
                check()
            except ConfigError as exc:
                if exc.file != shown:  # a file it depends on: reported under that file
                    continue
                found.extend(exc.problems)
            except WssError as exc:
                found.append(_line(shown, name, exc))
        if len(found) == before:
            sound.append(shown)
    clear_caches()
    return sound, list(dict.fromkeys(found))


def _line(shown: str, name: str, exc: WssError) -> str:
    key = exc.field.removeprefix(name).strip() if exc.field.startswith(name) else exc.field
    if key in ("", "config", "counting") or key == name:
        return f"{shown}: {exc.message}"
    return f"{shown}: {key}: {exc.message}"


__all__ = ["ConfigError", "MODELS", "check_all", "clear_caches", "label", "raw", "read", "validate"]
