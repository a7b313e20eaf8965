"""Refuse a checkpoint that does not fit the model, naming every misfit.

mmengine's ``Runner.load_checkpoint`` (used by ``load_from``, ``--resume``
and ``tools/test.py``) loads with ``strict=False``: keys the model lacks
are skipped, tensors of another shape are skipped, and both only produce
a log warning. Testing a checkpoint of another architecture or class count
then reports the accuracy of a partly random model. :func:`check_fits`
compares the checkpoint with the model before anything is copied and
raises one :class:`CheckpointMismatchError` that lists the misfits.

Weights that fit can still be the wrong ones: a bone-stream checkpoint has
exactly the shapes of a joint-stream model. Every checkpoint saved through
``StrictLoadHook`` records the streams its model read (``meta['streams']``,
from :func:`config_streams`), and :func:`check_streams` refuses to load it
for a config that feeds other streams.
"""
import re
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = [
    'CheckpointMismatchError', 'StateDictMismatch', 'check_fits',
    'check_streams', 'compare_state_dicts', 'config_streams',
    'verify_checkpoint_file'
]

#: mmaction2's ``GenSkeFeat`` feature names, as our stream names.
_MMACTION_FEATS = {
    'j': 'joint',
    'b': 'bone',
    'jm': 'joint_motion',
    'bm': 'bone_motion'
}

#: How many keys per category the error message lists.
MAX_LISTED = 8
#: mmengine's default ``revise_keys``: DDP-saved weights carry 'module.'.
_MODULE_PREFIX = re.compile(r'^module\.')


class CheckpointMismatchError(RuntimeError):
    """The checkpoint's weights do not fit the model built from the config.
    """


class StateDictMismatch(NamedTuple):
    """Keys that differ between a model and a checkpoint."""
    missing: List[str]  # in the model, not in the checkpoint
    unexpected: List[str]  # in the checkpoint, not in the model
    shape: List[Tuple[str, tuple, tuple]]  # key, checkpoint, model shape

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.shape)


def _state_dict_of(checkpoint) -> Mapping:
    if isinstance(checkpoint, Mapping) and isinstance(
            checkpoint.get('state_dict'), Mapping):
        return checkpoint['state_dict']
    return checkpoint


def compare_state_dicts(model_state: Mapping,
                        ckpt_state: Mapping,
                        allow_mismatch: Sequence[str] = (),
                        ) -> StateDictMismatch:
    """Compare key sets and tensor shapes.

    Args:
        model_state (Mapping[str, Tensor]): ``model.state_dict()``.
        ckpt_state (Mapping[str, Tensor]): The checkpoint's weights; a
            leading ``module.`` is stripped as mmengine does when loading.
        allow_mismatch (Sequence[str]): Regular expressions; keys that
            match one (``re.search``) are not compared.

    Returns:
        StateDictMismatch: Empty (falsy) when the checkpoint fits.
    """
    patterns = [re.compile(p) for p in allow_mismatch]

    def checked(key):
        return not any(p.search(key) for p in patterns)

    ckpt = {_MODULE_PREFIX.sub('', k): v for k, v in ckpt_state.items()}
    missing = [k for k in model_state if k not in ckpt and checked(k)]
    unexpected = [k for k in ckpt if k not in model_state and checked(k)]
    shape = []
    for key, value in model_state.items():
        if key in ckpt and checked(key) and hasattr(ckpt[key], 'shape'):
            if tuple(ckpt[key].shape) != tuple(value.shape):
                shape.append((key, tuple(ckpt[key].shape), tuple(value.shape)))
    return StateDictMismatch(missing, unexpected, shape)


def _listing(keys: List[str]) -> str:
    """Keys, or, when there are many, their modules with a key count."""
    if len(keys) <= MAX_LISTED:
        return ', '.join(keys)
    depth = max(key.count('.') for key in keys)
    while depth > 0:
        groups: Dict[str, int] = {}
        for key in keys:
            parts = key.split('.')
            prefix = '.'.join(parts[:depth])
            if len(parts) > depth:
                prefix += '.*'
            groups[prefix] = groups.get(prefix, 0) + 1
        if len(groups) <= MAX_LISTED:
            return ', '.join(
                prefix if not prefix.endswith('*') else f'{prefix} ({count})'
                for prefix, count in groups.items())
        depth -= 1
    return (', '.join(keys[:MAX_LISTED]) +
            f', ... (+{len(keys) - MAX_LISTED} more)')


