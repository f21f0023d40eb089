"""DF101 (manifest-first) and the toolchain facts only it uses."""
