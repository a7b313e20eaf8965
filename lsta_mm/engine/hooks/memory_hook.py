"""Record the resident memory of the training process at every epoch end."""
import os
from typing import List, Optional, Tuple

from mmengine.hooks import Hook

from lsta_mm.registry import HOOKS

__all__ = ['ResidentMemoryHook', 'resident_bytes']


def resident_bytes(pid: Optional[int] = None) -> int:
    """Current resident set size (RSS) of a process, in bytes.

    Reads ``/proc/<pid>/statm`` (Linux). Elsewhere, for the own process,
    falls back to the peak RSS of :func:`resource.getrusage`.
    """
    path = f'/proc/{pid or "self"}/statm'
    try:
        with open(path) as handle:
            resident_pages = int(handle.read().split()[1])
        return resident_pages * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, IndexError):
        if pid is not None:
            raise
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak * 1024  # kilobytes on Linux and BSD


@HOOKS.register_module()
class ResidentMemoryHook(Hook):
    """Log the main process' RSS after every training epoch.

    For soak tests (``tools/analysis/soak.py``): a leak shows up as RSS
    growing from epoch to epoch once caches and allocator pools are warm.
    The values go to the log (``rss_mb``) and to :attr:`records`.

    Attributes:
        records (list[tuple[int, int]]): ``(epoch, rss_bytes)``, epochs
            counted from 1.
    """

    priority = 'LOWEST'  # after the checkpoint of the epoch is written

    def __init__(self):
        self.records: List[Tuple[int, int]] = []

    def after_train_epoch(self, runner) -> None:
        rss = resident_bytes()
        self.records.append((runner.epoch + 1, rss))
        runner.logger.info(f'Epoch {runner.epoch + 1}: main process RSS '
                           f'{rss / 2**20:.1f} MiB')
