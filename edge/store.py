"""SQLite storage: the schema and its migrations, durable connections, the core's Tx port."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from edge.core.feed import canonical, text_hash
from edge.schema_later import LATER_MIGRATIONS
from edge.wal import keep_wal_small

log = logging.getLogger(__name__)

# The schema, one named migration at a time (recorded in _sqlite_migrations by sqlite-utils);
# each runs in its own transaction with the record that it ran.
migrations = Migrations("edge")


def _script(db: sqlite_utils.Database, script: str) -> None:
    # Not executescript(): it would COMMIT the migration's transaction half way.
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_schema")
def _schema(db: sqlite_utils.Database) -> None:
    _script(db, _SCHEMA)
    # The feed's stream id lives as long as the database: a consumer that sees a new id
    # knows the gateway's store was replaced and cursors start over.
    db.execute("INSERT INTO meta(key, value) VALUES ('stream_id', ?)", (uuid.uuid4().hex,))


@migrations(name="0002_planning_and_audit")
def _planning(db: sqlite_utils.Database) -> None:
    # Trip planning runs outside the writer: an order offered to one scanner's planner is
    # not offered to another's at the same time, and each plan has an id so a late answer
    # to an abandoned plan is recognised. The item scan's GTIN and lot wait in the session
    # for the quantity confirmation, so the pick records what was actually scanned.
    _script(db, _PLANNING)


@migrations(name="0003_pick_msg_ids")
def _pick_ids(db: sqlite_utils.Database) -> None:
    # Every unit is scanned, so a pick names the scan (or button press) that proved it: a
    # handheld's queued scan can be traced from the device to the stock move. New work goes
    # to the picker idle longest (idle_since), instead of waiting for them to ask.
    _script(db, _PICK_IDS)


@migrations(name="0004_drop_mirror_tables")
def _drop_mirrors(db: sqlite_utils.Database) -> None:
    # The warehouse description (meta 'warehouse', parsed into the catalog) is the one copy
    # of SKUs, barcodes, staff, boxes and stations. Copies nobody read go; skus and bins stay
    # as the keys stock rows reference, devices as the presence they carry.
    _script(db, _DROP_MIRRORS)


_SCHEMA = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE skus (
        sku TEXT PRIMARY KEY, name TEXT NOT NULL, unit_weight_g INTEGER NOT NULL,
        weight_sd_g INTEGER NOT NULL, dims_mm TEXT NOT NULL);
    CREATE TABLE gtins (gtin14 TEXT PRIMARY KEY, sku TEXT NOT NULL REFERENCES skus(sku));
    CREATE TABLE bins (label TEXT PRIMARY KEY, light_device TEXT);
    CREATE TABLE stock (
        bin TEXT NOT NULL REFERENCES bins(label), sku TEXT NOT NULL REFERENCES skus(sku),
        on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
        reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
        PRIMARY KEY (bin, sku));
    CREATE INDEX stock_by_sku ON stock(sku);
    CREATE TABLE stock_moves (
        id INTEGER PRIMARY KEY, bin TEXT NOT NULL, sku TEXT NOT NULL, delta INTEGER NOT NULL,
        on_hand_after INTEGER NOT NULL, reason TEXT NOT NULL, order_id INTEGER,
        actor TEXT NOT NULL, device TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE devices (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, station TEXT, resolution_g INTEGER NOT NULL,
        online INTEGER NOT NULL DEFAULT 0, last_seen TEXT, status_since TEXT);
    CREATE TABLE staff (
        badge TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, color TEXT NOT NULL);
    CREATE TABLE box_types (
        id TEXT PRIMARY KEY, inner_mm TEXT NOT NULL, tare_g INTEGER NOT NULL,
        max_load_g INTEGER NOT NULL);
    CREATE TABLE pack_stations (id TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE orders (
        id INTEGER PRIMARY KEY, shop_order_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
        hold_reason TEXT, paid_at TEXT NOT NULL, cutoff_at TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, request_hash TEXT NOT NULL,
        customer TEXT NOT NULL DEFAULT '{}');
    CREATE INDEX orders_by_status ON orders(status, cutoff_at, paid_at);
    CREATE TABLE order_lines (
        order_id INTEGER NOT NULL REFERENCES orders(id), line_no INTEGER NOT NULL,
        sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),
        picked INTEGER NOT NULL DEFAULT 0, short INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (order_id, line_no));
    CREATE TABLE order_events (
        id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, from_status TEXT,
        to_status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL, device TEXT NOT NULL,
        at TEXT NOT NULL);
    CREATE INDEX order_events_by_order ON order_events(order_id);
    CREATE TABLE trips (
        id INTEGER PRIMARY KEY, picker TEXT NOT NULL, device TEXT NOT NULL, status TEXT NOT NULL,
        length_dm INTEGER NOT NULL, label_sorted_dm INTEGER NOT NULL, method TEXT NOT NULL,
        created_at TEXT NOT NULL, finished_at TEXT);
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, line_no INTEGER NOT NULL,
        bin TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0),
        picked INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'open',
        trip_id INTEGER, seq INTEGER, tote INTEGER);
    CREATE INDEX tasks_by_order ON tasks(order_id);
    CREATE INDEX tasks_by_trip ON tasks(trip_id, seq);
    CREATE INDEX tasks_by_bin ON tasks(bin, sku, status);
    CREATE TABLE picks (
        id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, order_id INTEGER NOT NULL,
        line_no INTEGER NOT NULL, bin TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL,
        gtin TEXT, lot TEXT, picker TEXT NOT NULL, device TEXT NOT NULL, via TEXT NOT NULL,
        at TEXT NOT NULL);
    CREATE INDEX picks_by_order ON picks(order_id);
    CREATE TABLE sessions (
        device TEXT PRIMARY KEY, badge TEXT NOT NULL, role TEXT NOT NULL, trip_id INTEGER,
        task_id INTEGER, stage TEXT NOT NULL, order_id INTEGER, since TEXT NOT NULL);
    CREATE TABLE parcels (
        id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, n INTEGER NOT NULL,
        station TEXT NOT NULL, box_type TEXT NOT NULL, contents TEXT NOT NULL,
        expected_g INTEGER NOT NULL, tolerance_g INTEGER NOT NULL, lightest_g INTEGER NOT NULL,
        measured_g INTEGER, result TEXT NOT NULL DEFAULT 'waiting', packer TEXT NOT NULL,
        device TEXT NOT NULL, weighed_at TEXT, scale TEXT, carrier TEXT, tracking TEXT);
    CREATE INDEX parcels_by_order ON parcels(order_id);
    CREATE TABLE lights (
        device TEXT NOT NULL, slot TEXT NOT NULL, qty INTEGER NOT NULL, color TEXT NOT NULL,
        cmd_id TEXT NOT NULL, task_id INTEGER NOT NULL, sent_at TEXT NOT NULL, acked_at TEXT,
        PRIMARY KEY (device, slot));
    CREATE TABLE inbound_seen (
        device TEXT NOT NULL, msg_id TEXT NOT NULL, at TEXT NOT NULL, outcome TEXT NOT NULL,
        PRIMARY KEY (device, msg_id)) WITHOUT ROWID;
    CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, device TEXT NOT NULL, msg_id TEXT NOT NULL,
        topic TEXT NOT NULL, payload BLOB NOT NULL, reason TEXT NOT NULL);
    -- AUTOINCREMENT: a cursor must never see a sequence number reused after pruning.
    CREATE TABLE feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,
        shop_order_id TEXT NOT NULL, created_at TEXT NOT NULL, record TEXT NOT NULL);
    CREATE TABLE feed_consumers (
        consumer TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL, acked_at TEXT NOT NULL,
        actor TEXT NOT NULL);
"""