def describe_mismatch(mismatch: StateDictMismatch, filename: str,
                      model_name: str) -> str:
    """The text of :class:`CheckpointMismatchError` (see :func:`check_fits`).
    """
    lines = [
        f'checkpoint {filename} does not fit the {model_name} built from '
        f'the config:'
    ]
    if mismatch.shape:
        lines.append(f'  {len(mismatch.shape)} tensor(s) with another shape:')
        for key, ckpt_shape, model_shape in mismatch.shape[:MAX_LISTED]:
            lines.append(f'    {key}: checkpoint {list(ckpt_shape)}, '
                         f'model {list(model_shape)}')
        if len(mismatch.shape) > MAX_LISTED:
            lines.append(f'    ... (+{len(mismatch.shape) - MAX_LISTED} '
                         f'more)')
    if mismatch.missing:
        lines.append(f'  {len(mismatch.missing)} model key(s) missing from '
                     f'the checkpoint: {_listing(mismatch.missing)}')
    if mismatch.unexpected:
        lines.append(f'  {len(mismatch.unexpected)} checkpoint key(s) the '
                     f'model does not have: '
                     f'{_listing(mismatch.unexpected)}')
    classes = _class_count_hint(mismatch)
    if classes:
        lines.append(f'  The checkpoint classifies {classes[0]} classes, '
                     f'the config {classes[1]} (num_classes).')
    lines.append(
        '  It was saved for another architecture, layout or number of '
        'classes. Use the checkpoint that belongs to this config; to '
        'fine-tune from it on purpose, let the differing keys through with '
        "default_hooks.strict_load.allow_mismatch, e.g. [r'^cls_head\\.'].")
    return '\n'.join(lines)


def _class_count_hint(mismatch: StateDictMismatch):
    for key, ckpt_shape, model_shape in mismatch.shape:
        if (key.startswith('cls_head.') and key.endswith('.weight')
                and ckpt_shape[1:] == model_shape[1:]):
            return ckpt_shape[0], model_shape[0]
    return None


def check_fits(model,
               checkpoint,
               filename: str,
               allow_mismatch: Sequence[str] = ()) -> None:
    """Raise :class:`CheckpointMismatchError` unless ``checkpoint`` fits.

    Args:
        model (nn.Module): The model (a DDP wrapper is unwrapped).
        checkpoint (dict): A loaded checkpoint (``state_dict`` inside, or
            the weights themselves).
        filename (str): Named in the message.
        allow_mismatch (Sequence[str]): See :func:`compare_state_dicts`.
    """
    if is_model_wrapper(model):
        model = model.module
    mismatch = compare_state_dicts(model.state_dict(),
                                   _state_dict_of(checkpoint), allow_mismatch)
    if mismatch:
        raise CheckpointMismatchError(
            describe_mismatch(mismatch, filename,
                              type(model).__name__))


def _pipelines(cfg):
    """The pipelines of a config's test, val and train datasets (wrapped
    datasets such as ``RepeatDataset`` are looked through)."""
    for loader in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        dataset = (cfg.get(loader, None) or {}).get('dataset', None) or {}
        while isinstance(dataset, Mapping):
            if dataset.get('pipeline'):
                yield dataset['pipeline']
                break
            dataset = dataset.get('dataset', None)


def config_streams(cfg) -> Optional[Tuple[str, ...]]:
    """The streams a config feeds its model, or None if it does not say.

    Read from the first ``SkeletonStream`` / ``ToSkeletonStream`` (ours) or
    ``GenSkeFeat`` (mmaction2's) step of the test, val or train pipeline.
    """
    for pipeline in _pipelines(cfg):
        for step in pipeline:
            kind = str(step.get('type', '')) if isinstance(step,
                                                           Mapping) else ''
            if kind.split('.')[-1] in ('SkeletonStream', 'ToSkeletonStream'):
                stream = step.get('stream', 'joint')
                return (stream, ) if isinstance(stream, str) else tuple(
                    stream)
            if kind.split('.')[-1] == 'GenSkeFeat':
                return tuple(
                    _MMACTION_FEATS.get(f, f)
                    for f in step.get('feats', ['j']))
    return None


def check_streams(checkpoint: Mapping, expected: Optional[Sequence[str]],
                  filename: str) -> None:
    """Raise :class:`CheckpointMismatchError` when ``checkpoint`` was saved
    for other streams than ``expected`` (unknown on either side: no check).
    """
    meta = checkpoint.get('meta', None) if isinstance(checkpoint,
                                                      Mapping) else None
    saved = (meta or {}).get('streams', None)
    if saved is None or expected is None or tuple(saved) == tuple(expected):
        return
    raise CheckpointMismatchError(
        f'checkpoint {filename} was trained on the {"/".join(saved)} '
        f'stream(s) but the config feeds its model {"/".join(expected)}: '
        f'the weights would fit and give wrong scores. Use the config of '
        f'the checkpoint\'s stream (e.g. configs/lsta_*_{saved[0]}.py), or '
        f'set the config\'s SkeletonStream(stream=...) to '
        f'{list(saved) if len(saved) > 1 else saved[0]!r}.')


def verify_checkpoint_file(model,
                           filename: str,
                           allow_mismatch: Sequence[str] = (),
                           streams: Optional[Sequence[str]] = None) -> Dict:
    """Load ``filename`` (safely), :func:`check_fits` it and, when the
    config's ``streams`` are given, :func:`check_streams`; no hook runs.

    Used by ``tools/train.py``, ``tools/test.py`` and the inference API
    before any data is read, so a wrong, truncated or unsafe checkpoint
    fails in seconds.

    Returns:
        dict: The loaded checkpoint.
    """
    checkpoint = CheckpointLoader.load_checkpoint(
        filename, map_location='cpu', logger=None)
    check_fits(model, checkpoint, filename, allow_mismatch)
    check_streams(checkpoint, streams, filename)
    return checkpoint
