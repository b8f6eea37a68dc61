"""Backtests: the daemon's strategies replayed on the plant model over a year, against `none` and the optimum.

`site.py` builds the plant and its inputs (weather, load) for a run, `series.py` precomputes them once
for every strategy, `replay.py` runs one strategy through control/offline.py's OfflineRun and records
each step, `metrics.py` turns a record into figures under a tariff, `optimum.py` adds the perfect-foresight
baseline, `report.py` prints them (table, JSON) and `plot.py` draws them (matplotlib, only when asked).
"""
