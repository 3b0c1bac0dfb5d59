"""The progress bar the CLI shows on stderr while it reads policies (tqdm), and the writes that go
around it. At the service's rate (1 request per second per operation) a run over hundreds of
resources takes minutes: the bar says how far it is. Only on a terminal and without ``--quiet``;
stdout never carries it, so ``--output json`` stays parseable."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO


def wanted(quiet: bool) -> bool:
    """Whether to draw a bar: stderr is a terminal (read now: tests and callers swap it) and no --quiet."""
    return not quiet and sys.stderr.isatty()


class Progress:
    """Policies read out of those known so far: the total grows as the listing pages come in (the
    requests keep their order: a page, then its policies). Without ``show`` it draws nothing and
    does not import tqdm. Closing clears the bar, so what follows starts on a clean line."""

    def __init__(self, show: bool, what: str = "reading policies") -> None:
        self._show = show
        self._what = what
        self._bar: Any = None  # drawn from the first policy known: nothing to read, no bar

    def expect(self, count: int) -> None:
        """``count`` more policies to read."""
        if not self._show or not count:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=count, desc=self._what, unit="policy", file=sys.stderr, leave=False, dynamic_ncols=True
            )
        else:
            self._bar.total += count
            self._bar.refresh()

    def step(self) -> None:
        """One policy read (or failed to be)."""
        if self._bar is not None:
            self._bar.update()

    def write(self, text: str, file: TextIO) -> None:
        """``text`` (with its own line ends) to ``file`` without breaking the bar: the bar is
        cleared, the text written, the bar drawn again below it."""
        if self._bar is None:
            file.write(text)
            return
        from tqdm import tqdm

        tqdm.write(text, file=file, end="")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
