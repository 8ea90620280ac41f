"""Event-path benchmark: device event → Mosquitto → service commit → light command back."""
