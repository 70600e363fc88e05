"""The HTTP and WebSocket edge: commands in, outcomes and queries out, pushes to browsers."""
