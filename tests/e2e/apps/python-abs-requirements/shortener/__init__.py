"""A tiny URL shortener used as a dfix end-to-end sample."""
