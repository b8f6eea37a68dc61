from solarctl.cli import main

main()