_PLANNING = """
    ALTER TABLE orders ADD COLUMN planning_for TEXT;
    ALTER TABLE sessions ADD COLUMN plan_id TEXT;
    ALTER TABLE sessions ADD COLUMN scanned_gtin TEXT;
    ALTER TABLE sessions ADD COLUMN scanned_lot TEXT;
    CREATE INDEX orders_by_planning ON orders(planning_for) WHERE planning_for IS NOT NULL;
    CREATE TABLE session_events (
        id INTEGER PRIMARY KEY, device TEXT NOT NULL, badge TEXT NOT NULL, event TEXT NOT NULL,
        at TEXT NOT NULL);
    CREATE TABLE warehouse_loads (
        id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, actor TEXT NOT NULL, device TEXT NOT NULL,
        at TEXT NOT NULL);
"""

_PICK_IDS = """
    ALTER TABLE picks ADD COLUMN msg_id TEXT;
    ALTER TABLE sessions ADD COLUMN idle_since TEXT;
"""

_DROP_MIRRORS = """
    DROP TABLE gtins;
    DROP TABLE staff;
    DROP TABLE box_types;
    DROP TABLE pack_stations;
    ALTER TABLE skus DROP COLUMN name;
    ALTER TABLE skus DROP COLUMN unit_weight_g;
    ALTER TABLE skus DROP COLUMN weight_sd_g;
    ALTER TABLE skus DROP COLUMN dims_mm;
    ALTER TABLE bins DROP COLUMN light_device;
    ALTER TABLE devices DROP COLUMN resolution_g
"""


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the durability settings every writer and reader shares."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed shipment survives power loss, not only a process crash.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to the newest version; returns how many migrations are applied."""
    db = sqlite_utils.Database(conn)
    _adopt_numbered_schema(db)
    migrations.apply(db)
    applied = len(migrations.applied(db))
    # user_version mirrors the count, for `edge migrate` and the sqlite3 shell.
    conn.execute(f"PRAGMA user_version = {applied}")
    return applied


