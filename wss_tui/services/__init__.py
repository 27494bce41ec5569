"""The unit of work of each area, shared by the screens and the CLI (see docs/architecture.md)."""
