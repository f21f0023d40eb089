"""One package or module per subcommand; cli.py wires them to the command line."""
