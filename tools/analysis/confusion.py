"""Which classes a trained model confuses, from ``tools/test.py --dump`` files.

Reads one or more score dumps (mmaction2 ``DumpResults`` format, read with
the project's restricted unpickler), counts predictions against labels with
mmaction2's ``ConfusionMatrix.calculate`` and prints the most frequent
mistakes (true class -> predicted class) and each class's accuracy. Several
dumps (e.g. one per seed) are summed into one matrix. ``--png`` draws the
matrix with ``ConfusionMatrix.plot``; ``--out-dir`` writes the whole report
as files (:func:`write_report`): ``confusion_matrix.csv``,
``per_class_accuracy.csv``, ``mistakes.csv`` and ``confusion_matrix.png``.
``tools/test.py CONFIG CKPT --confusion DIR`` writes the same report after
testing. Class names: ``--classes`` (a label map: a shipped name such as
``ntu60`` or a file with one name per line, as the pose converters write
beside their pkl), else class numbers.

Examples:
    python tools/test.py RUN/config.py RUN/epoch_24.pth --dump s0.pkl
    python tools/analysis/confusion.py s0.pkl s1.pkl s2.pkl \\
        --classes data/benchmark/ntu_hard_3d_classes.txt --top 5
    python tools/analysis/confusion.py s0.pkl --png confusion.png
    python tools/analysis/confusion.py s0.pkl --classes ntu60 --out-dir rep
"""
# isort: off
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: F401,E402  (tools/_bootstrap: sys.path)
# isort: on
import argparse  # noqa: E402
import csv  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
from typing import List, Optional, Sequence, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmaction.evaluation import ConfusionMatrix  # noqa: E402

from lsta_mm.evaluation.score_fusion import load_score_dump  # noqa: E402
from lsta_mm.label_maps import load_label_map  # noqa: E402

#: above this many classes the picture shows no numbers in its cells
MAX_CLASSES_WITH_VALUES = 30


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
    parser.add_argument(
        '--out-dir',
        help='write confusion_matrix.csv, per_class_accuracy.csv, '
        'mistakes.csv and confusion_matrix.png here')
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
            torch.from_numpy(dump.scores),
            torch.from_numpy(dump.labels),
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
    """Names from a label map (a shipped name or a one-per-line file), or
    the class numbers."""
    if path is None:
        return [str(i) for i in range(num_classes)]
    names = load_label_map(path)
    if len(names) != num_classes:
        raise ValueError(f'{path} names {len(names)} classes, the dumps have '
                         f'{num_classes}: give the class list of this '
                         f'dataset')
    return names


def draw_matrix(matrix: np.ndarray, names: Sequence[str], path: str) -> None:
    """Heat map of each true class's predictions in % (rows sum to 100),
    sized so that 60 or 120 class names stay readable; numbers in the cells
    up to :data:`MAX_CLASSES_WITH_VALUES` classes."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    classes = matrix.shape[0]
    percent = np.round(100 * matrix /
                       np.maximum(matrix.sum(1, keepdims=True), 1)).astype(
                           np.int64)
    figure = ConfusionMatrix.plot(
        torch.from_numpy(percent),
        include_values=classes <= MAX_CLASSES_WITH_VALUES,
        classes=list(names),
        show=False)
    side = max(10.0, 0.16 * classes + 4)  # inches: ~0.16 in per class
    figure.set_size_inches(side, side)
    axes = figure.axes[0]
    font = 10 if classes <= 30 else max(5, int(600 / classes))
    axes.tick_params(labelsize=font)
    for label in axes.get_xticklabels():  # upright names overlap
        label.set(rotation=90, ha='center', va='bottom')
    axes.set_title(
        '% of each true class (rows) predicted as each class '
        '(columns)',
        pad=12 + 4 * font)
    figure.savefig(
        path, bbox_inches='tight', dpi=100 if classes <= 60 else 150)
    plt.close(figure)


def write_report(matrix: np.ndarray, names: Sequence[str],
                 out_dir: str) -> List[str]:
    """Write the report files into ``out_dir``; returns their paths.

    ``confusion_matrix.csv`` (counts; rows true, columns predicted, with
    names), ``per_class_accuracy.csv`` (class, samples, correct, accuracy
    %), ``mistakes.csv`` (every confused pair, most frequent first, with
    its share of the true class) and ``confusion_matrix.png``
    (:func:`draw_matrix`).
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = [
        osp.join(out_dir, name)
        for name in ('confusion_matrix.csv', 'per_class_accuracy.csv',
                     'mistakes.csv', 'confusion_matrix.png')
    ]
    with open(paths[0], 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['true \\ predicted'] + list(names))
        for name, row in zip(names, matrix):
            writer.writerow([name] + row.tolist())
    with open(paths[1], 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['class', 'samples', 'correct', 'accuracy %'])
        for index, name in enumerate(names):
            samples = int(matrix[index].sum())
            correct = int(matrix[index, index])
            writer.writerow([
                name, samples, correct,
                f'{100 * correct / samples:.1f}' if samples else ''
            ])
    with open(paths[2], 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['true', 'predicted', 'count', 'share of true %'])
        pairs = int((matrix - np.diag(np.diag(matrix)) > 0).sum())
        for true, pred, count, share in top_mistakes(matrix, pairs):
            writer.writerow(
                [names[true], names[pred], count, f'{100 * share:.1f}'])
    draw_matrix(matrix, names, paths[3])
    return paths


def print_report(matrix: np.ndarray,
                 names: Sequence[str],
                 top: int,
                 dumps: int = 1) -> None:
    """Totals, the ``top`` most frequent mistakes and per-class accuracy."""
    samples = int(matrix.sum())
    correct = int(np.trace(matrix))
    print(f'{dumps} dump(s), {samples} predictions, '
          f'{samples - correct} mistakes, '
          f'top-1 {100 * correct / samples:.1f} %')
    print('\nmost frequent mistakes (true -> predicted: count, share of '
          'the true class):')
    for true, pred, count, share in top_mistakes(matrix, top):
        print(f'  {names[true]} -> {names[pred]}: {count} '
              f'({100 * share:.1f} %)')
    print('\naccuracy per class (%):')
    per_class = np.diag(matrix) / np.maximum(matrix.sum(1), 1)
    width = max(len(name) for name in names)
    for index in np.argsort(per_class, kind='stable'):
        print(f'  {names[index]:<{width}}  {100 * per_class[index]:5.1f}')


def main(argv=None):
    args = parse_args(argv)
    try:
        matrix = summed_confusion(args.dumps)
        names = read_class_names(args.classes, matrix.shape[0])
    except (OSError, ValueError, pickle.UnpicklingError) as err:
        raise SystemExit(f'error: {err}')
    print_report(matrix, names, args.top, len(args.dumps))
    if args.png:
        draw_matrix(matrix, names, args.png)
        print(f'\nmatrix drawn to {args.png}')
    if args.out_dir:
        paths = write_report(matrix, names, args.out_dir)
        print('\nreport: ' + ', '.join(paths))


if __name__ == '__main__':
    main()
