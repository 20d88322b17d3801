"""Staff at counters: the API to open a counter, call, serve, transfer and pause."""
