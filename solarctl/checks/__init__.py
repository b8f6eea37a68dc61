"""Checks over the latest values of every device: plausibility across devices (plausibility.py), run in the
daemon on each new sample (watch.py). They report `Condition`s (solarctl/alerts/model.py)."""
