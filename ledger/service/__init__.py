"""The gRPC surface: thin servicers, the one error-to-status mapping, and the server builder."""
