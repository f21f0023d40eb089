"""Secrets in Dockerfiles: what looks like one, and masking it in everything dfix prints.

Shared by DF401 (which reports and rewrites) and the runner (which masks every
output, whatever rules run: a diff's context lines show a token as surely as a
fix's own lines do).  Token shapes are the documented prefixes of the issuers
(GitHub, GitLab, Slack, AWS, npm, OpenAI/Stripe-style ``sk-``); names are the
usual ``*_TOKEN``/``*_PASSWORD``/``*_SECRET``/``*_API_KEY`` conventions; anything
else long and random-looking in an ARG/ENV value counts by its entropy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Iterable
from urllib.parse import urlsplit

from .dockerfile import Dockerfile, DockerfileError, Instruction, parse
from .dockerfile.expand import expand

# Issuer prefixes: (regexp, how many leading characters the mask keeps).
TOKEN_SHAPES: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"github_pat_[A-Za-z0-9_]{22,}"), len("github_pat_")),
    (re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"), 4),
    (re.compile(r"glpat-[A-Za-z0-9_\-]{20,}"), 6),
    (re.compile(r"xox[abposr]-[A-Za-z0-9\-]{10,}"), 5),
    (re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}"), 4),
    (re.compile(r"npm_[A-Za-z0-9]{36}"), 4),
    (re.compile(r"sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"), 3),
    (re.compile(r"sk_live_[A-Za-z0-9]{16,}"), 8),
)

_SECRET_WORDS = ("TOKEN", "PASSWORD", "PASSWD", "PASS", "PWD", "SECRET", "APIKEY", "API_KEY", "ACCESS_KEY",
                 "PRIVATE_KEY", "AUTHTOKEN", "CREDENTIALS", "CREDENTIAL")
# Names that hold where a secret lives or how it is used, not the secret itself.
_NOT_A_VALUE = ("_FILE", "_PATH", "_DIR", "_URL_PATH", "_LENGTH", "_ENABLED", "_HEADER", "_TYPE", "_ID", "_NAME",
                "_USER", "_USERNAME", "_EXPIRY", "_TTL", "_URL", "_HOST", "_PORT", "_ENDPOINT", "_MODE",
                "_METHOD", "_PERIOD", "_INTERVAL", "_TIMEOUT", "_SIZE", "_COUNT", "_VERSION", "_ALGORITHM",
                "_REGION", "_PROVIDER", "_KIND", "_PREFIX", "_SUFFIX", "_SCOPE", "_SCOPES", "_LOCATION")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"]+")
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
MASK = "****"
_PLACEHOLDERS = frozenset({"", "none", "null", "true", "false", "placeholder", "dummy", "changeme", "change-me",
                           "password", "pass", "secret", "example", "xxx", "xxxx", "test", "user", "token", "your-token",
                           "your_token", "replace-me", "replace_me", "todo", "unset", "empty", "default"})


def is_secret_name(name: str) -> bool:
    """``NPM_TOKEN``, ``DB_PASSWORD``, ``AWS_SECRET_ACCESS_KEY``, ``API_KEY``: yes; ``TOKEN_FILE``, ``PASSWORD_ID``: no."""
    upper = name.upper()
    if upper.endswith(_NOT_A_VALUE) or upper in ("PWD", "OLDPWD"):
        return False
    words = upper.split("_")
    joined = ["_".join(words[i:i + 2]) for i in range(len(words) - 1)]
    return any(w in _SECRET_WORDS for w in (*words, *joined, upper.replace("_", "")))


def token_shape(value: str) -> tuple[int, int, int] | None:
    """(start, end, kept prefix length) of the first issuer-shaped token in ``value``."""
    for pattern, keep in TOKEN_SHAPES:
        m = pattern.search(value)
        if m:
            return m.start(), m.end(), keep
    return None


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def looks_random(value: str) -> bool:
    """Long, mixed-class, high-entropy: a key rather than a word, a path, a version or a hex checksum."""
    if len(value) < 24 or any(ch in value for ch in "/$ .:") or value.startswith("-"):
        return False
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value)))
    return classes == 3 and entropy(value) > 4.2


def url_password(value: str) -> tuple[str, str] | None:
    """(user, password) of an ``https://user:pass@host`` URL inside ``value``; None without a password."""
    if "://" not in value:
        return None  # no URL (asked of every instruction on every pass)
    for m in _URL.finditer(value):
        if "@" not in m.group(0):
            continue
        try:
            parts = urlsplit(m.group(0))
        except ValueError:
            continue
        if parts.password:
            return parts.username or "", parts.password
        if parts.username and not parts.username.startswith("$") and (
                token_shape(parts.username) or looks_random(parts.username)):
            return "", parts.username  # https://<token>@github.com/...
    return None


@dataclass(frozen=True)
class SecretValue:
    """A literal secret written in the Dockerfile (never printed: masked on output)."""

    value: str
    line: int
    name: str | None  # the ARG/ENV variable holding it, when there is one
    why: str  # "named like a secret", "a GitHub token", ...
    keep: int = 0  # leading characters the mask may show (an issuer prefix such as ``ghp_``)

    @property
    def masked(self) -> str:
        return self.value[: self.keep] + MASK


