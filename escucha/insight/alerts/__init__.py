"""Alerts leaving escucha: where they go, what they say, and how each is delivered."""
