"""Running the installed `dfix` as an attacker's CI would, under a CPU and memory cap.

A hang or a blow-up must fail the test, not CI: every run gets RLIMIT_CPU (CPU seconds,
so a loaded machine does not make it flaky), RLIMIT_AS (the kernel stops the process
before it eats the machine) and a wall-clock timeout, and reports its peak RSS.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DFIX = str(Path(sys.executable).with_name("dfix"))
CPU_SECONDS = 10  # issue 9: every reproducer under 10 s ...
RSS_MIB = 500  # ... and 500 MB
ADDRESS_SPACE = 2 << 30  # virtual size cap: well above the RSS budget (libraries map more than they touch)
WALL_SECONDS = 120  # only for a hang that burns no CPU (a blocked read): generous on a shared machine


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    cpu: float
    rss_mib: float

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_dfix(*args: str, cwd: Path | None = None, prelude: str | None = None, stdin: str | None = None) -> Run:
    """Run dfix with ``args``; ``prelude`` is Python run first in the same process (to plant a bug)."""
    if prelude is None:
        cmd = [DFIX, *args]
    else:
        cmd = [sys.executable, "-c", f"{prelude}\nimport sys\nfrom dfix.cli import main\nsys.argv[0] = 'dfix'\nmain()",
               *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, preexec_fn=_limits,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        if stdin is not None:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        deadline = time.monotonic() + WALL_SECONDS
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise AssertionError(f"dfix hung for {WALL_SECONDS} s: {' '.join(cmd)}")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                  usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    assert run.code in (0, 1, 2), f"exit {run.code} (a signal or a crash): {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr + run.stdout, run.stderr[-2000:]
    assert run.rss_mib < RSS_MIB, f"peak RSS {run.rss_mib:.0f} MiB"
    return run
