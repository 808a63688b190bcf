"""This server as an OAuth 1.0a service provider: other applications use our gadgets and data."""
