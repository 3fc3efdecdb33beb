"""The `creditledger` command line."""
