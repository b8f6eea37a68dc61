"""Device simulators that speak the real protocols, all reading/writing one plant."""
