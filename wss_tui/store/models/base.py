"""What every table shares: stable constraint names and aware UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Stable constraint names, so Alembic's batch mode on SQLite can find them again.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC in, aware UTC out, on SQLite (which keeps naive text) as on PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        """One call per value instead of TypeDecorator's chain (the driver's parse, then
        process_result_value): a page of To Dos converts a hundred times, and the chain was a tenth of
        the search. SQLite's stored text read with its zone appended is aware UTC straight from the C
        parser, ten times cheaper than parsing naive and replacing the zone."""
        if dialect.name == "sqlite":
            parse, fallback = datetime.fromisoformat, super().result_processor(dialect, coltype)

            def from_text(value):
                if value is None:
                    return None
                try:
                    parsed = parse(value + "+00:00")
                except (TypeError, ValueError):  # a value not written by this type
                    return fallback(value)
                # A date alone parses naive, its appended zone ignored.
                return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

            return from_text
        if self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)  # a driver that returns no datetime

        def to_utc(value):
            if value is None or value.tzinfo is UTC:
                return value
            return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)

        return to_utc
