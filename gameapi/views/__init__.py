"""Game API v2 views: thin — parse with a serializer, call a service or selector, render."""
