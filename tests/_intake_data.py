"""Picking demo accounts and bills for the intake tests, and counting what a request writes."""

from __future__ import annotations

from sqlalchemy import text

# Every table a request writes to; a refused request must leave all of them as they were.
WRITTEN_TABLES = (
    "case",
    "case_log",
    "todo",
    "todo_characteristic",
    "todo_log",
    "sms_outbox",
    "attachment",
    "customer_contact",
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in WRITTEN_TABLES}


def free_bill(engine, *, system: str = "CCB", mobile: bool = True, skip: int = 0) -> tuple[str, str, str]:
    """(account_id, bill_no, sub-division) of an active account's bill with no open complaint."""
    sql = f"""
        SELECT a.account_id, b.bill_no, a.subdivision_code
        FROM account a JOIN bill b ON b.account_id = a.account_id
        WHERE a.status = 'ACTIVE' AND a.system = :system AND a.mobile IS {'NOT ' if mobile else ''}NULL
          AND NOT EXISTS (SELECT 1 FROM "case" c WHERE c.bill_no = b.bill_no AND c.closed_at IS NULL)
        ORDER BY a.account_id, b.bill_month DESC
        LIMIT 1 OFFSET :skip
    """
    with engine.connect() as conn:
        row = conn.execute(text(sql), dict(system=system, skip=skip)).one()
    return row.account_id, row.bill_no, row.subdivision_code


def other_account_bill(engine, account_id: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT bill_no FROM bill WHERE account_id <> :a ORDER BY bill_no LIMIT 1"), dict(a=account_id)
        ).scalar_one()


def open_case_bill(engine) -> tuple[str, str, str]:
    """(account_id, bill_no, case_id) of a bill that already has an open complaint."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                'SELECT c.account_id, c.bill_no, c.case_id FROM "case" c JOIN account a ON a.account_id = c.account_id '
                "WHERE c.closed_at IS NULL AND c.bill_no IS NOT NULL AND a.status = 'ACTIVE' ORDER BY c.case_id LIMIT 1"
            )
        ).one()
    return row.account_id, row.bill_no, row.case_id


def staff_of(engine, office_code: str, role: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT user_id FROM staff WHERE office_code = :o AND role = :r ORDER BY user_id LIMIT 1"),
            dict(o=office_code, r=role),
        ).scalar_one()


def execute(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)
