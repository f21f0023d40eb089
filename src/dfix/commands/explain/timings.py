"""Step times from a ``docker build --progress=plain`` log.

BuildKit prints a vertex's name once (``#7 [build 3/6] RUN npm ci``; the step
number is right-aligned to the width of the total, ``[ 3/12]``), then its end
(``#7 DONE 12.3s`` or ``#7 CACHED``).  A single-stage build has no stage name with
the daemon's built-in frontend and ``stage-0`` with a ``# syntax=`` frontend.
There is no parser for this log format to reuse, so the two line shapes are
matched here; vertices without ``[n/N]`` (context transfer, exporting) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^#(\d+) \[(?:(?P<stage>[^\]\s]+) +)?\s*(?P<n>\d+)/(?P<total>\d+)\] (?P<text>.*)$")
_END = re.compile(r"^#(\d+) (?:(CACHED)|DONE (\d+(?:\.\d+)?)s)\s*$")


@dataclass
class LoggedStep:
    stage: str | None
    number: int
    total: int
    text: str
    seconds: float | None = None  # None while cached or unfinished
    cached: bool = False

    @property
    def keyword(self) -> str:
        return self.text.split(None, 1)[0].upper() if self.text else ""


def parse_log(text: str) -> list[LoggedStep]:
    """The Dockerfile steps of a plain-progress log, FROM excluded, with their times."""
    steps: dict[int, LoggedStep] = {}
    for raw in text.splitlines():
        line = raw.rstrip()
        end = _END.match(line)
        if end:
            step = steps.get(int(end.group(1)))
            if step is not None:
                if end.group(2):
                    step.cached = True
                elif not step.cached:
                    step.seconds = float(end.group(3))
            continue
        name = _NAME.match(line)
        if name and int(name.group(1)) not in steps:
            steps[int(name.group(1))] = LoggedStep(name.group("stage"), int(name.group("n")),
                                                   int(name.group("total")), name.group("text"))
    return [s for s in steps.values() if s.keyword != "FROM"]


def seconds_by_position(logged: list[LoggedStep], single_stage: bool) -> dict[tuple[str | None, int], LoggedStep]:
    """Logged steps keyed by (stage label, n); a single-stage build is keyed with stage None."""
    return {(None if single_stage else s.stage, s.number): s for s in logged}
