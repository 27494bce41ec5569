"""Services: one function per unit of work a screen or a command does, UI-free like the store.

Each takes the Engine first, then the actor's user ID, then plain arguments; it opens the transaction
itself (`db.read` / `db.write`), calls the store, and returns plain frozen dataclasses. A stale version
is the service's business (it returns the fresh read with the line to show); any other refusal is a
`WssError` raised to the caller. One module per area (docs/architecture.md); this file stays a docstring only.
"""
