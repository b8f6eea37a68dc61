"""`solarctl demo`: a whole installation on one machine, from an embedded config."""
