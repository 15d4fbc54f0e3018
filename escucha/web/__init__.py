"""The HTTP ingest service: platform webhooks, the generic mentions API, queries and health."""
