"""`gt demo`: a town in a temporary directory that shows the whole flow without an API key."""
