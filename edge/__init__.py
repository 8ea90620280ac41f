"""Warehouse edge service: orders, picking, packing and the cloud feed on one gateway."""
