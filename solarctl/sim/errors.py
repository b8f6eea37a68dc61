"""The one error a simulator raises when it cannot start (a port in use, a path it cannot make): its
message is a sentence for the user, with the fix; `solarctl sim` and `demo` print it as it is."""


class SimulatorError(RuntimeError):
    pass
