"""Restricted unpickling: the one allowlist of what lsta_mm unpickles.

Annotation files, score dumps (``tools/test.py --dump``) and checkpoints are
all read through :data:`ALLOWED_GLOBALS`: annotation files and dumps by the
unpickler here (dumps add the two torch functions that rebuild a CPU
tensor), checkpoints by torch's ``weights_only`` loader with the same
numpy globals (``lsta_mm.compat.checkpoint_safe_globals``).

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
from typing import Any, Dict, FrozenSet, Optional, Tuple

import numpy as np

__all__ = [
    'ALLOWED_GLOBALS', 'AnnotationFileError', 'UnsafePickleError',
    'safe_load_pickle', 'safe_loads_pickle', 'save_annotations'
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


#: What the refusal message says a file of each kind may hold, and how to
#: get a clean one.
_KINDS = {
    'annotation': ('a numpy array/dtype/scalar or a builtin container. '
                   'Annotation files may not name other objects, because '
                   'unpickling them can run arbitrary code. Regenerate the '
                   'file with tools/data/ converters.',
                   'an annotation .pkl with `split` and `annotations`'),
    'score dump': ('a tensor, a numpy array or a builtin container, all a '
                   'score dump ever needs; unpickling it could run '
                   'arbitrary code. Write dumps with tools/test.py --dump.',
                   'a score dump written by tools/test.py --dump'),
}


class _RestrictedUnpickler(pickle.Unpickler):

    def __init__(self, file, source: str, kind: str,
                 extra_globals: Optional[Dict[Tuple[str, str], Any]]):
        super().__init__(file)
        self.source = source
        self.kind = kind
        self.extra_globals = extra_globals or {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.extra_globals:
            return self.extra_globals[(module, name)]
        if (module, name) not in ALLOWED_GLOBALS:
            raise UnsafePickleError(
                f'refusing to load {self.source}: the pickle imports '
                f'{module}.{name}, which is not {_KINDS[self.kind][0]}')
        if module.startswith('numpy.core.') and _NUMPY_MAJOR >= 2:
            module = 'numpy._core.' + module[len('numpy.core.'):]
        return super().find_class(module, name)


def safe_loads_pickle(
        data: bytes,
        source: str = '<bytes>',
        kind: str = 'annotation',
        extra_globals: Optional[Dict[Tuple[str, str], Any]] = None) -> Any:
    """Unpickle ``data`` admitting only :data:`ALLOWED_GLOBALS`.

    Args:
        data (bytes): The pickle.
        source (str): Name used in error messages.
        kind (str): ``'annotation'`` or ``'score dump'``: what the messages
            say the file should be.
        extra_globals (dict, optional): ``(module, name) -> object`` also
            admitted, resolved to the given object (score dumps: the
            functions that rebuild a CPU tensor).

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: the pickle names a forbidden global.
        AnnotationFileError: the bytes are empty, truncated or no pickle.
    """
    if not data:
        raise AnnotationFileError(f'{source} is empty (0 bytes)')
    try:
        return _RestrictedUnpickler(io.BytesIO(data), source, kind,
                                    extra_globals).load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError,
            AttributeError, IndexError, KeyError, ImportError,
            RuntimeError) as err:
        raise AnnotationFileError(
            f'{source} is not a readable pickle ({type(err).__name__}: '
            f'{err}); expected {_KINDS[kind][1]}') from None


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


def save_annotations(filename: str, split: Dict[str, list],
                     annotations: list) -> None:
    """Write an annotation file in mmaction2's format, atomically.

    ``dict(split=split, annotations=annotations)`` is pickled with the
    highest protocol; the file appears whole or not at all (a converter
    killed half way leaves the previous file, never a truncated one).

    Args:
        filename (str): The ``.pkl`` to write; its folder is created.
        split (dict): Split name -> list of ``frame_dir``.
        annotations (list[dict]): One dict per sample.
    """
    from lsta_mm.engine.atomic_io import atomic_write_bytes
    atomic_write_bytes(
        filename,
        pickle.dumps(
            dict(split=split, annotations=annotations),
            protocol=pickle.HIGHEST_PROTOCOL))
