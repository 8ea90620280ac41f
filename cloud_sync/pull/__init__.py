"""The reference cloud consumer: pulls every gateway's feed into PostgreSQL, exactly once."""
