"""Generated protobuf code (package ledger.v1). Do not edit."""
