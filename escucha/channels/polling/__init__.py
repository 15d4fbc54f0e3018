"""Scheduled pollers: RSS/Atom feeds, Mastodon timelines, X recent search."""
