"""The shell of OneStop: app factory, settings, database, auth, realtime bridge and CLI."""
