"""The thin web layer: HTML pages, gadget frames and the JSON API over ``dashboard.operations``."""
