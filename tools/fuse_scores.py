"""Fuse the per-sample scores of several streams (paper section 3.3).

Each input is a ``tools/test.py CONFIG CKPT --dump FILE.pkl`` dump (mmaction2
``DumpResults`` format). The dumps must cover the same samples in the same
order; the tool refuses them otherwise. It prints top-1, top-5 and mean
class accuracy (mmaction2's ``AccMetric`` definitions) for every stream and
for the weighted sum ``sum_i w_i * score_i``.

``GCNHead`` dumps softmax probabilities, so the probabilities are fused as
they are; ``--apply-softmax`` is only for dumps of raw logits.

Examples:
    python tools/fuse_scores.py joint.pkl bone.pkl
    python tools/fuse_scores.py j.pkl b.pkl jm.pkl bm.pkl \\
        --weights 0.6 0.6 0.4 0.4 --names joint bone jm bm \\
        --out fused.pkl --json fused.json
"""
import _bootstrap  # noqa: F401,I001  (must precede torch: malloc, sys.path)
import argparse
import json
import os
import os.path as osp
import pickle
import sys

import mmengine  # noqa: E402

from lsta_mm.evaluation.score_fusion import (  # noqa: E402
    ScoreDumpMismatchError, check_same_samples, classification_metrics,
    fuse_scores, load_score_dump, looks_like_probabilities, scores_to_dump)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Weighted score fusion of tools/test.py --dump files')
    parser.add_argument(
        'dumps', nargs='+', help='score dumps (.pkl), one per stream')
    parser.add_argument(
        '--weights',
        '--coefficients',
        nargs='+',
        type=float,
        help='one weight per dump (default: 1 each)')
    parser.add_argument(
        '--names',
        nargs='+',
        help='stream names for the report (default: dump file names)')
    parser.add_argument(
        '--apply-softmax',
        action='store_true',
        help='softmax each dump first (only for dumps of raw logits; '
        'GCNHead already dumps probabilities)')
    parser.add_argument(
        '--out', help='write the fused scores as a DumpResults .pkl')
    parser.add_argument('--json', help='write the metrics table as JSON')
    return parser.parse_args(argv)


def format_table(rows):
    """Rows of (name, weight, metrics) as an aligned text table (%)."""
    width = max(len('stream'), *(len(name) for name, _, _ in rows))
    lines = [f'{"stream":<{width}}  weight   top1    top5   mean1']
    for name, weight, metrics in rows:
        weight = '' if weight is None else f'{weight:g}'
        lines.append(f'{name:<{width}}  {weight:>6} '
                     f'{100 * metrics["top1"]:6.2f}  '
                     f'{100 * metrics["top5"]:6.2f}  '
                     f'{100 * metrics["mean1"]:6.2f}')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    weights = args.weights or [1.0] * len(args.dumps)
    names = args.names or [
        osp.splitext(osp.basename(path))[0] for path in args.dumps
    ]
    if len(weights) != len(args.dumps):
        raise SystemExit(f'{len(args.dumps)} dumps but {len(weights)} '
                         f'weights: give one weight per dump')
    if len(names) != len(args.dumps):
        raise SystemExit(f'{len(args.dumps)} dumps but {len(names)} names')

    dumps = []
    for path in args.dumps:
        try:
            dumps.append(load_score_dump(path))
        except (OSError, ValueError, pickle.UnpicklingError) as err:
            raise SystemExit(f'error: {err}')
    try:
        check_same_samples(dumps)
    except ScoreDumpMismatchError as err:
        raise SystemExit(f'error: {err}')
    for dump in dumps:
        probs = looks_like_probabilities(dump.scores)
        if not probs and not args.apply_softmax:
            print(f'note: {dump.path} holds scores that are not '
                  f'probabilities (rows do not sum to 1); they are fused as '
                  f'they are. Pass --apply-softmax if they are logits.',
                  file=sys.stderr)
        if probs and args.apply_softmax:
            print(f'note: {dump.path} already holds probabilities; '
                  f'--apply-softmax applies a second softmax to them.',
                  file=sys.stderr)

    labels = dumps[0].labels
    scores = [dump.scores for dump in dumps]
    if args.apply_softmax:
        scores = [fuse_scores([s], apply_softmax=True) for s in scores]
    rows = [(name, weight, classification_metrics(s, labels))
            for name, weight, s in zip(names, weights, scores)]
    fused = fuse_scores(scores, weights)
    rows.append(('fusion', None, classification_metrics(fused, labels)))

    print(f'{dumps[0].num_samples} samples, {dumps[0].num_classes} classes; '
          f'fused score = ' +
          ' + '.join(f'{w:g}*{n}' for w, n in zip(weights, names)))
    print(format_table(rows))

    if args.out:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise SystemExit(f'--out must name a .pkl file, got {args.out}')
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
        mmengine.dump(
            scores_to_dump(fused, labels, dumps[0].sample_ids), args.out)
        print(f'fused scores written to {args.out}')
    if args.json:
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.json)))
        table = {
            name: dict(weight=weight, **metrics)
            for name, weight, metrics in rows
        }
        with open(args.json, 'w') as handle:
            json.dump(
                dict(
                    dumps=[os.fspath(p) for p in args.dumps],
                    num_samples=int(dumps[0].num_samples),
                    metrics=table),
                handle,
                indent=2)
        print(f'metrics written to {args.json}')
    return rows


if __name__ == '__main__':
    main()
