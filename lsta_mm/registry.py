"""The single place where lsta_mm touches mmaction2's registries.

Every lsta_mm component registers into mmaction2's own registries, so a
config built by mmengine's Runner (``default_scope='mmaction'``) finds our
classes by name next to mmaction2's. Registration never uses ``force=True``:
a name that clashes with an existing mmaction2 name fails at import time.
"""
from mmaction.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS

__all__ = ['DATASETS', 'HOOKS', 'METRICS', 'MODELS', 'TRANSFORMS']
