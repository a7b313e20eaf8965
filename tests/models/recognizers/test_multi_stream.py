"""MultiStreamRecognizer (section 3.3): trained together == trained apart,
fused scores == the weighted sum of the streams' own predictions."""
import copy

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.dataset import Compose, pseudo_collate

import lsta_mm  # noqa: F401
from lsta_mm.models import MultiStreamRecognizer
from lsta_mm.registry import MODELS

register_all_modules()

STREAMS = ('joint', 'bone', 'joint_motion')
WEIGHTS = (0.5, 0.3, 0.2)
CLIP_LEN = 12


def tiny_model(num_classes=3, backbone='LSTANet'):
    if backbone == 'STGCN':  # any registered recognizer may be a stream
        return dict(
            type='RecognizerGCN',
            backbone=dict(
                type='STGCN',
                graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
                base_channels=8,
                num_stages=2,
                inflate_stages=[],
                down_stages=[2]),
            cls_head=dict(
                type='GCNHead', num_classes=num_classes, in_channels=8))
    return dict(
        type='RecognizerGCN',
        backbone=dict(
            type='LSTANet',
            graph_cfg=dict(layout='nturgb+d'),
            stage_channels=(12, 24),
            stage_strides=(1, 2),
            spatial_cfg=dict(type='MSDA', num_scales=2)),
        cls_head=dict(type='GCNHead', num_classes=num_classes,
                      in_channels=24))


def build(streams=STREAMS, weights=WEIGHTS, backbone='LSTANet'):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MultiStreamRecognizer',
            streams=[
                dict(stream=s, model=tiny_model(backbone=backbone), weight=w)
                for s, w in zip(streams, weights)
            ]))
    model.init_weights()
    return model


def batch(streams=STREAMS, frames=(30, 9)):
    """Two samples through the multi-stream pipeline, collated."""
    pipeline = Compose([
        dict(type='SkeletonStream', layout='nturgb+d', stream=list(streams),
             clip_len=CLIP_LEN),
        dict(type='PackActionInputs', meta_keys=('frame_dir', ))
    ])
    rng = np.random.default_rng(0)
    samples = [
        pipeline(
            dict(
                frame_dir=f'S001C001P001R001A00{i + 1}',
                label=i,
                total_frames=t,
                keypoint=rng.normal(size=(2, t, 25, 3)).astype(np.float32)))
        for i, t in enumerate(frames)
    ]
    return pseudo_collate(samples)


def test_inputs_are_stacked_streams():
    data = batch()
    assert data['inputs'][0].shape == (1, len(STREAMS), 2, CLIP_LEN, 25, 3)
    model = build()
    processed = model.data_preprocessor(data)
    parts = model.split_streams(processed['inputs'])
    assert list(parts) == list(STREAMS)
    assert parts['bone'].shape == (2, 1, 2, CLIP_LEN, 25, 3)


def test_joint_training_gives_each_stream_its_own_gradient():
    """Summed losses over disjoint parameters: every stream's gradient is
    the one its single-stream model gets from the same batch."""
    model = build()
    processed = model.data_preprocessor(batch(), training=True)
    losses = model(**processed, mode='loss')
    assert {f'{s}.loss_cls' for s in STREAMS} <= set(losses)
    total, _ = model.parse_losses(losses)
    total.backward()
    for index, stream in enumerate(STREAMS):
        alone = MODELS.build(tiny_model())
        alone.load_state_dict(model.stream_model(stream).state_dict())
        data = processed['inputs'][:, :, index]
        loss = alone.loss(data, copy.deepcopy(processed['data_samples']))
        loss['loss_cls'].backward()
        mine = dict(model.stream_model(stream).named_parameters())
        for name, param in alone.named_parameters():
            torch.testing.assert_close(mine[name].grad, param.grad,
                                       rtol=1e-5, atol=1e-7)


