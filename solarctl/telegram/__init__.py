"""Telegram both ways: alerts and status reports out (sink.py), commands in (commands.py), over the Bot API."""
