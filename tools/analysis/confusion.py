"""Which classes a trained model confuses, from ``tools/test.py --dump`` files.

Reads one or more score dumps (mmaction2 ``DumpResults`` format, read with
the project's restricted unpickler), counts predictions against labels with
mmaction2's ``ConfusionMatrix.calculate`` and prints the most frequent
mistakes (true class -> predicted class) and each class's accuracy. Several
dumps (e.g. one per seed) are summed into one matrix. ``--png`` draws the
matrix with ``ConfusionMatrix.plot``.

Examples:
    python tools/test.py RUN/config.py RUN/epoch_24.pth --dump s0.pkl
    python tools/analysis/confusion.py s0.pkl s1.pkl s2.pkl \\
        --classes data/benchmark/ntu_hard_3d_classes.txt --top 5
    python tools/analysis/confusion.py s0.pkl --png confusion.png
"""
# isort: off
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
import argparse  # noqa: E402
import pickle  # noqa: E402
from typing import List, Optional, Sequence, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmaction.evaluation import ConfusionMatrix  # noqa: E402

from lsta_mm.evaluation.score_fusion import load_score_dump  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Most frequent mistakes and per-class accuracy of '
        'tools/test.py --dump files')
    parser.add_argument('dumps', nargs='+', help='score dumps (.pkl)')
    parser.add_argument(
        '--classes',
        help='text file with one class name per line (default: numbers)')
    parser.add_argument(
        '--top', type=int, default=10, help='mistakes to list (default 10)')
    parser.add_argument('--png', help='draw the summed matrix to this file')
    return parser.parse_args(argv)


def summed_confusion(dump_paths: Sequence[str]) -> np.ndarray:
    """``(K, K)`` int64 counts, rows = true class, columns = prediction.

    Raises:
        ValueError: The dumps disagree on the number of classes.
    """
    total = None
    for path in dump_paths:
        dump = load_score_dump(path)
        matrix = ConfusionMatrix.calculate(
            torch.from_numpy(dump.scores), torch.from_numpy(dump.labels),
            num_classes=dump.num_classes).numpy().astype(np.int64)
        if total is not None and total.shape != matrix.shape:
            raise ValueError(f'{path} has {dump.num_classes} classes, the '
                             f'dumps before it {total.shape[0]}: give dumps '
                             f'of one model/dataset')
        total = matrix if total is None else total + matrix
    return total


def top_mistakes(matrix: np.ndarray,
                 top: int) -> List[Tuple[int, int, int, float]]:
    """The ``top`` largest off-diagonal cells.

    Returns:
        list: ``(true, predicted, count, share of the true class)``, largest
        count first; cells with no mistakes are left out.
    """
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(-off, axis=None, kind='stable')[:top]
    rows = []
    for flat in order:
        true, pred = np.unravel_index(flat, off.shape)
        if off[true, pred] == 0:
            break
        rows.append((int(true), int(pred), int(off[true, pred]),
                     float(off[true, pred] / max(matrix[true].sum(), 1))))
    return rows


def read_class_names(path: Optional[str], num_classes: int) -> List[str]:
    """Names from a one-per-line file, or the class numbers."""
    if path is None:
        return [str(i) for i in range(num_classes)]
    with open(path) as handle:
        names = [line.strip() for line in handle if line.strip()]
    if len(names) != num_classes:
        raise ValueError(f'{path} names {len(names)} classes, the dumps have '
                         f'{num_classes}: give the class list of this '
                         f'dataset')
    return names


def main(argv=None):
    args = parse_args(argv)
    try:
        matrix = summed_confusion(args.dumps)
        names = read_class_names(args.classes, matrix.shape[0])
    except (OSError, ValueError, pickle.UnpicklingError) as err:
        raise SystemExit(f'error: {err}')
    samples = int(matrix.sum())
    correct = int(np.trace(matrix))
    print(f'{len(args.dumps)} dump(s), {samples} predictions, '
          f'{samples - correct} mistakes, '
          f'top-1 {100 * correct / samples:.1f} %')
    print('\nmost frequent mistakes (true -> predicted: count, share of '
          'the true class):')
    for true, pred, count, share in top_mistakes(matrix, args.top):
        print(f'  {names[true]} -> {names[pred]}: {count} '
              f'({100 * share:.1f} %)')
    print('\naccuracy per class (%):')
    per_class = np.diag(matrix) / np.maximum(matrix.sum(1), 1)
    width = max(len(name) for name in names)
    for index in np.argsort(per_class, kind='stable'):
        print(f'  {names[index]:<{width}}  {100 * per_class[index]:5.1f}')
    if args.png:
        import matplotlib
        matplotlib.use('Agg')
        figure = ConfusionMatrix.plot(
            torch.from_numpy(matrix), include_values=matrix.shape[0] <= 30,
            classes=names, show=False)
        figure.savefig(args.png, bbox_inches='tight', dpi=100)
        print(f'\nmatrix drawn to {args.png}')


if __name__ == '__main__':
    main()
