"""paho's log lines as an operator needs to read them."""

from __future__ import annotations

import logging


class UnreachableBroker(logging.Filter):
    """paho reports a refused connection as 'Client is not connected ... CONNECTING' at ERROR
    on every retry; an operator needs to read which broker is unreachable, as a warning."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self._address = address

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and "MQTT_CS_CONNECTING" in record.getMessage():
            record.msg, record.args = f"broker {self._address} not reachable; retrying", ()
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
