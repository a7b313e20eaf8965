"""A memory-mapped annotation store: one copy of the keypoints per node.

mmaction2's ``PoseDataset`` unpickles the whole annotation file in every
rank and keeps it in the process; with R ranks on a node that is R copies
(an NTU-120 file is ~4 GB, Kinetics-Skeleton ~17 GB). A store keeps the
keypoints of all samples in one flat ``.npy`` array that every rank and
loader worker maps read-only (``np.load(mmap_mode='r')``), so the operating
system holds one copy in its page cache and each process reads only the
samples it draws. Only a small index (names, labels, offsets, splits) is
loaded into the processes.

Layout of a store directory (``tools/data/pack_annotations.py`` writes it
from an mmaction2 pkl; nothing in it is a pickle)::

    NAME.store/
      meta.json           format, version, counts, dtypes, fingerprints
      index.npz           per sample: frame_dir, label, total_frames,
                          offset, num_person, num_frames (+ img_shape,
                          original_shape when the pkl has them); one
                          ``split/NAME`` array of sample numbers per split
      keypoint.npy        (rows, V, C): sample i is rows
                          [offset[i], offset[i] + M_i * T_i), i.e. its
                          (M_i, T_i, V, C) keypoint flattened over M and T
      keypoint_score.npy  (rows, V), when the pkl has keypoint_score

Checks: every sample passed :func:`~.validation.check_sample` when the
store was packed; at load the index is checked against the arrays (a
truncated file, a mismatched index or a foreign file is one
:class:`StoreError` naming the file). The value checks (NaN, all-zero
samples) run again, vectorised, only when ``keypoint.npy`` no longer has
the size and modification time recorded when it was packed.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .validation import AnnotationError, check_sample, sample_name

__all__ = [
    'STORE_FORMAT', 'AnnotationStore', 'StoreError', 'is_store',
    'write_store'
]

STORE_FORMAT = 'lsta_mm annotation store'
STORE_VERSION = 1
META_FILE = 'meta.json'
INDEX_FILE = 'index.npz'
KEYPOINT_FILE = 'keypoint.npy'
SCORE_FILE = 'keypoint_score.npy'
#: per-sample fields besides the keypoints that a store keeps; other keys of
#: a pkl's samples are not packed (the packer names them).
SHAPE_FIELDS = ('img_shape', 'original_shape')
_SPLIT_PREFIX = 'split/'
_CHUNK_ROWS = 1 << 20  # rows per step of the vectorised value checks


class StoreError(AnnotationError):
    """An annotation store is incomplete, damaged or not a store."""


def is_store(path: str) -> bool:
    """Whether ``path`` is a store directory (has ``meta.json``)."""
    return osp.isdir(path) and osp.isfile(osp.join(path, META_FILE))


def _fingerprint(path: str) -> List[int]:
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns]


_REPACK = ('pack it again with tools/data/pack_annotations.py (or point '
           'ann_file at the .pkl it came from)')


# ---------------------------------------------------------------- writing
def write_store(annotations: Sequence[dict],
                split: Optional[Dict[str, Sequence[str]]],
                out_dir: str,
                source: str = '',
                progress: Optional[Iterable] = None) -> Dict:
    """Write ``annotations`` (already checked) as a store at ``out_dir``.

    The store is written into ``out_dir + '.partial'`` and renamed when
    complete, so an interrupted or failed write never leaves a store that
    looks whole.

    Args:
        annotations (Sequence[dict]): mmaction2 samples with ``keypoint``
            ``(M, T, V, C)`` and optionally ``keypoint_score``
            ``(M, T, V)``; all with the same V, C, dtypes and score
            presence.
        split (dict, optional): split name -> sample names.
        out_dir (str): The store directory (must not exist).
        source (str): The file the samples came from (kept in meta.json).
        progress (Iterable, optional): Wraps the sample loop (a progress
            bar); defaults to the plain sequence.

    Returns:
        dict: The store's meta.json content.
    """
    if not annotations:
        raise StoreError(f'{source}: no samples to pack')
    first = annotations[0]
    joints, channels = first['keypoint'].shape[2:]
    key_dtype = first['keypoint'].dtype
    has_score = first.get('keypoint_score') is not None
    score_dtype = first['keypoint_score'].dtype if has_score else None
    shape_fields = [f for f in SHAPE_FIELDS if f in first]
    columns = {key: [] for key in ('frame_dir', 'label', 'total_frames',
                                   'num_person', 'num_frames',
                                   *shape_fields)}
    # one pass for the index and the checks, one for the arrays: a lazy
    # sequence (tools/data/gen_scale_annotations.py) makes each sample twice
    for i, anno in enumerate(annotations):
        name = sample_name(anno, i)
        keypoint = anno['keypoint']
        if keypoint.shape[2:] != (joints, channels) or \
                keypoint.dtype != key_dtype or \
                (anno.get('keypoint_score') is not None) != has_score:
            raise StoreError(
                f'{source}: sample {name}: keypoint {keypoint.shape} '
                f'{keypoint.dtype} (score: '
                f'{anno.get("keypoint_score") is not None}) differs from the '
                f'first sample\'s (M, T, {joints}, {channels}) {key_dtype} '
                f'(score: {has_score}); a store holds one layout and dtype')
        missing = [f for f in shape_fields if f not in anno]
        if missing:
            raise StoreError(f'{source}: sample {name} has no {missing} '
                             f'where the first sample has them')
        columns['frame_dir'].append(name)
        columns['label'].append(int(anno.get('label', -1)))
        columns['total_frames'].append(
            int(anno.get('total_frames', keypoint.shape[1])))
        columns['num_person'].append(keypoint.shape[0])
        columns['num_frames'].append(keypoint.shape[1])
        for field in shape_fields:
            columns[field].append(anno[field])
    index = {
        key: np.array(values, dtype=str if key == 'frame_dir' else np.int64)
        for key, values in columns.items()
    }
    names = columns['frame_dir']
    num_person, num_frames = index['num_person'], index['num_frames']
    rows_per_sample = num_person * num_frames
    offset = np.concatenate([[0], np.cumsum(rows_per_sample)[:-1]])
    rows = int(rows_per_sample.sum())

    partial = out_dir + '.partial'
    if osp.exists(partial):
        shutil.rmtree(partial)
    os.makedirs(partial)
    try:
        keypoints = np.lib.format.open_memmap(
            osp.join(partial, KEYPOINT_FILE), mode='w+', dtype=key_dtype,
            shape=(rows, joints, channels))
        scores = np.lib.format.open_memmap(
            osp.join(partial, SCORE_FILE), mode='w+', dtype=score_dtype,
            shape=(rows, joints)) if has_score else None
        loop = progress if progress is not None else annotations
        for i, anno in enumerate(loop):
            start, stop = offset[i], offset[i] + rows_per_sample[i]
            keypoints[start:stop] = anno['keypoint'].reshape(
                -1, joints, channels)
            if scores is not None:
                scores[start:stop] = anno['keypoint_score'].reshape(
                    -1, joints)
        keypoints.flush()
        del keypoints
        if scores is not None:
            scores.flush()
            del scores
        index['offset'] = offset.astype(np.int64)
        position = {name: i for i, name in enumerate(names)}
        for split_name, members in (split or {}).items():
            index[_SPLIT_PREFIX + str(split_name)] = np.array(
                [position[str(n)] for n in members], np.int64)
        np.savez(osp.join(partial, INDEX_FILE), **index)
        files = [KEYPOINT_FILE] + ([SCORE_FILE] if has_score else [])
        meta = dict(
            format=STORE_FORMAT,
            version=STORE_VERSION,
            source=osp.basename(source),
            samples=len(annotations),
            rows=rows,
            joints=int(joints),
            channels=int(channels),
            keypoint_dtype=np.dtype(key_dtype).str,
            score_dtype=None if score_dtype is None else
            np.dtype(score_dtype).str,
            shape_fields=shape_fields,
            name_key='filename' if 'filename' in first
            and 'frame_dir' not in first else 'frame_dir',
            splits=sorted(str(s) for s in (split or {})),
            # the fingerprints of the finished arrays mark their values as
            # checked (the caller checked every sample); a rename keeps them
            checked={f: _fingerprint(osp.join(partial, f))
                     for f in files})
        with open(osp.join(partial, META_FILE), 'w') as f:
            json.dump(meta, f, indent=1)
        if osp.exists(out_dir):
            raise StoreError(f'{out_dir} already exists; remove it first')
        os.replace(partial, out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return meta


# ---------------------------------------------------------------- reading
class AnnotationStore:
    """Read access to a store directory (see the module docstring).

    The arrays are opened lazily and again after a fork or in a new
    process, so pickling the store (a dataloader worker started with
    ``spawn``) sends only its path and index, never the keypoints.

    Args:
        path (str): The store directory.

    Raises:
        StoreError: missing or foreign meta.json, missing or truncated
            arrays, an index that does not match them.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.meta = self._read_meta()
        self.index = self._read_index()
        self._arrays: Optional[Tuple] = None
        self._pid: Optional[int] = None
        self._check_index()

    # -- opening
    def _file(self, name: str) -> str:
        return osp.join(self.path, name)

    def _read_meta(self) -> dict:
        path = self._file(META_FILE)
        if not osp.isfile(path):
            raise StoreError(f'{self.path}: not an annotation store (no '
                             f'{META_FILE}); {_REPACK}')
        try:
            with open(path) as f:
                meta = json.load(f)
        except (OSError, ValueError) as err:
            raise StoreError(f'{path}: unreadable ({err}); '
                             f'{_REPACK}') from None
        found = meta.get('format') if isinstance(meta, dict) else None
        if found != STORE_FORMAT:
            raise StoreError(f'{path}: not an lsta_mm annotation store '
                             f'(format {found!r}); '
                             f'{_REPACK}')
        if meta.get('version') != STORE_VERSION:
            raise StoreError(
                f'{path}: store version {meta.get("version")!r}, this '
                f'lsta_mm reads version {STORE_VERSION}; '
                f'{_REPACK}')
        return meta

    def _read_index(self) -> Dict[str, np.ndarray]:
        path = self._file(INDEX_FILE)
        try:
            with np.load(path, allow_pickle=False) as npz:
                return {key: npz[key] for key in npz.files}
        except (OSError, ValueError, EOFError) as err:
            raise StoreError(f'{path}: missing or damaged index ({err}); '
                             f'{_REPACK}') from None

    def _open(self, name: str, shape: tuple, dtype: str) -> np.ndarray:
        path = self._file(name)
        try:
            array = np.load(path, mmap_mode='r', allow_pickle=False)
        except (OSError, ValueError) as err:
            raise StoreError(f'{path}: missing, truncated or damaged '
                             f'({err}); {_REPACK}') from None
        if array.shape != shape or array.dtype != np.dtype(dtype):
            raise StoreError(
                f'{path}: holds {array.shape} {array.dtype} but '
                f'{META_FILE} says {shape} {np.dtype(dtype)}; '
                f'{_REPACK}')
        return array

    def arrays(self) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """The memory-mapped ``(keypoint, keypoint_score or None)``."""
        if self._arrays is None or self._pid != os.getpid():
            meta = self.meta
            keypoint = self._open(
                KEYPOINT_FILE, (meta['rows'], meta['joints'],
                                meta['channels']), meta['keypoint_dtype'])
            score = None if meta['score_dtype'] is None else self._open(
                SCORE_FILE, (meta['rows'], meta['joints']),
                meta['score_dtype'])
            self._arrays, self._pid = (keypoint, score), os.getpid()
        return self._arrays

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_arrays'] = state['_pid'] = None
        return state

    # -- checks
    def _check_index(self) -> None:
        index, meta, where = self.index, self.meta, self._file(INDEX_FILE)
        wanted = ['frame_dir', 'label', 'total_frames', 'offset',
                  'num_person', 'num_frames'] + list(meta['shape_fields'])
        missing = [k for k in wanted if k not in index]
        if missing:
            raise StoreError(f'{where}: no {missing} array(s); '
                             f'{_REPACK}')
        count = meta['samples']
        wrong = {k: len(index[k]) for k in wanted if len(index[k]) != count}
        if wrong:
            raise StoreError(f'{where}: array lengths {wrong} do not match '
                             f'the {count} samples of {META_FILE}; '
                             f'{_REPACK}')
        empty = np.flatnonzero(
            (index['num_person'] <= 0) | (index['num_frames'] <= 0))
        if len(empty):
            raise StoreError(f'{where}: sample {index["frame_dir"][empty[0]]} '
                             f'is empty (no person or no frame); '
                             f'{_REPACK}')
        rows = index['num_person'] * index['num_frames']
        expected = np.concatenate([[0], np.cumsum(rows)[:-1]])
        if (rows.sum() != meta['rows']
                or not np.array_equal(index['offset'], expected)):
            raise StoreError(f'{where}: offsets and sample sizes do not tile '
                             f'the {meta["rows"]} keypoint rows; '
                             f'{_REPACK}')
        for name in meta['splits']:
            members = index.get(_SPLIT_PREFIX + name)
            if members is None or (len(members) and (
                    members.min() < 0 or members.max() >= count)):
                raise StoreError(f'{where}: split {name!r} is missing or '
                                 f'names samples outside 0..{count - 1}; '
                                 f'{_REPACK}')

    def check_values(self, coord_dims: int,
                     force: bool = False) -> List[Tuple[int, str]]:
        """Problems of the keypoint values, as ``(sample, message)``.

        ``coord_dims``: the leading keypoint channels that are coordinates
        (a joint is present when one of them is non-zero). ``force``
        checks whatever the fingerprints say.

        Skipped (returns ``[]``) when the arrays still have the size and
        modification time recorded when they were packed, since every
        sample was checked then; otherwise one vectorised pass over the
        arrays finds samples with NaN/inf or with no present joint.
        """
        files = [KEYPOINT_FILE] + (
            [SCORE_FILE] if self.meta['score_dtype'] is not None else [])
        checked = self.meta.get('checked', {})
        if not force and all(
                checked.get(f) == _fingerprint(self._file(f)) for f in files):
            return []
        keypoint, score = self.arrays()
        finite = np.empty(len(keypoint), bool)
        present = np.empty(len(keypoint), bool)
        for start in range(0, len(keypoint), _CHUNK_ROWS):
            block = np.asarray(keypoint[start:start + _CHUNK_ROWS])
            stop = start + len(block)
            finite[start:stop] = np.isfinite(block).all(axis=(1, 2))
            if score is not None:
                finite[start:stop] &= np.isfinite(
                    np.asarray(score[start:stop])).all(axis=1)
            present[start:stop] = (block[..., :coord_dims] != 0).any(
                axis=(1, 2))
        offset = self.index['offset']
        sample_finite = np.logical_and.reduceat(finite, offset)
        sample_present = np.logical_or.reduceat(present, offset)
        problems = [(int(i), 'has NaN or inf coordinates')
                    for i in np.flatnonzero(~sample_finite)]
        problems += [(int(i),
                      'is all zeros: no person is present in any frame')
                     for i in np.flatnonzero(sample_finite & ~sample_present)]
        return sorted(problems)

    def problems(self,
                 members: Optional[np.ndarray] = None,
                 num_node: Optional[int] = None,
                 coord_dims: Optional[int] = None,
                 in_channels: Optional[int] = None,
                 num_classes: Optional[int] = None,
                 force: bool = False) -> Tuple[Optional[str],
                                               List[Tuple[int, str]]]:
        """Every check of a pkl's samples, on a store (the one home of
        these checks for stores: the dataset and ``check_annotations.py``
        ask it).

        Args:
            members (np.ndarray, optional): Sample numbers to check
                (a split); default all.
            num_node, coord_dims, in_channels, num_classes: as
                :func:`~.validation.check_sample`.
            force (bool): Check values whatever the fingerprints say.

        Returns:
            tuple: a problem of the whole store (layout or channels, which
            are one per store, told by its first sample with the message
            a pkl sample would get) or None, and ``(sample, message)`` for
            the bad samples among ``members``.
        """
        members = np.arange(len(self)) if members is None else members
        if not len(members):
            return None, []
        first = int(members[0])
        message = check_sample(
            dict(self.record(first), **self.arrays_of(first)), num_node,
            coord_dims, in_channels)
        whole = None if message is None else (
            f'every sample (first: {self.names[first]}) {message}')
        wanted = np.zeros(len(self), bool)
        wanted[members] = True
        bad = [(i, m) for i, m in self.check_values(
            coord_dims or self.meta['channels'], force) if wanted[i]]
        if num_classes is not None:
            labels = self.index['label']
            for i in members[(labels[members] >= num_classes)
                             | (labels[members] < -1)]:
                bad.append((int(i), f'label {labels[i]} is outside '
                            f'[0, {num_classes}) (num_classes={num_classes})'))
        return whole, bad

    # -- samples
    def __len__(self) -> int:
        return int(self.meta['samples'])

    @property
    def names(self) -> np.ndarray:
        return self.index['frame_dir']

    def split(self, name: str) -> np.ndarray:
        """Sample numbers of split ``name``."""
        if name not in self.meta['splits']:
            raise StoreError(f'{self.path}: split {name!r} does not exist; '
                             f'the store has splits {self.meta["splits"]}')
        return self.index[_SPLIT_PREFIX + name]

    def record(self, i: int) -> dict:
        """Sample ``i`` without its arrays (what a data list keeps)."""
        index = self.index
        record = {
            self.meta.get('name_key', 'frame_dir'): str(index['frame_dir'][i])
        }
        record.update(
            total_frames=int(index['total_frames'][i]),
            store_index=int(i))
        if index['label'][i] >= 0:
            record['label'] = int(index['label'][i])
        for field in self.meta['shape_fields']:
            record[field] = tuple(int(v) for v in index[field][i])
        return record

    def arrays_of(self, i: int) -> dict:
        """``keypoint`` ``(M, T, V, C)`` (and ``keypoint_score``) of sample
        ``i``, copied out of the mapped file."""
        keypoint, score = self.arrays()
        m, t = int(self.index['num_person'][i]), int(
            self.index['num_frames'][i])
        start = int(self.index['offset'][i])
        rows = slice(start, start + m * t)
        out = dict(keypoint=np.array(keypoint[rows]).reshape(
            m, t, *keypoint.shape[1:]))
        if score is not None:
            out['keypoint_score'] = np.array(score[rows]).reshape(
                m, t, score.shape[1])
        return out
