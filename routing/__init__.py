"""The core of OneStop: domain, store, router and calendar. It knows nothing of the web."""
