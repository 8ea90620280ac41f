"""The use cases: one package, imports pointing down its layers (see pyproject's contracts)."""
