"""What the monthly run hands its notebooks: a ``Handoff``, in one environment variable.

The run validates the export once and snapshots it (its files as they were, the
validation's results, and the figures it computed for ``metrics.json``, the work lists and
the trends). Its kernels inherit the handoff; a notebook opening the same export opens the
snapshot instead (``loading.source.open_source``), so the figures it shows are the ones
``metrics.json`` holds, looked up rather than computed a second time, and its page says so.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV = "ANALYTICS_VALIDATED"


@dataclass(frozen=True)
class Handoff:
    """The export a run validated, and where its snapshot is."""

    source: Path  # resolved
    snapshot: Path

    def serves(self, source: Path) -> bool:
        """Whether a notebook opening ``source`` reads this snapshot."""
        return self.source == source.resolve() and self.snapshot.is_dir()

    @classmethod
    def received(cls) -> Handoff | None:
        """The handoff of the run this process belongs to, if any (a malformed one: none)."""
        try:
            given = json.loads(os.environ.get(ENV, ""))
            return cls(Path(given["source"]), Path(given["snapshot"]))
        except (ValueError, KeyError, TypeError):
            return None

    @contextlib.contextmanager
    def handed(self) -> Iterator[None]:
        """Hand it to every kernel started meanwhile (they inherit the environment)."""
        previous = os.environ.get(ENV)
        os.environ[ENV] = json.dumps({"source": str(self.source), "snapshot": str(self.snapshot)})
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = previous
