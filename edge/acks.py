"""PUBACKs of received QoS 1 messages, sent in arrival order once each message is committed."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class Delivery:
    """One received QoS 1 message waiting for its PUBACK."""

    __slots__ = ("done", "generation", "mid", "qos", "send")

    def __init__(self, mid: int, qos: int, generation: int) -> None:
        self.mid = mid
        self.qos = qos
        self.generation = generation
        self.done = False
        self.send = True


class OrderedAcks:
    """Sends PUBACKs in the order the messages arrived (MQTT 3.1.1 §4.6), whichever thread
    completes them, and drops the acks of a connection that is gone.

    paho's ``Client.ack(mid, qos)`` only queues a PUBACK packet for the network thread (a
    deque append and a wake-up byte), so it may be called from the runtime's writer thread.
    It does not check that the mid is still awaiting an ack: after a reconnect the broker
    redelivers unacknowledged messages and may reuse a packet id for a different message, so
    an ack left over from the old connection could acknowledge a message not yet committed.
    Hence the generation check; the redelivered copy is deduplicated by msg_id and acked then.
    """

    def __init__(self, send: Callable[[int, int], object]) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._queue: deque[Delivery] = deque()
        self._generation = 0

    def reset(self) -> None:
        """The connection changed: forget every pending ack (the broker will redeliver)."""
        with self._lock:
            self._generation += 1
            self._queue.clear()

    def expect(self, mid: int, qos: int) -> Delivery:
        with self._lock:
            delivery = Delivery(mid, qos, self._generation)
            self._queue.append(delivery)
            return delivery

    def complete(self, delivery: Delivery, *, send: bool = True) -> None:
        """Mark one delivery done; send every ack at the head of the queue that is done.

        send=False leaves the message unacknowledged without blocking the acks behind it:
        the broker redelivers it on the next session.
        """
        with self._lock:
            if delivery.done or delivery.generation != self._generation:
                return
            delivery.done = True
            delivery.send = send
            while self._queue and self._queue[0].done:
                head = self._queue.popleft()
                if head.send:
                    self._send(head.mid, head.qos)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)


def bind_ack(acks: OrderedAcks, delivery: Delivery) -> Callable[[], None]:
    """The callback the runtime calls once the message is committed."""

    def ack() -> None:
        acks.complete(delivery)

    return ack
