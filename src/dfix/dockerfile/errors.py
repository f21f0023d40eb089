"""The one error type the parser and validator raise."""


class DockerfileError(ValueError):
    """The Dockerfile is one BuildKit would reject; ``line`` is 1-based (or None)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message
