"""What a scan means: a badge logs in, a packer's scan names an order, a picker's the stop."""

from __future__ import annotations

from edge.core import labelling, packing, picking, sessions
from edge.core.context import Ctx, require_scanner, require_session
from edge.messages import ScanRead


def on_scan(ctx: Ctx, msg: ScanRead) -> None:
    require_scanner(ctx, msg.device_id)
    code = msg.code.strip()
    if code in ctx.cat.staff:
        sessions.login(ctx, msg.device_id, code)
        return
    sess = require_session(ctx, msg.device_id)
    if code.upper() == labelling.REPRINT_CODE and ctx.cat.station_of(msg.device_id):
        labelling.reprint_scan(ctx, msg, sess)
    elif sess["role"] == "packer" or ctx.cat.station_of(msg.device_id):
        packing.on_pack_scan(ctx, msg, sess, code)
    else:
        picking.on_pick_scan(ctx, msg, sess, code)
