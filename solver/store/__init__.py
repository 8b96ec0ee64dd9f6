"""Run history: recorded solves in a database (SQLite or PostgreSQL), read back and diffed."""
