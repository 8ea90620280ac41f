"""PUBACKs of received QoS 1 messages, sent in arrival order once each message is committed."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

# Device messages taken from the broker and not yet committed, at most. Mosquitto's
# max_inflight_messages does not hold this back once PUBACKs flow (2.0.11 let 3,450 through
# in a 5,000/s burst), so the service stops reading at this many and goes on at half: the
# rest wait in the broker's queue for the session, and the service's memory stays bounded.
# 1,000 keeps the writer's largest batches (256) fed.
MAX_UNACKED = 1000


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
        self._drained = threading.Condition(self._lock)  # notified when acks went out
        self._queue: deque[Delivery] = deque()
        self._generation = 0
        self.holds = 0  # times reading was held for the writer (throttle)

    def reset(self) -> None:
        """The connection changed: forget every pending ack (the broker will redeliver)."""
        with self._lock:
            self._generation += 1
            self._queue.clear()
            self._drained.notify_all()

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
            sent = False
            while self._queue and self._queue[0].done:
                head = self._queue.popleft()
                sent = True
                if head.send:
                    self._send(head.mid, head.qos)
            if sent:
                self._drained.notify_all()

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def throttle(self, limit: int, timeout: float) -> bool:
        """With `limit` deliveries waiting, block until half of them were acked (True) or
        `timeout` passed (False); below it, True at once. Called on the network thread
        after each message, it stops reading while the writer catches up."""
        with self._lock:
            if len(self._queue) < limit:
                return True
            self.holds += 1
            return self._drained.wait_for(lambda: len(self._queue) < limit // 2, timeout)


def bind_ack(acks: OrderedAcks, delivery: Delivery) -> Callable[[], None]:
    """The callback the runtime calls once the message is committed."""

    def ack() -> None:
        acks.complete(delivery)

    return ack
