import typer

# Help texts name config tables such as [storage] and [general]: printed as written, never read as console
# markup (which would swallow them).
PLAIN = dict(rich_markup_mode=None)

app = typer.Typer(
    name="solarctl",
    help="Monitor and control a solar + battery installation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    **PLAIN,
)
config_app = typer.Typer(help="Config file tools.", no_args_is_help=True, **PLAIN)
app.add_typer(config_app, name="config")
