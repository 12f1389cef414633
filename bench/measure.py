"""Shared by the benchmarks: run a command in its own process and measure its wall time and peak memory."""

from __future__ import annotations

import re
import subprocess
import sys

# Runs the command as a child of a small Python process, so that RUSAGE_CHILDREN is that command's alone.
RUNNER = """
import resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
dt = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stdout.write(p.stdout[-4000:])
sys.stderr.write(p.stderr[-4000:])
print(f"@@ {dt:.2f} {rss:.0f} {p.returncode}")
"""


def measured(cmd: list[str], env: dict) -> tuple[float, int, int, subprocess.CompletedProcess]:
    """(seconds, peak MB, return code, the runner's completed process) of ``cmd``."""
    p = subprocess.run([sys.executable, "-c", RUNNER, *cmd], env=env, capture_output=True, text=True, check=False)
    m = re.search(r"@@ ([\d.]+) (\d+) (-?\d+)", p.stdout)
    return float(m.group(1)), int(m.group(2)), int(m.group(3)), p
