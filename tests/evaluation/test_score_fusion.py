"""Score dumps: loading, sample checks, weighted fusion, metrics."""
import os
import pickle

import mmengine
import numpy as np
import pytest
import torch

from lsta_mm.evaluation import (ScoreDumpMismatchError, check_same_samples,
                                classification_metrics, fuse_scores,
                                load_score_dump, scores_to_dump)


def write_dump(path, scores, labels, ids=None, extra=None):
    """A dump as mmengine's DumpResults writes it (data_sample.to_dict())."""
    samples = []
    for i, (score, label) in enumerate(zip(scores, labels)):
        sample = dict(
            img_shape=(1080, 1920),
            num_classes=len(score),
            pred_score=torch.tensor(score, dtype=torch.float32),
            pred_label=torch.tensor([int(np.argmax(score))]),
            gt_label=torch.tensor([label]))
        if ids is not None:
            sample['frame_dir'] = ids[i]
        sample.update(extra or {})
        samples.append(sample)
    mmengine.dump(samples, str(path))
    return str(path)


def probs(rng, n, k):
    x = rng.random((n, k))
    return (x / x.sum(1, keepdims=True)).astype(np.float32)


def test_fusion_of_two_dumps_is_the_weighted_sum(tmp_path):
    rng = np.random.default_rng(0)
    labels = [0, 1, 2, 1, 0]
    a, b = probs(rng, 5, 3), probs(rng, 5, 3)
    dumps = [
        load_score_dump(write_dump(tmp_path / 'a.pkl', a, labels)),
        load_score_dump(write_dump(tmp_path / 'b.pkl', b, labels))
    ]
    check_same_samples(dumps)
    fused = fuse_scores([d.scores for d in dumps], [0.7, 0.3])
    by_hand = np.array([[0.7 * a[n, k] + 0.3 * b[n, k] for k in range(3)]
                        for n in range(5)])
    np.testing.assert_allclose(fused, by_hand, rtol=1e-6)
    # probabilities are fused as they are: rows of the fusion sum to 0.7+0.3
    np.testing.assert_allclose(fused.sum(1), 1.0, rtol=1e-5)


def test_metrics_match_definitions():
    scores = np.array([[0.9, 0.05, 0.05], [0.2, 0.3, 0.5], [0.1, 0.8, 0.1],
                       [0.3, 0.3, 0.4]])
    labels = np.array([0, 1, 1, 2])
    m = classification_metrics(scores, labels, topk=(1, 2))
    assert m['top1'] == pytest.approx(3 / 4)  # samples 0, 2, 3
    assert m['top2'] == pytest.approx(1.0)
    # per class: class 0 1/1, class 1 1/2, class 2 1/1
    assert m['mean1'] == pytest.approx((1 + 0.5 + 1) / 3)


@pytest.mark.parametrize('case,message', [
    ('count', '5 vs 4 samples'),
    ('classes', 'different number of classes'),
    ('order', 'first at sample 0'),
    ('ids', "sample 1 is 'B' in the first and 'X'"),
])
def test_mismatched_dumps_are_refused(tmp_path, case, message):
    rng = np.random.default_rng(1)
    labels, ids = [0, 1, 2, 1, 0], list('ABCDE')
    ref = write_dump(tmp_path / 'ref.pkl', probs(rng, 5, 3), labels, ids)
    if case == 'count':
        other = write_dump(tmp_path / 'o.pkl', probs(rng, 4, 3), labels[:4])
    elif case == 'classes':
        other = write_dump(tmp_path / 'o.pkl', probs(rng, 5, 4), labels)
    elif case == 'order':
        other = write_dump(tmp_path / 'o.pkl', probs(rng, 5, 3),
                           labels[::-1][1:] + [2])
    else:
        other = write_dump(tmp_path / 'o.pkl', probs(rng, 5, 3), labels,
                           ['A', 'X', 'C', 'D', 'E'])
    with pytest.raises(ScoreDumpMismatchError, match=message) as err:
        check_same_samples([load_score_dump(ref), load_score_dump(other)])
    assert 'ref.pkl' in str(err.value) and 'o.pkl' in str(err.value)


def test_bad_files_get_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pkl'):
        load_score_dump(str(tmp_path / 'nothing.pkl'))
    mmengine.dump({'split': {}}, str(tmp_path / 'ann.pkl'))
    with pytest.raises(ValueError, match='not a score dump'):
        load_score_dump(str(tmp_path / 'ann.pkl'))
    mmengine.dump([dict(gt_label=torch.tensor([0]))],
                  str(tmp_path / 'nopred.pkl'))
    with pytest.raises(ValueError, match='sample 0 has no pred_score'):
        load_score_dump(str(tmp_path / 'nopred.pkl'))
    (tmp_path / 'trunc.pkl').write_bytes(b'\x80\x04\x95')
    with pytest.raises(ValueError, match='not a readable pickle'):
        load_score_dump(str(tmp_path / 'trunc.pkl'))


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo unsafe',))


def test_dump_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / 'evil.pkl'
    with open(path, 'wb') as handle:
        pickle.dump([dict(pred_score=_Evil())], handle)
    with pytest.raises(pickle.UnpicklingError, match='refusing to load'):
        load_score_dump(str(path))


def test_written_fusion_reads_back_like_a_dump(tmp_path):
    rng = np.random.default_rng(2)
    scores, labels = probs(rng, 4, 5), np.array([4, 0, 1, 3])
    path = str(tmp_path / 'fused.pkl')
    mmengine.dump(scores_to_dump(scores, labels, list('abcd')), path)
    back = load_score_dump(path)
    np.testing.assert_allclose(back.scores, scores, rtol=1e-6)
    assert back.labels.tolist() == labels.tolist()
    assert back.sample_ids == list('abcd')


def test_softmax_only_on_request():
    logits = np.array([[2.0, 0.0, -1.0]])
    assert np.allclose(fuse_scores([logits]), logits)
    soft = fuse_scores([logits], apply_softmax=True)
    assert np.allclose(soft.sum(), 1) and soft.argmax() == 0
    with pytest.raises(ValueError, match='one weight per stream'):
        fuse_scores([logits, logits], [1.0])
