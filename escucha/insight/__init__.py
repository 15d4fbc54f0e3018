"""Listening insight: crisis detection and the alerts it sends."""
