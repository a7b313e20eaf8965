"""lsta_mm: LSTA-Net for mmaction2.

Importing this package (or naming it in a config's ``custom_imports``)
registers every lsta_mm component in mmaction2's registries. ``compat`` is
imported first: it makes ``import mmaction.models`` work on mmaction2 1.2.0
and makes checkpoint loading safe under torch >= 2.6.
"""
from . import compat  # noqa: F401,I001  (must run before mmaction.models)
from . import datasets, engine, evaluation, models  # noqa: F401

__version__ = '0.1.0'

__all__ = ['__version__']
