"""The project's tests: unit (real SQLite), integration (real Mosquitto), browser."""
