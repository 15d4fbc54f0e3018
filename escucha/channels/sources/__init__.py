"""Adapters from upstream formats (Meta, X, Mastodon, feeds, exports) to escucha's rows."""
