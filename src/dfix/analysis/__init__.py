"""Facts about one parse of a Dockerfile, computed once and typed: build states, copies, RUN scripts,
mountability, the package index, and the stacks each stage builds."""
