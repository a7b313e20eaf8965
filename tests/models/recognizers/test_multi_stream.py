"""MultiStreamRecognizer: one pass over joint clips == separate streams."""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.runner import load_checkpoint, save_checkpoint

import lsta_mm  # noqa: F401
from lsta_mm.models.recognizers import MultiStreamRecognizer  # noqa: F401
from lsta_mm.registry import MODELS

STREAMS = ('joint', 'bone', 'joint_motion', 'bone_motion')
WEIGHTS = (0.6, 0.6, 0.4, 0.4)
CLIP_LEN = 16
META = ('frame_dir', 'frame_inds')
#: What the 4-stream configs add: the normalised sequence before it is
#: fitted to the clip, for the motion streams of shortened sequences.
SOURCE = dict(
    type='KeyMapper',
    mapping=dict(keypoint='keypoint'),
    remapping=dict(keypoint='source_keypoint'),
    transforms=[dict(type='NormalizeSkeleton', layout='nturgb+d')])


def tiny_model(num_classes=3):
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


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    from mmaction.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('streams')
    paths = {}
    for seed, stream in enumerate(STREAMS):
        torch.manual_seed(seed)
        model = MODELS.build(tiny_model())
        model.init_weights()
        # non-trivial BN statistics so that eval mode is not an identity
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.normal_()
                module.running_var.uniform_(0.5, 2)
        paths[stream] = str(root / f'{stream}.pth')
        save_checkpoint({'state_dict': model.state_dict()}, paths[stream])
    return paths


def samples(lengths=((7, 2), (12, 1), (16, 2), (27, 2))):
    """Sequences padded (7, 12), exact (16) and shortened (27 frames) to
    the clip; one with a single person."""
    rng = np.random.default_rng(0)
    out = []
    for index, (frames, persons) in enumerate(lengths):
        keypoint = rng.normal(size=(persons, frames, 25, 3))
        out.append(
            dict(
                frame_dir=f'S001C001P001R001A00{index + 1}',
                label=index % 3,
                keypoint=keypoint.astype(np.float32),
                total_frames=frames))
    return out


def stream_pipeline(stream, source=False):
    steps = [SOURCE] if source else []
    return Compose(steps + [
        dict(
            type='SkeletonStream',
            layout='nturgb+d',
            stream=stream,
            clip_len=CLIP_LEN,
            test_mode=True),
        dict(type='PackActionInputs', meta_keys=META + ('source_keypoint', ))
    ])


def batch_for(pipeline, **kwargs):
    return pseudo_collate(
        [pipeline(copy.deepcopy(s)) for s in samples(**kwargs)])


def ensemble(checkpoints, streams=STREAMS, weights=WEIGHTS):
    return MODELS.build(
        dict(
            type='MultiStreamRecognizer',
            layout='nturgb+d',
            streams=[
                dict(
                    stream=s,
                    model=tiny_model(),
                    checkpoint=checkpoints[s],
                    weight=w) for s, w in zip(streams, weights)
            ])).eval()


def separate_scores(stream, checkpoint, pipeline=None):
    model = MODELS.build(tiny_model())
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.eval()
    batch = batch_for(pipeline or stream_pipeline(stream))
    with torch.no_grad():
        results = model.test_step(batch)
    return torch.stack([r.pred_score for r in results])


@pytest.mark.parametrize('source', [True, False])
def test_in_model_streams_equal_pipeline_streams(checkpoints, source):
    """Bit-identical inputs: with the source sequence for every length,
    with frame_inds alone for sequences no longer than the clip."""
    lengths = ((7, 2), (12, 1), (16, 2), (27, 2)) if source else ((7, 2),
                                                                  (16, 1))
    model = ensemble(checkpoints)
    joint = model.data_preprocessor(
        batch_for(stream_pipeline('joint', source), lengths=lengths))
    derived = model.stream_inputs(joint['inputs'], joint['data_samples'])
    for stream in STREAMS:
        expected = model.data_preprocessor(
            batch_for(stream_pipeline(stream), lengths=lengths))['inputs']
        assert torch.equal(derived[stream], expected), stream


