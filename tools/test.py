"""Test (evaluate) a checkpoint with mmengine's Runner.

Same flags as mmaction2's ``tools/test.py``; reports the config's
``test_evaluator`` metrics (top-1, top-5 and mean class accuracy with
mmaction2's ``AccMetric``). ``--dump scores.pkl`` adds mmaction2's
``DumpResults`` so ``tools/fuse_scores.py`` and mmaction2's
``analysis_tools/report_accuracy.py`` read the per-sample scores.

The checkpoint is loaded with ``weights_only=True`` and an allowlist, and
strictly: a truncated or unsafe file, or one of another architecture or
class count, stops the tool with one message (listing the misfitting keys)
before any data is read, instead of mmengine's warning and a partly random
model.

Examples:
    python tools/test.py configs/lsta_ntu60_xsub_joint.py CKPT
    python tools/test.py CONFIG CKPT --dump work_dirs/joint_scores.pkl
    bash tools/dist_test.sh CONFIG CKPT 4
"""
import _bootstrap  # noqa: F401,I001  (must precede torch: malloc, sys.path)
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import lsta_mm  # noqa: F401  (registers components, safe loading)
from _bootstrap import (  # noqa: E402
    apply_cpu_threads, apply_reliability_hooks, preflight_checkpoint,
    resolve_work_dir, select_dist_backend, shutdown_distributed, user_errors)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) an action recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where the metrics log goes')
    parser.add_argument(
        '--dump',
        type=str,
        help='write per-sample scores to this .pkl (mmaction2 DumpResults)')
    parser.add_argument(
        '--confusion',
        metavar='DIR',
        help='after testing, write the confusion matrix (CSV and PNG), the '
        'accuracy per class and the confused pairs here '
        '(tools/analysis/confusion.py); needs no --dump')
    parser.add_argument(
        '--classes',
        help='label map for --confusion: ntu60, ntu120, kinetics400 or a '
        'file with one class name per line (default: the <ann_file '
        'stem>_classes.txt beside the test annotation file when there is '
        'one, else the shipped map with the config\'s class count, else '
        'class numbers)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. test_dataloader.batch_size=4')
    parser.add_argument(
        '--show-dir',
        help='save visualisations of the predictions in this directory '
        '(needs a VisualizationHook in default_hooks)')
    parser.add_argument(
        '--show', action='store_true', help='show the visualisations')
    parser.add_argument(
        '--interval', type=int, default=1, help='visualise every n samples')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='seconds per shown image')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Apply the command-line flags to ``cfg`` (mmaction2's semantics)."""
    if args.show or args.show_dir is not None:
        if 'visualization' not in cfg.default_hooks:
            raise SystemExit(
                '--show/--show-dir draw video frames through mmaction2\'s '
                'VisualizationHook, which this config has not (skeleton '
                'clips have no frames): draw skeletons and what the model '
                'attends to with tools/visualize.py CONFIG CKPT INPUT')
        vis = cfg.default_hooks.visualization
        vis.enable = True
        vis.show = args.show
        vis.wait_time = args.wait_time
        vis.out_dir = args.show_dir
        vis.interval = args.interval
    if args.confusion is not None and args.dump is None:
        args.dump = os.path.join(args.confusion, 'test_scores.pkl')
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise SystemExit(f'--dump must name a .pkl file, got {args.dump}')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, (list, tuple)):
            cfg.test_evaluator = list(evaluators) + [dump]
        else:
            cfg.test_evaluator = [evaluators, dump]
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    resolve_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    apply_reliability_hooks(cfg)
    # testing takes the checkpoint as it is: no fine-tuning allowance
    cfg.default_hooks['strict_load'] = dict(type='mmaction.StrictLoadHook')
    select_dist_backend(cfg)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint {args.checkpoint} does not exist')
    apply_cpu_threads()
    cfg = merge_args(Config.fromfile(args.config), args)
    try:
        if 'runner_type' in cfg:
            from mmaction.registry import RUNNERS
            runner = RUNNERS.build(cfg)
        else:
            runner = Runner.from_cfg(cfg)
        preflight_checkpoint(runner, args.checkpoint)
        runner.test()
        if args.confusion is not None and runner.rank == 0:
            report_confusion(args.dump, args.confusion, args.classes, cfg)
    except user_errors() as err:
        raise SystemExit(f'[lsta_mm] error: {err}') from None
    shutdown_distributed()


def class_names_for(cfg, num_classes: int, classes=None):
    """The label map ``--confusion`` names classes with (see ``--classes``).
    """
    from lsta_mm.datasets.custom_data import label_map_path
    from lsta_mm.label_maps import default_label_map
    if classes is None:
        ann_file = cfg.test_dataloader.dataset.get('ann_file', '')
        beside = label_map_path(ann_file) if ann_file else ''
        if beside and os.path.isfile(beside):
            classes = beside
        else:
            classes = default_label_map(num_classes)
    return classes


def report_confusion(dump: str, out_dir: str, classes, cfg) -> None:
    """The confusion report of ``tools/analysis/confusion.py`` for one
    dump, written to ``out_dir``."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'analysis'))
    import confusion
    matrix = confusion.summed_confusion([dump])
    label_map = class_names_for(cfg, matrix.shape[0], classes)
    try:
        names = confusion.read_class_names(label_map, matrix.shape[0])
    except (OSError, ValueError) as err:
        raise SystemExit(f'[lsta_mm] error: --classes: {err}') from None
    confusion.print_report(matrix, names, top=10)
    paths = confusion.write_report(matrix, names, out_dir)
    print(f'\n[lsta_mm] confusion report (label map: '
          f'{label_map or "class numbers"}): ' + ', '.join(paths))


if __name__ == '__main__':
    main()
