"""What every configuration model shares, and how pydantic's errors become one line each that names
the file, the key and the rule: `data/escalation.toml: matrix.level[2].after_days: must be at least 1
(got 0)`. Lists count from 1, as people count the [[tables]] of a file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import Invalid


class Strict(BaseModel):
    """A table of a configuration file: TOML's own types only (no "5" for 5, no true for 1), and no
    key the program does not read, so a typo is an error rather than a setting silently ignored."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class ConfigError(Invalid):
    """One or more problems in one configuration file; `problems` holds one line for each."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        more = f" (and {len(problems) - 1} more: wss config check lists them)" if len(problems) > 1 else ""
        super().__init__(file, problems[0].removeprefix(f"{file}: ") + more)


def _key(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(the file)"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


_RULES = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be text in quotes",
    "list_type": "must be a list, e.g. [\"a\", \"b\"]",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "date_type": "must be a date, e.g. 2026-04-01",
    "too_short": "must have at least {min_length} item(s)",
    "string_too_short": "must not be empty",
    "too_long": "must have at most {max_length} item(s)",
}


def problems(file: str, error: ValidationError) -> list[str]:
    """One line per problem of `error`, for the file shown as `file`."""
    lines = []
    for e in error.errors(include_url=False):
        key, kind = _key(e["loc"]), e["type"]
        ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in (e.get("ctx") or {}).items()}
        if kind == "extra_forbidden":
            rule = "unknown key; check its spelling against the shipped file"
        elif kind == "missing":
            rule = "missing; add it"
        elif kind in _RULES:
            rule = _RULES[kind].format(**ctx) + f" (got {_shown(e['input'])})"
        else:  # literal_error, value_error …: pydantic's own words, in ours
            message = e["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
            rule = f"{message[0].lower()}{message[1:]} (got {_shown(e['input'])})"
        lines.append(f"{file}: {key}: {rule}")
    return lines