def test_one_pass_scores_equal_fusion_of_separate_runs(checkpoints):
    model = ensemble(checkpoints)
    with torch.no_grad():
        results = model.test_step(batch_for(stream_pipeline('joint', True)))
    assert 'source_keypoint' not in results[0]  # not carried into dumps
    fused = torch.stack([r.pred_score for r in results])
    by_hand = 0
    for stream, weight in zip(STREAMS, WEIGHTS):
        separate = separate_scores(stream, checkpoints[stream])
        mine = torch.stack([r.stream_scores[stream] for r in results])
        torch.testing.assert_close(mine, separate, rtol=0, atol=1e-6)
        # GCNHead predicts probabilities: fused, not re-softmaxed
        torch.testing.assert_close(
            separate.sum(1), torch.ones(len(separate)), rtol=0, atol=1e-5)
        by_hand = by_hand + weight * separate
    torch.testing.assert_close(fused, by_hand, rtol=0, atol=1e-6)
    assert [int(r.pred_label) for r in results] == fused.argmax(1).tolist()


def test_clips_are_averaged_per_stream(checkpoints):
    """mmaction2's multi-clip test pipeline (num_clips=2): every stream
    averages its own clips' probabilities before the fusion."""
    def pipeline(stream):
        steps = [
            dict(
                type='UniformSampleFrames',
                clip_len=8,
                num_clips=2,
                test_mode=True),
            dict(type='PoseDecode'),
            dict(type='ToSkeletonStream', layout='nturgb+d', stream=stream),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs', meta_keys=META)
        ]
        return Compose(steps)

    streams, weights = ('joint', 'bone'), (1.0, 0.5)
    model = ensemble(checkpoints, streams, weights)
    batch = batch_for(pipeline('joint'))
    assert batch['inputs'][0].shape[0] == 2  # two clips per sample
    with torch.no_grad():
        results = model.test_step(batch)
    fused = torch.stack([r.pred_score for r in results])
    expected = sum(w * separate_scores(s, checkpoints[s], pipeline(s))
                   for s, w in zip(streams, weights))
    torch.testing.assert_close(fused, expected, rtol=0, atol=1e-6)


def test_checkpoint_of_another_architecture_is_refused(checkpoints):
    other = tiny_model()
    other['backbone']['base_channels'] = 16
    other['cls_head']['in_channels'] = 16
    with pytest.raises(RuntimeError,
                       match='joint stream: checkpoint .* size mismatch'):
        MODELS.build(
            dict(
                type='MultiStreamRecognizer',
                streams=[
                    dict(
                        stream='joint',
                        model=other,
                        checkpoint=checkpoints['joint'])
                ]))


def test_bad_specs_and_training_are_refused(checkpoints, tmp_path):
    with pytest.raises(ValueError, match='stream must be one of'):
        MODELS.build(
            dict(
                type='MultiStreamRecognizer',
                streams=[dict(stream='velocity', model=tiny_model())]))
    with pytest.raises(ValueError, match='distinct `name`'):
        MODELS.build(
            dict(
                type='MultiStreamRecognizer',
                streams=[
                    dict(stream='joint', model=tiny_model()),
                    dict(stream='joint', model=tiny_model())
                ]))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        MODELS.build(
            dict(
                type='MultiStreamRecognizer',
                streams=[
                    dict(
                        stream='joint',
                        model=tiny_model(),
                        checkpoint=str(tmp_path / 'missing.pth'))
                ]))
    model = ensemble(checkpoints)
    batch = model.data_preprocessor(batch_for(stream_pipeline('joint')))
    with pytest.raises(NotImplementedError, match='only tests'):
        model(**batch, mode='loss')


def test_work_dir_checkpoint_resolves_to_last_checkpoint(
        checkpoints, tmp_path):
    import shutil

    from lsta_mm.models.recognizers import resolve_checkpoint
    shutil.copy(checkpoints['joint'], tmp_path / 'epoch_3.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert resolve_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    shutil.copy(checkpoints['joint'], tmp_path / 'best_acc_top1_epoch_2.pth')
    assert resolve_checkpoint(str(tmp_path)).endswith(
        'best_acc_top1_epoch_2.pth')
