"""tools/analysis/confusion.py: mistakes counted from hand-made score dumps."""
import os.path as osp
import pickle

import numpy as np
import pytest

from lsta_mm.evaluation.score_fusion import scores_to_dump

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'confusion.py')


def _write_dump(path, labels, predictions, num_classes):
    scores = np.full((len(labels), num_classes), 0.1 / num_classes)
    scores[np.arange(len(labels)), predictions] += 0.9
    with open(path, 'wb') as handle:
        pickle.dump(scores_to_dump(scores, np.asarray(labels)), handle)
    return str(path)


def test_mistakes_are_counted_over_dumps(run_tool, tmp_path):
    labels = [0, 0, 1, 1, 2, 2]
    # seed 0: one 1 -> 2 mistake; seed 1: 1 -> 2 again and 0 -> 2
    first = _write_dump(tmp_path / 's0.pkl', labels, [0, 0, 1, 2, 2, 2], 3)
    second = _write_dump(tmp_path / 's1.pkl', labels, [0, 2, 1, 2, 2, 2], 3)
    names = tmp_path / 'classes.txt'
    names.write_text('sit\nstand\nclap\n')
    png = tmp_path / 'matrix.png'
    code, out = run_tool(TOOL, [
        first, second, '--classes',
        str(names), '--top', '5', '--png',
        str(png)
    ])
    assert code == 0, out
    assert '12 predictions, 3 mistakes, top-1 75.0 %' in out
    mistakes = out.split('most frequent mistakes')[1].split('accuracy per')[0]
    lines = [line.strip() for line in mistakes.splitlines()[1:] if line]
    assert lines == ['stand -> clap: 2 (50.0 %)', 'sit -> clap: 1 (25.0 %)']
    per_class = out.split('accuracy per class (%):')[1].split('matrix')[0]
    assert [line.split()[0] for line in per_class.splitlines()[1:4]] == [
        'stand', 'sit', 'clap'
    ]
    assert png.stat().st_size > 0


def test_wrong_class_list_is_one_line(run_tool, tmp_path):
    dump = _write_dump(tmp_path / 's0.pkl', [0, 1], [0, 1], 2)
    names = tmp_path / 'classes.txt'
    names.write_text('a\nb\nc\n')
    code, out = run_tool(TOOL, [dump, '--classes', str(names)])
    assert 'names 3 classes, the dumps have 2' in str(code)
    assert 'Traceback' not in out


def test_dumps_of_other_class_counts_are_refused(run_tool, tmp_path):
    first = _write_dump(tmp_path / 'a.pkl', [0, 1], [0, 1], 2)
    second = _write_dump(tmp_path / 'b.pkl', [0, 1], [0, 1], 3)
    code, _ = run_tool(TOOL, [first, second])
    assert 'b.pkl has 3 classes' in str(code)


@pytest.mark.parametrize('content', [b'not a pickle', None])
def test_foreign_files_are_refused_in_one_line(run_tool, tmp_path, content):
    path = tmp_path / 'scores.pkl'
    if content is None:  # a pickle that would call a function when loaded
        content = pickle.dumps(print)
    path.write_bytes(content)
    code, out = run_tool(TOOL, [str(path)])
    assert str(code).startswith('error:') and 'scores.pkl' in str(code)
    assert 'Traceback' not in out


def test_report_files_hold_the_counts_with_names(run_tool, tmp_path):
    import csv
    labels = [0, 0, 1, 1, 2, 2]
    dump = _write_dump(tmp_path / 's0.pkl', labels, [0, 2, 1, 2, 2, 0], 3)
    names = tmp_path / 'classes.txt'
    names.write_text('sit\nstand\nclap\n')
    out_dir = tmp_path / 'report'
    code, out = run_tool(
        TOOL, [dump, '--classes', str(names), '--out-dir',
               str(out_dir)])
    assert code == 0, out
    rows = list(csv.reader(open(out_dir / 'confusion_matrix.csv')))
    assert rows[0][1:] == ['sit', 'stand', 'clap']
    assert rows[1] == ['sit', '1', '0', '1']
    assert rows[2] == ['stand', '0', '1', '1']
    assert rows[3] == ['clap', '1', '0', '1']
    per_class = list(csv.reader(open(out_dir / 'per_class_accuracy.csv')))
    assert per_class[1:] == [['sit', '2', '1', '50.0'],
                             ['stand', '2', '1', '50.0'],
                             ['clap', '2', '1', '50.0']]
    mistakes = list(csv.reader(open(out_dir / 'mistakes.csv')))
    assert sorted(tuple(r[:3]) for r in mistakes[1:]) == [
        ('clap', 'sit', '1'), ('sit', 'clap', '1'), ('stand', 'clap', '1')
    ]
    assert (out_dir / 'confusion_matrix.png').stat().st_size > 0


def test_shipped_label_map_names_the_classes(run_tool, tmp_path):
    labels = list(range(60))
    dump = _write_dump(tmp_path / 's0.pkl', labels, labels[1:] + [0], 60)
    code, out = run_tool(TOOL, [dump, '--classes', 'ntu60', '--top', '1',
                                '--out-dir', str(tmp_path / 'r')])
    assert code == 0, out
    assert 'drink water -> eat meal/snack: 1 (100.0 %)' in out
