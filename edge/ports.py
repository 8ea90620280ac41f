"""The ports between the pure core and storage: a read snapshot and a write transaction."""

from __future__ import annotations

from typing import Any, Protocol


class Reader(Protocol):
    """A consistent read snapshot: parameterised SQL in, rows as dicts out."""

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None: ...
    def all(self, sql: str, params: Any = ()) -> list[dict[str, Any]]: ...
    def value(self, sql: str, params: Any = ()) -> Any: ...


class Tx(Reader, Protocol):
    """One open write transaction (edge.store.Tx implements it on SQLite)."""

    def run(self, sql: str, params: Any = ()) -> int: ...
    def many(self, sql: str, rows: Any) -> None: ...
