"""Bounded reads, atomic writes, discovery of Dockerfiles, and hardened git."""
