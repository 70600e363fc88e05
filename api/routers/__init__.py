"""One router per domain: HTTP in, command out; queries from the read model."""
