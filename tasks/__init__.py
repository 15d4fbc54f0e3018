"""Celery tasks: one thin module per stage around the domain code in `escucha`."""
