"""What the world says about the next hours: day-ahead prices from the services users have (aWATTar,
Energy-Charts, Tibber, Octopus Agile), turned into the user's own tariff by a formula, for the `forecast`
strategy. HTTP (httpx) is imported only by the modules that fetch: reading a tariff file needs none."""
