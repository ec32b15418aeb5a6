"""OpenAPI documentation of the Game API: response shapes, the error envelope, examples."""
