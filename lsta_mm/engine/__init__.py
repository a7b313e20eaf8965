"""Training-engine reliability of lsta_mm: atomic checkpoint writes, strict
checkpoint loading with clear errors, reproducible resumption, and a clean
stop on preemption."""
from .atomic_io import (ATOMIC_BACKEND, AtomicLocalBackend, AtomicWriteError,
                        atomic_write_bytes, atomic_write_text)
from .checkpoint_check import (CheckpointMismatchError, check_fits,
                               compare_state_dicts, verify_checkpoint_file)
from .hooks import (PREEMPTED_EXIT_STATUS, AtomicCheckpointHook,
                    CheckpointWriteError, EpochSeedHook, PreemptionHook,
                    ResidentMemoryHook, StrictLoadHook, TrainingPreempted)

__all__ = [
    'ATOMIC_BACKEND', 'AtomicCheckpointHook', 'AtomicLocalBackend',
    'AtomicWriteError', 'CheckpointMismatchError', 'CheckpointWriteError',
    'EpochSeedHook', 'PREEMPTED_EXIT_STATUS', 'PreemptionHook',
    'ResidentMemoryHook', 'StrictLoadHook', 'TrainingPreempted',
    'atomic_write_bytes', 'atomic_write_text', 'check_fits',
    'compare_state_dicts', 'verify_checkpoint_file'
]