def _adopt_numbered_schema(db: sqlite_utils.Database) -> None:
    """Databases made before the named migrations counted versions in PRAGMA user_version:
    record the migrations they already have, so only the newer ones run."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    if version == 0 or db["_sqlite_migrations"].exists():
        return
    migrations.ensure_migrations_table(db)
    adopted = str(datetime.now(UTC))
    with db.atomic():
        for migration in migrations.pending(db)[:version]:
            db.table(migrations.migrations_table).insert(
                {"migration_set": migrations.name, "name": migration.name, "applied_at": adopted}
            )


class Tx:
    """The core's port onto one open transaction: parameterised SQL, rows as dicts."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        row = self._conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute(sql, params).fetchall()]

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return row[0] if row is not None else None

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a change; returns the new rowid for an INSERT, else the rows changed."""
        cur = self._conn.execute(sql, params)
        if sql.lstrip().upper().startswith("INSERT") and cur.rowcount and cur.lastrowid:
            return cur.lastrowid
        return cur.rowcount

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)


class Database:
    """Owns the file: one writer connection (used by the runtime's writer thread only) and
    a pool of read connections."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.writer = connect(self.path)
        migrate(self.writer)
        self._readers: list[sqlite3.Connection] = []  # every read connection, to close
        self._idle: list[sqlite3.Connection] = []  # of which not in use now
        self._lock = threading.Lock()
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpoints = threading.Event()

    def start_checkpointer(self, every_s: float = 1.0) -> None:
        """Move WAL checkpoints off the writer: an automatic checkpoint runs inside whichever
        commit crosses the threshold, adding its fsyncs to a device event's latency."""
        if self.path == ":memory:" or self._checkpointer is not None:
            return
        self.writer.execute("PRAGMA wal_autocheckpoint=0")

        self._checkpointer = threading.Thread(
            target=keep_wal_small,
            args=(connect(self.path), self._stop_checkpoints, every_s),
            name="edge-checkpoint",
            daemon=True,
        )
        self._checkpointer.start()

    def _take_reader(self) -> sqlite3.Connection:
        # Pooled, not one per thread: the HTTP worker threads come and go (anyio ends an idle
        # one after 10 s), and a connection per thread left behind two open files and its
        # page cache each time (the soak's service went from 68 to 333 open files).
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = connect(self.path, readonly=True)
        with self._lock:
            self._readers.append(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent snapshot for a reader (WAL lets it run beside the writer)."""
        if self.path == ":memory:":
            yield Tx(self.writer)
            return
        conn = self._take_reader()
        try:
            conn.execute("BEGIN")
            try:
                yield Tx(conn)
            finally:
                conn.execute("COMMIT")
        finally:
            with self._lock:
                self._idle.append(conn)

    @property
    def reader_connections(self) -> int:
        """Read connections open (as many as reads ever ran at once)."""
        with self._lock:
            return len(self._readers)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._stop_checkpoints.set()
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            self._idle.clear()
        self.writer.close()


@migrations(name="0005_login_attempts")
def _login_attempts(db: sqlite_utils.Database) -> None:
    # Every login attempt (badge, PIN) is kept: who tried which badge on which device, when,
    # and the outcome. Lockouts are read from it, so they survive a restart. A badge scanned
    # on an MQTT scanner whose holder has a PIN waits in pin_pending for the PIN (never stored).
    _script(
        db,
        """
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, badge TEXT NOT NULL,
            device TEXT NOT NULL, outcome TEXT NOT NULL);
        CREATE INDEX login_attempts_by_badge ON login_attempts(badge, id);
        CREATE INDEX login_attempts_by_device ON login_attempts(device, id);
        CREATE TABLE pin_pending (
            device TEXT PRIMARY KEY, badge TEXT NOT NULL, since TEXT NOT NULL)
        """,
    )


@migrations(name="0006_feed_chain")
def _feed_chain(db: sqlite_utils.Database) -> None:
    # Every feed record names the record before it in its stream (prev_seq) and carries the
    # sha256 of its canonical JSON (hash), so a consumer detects a gap or a changed record;
    # the record text is stored in that canonical form, so a page is built from it as is.
    # feed_floor in meta is the highest seq pruned (records at or below it are gone).
    _script(
        db,
        """
        ALTER TABLE feed ADD COLUMN prev_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE feed ADD COLUMN hash TEXT NOT NULL DEFAULT ''
        """,
    )
    first = db.execute("SELECT min(seq) FROM feed").fetchone()[0]
    issued = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'feed'").fetchone()
    prev = first - 1 if first is not None else (issued[0] if issued else 0)
    db.execute("INSERT INTO meta(key, value) VALUES ('feed_floor', ?)", (str(prev),))
    rows = db.execute("SELECT seq, record FROM feed ORDER BY seq").fetchall()
    for seq, text in rows:
        record = canonical(json.loads(text))
        db.execute(
            "UPDATE feed SET record = ?, prev_seq = ?, hash = ? WHERE seq = ?",
            (record, prev, text_hash(record), seq),
        )
        prev = seq


def _running(script: str) -> Callable[[sqlite_utils.Database], None]:
    return lambda db: _script(db, script)


for _name, _sql in LATER_MIGRATIONS:
    migrations(name=_name)(_running(_sql))
