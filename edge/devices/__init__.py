"""Device side of MQTT: topic grammar, one pure payload codec per device kind, the simulator."""
