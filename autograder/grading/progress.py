"""A one-line progress bar on stderr: done / total, failures, time left."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, stream=sys.stderr):
        self.total = total
        self.done = 0
        self.failures = 0
        self.start = time.monotonic()
        self.stream = stream
        self.tty = stream.isatty()

    def update(self, failed: bool, label: str = "") -> None:
        self.done += 1
        self.failures += failed
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done)
        width = 30
        filled = int(width * self.done / max(1, self.total))
        line = (f"[{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total}  failures {self.failures}  "
                f"~{left:.0f} s left  {label}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
