"""Parameters and FLOPs per sample of a skeleton recognizer config.

Builds ``cfg.model`` through mmaction2's registry (any ``RecognizerGCN``
config: lsta_mm's, or mmaction2's own STGCN / STGCN++ configs) and counts
with :func:`mmengine.analysis.get_model_complexity_info` on one sample: one
clip of ``M`` persons, ``T`` frames, ``V`` joints and ``C`` channels, through
backbone and head. mmengine counts one multiply-add as one FLOP (fvcore's
convention) and skips element-wise ops and norms; every model measured with
this tool is counted the same way.

V and C default to the config's graph layout and ``in_channels``; M to its
``num_person`` (2 if it has none).

Examples:
    python tools/analysis/complexity.py configs/lsta_ntu60_xsub_joint.py
    python tools/analysis/complexity.py configs/lsta_ntu60_xsub_joint.py \\
        --shape 100
    python tools/analysis/complexity.py configs/lsta_kinetics_joint.py \\
        --shape 300 18 3 --params-only
    python tools/analysis/complexity.py $(python -c "import mmaction, os; \\
print(os.path.dirname(mmaction.__file__))")/.mim/configs/skeleton/stgcn/\\
stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py --shape 300
"""
# isort: off
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
import argparse  # noqa: E402
import logging  # noqa: E402
from typing import Dict, Optional, Sequence  # noqa: E402

import torch  # noqa: E402
from mmengine.analysis import FlopAnalyzer  # noqa: E402
from mmengine.analysis.print_helper import complexity_stats_table  # noqa: E402,E501
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import lsta_mm  # noqa: E402,F401  (registers lsta_mm; fixes mmaction2)
from lsta_mm.models import MultiStreamRecognizer  # noqa: E402
from lsta_mm.registry import MODELS  # noqa: E402
from lsta_mm.utils import get_topology  # noqa: E402

MARKDOWN_HEADER = ('| config | M | T | V | C | params | GFLOPs / sample |\n'
                   '|---|---|---|---|---|---|---|')


class HeadOutput(torch.nn.Module):
    """Runs a recognizer's backbone and head on a ``(1, 1, M, T, V, C)``
    batch, the way ``RecognizerGCN`` does in ``mode='tensor'``; a
    multi-stream model on ``(1, 1, S, M, T, V, C)``, every stream."""

    def __init__(self, recognizer: torch.nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if isinstance(self.recognizer, MultiStreamRecognizer):
            return torch.stack(
                list(self.recognizer.stream_scores(inputs).values()))
        return self.recognizer.extract_feat(inputs, stage='head')[0]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs per sample of a skeleton '
        'recognizer config (mmengine.analysis)')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[300],
        metavar='T [V [C]]',
        help='frames T, then optionally joints V and channels C (default: '
        'T=300, V and C from the config)')
    parser.add_argument(
        '--num-person',
        type=int,
        help='persons M per sample (default: the backbone num_person, or 2)')
    parser.add_argument(
        '--params-only',
        action='store_true',
        help='print the parameter count only (no forward pass)')
    parser.add_argument(
        '--show-table',
        action='store_true',
        help="also print mmengine's per-module table")
    parser.add_argument(
        '--verbose',
        action='store_true',
        help="keep mmengine's notes on operators it does not count")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. '
        'model.backbone.spatial_cfg.num_scales=4')
    return parser.parse_args(argv)


def input_shape(backbone_cfg: Dict, shape: Sequence[int],
                num_person: Optional[int]) -> tuple:
    """``(M, T, V, C)`` from ``--shape`` and the backbone config."""
    if not 1 <= len(shape) <= 3 or min(shape) < 1:
        raise ValueError(f'--shape takes T [V [C]] as positive ints, got '
                         f'{list(shape)}')
    frames = shape[0]
    graph_cfg = backbone_cfg.get('graph_cfg') or {}
    layout_joints = (
        get_topology(graph_cfg['layout']).num_node
        if 'layout' in graph_cfg else None)
    if len(shape) > 1:
        joints = shape[1]
        if layout_joints is not None and joints != layout_joints:
            raise ValueError(
                f'--shape {" ".join(map(str, shape))} asks for V={joints} '
                f'joints, but the layout {graph_cfg["layout"]!r} has '
                f'{layout_joints}: --shape takes T [V [C]], one frame count '
                f'per run (e.g. --shape {frames})')
    elif layout_joints is None:
        raise ValueError('the backbone has no graph_cfg.layout: give V '
                         'with --shape T V')
    else:
        joints = layout_joints
    channels = shape[2] if len(shape) > 2 else backbone_cfg.get(
        'in_channels', 3)
    if num_person is None:
        num_person = backbone_cfg.get('num_person', 2)
    return num_person, frames, joints, channels