def name_values(ins: Instruction) -> list[tuple[str, str | None]]:
    """ARG/ENV pairs with quotes removed (a value using ``$`` stays as written); an ARG without default has None."""
    values = ins.values
    if ins.keyword == "ENV":
        pairs: list[tuple[str, str | None]] = list(zip(values[::2], values[1::2]))
    else:
        pairs = [(w.split("=", 1)[0], w.split("=", 1)[1]) if "=" in w else (w, None) for w in values]
    return [(n, v if v is None or "$" in v else expand(v, {}, ins.command.escape)) for n, v in pairs]


def is_placeholder(value: str) -> bool:
    """Values that hold no secret: empty, short, numbers, booleans and the usual stand-ins."""
    return len(value) < 4 or value.isdigit() or value.lower().strip("<>_-.") in _PLACEHOLDERS


# The last few texts' secrets: DF401 finds them on every pass of the engine, the first on
# the input, and the runner masks its output with the input's; without this the runner
# parsed the file once more.
_last: dict[str, list[SecretValue]] = {}
_KEEP = 16


def literal_secrets(df: Dockerfile) -> list[SecretValue]:
    """Every secret value written in the file: ARG/ENV values, URL passwords, issuer-shaped tokens anywhere."""
    if df.text not in _last:
        if len(_last) >= _KEEP:
            del _last[next(iter(_last))]
        _last[df.text] = _literal_secrets(df)
    return list(_last[df.text])


def _literal_secrets(df: Dockerfile) -> list[SecretValue]:
    found: dict[str, SecretValue] = {}

    def add(secret: SecretValue) -> None:
        if not is_placeholder(secret.value) and "$" not in secret.value and secret.value not in found:
            found[secret.value] = secret

    for ins in df.instructions:
        if ins.keyword in ("ARG", "ENV"):
            for name, value in name_values(ins):
                if not value:
                    continue
                shape = token_shape(value)
                if shape:
                    add(SecretValue(value, ins.line, name, "an access token by its prefix", shape[2]))
                elif is_secret_name(name) and not value.startswith("/"):
                    add(SecretValue(value, ins.line, name, "named like a secret"))
                elif looks_random(value):
                    add(SecretValue(value, ins.line, name, "a long random-looking value"))
        creds = url_password(ins.text)
        if creds:
            add(SecretValue(creds[1], ins.line, None, "a password in a URL"))
    # Over the whole text at once (no shape matches a line break), not pattern by line:
    # 100k lines times eight patterns was most of DF401's time.
    for pattern, keep in TOKEN_SHAPES:
        for m in pattern.finditer(df.text):
            add(SecretValue(m.group(0), df.text.count("\n", 0, m.start()) + 1, None,
                            "an access token by its prefix", keep))
    return sorted(found.values(), key=lambda s: (s.line, s.value))


class Masker:
    """Replaces every known secret value in text dfix prints."""

    def __init__(self, secrets: Iterable[SecretValue]) -> None:
        # Longest first, so a value containing another is masked whole.
        self.secrets = sorted(secrets, key=lambda s: -len(s.value))

    @classmethod
    def for_dockerfile(cls, text: str) -> Masker:
        try:
            return cls(_last[text] if text in _last else literal_secrets(parse(text)))
        except DockerfileError:
            return cls(())

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret.value) >= 8:
                text = text.replace(secret.value, secret.masked)
            else:
                # A short value ("root", "admin") is masked only beside its name, not in every path.
                text = "\n".join(_mask_short(line, secret) for line in text.split("\n"))
        return text

    def mask_data(self, data: Any) -> Any:
        """A copy of JSON-like data (dicts, lists, strings) with every string masked."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, dict):
            return {k: self.mask_data(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.mask_data(v) for v in data]
        return data

    def mask_report(self, report: Any) -> None:
        """Mask a runner FileReport in place: diff, fix messages, skip reasons, error."""
        if not self.secrets:
            return
        masked = self(report.diff)
        report.masked = masked != report.diff
        report.diff = masked
        report.own_diff = self(getattr(report, "own_diff", ""))
        report.extra_diffs = [(path, self(diff)) for path, diff in getattr(report, "extra_diffs", [])]
        report.fixes = [replace(f, message=self(f.message)) for f in report.fixes]
        report.skipped = [replace(s, reason=self(s.reason)) for s in report.skipped]
        report.notes = [replace(s, reason=self(s.reason)) for s in getattr(report, "notes", [])]
        report.reports = [replace(r, message=self(r.message)) for r in getattr(report, "reports", [])]
        if report.error:
            report.error = self(report.error)


def _mask_short(line: str, secret: SecretValue) -> str:
    """A short value, as a whole word, beside its name; or, for a URL password, between ``:`` and ``@``."""
    if secret.value not in line:
        return line
    if secret.name is None:
        return line.replace(f":{secret.value}@", f":{secret.masked}@")
    if secret.name not in line:
        return line
    return re.sub(rf"(?<![A-Za-z0-9_]){re.escape(secret.value)}(?![A-Za-z0-9_])", secret.masked, line)
