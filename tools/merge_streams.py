"""Merge separately trained stream checkpoints into one multi-stream file.

Paper: section 3.3 (one network per stream, score-level fusion). A
multi-stream config (``configs/*_3s.py``, ``*_4s.py``) builds a
``MultiStreamRecognizer`` from the config alone; its checkpoint holds every
stream's weights under ``models.<stream>.``. Train the streams in one run
with that config, or train them one by one with the single-stream configs
and merge them here; then ``tools/test.py``, ``tools/infer.py``,
``tools/visualize.py`` and the API need only the merged file::

    python tools/merge_streams.py configs/lsta_ntu60_xsub_3s.py \\
        --stream joint=work_dirs/lsta_ntu60_xsub_joint \\
        --stream bone=work_dirs/lsta_ntu60_xsub_bone/epoch_100.pth \\
        --stream joint_motion=work_dirs/lsta_ntu60_xsub_joint_motion \\
        --out work_dirs/lsta_ntu60_xsub_3s/merged.pth
    python tools/test.py configs/lsta_ntu60_xsub_3s.py \\
        work_dirs/lsta_ntu60_xsub_3s/merged.pth

A stream may name a checkpoint file or a training work_dir (its single
``best_*.pth``, else the checkpoint ``last_checkpoint`` names). Every stream
checkpoint is read with the safe loader and must fit its stream's model
exactly and, when it records its stream, be of that stream.
"""
# isort: off
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import _bootstrap  # noqa: F401,E402,I001  (sys.path; before torch)
# isort: on
import argparse  # noqa: E402
import glob  # noqa: E402
import io  # noqa: E402
import time  # noqa: E402
from collections import OrderedDict  # noqa: E402
from typing import Dict, Optional, Sequence  # noqa: E402

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner.checkpoint import CheckpointLoader  # noqa: E402

import lsta_mm  # noqa: E402,F401  (registers the models)
from _bootstrap import user_errors  # noqa: E402
from lsta_mm.engine.atomic_io import atomic_write_bytes  # noqa: E402
from lsta_mm.engine.checkpoint_check import (  # noqa: E402
    CheckpointMismatchError, check_fits, check_streams)
from lsta_mm.models import MultiStreamRecognizer  # noqa: E402
from lsta_mm.registry import MODELS  # noqa: E402


def resolve_checkpoint(path: str) -> str:
    """A checkpoint file, or the checkpoint a training work_dir points at:
    its single ``best_*.pth``, else the file ``last_checkpoint`` names."""
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'stream checkpoint {path} does not exist')
    best = sorted(glob.glob(osp.join(path, 'best_*.pth')))
    if len(best) == 1:
        return best[0]
    pointer = osp.join(path, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as handle:
            target = handle.read().strip()
        local = osp.join(path, osp.basename(target))
        for candidate in (local, target):
            if candidate and osp.isfile(candidate):
                return candidate
    raise FileNotFoundError(
        f'work_dir {path} holds no single best_*.pth and no usable '
        f'last_checkpoint; name the checkpoint file instead')


def merge_streams(config,
                  sources: Dict[str, str],
                  out: str,
                  cfg_options: Optional[dict] = None) -> Dict[str, str]:
    """Write one checkpoint with every stream's weights.

    Args:
        config (str | Config): A ``MultiStreamRecognizer`` config.
        sources (dict): Stream name -> checkpoint file or work_dir, one per
            stream of the config.
        out (str): The merged ``.pth`` (written atomically).
        cfg_options (dict, optional): Overrides of the config.

    Returns:
        dict: Stream name -> the checkpoint file it was read from.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    if not isinstance(model, MultiStreamRecognizer):
        raise ValueError(f'{getattr(cfg, "filename", config)} builds '
                         f'{type(model).__name__}, not a '
                         f'MultiStreamRecognizer')
    names = model.stream_names
    missing = [name for name in names if name not in sources]
    extra = [name for name in sources if name not in names]
    if missing or extra:
        raise ValueError(
            f'the config has the streams {names}; give exactly one '
            f'--stream NAME=CHECKPOINT each (missing: {missing}, not in the '
            f'config: {extra})')
    state = OrderedDict()
    files = {}
    for name in names:
        files[name] = resolve_checkpoint(sources[name])
        checkpoint = CheckpointLoader.load_checkpoint(
            files[name], map_location='cpu', logger=None)
        try:
            check_fits(model.stream_model(name), checkpoint, files[name])
            check_streams(checkpoint, (name, ), files[name])
        except CheckpointMismatchError as err:
            raise CheckpointMismatchError(f'{name} stream: {err}') from None
        weights = checkpoint.get('state_dict', checkpoint)
        for key, value in weights.items():
            state[f'models.{name}.{key}'] = value
    check_fits(model, state, out)
    meta = dict(
        streams=list(names),
        merged_from=files,
        weights=dict(model.weights),
        time=time.strftime('%Y%m%d_%H%M%S'))
    buffer = io.BytesIO()
    torch.save(dict(meta=meta, state_dict=state), buffer)
    atomic_write_bytes(out, buffer.getvalue())
    return files


def parse_stream(text: str):
    name, sep, path = text.partition('=')
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(
            f'--stream takes NAME=CHECKPOINT (e.g. joint=work_dirs/joint), '
            f'got {text!r}')
    return name, path


def main(argv: Optional[Sequence[str]] = None):
    parser = argparse.ArgumentParser(
        description='Merge stream checkpoints into one multi-stream '
        'checkpoint')
    parser.add_argument('config', help='a MultiStreamRecognizer config')
    parser.add_argument(
        '--stream', type=parse_stream, action='append', required=True,
        metavar='NAME=CHECKPOINT',
        help='a stream of the config and its checkpoint or work_dir '
        '(repeat for every stream)')
    parser.add_argument('--out', required=True, help='merged .pth')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries')
    args = parser.parse_args(argv)
    sources = dict(args.stream)
    if len(sources) != len(args.stream):
        parser.error('a stream is named twice')
    try:
        files = merge_streams(args.config, sources, args.out,
                              args.cfg_options)
    except (ValueError, *user_errors()) as err:
        raise SystemExit(f'[lsta_mm] error: {err}') from None
    for name, path in files.items():
        print(f'{name}: {path}')
    print(f'merged checkpoint written to {osp.abspath(args.out)}')


if __name__ == '__main__':
    main()