def count_flops(recognizer: torch.nn.Module,
                inputs: torch.Tensor,
                table: bool = False,
                verbose: bool = False) -> Dict:
    """mmengine's FLOPs of a recognizer's backbone + head on ``inputs``.

    The one FLOP counter of the project (``benchmark.py`` asks it too):
    :class:`mmengine.analysis.FlopAnalyzer`, one multiply-add = one FLOP,
    element-wise ops and norms not counted, for every model alike.

    Args:
        recognizer (torch.nn.Module): A model with ``extract_feat`` (a
            ``RecognizerGCN``), in eval mode.
        inputs (torch.Tensor): ``(1, 1, M, T, V, C)``, one clip.
        table (bool): Also return mmengine's per-module table.
        verbose (bool): Let mmengine log the operators it does not count.

    Returns:
        dict: ``total`` FLOPs, ``by_operator`` and ``unsupported`` operator
        counts, and ``table`` (a string) when asked.
    """
    logger = MMLogger.get_current_instance()
    level = logger.level
    if not verbose:
        # "unsupported operator" notes: element-wise ops and norms, which
        # fvcore-style counting leaves out for every model alike
        logger.setLevel(logging.ERROR)
    try:
        with torch.no_grad():
            analyzer = FlopAnalyzer(HeadOutput(recognizer), (inputs, ))
            analyzer.unsupported_ops_warnings(verbose)
            analyzer.uncalled_modules_warnings(verbose)
            result = dict(
                total=analyzer.total(),
                by_operator=dict(analyzer.by_operator()),
                unsupported=dict(analyzer.unsupported_ops()))
            if table:
                result['table'] = '\n' + complexity_stats_table(
                    flops=analyzer, show_param_shapes=True)
    finally:
        logger.setLevel(level)
    return result


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def measure(config: str,
            shape: Sequence[int] = (300, ),
            num_person: Optional[int] = None,
            params_only: bool = False,
            cfg_options: Optional[Dict] = None,
            verbose: bool = False) -> Dict:
    """Build ``config``'s model and count parameters (and FLOPs).

    Returns:
        dict: ``config``, ``shape`` ``(M, T, V, C)``, ``params`` and, unless
        ``params_only``, ``flops`` per sample and mmengine's ``table``.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise ValueError(f'{config}: no `model` in this config')
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model).eval()
    result = dict(config=config, params=count_parameters(model))
    streams = []
    model_cfg = cfg.model
    if isinstance(model, MultiStreamRecognizer):
        streams = model.stream_names  # every stream reads the same shape
        model_cfg = cfg.model.streams[0].model
    m, t, v, c = input_shape(model_cfg.get('backbone', {}), shape,
                             num_person)
    result['shape'] = (m, t, v, c)
    if params_only:
        return result
    if not hasattr(model, 'extract_feat') and not streams:
        raise ValueError(f'{config}: {type(model).__name__} has no '
                         f'extract_feat; expected a RecognizerGCN')
    inputs = torch.randn(1, 1, *([len(streams)] if streams else []), m, t,
                         v, c)
    flops = count_flops(model, inputs, table=True, verbose=verbose)
    result['flops'] = int(flops['total'])
    result['table'] = flops['table']
    return result


def markdown_row(result: Dict) -> str:
    m, t, v, c = result['shape']
    name = osp.splitext(osp.basename(result['config']))[0]
    flops = result.get('flops')
    gflops = '-' if flops is None else f'{flops / 1e9:.2f}'
    return (f'| {name} | {m} | {t} | {v} | {c} | '
            f'{result["params"] / 1e6:.3f}M | {gflops} |')


def main(argv=None):
    args = parse_args(argv)
    try:
        result = measure(args.config, args.shape, args.num_person,
                         args.params_only, args.cfg_options, args.verbose)
    except (OSError, ValueError, KeyError) as err:
        raise SystemExit(f'error: {err}')
    if args.params_only:
        print(result['params'])
        return result
    if args.show_table:
        print(result['table'])
    m, t, v, c = result['shape']
    print(f'config:     {args.config}')
    print(f'input:      1 sample = (M={m}, T={t}, V={v}, C={c})')
    print(f'parameters: {result["params"]:,} '
          f'({result["params"] / 1e6:.3f}M)')
    print(f'FLOPs:      {result["flops"]:,} per sample '
          f'({result["flops"] / 1e9:.2f} G, 1 multiply-add = 1 FLOP)')
    print()
    print(MARKDOWN_HEADER)
    print(markdown_row(result))
    return result


if __name__ == '__main__':
    main()
