"""What the watcher does besides ingest, on a schedule: anchor the custody chain
(``[anchor] interval_minutes``) and re-hash the day's share of the blobs (``[fixity]``).

Both run only while ingest is idle, in slices of about half a second, and never stop the
watcher: a failure is logged and tried again at the next turn of the schedule.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from .anchor import anchor_now
from .archive import Archive
from .fixity import run_fixity

log = logging.getLogger(__name__)

#: How often the day's fixity quota is looked at again once it is met (a new day starts a new one).
FIXITY_EVERY_S = 600.0
#: Hashing per turn of the watcher loop, so hints and new files stay responsive.
FIXITY_SLICE_S = 0.5


class Upkeep:
    def __init__(self, archive: Archive, clock: Callable[[], float] = time.monotonic) -> None:
        self.archive = archive
        self.clock = clock
        self.next_anchor = 0.0
        self.next_fixity = 0.0
        self.last_anchor: dict[str, Any] | None = None
        self.fixity_failed: list[str] = []

    def tick(self) -> bool:
        """Run what is due. True when fixity has more to do right away."""
        now = self.clock()
        more = False
        if now >= self.next_anchor:
            self.next_anchor = now + self.archive.config.anchor.interval_minutes * 60
            try:
                result = anchor_now(self.archive, "schedule", only_if_moved=True)
            except Exception as exc:  # noqa: BLE001 - the next turn tries again; ingest goes on
                log.warning("could not anchor the custody chain: %s", exc)
            else:
                if result is not None:
                    self.last_anchor = result.as_dict()
                    log.info("custody chain anchored at event %d%s", result.seq,
                             f" (TSA time {result.gen_time})" if result.gen_time else " (anchor log only)")
        if now >= self.next_fixity:
            self.next_fixity = now + FIXITY_EVERY_S
            try:
                report = run_fixity(self.archive, budget_s=FIXITY_SLICE_S)
            except Exception as exc:  # noqa: BLE001 - the next turn tries again; ingest goes on
                log.warning("scheduled fixity check failed: %s", exc)
            else:
                self.fixity_failed = (report.failed + self.fixity_failed)[:10]
                if report.remaining > 0 and report.checked:
                    self.next_fixity = now
                    more = True
        return more

    def state(self) -> dict[str, Any]:
        return {"last_anchor": self.last_anchor, "fixity_failed": list(self.fixity_failed)}
