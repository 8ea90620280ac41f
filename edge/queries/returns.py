"""Returns as the shop and the supervisor read them: open or closed, searched, one in full."""

from __future__ import annotations

from typing import Any

from edge.catalog import Catalog
from edge.core.returnviews import summary
from edge.model import DomainError, order_code
from edge.ports import Reader

# Searched in the RMA number, the shop's order id, and the order code (ORD-…).
_SEARCH = (
    " AND (r.rma_id LIKE :q ESCAPE '\\' OR o.shop_order_id LIKE :q ESCAPE '\\'"
    " OR 'ORD-' || o.id LIKE :q ESCAPE '\\')"
)


def return_list(
    tx: Reader, state: str | None, search: str | None, limit: int
) -> list[dict[str, Any]]:
    """Returns newest first: `open` (announced or being inspected) or `closed`."""
    where = ""
    if state == "open":
        where += " AND r.status != 'closed'"
    elif state == "closed":
        where += " AND r.status = 'closed'"
    params: dict[str, Any] = {"limit": limit}
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["q"] = f"%{escaped}%"
        where += _SEARCH
    rows = tx.all(
        "SELECT r.id AS return_id, r.rma_id, r.status, r.order_id, o.shop_order_id,"
        " o.status AS order_status, r.created_at, r.opened_at, r.closed_at, r.closed_by,"
        " (SELECT coalesce(sum(expected), 0) FROM return_lines WHERE return_id = r.id)"
        " AS expected_units,"
        " (SELECT count(*) FROM return_units WHERE return_id = r.id) AS scanned_units,"
        " (SELECT count(*) FROM return_units WHERE return_id = r.id AND grade = 'resellable')"
        " AS resellable_units"
        f" FROM returns r JOIN orders o ON o.id = r.order_id WHERE 1 = 1{where}"
        " ORDER BY r.id DESC LIMIT :limit",
        params,
    )
    for row in rows:
        row["order_code"] = order_code(row["order_id"])
        row["announced"] = row["rma_id"] is not None
    return rows


def return_detail(tx: Reader, cat: Catalog, rma_id: str) -> dict[str, Any]:
    """One return by its RMA number (or RET-<id> for one the desk opened unannounced)."""
    found = tx.value("SELECT id FROM returns WHERE rma_id = ?", (rma_id,))
    if found is None and rma_id.upper().startswith("RET-") and rma_id[4:].isdigit():
        found = tx.value(
            "SELECT id FROM returns WHERE id = ? AND rma_id IS NULL", (int(rma_id[4:]),)
        )
    if found is None:
        raise DomainError(f"rma_id: no return {rma_id!r}", "not_found")
    return summary(tx, cat, int(found))
