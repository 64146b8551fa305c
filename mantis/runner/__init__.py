"""The plan runner: carries out a plan on a ``Computer`` with providers and a brain."""
