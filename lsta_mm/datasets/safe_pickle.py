"""Restricted unpickling of skeleton annotation files.

Annotation files (mmaction2's ``.pkl`` format: a ``split`` dict and an
``annotations`` list of dicts holding numpy arrays) are often downloaded from
third parties. Python's :mod:`pickle` runs any callable a file names, so a
hostile ``.pkl`` could execute arbitrary code the moment it is loaded.

:func:`safe_load_pickle` admits only what annotation files legitimately
contain: numpy arrays, dtypes and scalars (as written by numpy 1.x and 2.x,
pickle protocols 2 to 5) and builtin containers and literals. Any other
global (``os.system``, ``subprocess.Popen``, ``builtins.eval``, a class of
some package, ...) is refused with :class:`UnsafePickleError` before it is
imported or called. Nothing is ever retried with the unrestricted loader.
"""
import io
import os
import os.path as osp
import pickle
from typing import Any, FrozenSet, Tuple

import numpy as np

__all__ = [
    'ALLOWED_GLOBALS', 'AnnotationFileError', 'UnsafePickleError',
    'safe_load_pickle', 'safe_loads_pickle'
]


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside :data:`ALLOWED_GLOBALS`."""


class AnnotationFileError(ValueError):
    """The annotation file is missing, empty, truncated or not a pickle."""


def _numpy_dtype_classes() -> Tuple[Tuple[str, str], ...]:
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    if dtypes is None:
        return ()
    names = []
    for name in dir(dtypes):
        obj = getattr(dtypes, name)
        if isinstance(obj, type) and issubclass(obj, np.dtype):
            names.append(('numpy.dtypes', name))
    return tuple(names)


_NUMPY_CORE = ('numpy._core', 'numpy.core')  # numpy 2 / numpy 1 spellings
_NUMPY_MAJOR = int(np.__version__.split('.')[0])

#: ``(module, name)`` pairs a pickle may import. Everything else is refused.
ALLOWED_GLOBALS: FrozenSet[Tuple[str, str]] = frozenset(
    [(core + '.multiarray', '_reconstruct') for core in _NUMPY_CORE] +
    [(core + '.multiarray', 'scalar') for core in _NUMPY_CORE] +
    [(core + '.numeric', '_frombuffer') for core in _NUMPY_CORE] + [
        ('numpy', 'ndarray'),
        ('numpy', 'dtype'),
        # protocol 2 writes bytes (numpy scalar payloads) as
        # _codecs.encode(str, 'latin1'), which only builds a bytes object.
        ('_codecs', 'encode'),
        ('collections', 'OrderedDict'),
        ('collections', 'defaultdict'),
    ] + [(module, name) for module in ('builtins', '__builtin__')
         for name in ('set', 'frozenset', 'list', 'dict', 'tuple', 'str',
                      'bytes', 'bytearray', 'int', 'float', 'complex',
                      'bool', 'slice', 'range')] +
    list(_numpy_dtype_classes()))


class _RestrictedUnpickler(pickle.Unpickler):

    def __init__(self, file, source: str):
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise UnsafePickleError(
                f'refusing to load {self.source}: the pickle imports '
                f'{module}.{name}, which is not a numpy array/dtype/scalar '
                f'or a builtin container. Annotation files may not name '
                f'other objects, because unpickling them can run arbitrary '
                f'code. Regenerate the file with tools/data/ converters.')
        if module.startswith('numpy.core.') and _NUMPY_MAJOR >= 2:
            module = 'numpy._core.' + module[len('numpy.core.'):]
        return super().find_class(module, name)


def safe_loads_pickle(data: bytes, source: str = '<bytes>') -> Any:
    """Unpickle ``data`` admitting only :data:`ALLOWED_GLOBALS`.

    Args:
        data (bytes): The pickle.
        source (str): Name used in error messages.

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: the pickle names a forbidden global.
        AnnotationFileError: the bytes are empty, truncated or no pickle.
    """
    if not data:
        raise AnnotationFileError(f'{source} is empty (0 bytes)')
    try:
        return _RestrictedUnpickler(io.BytesIO(data), source).load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, IndexError, KeyError, ImportError) as err:
        raise AnnotationFileError(
            f'{source} is not a readable pickle ({type(err).__name__}: '
            f'{err}); expected an annotation .pkl with `split` and '
            f'`annotations`') from None


def safe_load_pickle(filename: str) -> Any:
    """Load a ``.pkl`` annotation file with the restricted unpickler.

    Args:
        filename (str): Path of the file.

    Returns:
        The unpickled object (for annotation files a dict).

    Raises:
        FileNotFoundError: the file does not exist.
        AnnotationFileError: the file is not a pickle, empty or truncated.
        UnsafePickleError: the pickle names a forbidden global.
    """
    filename = os.fspath(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'annotation file {filename} does not exist (see docs/data.md '
            f'for how to prepare it)')
    if not filename.endswith('.pkl'):
        raise AnnotationFileError(
            f'annotation file {filename} is not a .pkl file; lsta_mm reads '
            f"mmaction2's pickle format (a dict with `split` and "
            f'`annotations`)')
    with open(filename, 'rb') as f:
        data = f.read()
    return safe_loads_pickle(data, source=filename)
