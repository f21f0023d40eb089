"""GitHub Actions workflow commands: annotations on the Dockerfile lines in a run's summary.

``::warning`` for a pending fix, ``::notice`` for a skipped one, ``::error`` for a file dfix
could not read; a report (a display-only finding) at its own severity. Values are escaped as GitHub's toolkit does (``%``, CR and LF in the
message; additionally ``:`` and ``,`` in properties), so a reason with a colon or a newline
cannot end the command early or forge a second one; other control characters are shown escaped.
"""

from __future__ import annotations

from ..io.printable import escape_controls
from ..rules.findings import FileReport


def escape_data(text: str) -> str:
    # Other control characters and bidi overrides are made visible: the log is read by people.
    text = escape_controls(text, keep="\r\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def to_github(reports: list[FileReport]) -> str:
    lines = []
    for r in reports:
        if r.error:
            lines.append(command("error", r.error, file=r.path, title="dfix"))
            continue
        if r.pending:
            for f in r.fixes:
                lines.append(command("warning", f"{f.message} ({f.safety.value} fix; run `dfix --write`)",
                                     file=r.path, line=f.line, title=f.code))
        for x in r.reports:
            name = {"error": "error", "warning": "warning"}.get(x.severity.value, "notice")
            lines.append(command(name, x.message, file=r.path, line=x.line, title=x.code))
        for s in r.skipped:
            lines.append(command("notice", s.reason, file=r.path, line=s.line, title=f"{s.code} skipped"))
    return "".join(line + "\n" for line in lines)
