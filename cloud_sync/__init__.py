"""The cloud pull feed over HTTP: finished shipments by cursor, kept until acknowledged."""
