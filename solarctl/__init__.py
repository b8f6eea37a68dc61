"""solarctl: monitor and control home and off-grid solar + battery installations."""

__version__ = "0.1.0"
