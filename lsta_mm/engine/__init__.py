"""Training-engine reliability of lsta_mm: atomic checkpoint writes, strict
checkpoint loading with clear errors, and reproducible resumption."""
from .atomic_io import (ATOMIC_BACKEND, AtomicLocalBackend, atomic_write_bytes,
                        atomic_write_text)
from .checkpoint_check import (CheckpointMismatchError, check_fits,
                               compare_state_dicts, verify_checkpoint_file)
from .hooks import (AtomicCheckpointHook, EpochSeedHook, ResidentMemoryHook,
                    StrictLoadHook)

__all__ = [
    'ATOMIC_BACKEND', 'AtomicCheckpointHook', 'AtomicLocalBackend',
    'CheckpointMismatchError', 'EpochSeedHook', 'ResidentMemoryHook',
    'StrictLoadHook', 'atomic_write_bytes', 'atomic_write_text', 'check_fits',
    'compare_state_dicts', 'verify_checkpoint_file'
]
