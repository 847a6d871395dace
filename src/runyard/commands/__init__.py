"""The `runyard` command-line commands, one module per command group."""
