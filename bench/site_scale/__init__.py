"""Site-scale event-path benchmark: 2,000 MQTT devices, open-loop rates, bursts, soak."""
