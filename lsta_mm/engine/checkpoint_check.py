"""Refuse a checkpoint that does not fit the model, naming every misfit.

mmengine's ``Runner.load_checkpoint`` (used by ``load_from``, ``--resume``
and ``tools/test.py``) loads with ``strict=False``: keys the model lacks
are skipped, tensors of another shape are skipped, and both only produce
a log warning. Testing a checkpoint of another architecture or class count
then reports the accuracy of a partly random model. :func:`check_fits`
compares the checkpoint with the model before anything is copied and
raises one :class:`CheckpointMismatchError` that lists the misfits.
"""
import re
from typing import Dict, List, Mapping, NamedTuple, Sequence, Tuple

from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = [
    'CheckpointMismatchError', 'StateDictMismatch', 'check_fits',
    'compare_state_dicts', 'verify_checkpoint_file'
]

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


def verify_checkpoint_file(model,
                           filename: str,
                           allow_mismatch: Sequence[str] = (),
                           ) -> Dict:
    """Load ``filename`` (safely) and :func:`check_fits` it; no hook runs.

    Used by ``tools/train.py`` and ``tools/test.py`` before any data is
    read, so a wrong, truncated or unsafe checkpoint fails in seconds.

    Returns:
        dict: The loaded checkpoint.
    """
    checkpoint = CheckpointLoader.load_checkpoint(
        filename, map_location='cpu', logger=None)
    check_fits(model, checkpoint, filename, allow_mismatch)
    return checkpoint
