"""Tests of the reference cloud consumer (cloud_sync.pull)."""
