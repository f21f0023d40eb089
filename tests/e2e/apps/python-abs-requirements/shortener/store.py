import hashlib
import threading


class Store:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: dict[str, str] = {}

    def add(self, url: str) -> str:
        key = hashlib.sha256(url.encode()).hexdigest()[:8]
        with self._lock:
            self._urls[key] = url
        return key

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._urls.get(key)
