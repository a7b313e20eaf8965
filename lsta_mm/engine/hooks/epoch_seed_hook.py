"""Reseed the random generators at every epoch start, from seed and epoch."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from lsta_mm.registry import HOOKS

__all__ = ['EpochSeedHook', 'epoch_seed']


def epoch_seed(seed: int, epoch: int) -> int:
    """A 32-bit seed drawn from ``(seed, epoch)`` by numpy's SeedSequence.

    Args:
        seed (int): The run's seed (mmengine's ``runner.seed``, which
            already differs per rank when ``diff_rank_seed=True``).
        epoch (int): Zero-based epoch index.

    Returns:
        int: A seed in ``[0, 2**32)``; distinct epochs give unrelated
        streams.
    """
    sequence = np.random.SeedSequence([seed % 2**32, epoch])
    return int(sequence.generate_state(1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed Python, numpy and torch at each epoch from (seed, epoch).

    mmengine seeds the generators once, when the Runner is built. Their
    state when epoch ``e`` starts then depends on everything that ran
    before it, and that differs between an uninterrupted run and one
    resumed from a checkpoint: the resumed process never ran the earlier
    epochs nor their validation (mmaction2's ``UniformSampleFrames`` even
    reseeds numpy's global generator for every test sample). Training
    augmentation (numpy, in the main process when ``num_workers=0``) and
    dropout (torch) of the resumed epochs then differ. Reseeding here makes
    the state at every epoch start a function of ``(runner.seed, epoch)``
    only, so a run resumed from an epoch checkpoint repeats the
    uninterrupted run exactly (tested in ``tests/reliability``).

    Dataloader workers are seeded by mmengine's ``worker_init_fn`` and are
    not affected.
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        seed = epoch_seed(runner.seed, runner.epoch)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
