"""Documents a consumer attaches to a request: read from disk, judged by their content, hashed.

The type is read from the first bytes, never trusted from the name: a scan saved as `bill.pdf` that is
really a PNG is kept as a PNG, and a text file renamed `.pdf` is refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from . import config
from . import text as text_rule
from .errors import Invalid
from .numbers import size_text

FIELD = "attach"
MAX_FILENAME_CHARS = 255

# (signature at offset 0, content type, what a clerk calls it)
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    content_type: str
    content: bytes
    size: int
    sha256: str


def sniff(content: bytes) -> str | None:
    """The content type the bytes themselves declare, or None for anything we do not accept."""
    for signature, content_type, _ in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def _accepted_names() -> str:
    allowed = config.intake_rules().attachment_types
    return ", ".join(name for _, ctype, name in _SIGNATURES if ctype in allowed)


def _too_big(name: str, size: int, limit: int) -> Invalid:
    shown, cap = size_text(size), size_text(limit)
    if shown == cap:  # 5.0 MB over a 5.0 MB limit reads as nonsense: give the bytes
        shown, cap = f"{size:,} bytes", f"{limit:,} bytes"
    return Invalid(FIELD, f"{name} is {shown}, over the {cap} limit; scan at a lower resolution or attach fewer pages")


def judge(filename: str, content: bytes) -> AttachmentIn:
    """Check one document already in memory and describe it; raises Invalid naming what to do."""
    rules = config.intake_rules()
    name = Path(filename).name or filename
    if not name.strip():
        raise Invalid(FIELD, "an attachment has no file name; give each document a name")
    refused = text_rule.first_refused(name)
    if refused:
        # The name is stored and shown to clerks; a terminal control in it would act on their screens.
        raise Invalid(FIELD, f"a file name has {refused}; rename the file without it")
    if len(name) > MAX_FILENAME_CHARS:
        raise Invalid(FIELD, f"file name of {name[:40]}… is longer than {MAX_FILENAME_CHARS} characters; rename it")
    size = len(content)
    if size == 0:
        raise Invalid(FIELD, f"{name} is empty; attach the scanned bill or document itself")
    if size > rules.max_attachment_bytes:
        raise _too_big(name, size, rules.max_attachment_bytes)
    content_type = sniff(content)
    if content_type is None or content_type not in rules.attachment_types:
        raise Invalid(
            FIELD,
            f"{name} is not a {_accepted_names().replace(', ', ' / ')} document (judged by its content, "
            "not its name); attach a scan or photo of the document",
        )
    return AttachmentIn(
        filename=name,
        content_type=content_type,
        content=content,
        size=size,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def read(path: str | os.PathLike[str]) -> AttachmentIn:
    """Read and judge a file named by the user (the CLI's --attach, the walk-in screen's file field).

    Regular files only: a FIFO would block the read forever, a device (/dev/zero, a terminal) never
    ends or waits for input, a directory is not a document. The file is opened without blocking and
    judged by fstat of what was opened, so a path swapped for a FIFO after a check cannot hang it."""
    shown = os.fspath(path)
    limit = config.intake_rules().max_attachment_bytes
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise Invalid(FIELD, f"{shown}: no such file; check the path") from None
    except PermissionError:
        raise Invalid(FIELD, f"{shown} cannot be read (permission denied); copy it somewhere readable") from None
    except OSError as exc:  # ENXIO: a FIFO or socket with no writer, ELOOP: a symlink loop, …
        raise Invalid(FIELD, f"{shown} cannot be read ({exc.strerror or exc}); attach a document file") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise Invalid(FIELD, f"{shown} is a directory; name the document file inside it")
        raise Invalid(FIELD, f"{shown} is {_kind(st.st_mode)}, not a file; attach the scanned document file itself")
    with os.fdopen(fd, "rb") as fh:
        size = st.st_size
        try:
            # Refuse a huge file without reading it; read one byte past the limit in case it grew.
            content = b"" if size > limit else fh.read(limit + 1)
        except OSError as exc:
            raise Invalid(FIELD, f"{shown} cannot be read ({exc.strerror or exc}); check the file") from None
    if size > limit:
        raise _too_big(Path(shown).name, size, limit)
    return judge(shown, content)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (a pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
