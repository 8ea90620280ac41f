"""The stock invariants of issue 11 as queries on the real store, and a digest of its state."""

from __future__ import annotations

import hashlib
import json

from tests.support.harness import Harness

# The state a message can change (not the dedupe table, presence or the dead letters, which a
# redelivery or a refusal legitimately touches).
DIGESTED = (
    "stock",
    "stock_moves",
    "receipts",
    "receipt_lines",
    "receipt_scans",
    "putaway_tasks",
    "putaways",
    "replen_tasks",
    "counts",
    "orders",
    "order_lines",
    "tasks",
    "picks",
    "trips",
    "sessions",
    "lights",
    "feed",
)

# Each query returns the rows that break one invariant (none when it holds).
CHECKS: dict[str, str] = {
    "stock never negative, reserved <= on_hand": (
        "SELECT bin, sku, on_hand, reserved FROM stock"
        " WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"
    ),
    "reserved == open pick tasks' need + open top-ups' qty from the bin": (
        "SELECT s.bin, s.sku, s.reserved, coalesce(t.need, 0) AS picks, coalesce(r.held, 0)"
        " AS topups FROM stock s"
        " LEFT JOIN (SELECT bin, sku, sum(qty - picked) AS need FROM tasks WHERE status = 'open'"
        "  GROUP BY bin, sku) t ON t.bin = s.bin AND t.sku = s.sku"
        " LEFT JOIN (SELECT from_bin, sku, sum(qty) AS held FROM replen_tasks"
        "  WHERE status = 'open' GROUP BY from_bin, sku) r ON r.from_bin = s.bin AND r.sku = s.sku"
        " WHERE s.reserved != coalesce(t.need, 0) + coalesce(r.held, 0)"
    ),
    "open work names a stock row": (
        "SELECT 'task' AS what, id, bin, sku FROM tasks t WHERE status = 'open' AND NOT EXISTS"
        " (SELECT 1 FROM stock s WHERE s.bin = t.bin AND s.sku = t.sku)"
        " UNION ALL SELECT 'top-up', id, from_bin, sku FROM replen_tasks r WHERE status = 'open'"
        " AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.bin = r.from_bin AND s.sku = r.sku)"
    ),
    "top-ups only from reserve bins to pick faces, one open per face and SKU": (
        "SELECT to_bin, sku, count(*) AS n FROM replen_tasks WHERE status = 'open'"
        " GROUP BY to_bin, sku HAVING count(*) > 1"
    ),
    "every unit traceable: sum of stock_moves.delta == on_hand": (
        "SELECT coalesce(s.bin, m.bin) AS bin, coalesce(s.sku, m.sku) AS sku,"
        " s.on_hand, m.total FROM stock_moves_totals m FULL JOIN stock s"
        " ON s.bin = m.bin AND s.sku = m.sku WHERE coalesce(s.on_hand, 0) != coalesce(m.total, 0)"
    ),
    "a move's on_hand_after is the sum of the moves up to it": (
        "SELECT id, bin, sku, on_hand_after, running FROM (SELECT id, bin, sku, on_hand_after,"
        " sum(delta) OVER (PARTITION BY bin, sku ORDER BY id) AS running FROM stock_moves)"
        " WHERE on_hand_after != running"
    ),
    "no lost or doubled receipt scan: lines == their scans": (
        "SELECT l.receipt_id, l.line_no, l.received, l.damaged, coalesce(s.qty, 0) AS scanned,"
        " coalesce(s.bad, 0) AS scanned_damaged FROM receipt_lines l LEFT JOIN (SELECT"
        " receipt_id, line_no, sum(qty) AS qty, sum(CASE WHEN condition = 'damaged' THEN qty"
        " ELSE 0 END) AS bad FROM receipt_scans GROUP BY receipt_id, line_no) s"
        " ON s.receipt_id = l.receipt_id AND s.line_no = l.line_no"
        " WHERE l.received != coalesce(s.qty, 0) OR l.damaged != coalesce(s.bad, 0)"
    ),
    "one receipt scan per scanner message": (
        "SELECT device, msg_id, count(*) AS n FROM receipt_scans GROUP BY device, msg_id"
        " HAVING count(*) > 1"
    ),
    "no scan into a closed receipt after it was closed": (
        "SELECT s.id, s.receipt_id, s.at, r.closed_at FROM receipt_scans s JOIN receipts r"
        " ON r.id = s.receipt_id WHERE r.status = 'closed' AND s.at > r.closed_at"
    ),
    "sound units of a closed receipt == its put-away tasks (per SKU)": (
        "SELECT coalesce(a.receipt_id, b.receipt_id) AS receipt_id, coalesce(a.sku, b.sku)"
        " AS sku, a.sound, b.tasked FROM (SELECT s.receipt_id, s.sku, sum(s.qty) AS sound FROM"
        " receipt_scans s JOIN receipts r ON r.id = s.receipt_id WHERE r.status = 'closed' AND"
        " s.condition = 'ok' GROUP BY s.receipt_id, s.sku HAVING sum(s.qty) > 0) a FULL JOIN"
        " (SELECT receipt_id, sku, sum(qty) AS tasked FROM putaway_tasks"
        " GROUP BY receipt_id, sku) b ON a.receipt_id = b.receipt_id AND a.sku = b.sku"
        " WHERE coalesce(a.sound, 0) != coalesce(b.tasked, 0)"
    ),
    "a put-away task's done == its put-aways; done tasks are complete": (
        "SELECT t.id, t.qty, t.done, t.status, coalesce(p.put, 0) AS put FROM putaway_tasks t"
        " LEFT JOIN (SELECT task_id, sum(qty) AS put FROM putaways GROUP BY task_id) p"
        " ON p.task_id = t.id WHERE t.done != coalesce(p.put, 0)"
        " OR (t.status = 'done') != (t.done = t.qty)"
    ),
    "put-aways == put-away stock moves (per bin and SKU)": (
        "SELECT coalesce(p.bin, m.bin) AS bin, coalesce(p.sku, m.sku) AS sku, p.put, m.moved"
        " FROM (SELECT bin, sku, sum(qty) AS put FROM putaways GROUP BY bin, sku) p FULL JOIN"
        " (SELECT bin, sku, sum(delta) AS moved FROM stock_moves WHERE reason = 'put-away'"
        " GROUP BY bin, sku) m ON p.bin = m.bin AND p.sku = m.sku"
        " WHERE coalesce(p.put, 0) != coalesce(m.moved, 0)"
    ),
    "picked per order line == its picks": (
        "SELECT l.order_id, l.line_no, l.picked, coalesce(p.qty, 0) AS picks FROM order_lines l"
        " LEFT JOIN (SELECT order_id, line_no, sum(qty) AS qty FROM picks"
        " GROUP BY order_id, line_no) p ON p.order_id = l.order_id AND p.line_no = l.line_no"
        " WHERE l.picked != coalesce(p.qty, 0)"
    ),
    "picks == pick stock moves (per bin and SKU)": (
        "SELECT coalesce(p.bin, m.bin) AS bin, coalesce(p.sku, m.sku) AS sku, p.qty, m.moved"
        " FROM (SELECT bin, sku, sum(qty) AS qty FROM picks GROUP BY bin, sku) p FULL JOIN"
        " (SELECT bin, sku, -sum(delta) AS moved FROM stock_moves WHERE reason LIKE"
        " 'pick for order %' GROUP BY bin, sku) m ON p.bin = m.bin AND p.sku = m.sku"
        " WHERE coalesce(p.qty, 0) != coalesce(m.moved, 0)"
    ),
    "one count under way per bin and SKU": (
        "SELECT bin, sku, count(*) AS n FROM counts WHERE status IN ('open', 'recount',"
        " 'approval') GROUP BY bin, sku HAVING count(*) > 1"
    ),
    "the feed tells the cloud: one receipt record per closed receipt": (
        "SELECT (SELECT count(*) FROM receipts WHERE status = 'closed') AS closed,"
        " (SELECT count(*) FROM feed WHERE kind = 'receipt') AS records WHERE closed != records"
    ),
    "the feed tells the cloud: one putaway record per put-away": (
        "SELECT (SELECT count(*) FROM putaways) AS puts,"
        " (SELECT count(*) FROM feed WHERE kind = 'putaway') AS records WHERE puts != records"
    ),
    "the feed tells the cloud: adjustments == count stock moves": (
        "SELECT (SELECT coalesce(sum(delta), 0) FROM stock_moves WHERE ref LIKE 'count:%')"
        " AS moved, (SELECT coalesce(sum(json_extract(record, '$.delta')), 0) FROM feed"
        " WHERE kind = 'stock_adjustment') AS reported WHERE moved != reported"
    ),
}

_TOTALS = (
    "WITH stock_moves_totals AS (SELECT bin, sku, sum(delta) AS total FROM stock_moves"
    " GROUP BY bin, sku) "
)


def broken_invariants(h: Harness) -> list[str]:
    """Each broken invariant with (up to five of) the rows that break it."""
    out = []
    with h.service.read() as tx:
        for name, sql in CHECKS.items():
            rows = tx.all(_TOTALS + sql if "stock_moves_totals" in sql else sql)
            if rows:
                out.append(f"{name}: {rows[:5]}")
    return out


def state_digest(h: Harness) -> str:
    """A hash of every row of the tables a message may change."""
    digest = hashlib.sha256()
    with h.service.read() as tx:
        for table in DIGESTED:
            for row in tx.all(f"SELECT * FROM {table} ORDER BY rowid"):
                digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    return digest.hexdigest()
