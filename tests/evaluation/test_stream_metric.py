"""StreamAccMetric reports AccMetric's numbers for every stream."""
import pytest
import torch
from mmaction.evaluation import AccMetric

from lsta_mm.evaluation import StreamAccMetric


def _samples():
    joint = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]])
    bone = torch.tensor([[0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    labels = [0, 1, 2]
    return [
        dict(
            gt_label=torch.tensor([y]),
            pred_score=joint[i] + bone[i],
            stream_scores=dict(joint=joint[i], bone=bone[i]))
        for i, y in enumerate(labels)
    ], joint, bone


def test_per_stream_metrics_match_accmetric():
    samples, joint, bone = _samples()
    metric = StreamAccMetric(topk=(1, 2))
    metric.process(None, samples)
    result = metric.compute_metrics(metric.results)
    for name, scores in (('joint', joint), ('bone', bone)):
        acc = AccMetric(metric_options=dict(top_k_accuracy=dict(topk=(1, 2))))
        acc.process(None, [
            dict(gt_label=s['gt_label'], pred_score=scores[i])
            for i, s in enumerate(samples)
        ])
        reference = acc.compute_metrics(acc.results)
        for key in ('top1', 'top2', 'mean1'):
            assert result[f'{name}_{key}'] == pytest.approx(reference[key])
    assert result['joint_top1'] == pytest.approx(1 / 3)
    assert result['bone_top1'] == pytest.approx(2 / 3)


def test_single_model_predictions_are_refused():
    metric = StreamAccMetric()
    with pytest.raises(KeyError, match='no stream_scores'):
        metric.process(None, [
            dict(gt_label=torch.tensor([0]), pred_score=torch.rand(3))
        ])
