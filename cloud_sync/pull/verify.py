"""Checks on a received page: each record's content hash and the prev_seq chain (pure)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


def canonical(record: Any) -> str:
    """The canonical JSON the gateway hashes (docs/cloud-sync.md, "The stream")."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(record: Any) -> str:
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verified:
    """The records that passed, in order (with `record` as canonical JSON text, ready to
    store), and the first problem found, if any: nothing at or after it is accepted."""

    records: list[dict[str, Any]]
    problem: str | None


_FIELDS = ("seq", "prev_seq", "hash", "record")


def verify_page(records: list[Any], after: int) -> Verified:
    """Accept records while each one's hash matches its content and its prev_seq names the
    seq before it (the first one: `after`, the cursor the page was asked with; at the very
    start of a stream, `after` = 0, any earlier seq: a new epoch continues from its mark)."""
    good: list[dict[str, Any]] = []
    last = after
    for r in records:
        problem = _problem(r, last, first_of_stream=last == 0)
        if problem is not None:
            return Verified(good, problem)
        text = canonical(r["record"])
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != r["hash"]:
            return Verified(good, f"seq {r['seq']}: hash does not match the record's content")
        good.append({**r, "record": text})
        last = r["seq"]
    return Verified(good, None)


def _problem(r: Any, last: int, *, first_of_stream: bool) -> str | None:
    if not isinstance(r, dict) or any(f not in r for f in _FIELDS):
        return f"after seq {last}: a record without {'/'.join(_FIELDS)}"
    seq, prev = r["seq"], r["prev_seq"]
    if not (isinstance(seq, int) and isinstance(prev, int)) or isinstance(seq, bool):
        return f"after seq {last}: seq and prev_seq must be integers"
    if not isinstance(r["hash"], str):
        return f"seq {seq}: hash must be a string"
    if seq <= last or prev >= seq:
        return f"seq {seq}: out of order after seq {last} (prev_seq {prev})"
    if first_of_stream:
        return None if prev >= 0 else f"seq {seq}: prev_seq {prev} is negative"
    if prev != last:
        return f"seq {seq}: prev_seq {prev} is not the seq stored before it ({last}): a gap"
    return None
