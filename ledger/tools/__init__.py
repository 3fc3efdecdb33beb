"""Developer tools (code generation). Not used at run time."""