def test_predictions_fuse_the_streams_own_predictions():
    model = build().eval()
    processed = model.data_preprocessor(batch())
    with torch.no_grad():
        results = model(**processed, mode='predict')
    for index, stream in enumerate(STREAMS):
        alone = model.stream_model(stream)
        samples = [ActionDataSample() for _ in results]
        with torch.no_grad():
            own = alone(processed['inputs'][:, :, index], samples,
                        mode='predict')
        for result, single in zip(results, own):
            torch.testing.assert_close(result.stream_scores[stream],
                                       single.pred_score)
    for result in results:
        fused = sum(w * result.stream_scores[s]
                    for s, w in zip(STREAMS, WEIGHTS))
        torch.testing.assert_close(result.pred_score, fused)
        assert int(result.pred_label) == int(fused.argmax())


def test_any_registered_recognizer_can_be_a_stream():
    model = build(('joint', 'bone'), (1.0, 1.0), backbone='STGCN').eval()
    processed = model.data_preprocessor(batch(('joint', 'bone')))
    with torch.no_grad():
        scores = model(**processed, mode='tensor')
    assert set(scores) == {'joint', 'bone'}
    assert scores['bone'].shape == (2, 3)


def test_wrong_stream_count_is_one_clear_error():
    model = build()
    processed = model.data_preprocessor(batch(('joint', 'bone')))
    with pytest.raises(ValueError, match=r'S=3.*streams \[.joint., '
                       r'.bone., .joint_motion.\]'):
        model(**processed, mode='tensor')


@pytest.mark.parametrize('streams,match', [
    ([dict(stream='joint')], 'has no model'),
    ([dict(stream='joint', model=tiny_model(), checkpoint='x.pth')],
     'unknown keys'),
    ([dict(stream='hand', model=tiny_model())], 'unknown stream'),
    ([dict(stream='joint', model=tiny_model()),
      dict(stream='joint', model=tiny_model())], 'twice'),
    ([dict(stream='joint', model=tiny_model(3)),
      dict(stream='bone', model=tiny_model(4))], 'numbers of classes'),
    ([], 'at least one stream'),
])
def test_bad_specs_are_refused(streams, match):
    with pytest.raises(ValueError, match=match):
        MultiStreamRecognizer(streams)


def test_model_and_pipeline_streams_must_agree():
    """StrictLoadHook checks, before a run, that the data pipeline derives
    the model's streams in the model's order."""
    from mmengine.config import Config

    from lsta_mm.engine import CheckpointMismatchError, StrictLoadHook

    class FakeRunner:
        model = build()
        cfg = Config(
            dict(
                test_dataloader=dict(
                    dataset=dict(pipeline=[
                        dict(type='SkeletonStream',
                             stream=['bone', 'joint', 'joint_motion'])
                    ]))))

    with pytest.raises(CheckpointMismatchError, match='same order'):
        StrictLoadHook().before_run(FakeRunner())
    FakeRunner.cfg.test_dataloader.dataset.pipeline[0].stream = list(STREAMS)
    StrictLoadHook().before_run(FakeRunner())


@pytest.mark.parametrize('streams', [('joint', ), STREAMS])
def test_test_clips_are_averaged_as_probabilities(streams):
    """Several test clips per sample (``SkeletonStream(num_clips=3)``):
    the prediction is the mean of the clips' own class probabilities."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_model()) if len(streams) == 1 else build()
    model.init_weights()
    model.eval()
    stream = streams[0] if len(streams) == 1 else list(streams)
    sample = dict(frame_dir='S001C001P001R001A001', label=0,
                  total_frames=40, keypoint=np.random.default_rng(1).normal(
                      size=(2, 40, 25, 3)).astype(np.float32))

    def predict(**options):
        pipeline = Compose([
            dict(type='SkeletonStream', layout='nturgb+d', stream=stream,
                 clip_len=CLIP_LEN, test_mode=True, **options),
            dict(type='PackActionInputs', meta_keys=('frame_dir', ))
        ])
        data = pseudo_collate([pipeline(copy.deepcopy(sample))])
        with torch.no_grad():
            return model.test_step(data)[0].pred_score, data['inputs'][0]

    averaged, inputs = predict(num_clips=3)
    assert inputs.shape[0] == 3
    single = []
    for clip in inputs:
        data = dict(inputs=[clip[None]],
                    data_samples=[ActionDataSample().set_gt_label(0)])
        with torch.no_grad():
            single.append(model.test_step(data)[0].pred_score)
    assert not torch.allclose(single[0], single[1])
    torch.testing.assert_close(averaged, torch.stack(single).mean(0))
