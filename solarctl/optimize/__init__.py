"""Cost-optimal battery schedules: the site's limits (`limits.py`), a tariff (`tariff.py`) and the linear
programme over a horizon (`lp.py`, scipy/HiGHS, imported only by whoever solves one)."""
