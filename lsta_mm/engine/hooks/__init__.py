"""Runner hooks of lsta_mm (crash-safe checkpoints, strict loading,
epoch-level seeding, memory monitoring, preemption)."""
from .atomic_checkpoint_hook import AtomicCheckpointHook, CheckpointWriteError
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .memory_hook import ResidentMemoryHook, resident_bytes
from .preemption_hook import (PREEMPTED_EXIT_STATUS, PreemptionHook,
                              TrainingPreempted)
from .strict_load_hook import StrictLoadHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointWriteError', 'EpochSeedHook',
    'PREEMPTED_EXIT_STATUS', 'PreemptionHook', 'ResidentMemoryHook',
    'StrictLoadHook', 'TrainingPreempted', 'epoch_seed', 'resident_bytes'
]
