"""Shipping labels (pure): SSCC-18, carriers' tracking numbers, the ZPL and its preview."""
