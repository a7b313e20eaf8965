"""Runner hooks of lsta_mm (crash-safe checkpoints, strict loading,
epoch-level seeding, memory monitoring)."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .memory_hook import ResidentMemoryHook, resident_bytes
from .strict_load_hook import StrictLoadHook

__all__ = [
    'AtomicCheckpointHook', 'EpochSeedHook', 'ResidentMemoryHook',
    'StrictLoadHook', 'epoch_seed', 'resident_bytes'
]
