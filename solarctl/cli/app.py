import typer

app = typer.Typer(
    name="solarctl",
    help="Monitor and control a solar + battery installation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Config file tools.", no_args_is_help=True)
app.add_typer(config_app, name="config")
