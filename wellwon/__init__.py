"""WellWon's shared kernel: configuration, the record envelope, schemas, topics and the CLI."""
