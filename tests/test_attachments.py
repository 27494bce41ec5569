"""Attachments are judged by their bytes, within the size limit, and hashed."""

from __future__ import annotations

import hashlib
import os

import pytest

from wss_tui.store import attachments, config
from wss_tui.store.errors import Invalid

from ._intake_data import JPEG, PDF, PNG


@pytest.fixture(autouse=True)
def fresh_rules():
    config.intake_rules.cache_clear()
    yield
    config.intake_rules.cache_clear()


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "name, content, content_type",
    [("bill.pdf", PDF, "application/pdf"), ("photo.jpg", JPEG, "image/jpeg"), ("scan.png", PNG, "image/png")],
)
def test_accepted_types_are_read_with_size_and_sha256(tmp_path, name, content, content_type):
    doc = attachments.read(write(tmp_path, name, content))
    assert (doc.filename, doc.content_type, doc.content, doc.size) == (name, content_type, content, len(content))
    assert doc.sha256 == hashlib.sha256(content).hexdigest()


def test_type_comes_from_the_content_not_the_name(tmp_path):
    assert attachments.read(write(tmp_path, "bill.pdf", PNG)).content_type == "image/png"
    assert attachments.read(write(tmp_path, "scan", JPEG)).content_type == "image/jpeg"


@pytest.mark.parametrize(
    "content",
    [b"Dear sir, my bill is wrong.\n", b"GIF89a" + bytes(20), b"PK\x03\x04 a zip", b" %PDF-1.4 not at the start"],
    ids=["text", "gif", "zip", "pdf-signature-not-first"],
)
def test_other_content_named_pdf_is_refused(tmp_path, content):
    with pytest.raises(Invalid) as err:
        attachments.read(write(tmp_path, "bill.pdf", content))
    assert err.value.field == "attach"
    assert str(err.value) == (
        "attach: bill.pdf is not a PDF / JPEG / PNG document (judged by its content, not its name); "
        "attach a scan or photo of the document"
    )


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.pdf"
    with pytest.raises(Invalid, match="no such file; check the path") as err:
        attachments.read(path)
    assert str(path) in err.value.message


def test_directory(tmp_path):
    with pytest.raises(Invalid, match="is a directory"):
        attachments.read(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "bill.pdf", PDF)
    path.chmod(0)
    if os.geteuid() == 0:
        # root reads anything; make this one file refuse the way it would for a clerk.
        real_open = os.open

        def guarded(file, *args, **kwargs):
            if os.fspath(file) == os.fspath(path):
                raise PermissionError(13, "Permission denied", os.fspath(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(os, "open", guarded)  # attachments opens with os.open (O_NONBLOCK)
    with pytest.raises(Invalid, match=r"cannot be read \(permission denied\)") as err:
        attachments.read(path)
    assert err.value.field == "attach"


def test_empty_file(tmp_path):
    with pytest.raises(Invalid, match="bill.pdf is empty"):
        attachments.read(write(tmp_path, "bill.pdf", b""))


def test_default_limit_is_5_mb(tmp_path):
    assert config.intake_rules().max_attachment_bytes == 5 * 1024 * 1024
    at_limit = PDF + b"\n" * (5 * 1024 * 1024 - len(PDF))
    assert attachments.read(write(tmp_path, "ok.pdf", at_limit)).size == 5 * 1024 * 1024
    with pytest.raises(Invalid) as err:
        attachments.read(write(tmp_path, "big.pdf", at_limit + b"\n"))
    # Rounded sizes would read "5.0 MB, over the 5.0 MB limit": the bytes say it plainly.
    assert str(err.value).startswith("attach: big.pdf is 5,242,881 bytes, over the 5,242,880 bytes limit;")


def test_limit_is_configurable_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WSS_MAX_ATTACHMENT_BYTES", "2048")
    config.intake_rules.cache_clear()
    ok = PDF + b"\n" * (2048 - len(PDF))
    assert attachments.read(write(tmp_path, "ok.pdf", ok)).size == 2048
    with pytest.raises(Invalid, match="over the 2,048 bytes limit"):
        attachments.read(write(tmp_path, "big.pdf", ok + b"\n"))


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.pdf"
    with open(path, "wb") as fh:
        fh.write(PDF)
        fh.truncate(3 * 1024 * 1024 * 1024)  # sparse: 3 GB on paper, nothing on disk
    with pytest.raises(Invalid, match=r"huge.pdf is 3.0 GB, over the 5.0 MB limit"):
        attachments.read(path)


def test_judge_in_memory_applies_the_same_rules():
    assert attachments.judge("/home/clerk/scans/bill.pdf", PNG).filename == "bill.pdf"
    with pytest.raises(Invalid, match="is empty"):
        attachments.judge("bill.pdf", b"")
    with pytest.raises(Invalid, match="judged by its content"):
        attachments.judge("bill.pdf", b"hello")


def test_the_to_do_of_a_request_names_its_attachments_in_keys_values(engine):
    """The clerk must see that the consumer sent evidence: each file, its type and size."""
    from wss_tui.store import db, intake, todos
    from wss_tui.store.attachments import AttachmentIn

    from ._intake_data import free_bill, staff_of

    scan = PDF + b"0" * (3 * 1024 - len(PDF))
    account_id, bill_no, sub = free_bill(engine)
    files = [AttachmentIn(name, kind, content, len(content), hashlib.sha256(content).hexdigest())
             for name, kind, content in (("meter.png", "image/png", PNG), ("bill scan.pdf", "application/pdf", scan))]
    with db.write(engine) as session:
        receipt = intake.submit_request(session, account_id=account_id, bill_no=bill_no,
                                        reason="Reading on the bill is far above the meter's", attachments=files)
    with db.read(engine) as session:
        keys = todos.get(session, staff_of(engine, sub, "TR-SDC"), receipt.todo_id).keys
    assert [v for k, v in keys if k == "Attachment"] == [
        f"meter.png (image/png, {len(PNG)} bytes)", "bill scan.pdf (application/pdf, 3 KB)"]
