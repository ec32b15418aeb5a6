"""Optional py-spy profile of the server workers during the measured window (--profile).

Samples only threads holding the GIL (`--gil`), so the shares are of Python CPU time,
not of time spent waiting on PostgreSQL or Redis. Raw collapsed stacks stay in .tmp/
(feed them to any flamegraph tool); the JSON gets the top frames by inclusive share.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

LINE_NUMBER = re.compile(r":\d+\)")


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    def __init__(self, out_dir: Path, label: str):
        self.out_dir = out_dir
        self.label = label
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, pids: list[int], seconds: float) -> None:
        binary = py_spy()
        if binary is None:
            return
        for pid in pids:
            path = self.out_dir / f"profile-{self.label}-{pid}.txt"
            command = [binary, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "100", "--gil"]
            command += ["--nonblocking", "-f", "raw", "-o", str(path)]
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.running.append((proc, path))

    def stop(self, top: int = 30) -> dict | None:
        if not self.running:
            return None
        paths = []
        for proc, path in self.running:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            if path.exists():
                paths.append(path)
        return summarize(paths, top) | {"raw_files": [str(p) for p in paths]}


def summarize(paths: list[Path], top: int) -> dict:
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            samples = int(count)
            total += samples
            frames = [LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] += samples
            own[frames[-1]] += samples

    def share(counter):
        return [[round(100 * n / total, 1), frame[:140]] for frame, n in counter.most_common(top)] if total else []

    return {"gil_samples": total, "inclusive_pct": share(inclusive), "self_pct": share(own)}
