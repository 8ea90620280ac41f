"""The cloud pull feed: finished shipments by cursor, kept until the consumer acknowledges."""
