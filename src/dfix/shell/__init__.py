"""RUN command text read with a real shell parser (bashlex)."""
