"""Save a multi-stream ensemble as one checkpoint for ``tools/test.py``.

``tools/test.py CONFIG CKPT`` loads CKPT strictly into the model the config
builds. For a ``MultiStreamRecognizer`` config (``configs/*_4s.py``) that
checkpoint holds every stream's weights under ``models.<stream>.``; this
module writes it from the stream checkpoints the config names::

    python -m lsta_mm.apis.ensemble configs/lsta_ntu60_xsub_4s.py \\
        work_dirs/lsta_ntu60_xsub_4s/ensemble.pth
    python tools/test.py configs/lsta_ntu60_xsub_4s.py \\
        work_dirs/lsta_ntu60_xsub_4s/ensemble.pth

``--cfg-options model.streams.0.checkpoint=PATH`` (one index per stream)
points a stream at another checkpoint.
"""
import argparse
import os.path as osp
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import save_checkpoint

import lsta_mm  # noqa: F401  (registers the ensemble)
from lsta_mm.registry import MODELS

__all__ = ['build_ensemble', 'save_ensemble_checkpoint']


def build_ensemble(config, cfg_options=None) -> torch.nn.Module:
    """Build a config's ``MultiStreamRecognizer`` with its stream weights."""
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if cfg.model.get('type') != 'MultiStreamRecognizer':
        raise ValueError(f'{getattr(cfg, "filename", config)} builds '
                         f'{cfg.model.get("type")}, not a '
                         f'MultiStreamRecognizer')
    missing = [
        spec.get('name', spec.get('stream'))
        for spec in cfg.model.streams if not spec.get('checkpoint')
    ]
    if missing:
        raise ValueError(f'streams {missing} name no checkpoint; set '
                         f'model.streams.<i>.checkpoint for each')
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    model.cfg = cfg
    return model


def save_ensemble_checkpoint(config, out_file: str,
                             cfg_options=None) -> str:
    """Write the ensemble's ``state_dict`` (all streams) to ``out_file``.

    Returns:
        str: ``out_file``.
    """
    model = build_ensemble(config, cfg_options)
    sources = {
        name: spec.get('checkpoint')
        for name, spec in zip(model.stream_names, model.cfg.model.streams)
    }
    meta = dict(
        streams=sources,
        weights=dict(model.weights),
        time=time.strftime('%Y%m%d_%H%M%S'))
    save_checkpoint({
        'meta': meta,
        'state_dict': model.state_dict()
    }, out_file)
    return out_file


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Merge the stream checkpoints of a multi-stream config '
        'into one checkpoint for tools/test.py')
    parser.add_argument('config', help='a MultiStreamRecognizer config')
    parser.add_argument('out', help='output .pth')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. '
        'model.streams.0.checkpoint=path/to/joint.pth')
    args = parser.parse_args(argv)
    try:
        out = save_ensemble_checkpoint(args.config, args.out,
                                       args.cfg_options)
    except (OSError, ValueError) as err:
        raise SystemExit(f'error: {err}')
    print(f'ensemble checkpoint written to {osp.abspath(out)}')
    return out


if __name__ == '__main__':
    main()
