"""The checks of the safety gate. Each returns a ``Check`` with its values and thresholds."""
