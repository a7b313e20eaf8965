"""tools/data/convert_poses.py: pose-estimator outputs -> mmaction2's pkl,
on tiny generated mmpose / OpenPose JSON, .npy and CSV clips; and the path
on from there: train, test with the confusion report, infer on a new
clip."""
import csv
import json
import os.path as osp
import pickle

import numpy as np
import pytest
from mmaction.datasets import PoseDataset

import lsta_mm  # noqa: F401
from lsta_mm.datasets import LSTAPoseDataset
from lsta_mm.datasets.kinetics_json import dump_kinetics_json
from lsta_mm.label_maps import load_label_map

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'data', 'convert_poses.py')
#: A 10-joint custom layout: a stick body rooted at the pelvis (joint 0).
LAYOUT_10 = dict(
    num_node=10,
    inward=[(1, 0), (2, 1), (3, 2), (4, 1), (5, 4), (6, 1), (7, 6), (8, 0),
            (9, 0)],
    center=0,
    coord_dims=3)


def _coco_person(rng, frames, x, action, speed):
    """One COCO-17 person at image column ``x``: (T, 17, 2) pixels.

    ``action`` 0 waves the right wrist (joint 10), 1 kicks the right ankle
    (joint 16); the whole body drifts ``speed`` pixels per frame.
    """
    base = np.stack([np.full(17, x, float), np.linspace(100, 400, 17)], 1)
    base[:, 0] += rng.uniform(-30, 30, 17)
    t = np.arange(frames)
    pose = np.repeat(base[None], frames, 0)
    pose[:, :, 0] += speed * t[:, None]
    joint = 10 if action == 0 else 16
    pose[:, joint, 1] += 60 * np.sin(t / 2)
    return pose


def _write_mmpose_clip(path, rng, action, frames=24, shuffle=True):
    """Three persons, listed in a random order in every frame: the actor
    and a bystander seen throughout, a low-score ghost in a few frames.
    Returns the (T, 17, 2) trajectories of the actor and the bystander."""
    actor = _coco_person(rng, frames, 200, action, 1.5)
    bystander = _coco_person(rng, frames, 500, 1 - action, -1.0)
    ghost = _coco_person(rng, 4, 350, action, 0)
    out = []
    for t in range(frames):
        people = [(actor[t], 0.9), (bystander[t], 0.8)]
        if 5 <= t < 9:
            people.append((ghost[t - 5], 0.2))
        if shuffle:
            people = [people[i] for i in rng.permutation(len(people))]
        instances = [
            dict(
                keypoints=np.round(pose, 3).tolist(),
                keypoint_scores=[score] * 17,
                bbox=[[*pose.min(0).tolist(), *pose.max(0).tolist()]],
                bbox_score=score) for pose, score in people
        ]
        out.append(dict(frame_id=t, instances=instances))
    with open(path, 'w') as handle:
        json.dump(out, handle)
    return np.round(actor, 3), np.round(bystander, 3)


def _mmpose_tree(root, rng, per_class=3):
    truth = {}
    for action, name in enumerate(('kick', 'wave')[::-1]):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            truth[f'{name}/clip{i}'] = _write_mmpose_clip(
                root / name / f'clip{i}.json', rng, action)
    return truth


@pytest.fixture
def mmpose_pkl(tmp_path, run_tool):
    """A converted tree of mmpose JSON clips (2 classes, 3 clips each)."""
    rng = np.random.default_rng(0)
    truth = _mmpose_tree(tmp_path / 'clips', rng)
    out = tmp_path / 'out' / 'mine.pkl'
    code, text = run_tool(TOOL, [
        str(tmp_path / 'clips'), '--out',
        str(out), '--layout', 'coco', '--workers', '2', '--img-shape', '480',
        '640'
    ])
    assert code == 0, text
    return out, truth, text


def test_mmpose_tree_tracks_persons_and_loads(mmpose_pkl):
    out, truth, text = mmpose_pkl
    assert 'wrote' in text and 'split train=4' in text
    with open(out, 'rb') as handle:
        data = pickle.load(handle)
    annotations = {a['frame_dir']: a for a in data['annotations']}
    assert set(annotations) == set(truth)
    # labels follow the sorted folder names; the label map says so
    assert load_label_map(str(out)[:-4] + '_classes.txt') == ['kick', 'wave']
    assert {
        a['frame_dir'].split('/')[0]: a['label']
        for a in annotations.values()
    } == dict(
        kick=0, wave=1)
    # stratified: each class has one clip of three in val
    assert sorted(n.split('/')[0]
                  for n in data['split']['val']) == ['kick', 'wave']
    for name, (actor, bystander) in truth.items():
        anno = annotations[name]
        assert anno['keypoint'].shape == (2, 24, 17, 2)
        assert anno['keypoint_score'].shape == (2, 24, 17)
        assert anno['img_shape'] == (480, 640)
        # person 0 is the actor and person 1 the bystander in every frame
        # although the JSON lists them in a random order; the ghost is gone
        np.testing.assert_allclose(anno['keypoint'][0], actor, atol=1e-3)
        np.testing.assert_allclose(anno['keypoint'][1], bystander, atol=1e-3)
        np.testing.assert_allclose(anno['keypoint_score'][0], 0.9)
    # mmaction2's own PoseDataset and ours load it
    assert len(PoseDataset(str(out), pipeline=[], split='train')) == 4
    dataset = LSTAPoseDataset(
        str(out), pipeline=[], layout='coco', num_classes=2, split='val')
    assert len(dataset) == 2


def test_rank_by_activity_keeps_the_moving_person(tmp_path, run_tool):
    rng = np.random.default_rng(1)
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
        for i in range(2):
            _write_mmpose_clip(tmp_path / name / f'c{i}.json', rng, 0)
    out = tmp_path / 'one.pkl'
    code, text = run_tool(TOOL, [
        str(tmp_path), '--out',
        str(out), '--max-person', '1', '--rank-by', 'activity', '--workers',
        '1'
    ])
    assert code == 0, text
    with open(out, 'rb') as handle:
        anno = pickle.load(handle)['annotations'][0]
    assert anno['keypoint'].shape[0] == 1
    # the actor drifts 1.5 px per frame and waves; it wins over the others
    assert anno['keypoint'][0, :, 0, 0].mean() < 300


def test_openpose_json_shares_the_kinetics_reader(tmp_path, run_tool):
    rng = np.random.default_rng(2)
    for label, name in enumerate(('jump', 'sit')):
        (tmp_path / name).mkdir()
        for i in range(2):
            keypoint = rng.uniform(0.2, 0.8, (2, 10, 18, 2))
            keypoint[1] += 1.0  # a second person far to the right
            score = np.full((2, 10, 18), 0.5)
            score[1] = 0.3
            score[1, :3] = 0  # enters at frame 3
            dump_kinetics_json(
                str(tmp_path / name / f'v{i}.json'), keypoint, score, label)
    out = tmp_path / 'op.pkl'
    code, text = run_tool(TOOL, [
        str(tmp_path), '--out',
        str(out), '--layout', 'openpose', '--workers', '1'
    ])
    assert code == 0, text
    with open(out, 'rb') as handle:
        anno = pickle.load(handle)['annotations'][0]
    assert anno['keypoint'].shape == (2, 10, 18, 2)
    assert (anno['keypoint'][1, 3:, :, 0] > 1).all()
    assert not anno['keypoint_score'][1, :3].any()


def test_npy_folder_with_custom_layout_and_labels_csv(tmp_path, run_tool):
    rng = np.random.default_rng(3)
    clips = tmp_path / 'arrays'
    clips.mkdir()
    rows = ['clip,label']
    for i in range(6):
        label = ('throw', 'catch')[i % 2]
        if i % 3 == 0:  # (M, T, V, C) with two persons
            np.save(clips / f's{i}.npy', rng.normal(size=(2, 12, 10, 3)))
        elif i % 3 == 1:  # (T, V, C)
            np.save(clips / f's{i}.npy', rng.normal(size=(12, 10, 3)))
        else:
            np.savez(
                clips / f's{i}.npz', keypoint=rng.normal(size=(1, 9, 10, 3)))
        rows.append(f's{i},{label}')
    (tmp_path / 'labels.csv').write_text('\n'.join(rows) + '\n')
    (tmp_path / 'layout.json').write_text(json.dumps(LAYOUT_10))
    out = tmp_path / 'arrays.pkl'
    code, text = run_tool(TOOL, [
        str(clips), '--labels',
        str(tmp_path / 'labels.csv'), '--layout',
        str(tmp_path / 'layout.json'), '--out',
        str(out), '--workers', '2'
    ])
    assert code == 0, text
    with open(out, 'rb') as handle:
        data = pickle.load(handle)
    annotations = {a['frame_dir']: a for a in data['annotations']}
    assert annotations['s0']['keypoint'].shape == (2, 12, 10, 3)
    assert annotations['s1']['keypoint'].shape == (1, 12, 10, 3)
    assert annotations['s2']['total_frames'] == 9
    assert 'keypoint_score' not in annotations['s0']  # 3-D: x, y, z only
    assert [annotations[f's{i}']['label'] for i in range(6)] == [1, 0] * 3
    assert load_label_map(str(tmp_path /
                              'arrays_classes.txt')) == ['catch', 'throw']
    dataset = LSTAPoseDataset(
        str(out), pipeline=[], layout=LAYOUT_10, num_classes=2, split='train')
    assert len(dataset) == 4


def test_csv_clips_and_split_file(tmp_path, run_tool):
    rng = np.random.default_rng(4)
    header = 'frame,' + ','.join(f'x{j},y{j},score{j}' for j in range(17))
    for name in ('a', 'b'):
        (tmp_path / 'clips' / name).mkdir(parents=True)
        for i in range(2):
            lines = [header]
            for t in range(8):
                for x in rng.permutation([100, 400]):  # unordered persons
                    pose = _coco_person(rng, 1, x, 0, 0)[0]
                    lines.append(f'{t},' + ','.join(f'{px:.2f},{py:.2f},0.9'
                                                    for px, py in pose))
            (tmp_path / 'clips' / name / f'c{i}.csv').write_text(
                '\n'.join(lines))
    split = tmp_path / 'split.json'
    split.write_text(
        json.dumps(dict(train=['a/c0', 'b/c0'], val=['a/c1', 'b/c1'])))
    out = tmp_path / 'csv.pkl'
    code, text = run_tool(TOOL, [
        str(tmp_path / 'clips'), '--out',
        str(out), '--split-file',
        str(split), '--workers', '1'
    ])
    assert code == 0, text
    with open(out, 'rb') as handle:
        data = pickle.load(handle)
    assert data['split'] == json.loads(split.read_text())
    keypoint = data['annotations'][0]['keypoint']
    assert keypoint.shape == (2, 8, 17, 2)
    # tracked: each person stays in its half of the image
    centre = keypoint[..., 0].mean(-1)  # (M, T)
    assert (np.ptp(centre, axis=1) < 100).all()


def _refusal(run_tool, root, out, *args):
    code, text = run_tool(
        TOOL, [str(root), '--out',
               str(out), '--workers', '1', *args])
    assert code == 1
    assert not osp.exists(out) and not osp.exists(
        str(out)[:-4] + '_classes.txt')
    return text


def test_refuses_another_layout(tmp_path, run_tool):
    rng = np.random.default_rng(5)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl',
                    '--layout', 'openpose')
    assert 'clip0.json: frame 0, person 0 has 17 joints but the layout ' \
           'has 18' in text
    assert 'Traceback' not in text


def test_refuses_nan_frame(tmp_path, run_tool):
    rng = np.random.default_rng(6)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    path = tmp_path / 'clips' / 'wave' / 'clip1.json'
    frames = json.loads(path.read_text())
    frames[7]['instances'][1]['keypoints'][3][0] = float('nan')
    path.write_text(json.dumps(frames))  # JSON's NaN literal
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl')
    assert f'{path}: frame 7 has NaN or inf coordinates' in text
    assert text.count('NaN') == 1  # the good clips say nothing


def test_refuses_nan_in_array(tmp_path, run_tool):
    (tmp_path / 'c').mkdir()
    keypoint = np.zeros((5, 17, 2))
    keypoint[2, 4, 1] = np.nan
    np.save(tmp_path / 'c' / 'bad.npy', keypoint)
    text = _refusal(run_tool, tmp_path, tmp_path / 'x.pkl')
    assert 'bad.npy: frame 2 has NaN or inf values (person 0, joint 4)' \
        in text


@pytest.mark.parametrize('content', [[], [dict(frame_id=0, instances=[])]])
def test_refuses_empty_clip(tmp_path, run_tool, content):
    rng = np.random.default_rng(7)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    path = tmp_path / 'clips' / 'kick' / 'empty.json'
    path.write_text(json.dumps(content))
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl')
    assert f'{path}: empty clip' in text


def test_refuses_class_folder_without_clips(tmp_path, run_tool):
    rng = np.random.default_rng(8)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    (tmp_path / 'clips' / 'jump').mkdir()
    (tmp_path / 'clips' / 'jump' / 'notes.txt').write_text('todo')
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl')
    assert f'{tmp_path / "clips" / "jump"}: class folder has no clips' in text


def test_refuses_unknown_split_names(tmp_path, run_tool):
    rng = np.random.default_rng(9)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    split = tmp_path / 'split.json'
    split.write_text(json.dumps(dict(train=['wave/clip0', 'wave/nope'])))
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl',
                    '--split-file', str(split))
    assert f'{split}: split \'train\' names 1 sample(s)' in text
    assert 'wave/nope' in text


def test_write_is_atomic(tmp_path, monkeypatch):
    """A disk that fails while the pkl is written leaves the previous pkl
    and label map as they were, and no temporary file."""
    from lsta_mm.datasets import custom_data
    from lsta_mm.engine import atomic_io
    rng = np.random.default_rng(10)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    items, classes = custom_data.list_class_tree(str(tmp_path / 'clips'))
    out = tmp_path / 'x.pkl'
    out.write_bytes(b'previous')
    replace = atomic_io.os.replace

    def full_disk(src, dst):
        if str(dst).endswith('.pkl'):
            raise OSError(28, 'No space left on device')
        replace(src, dst)

    monkeypatch.setattr(atomic_io.os, 'replace', full_disk)
    with pytest.raises(atomic_io.AtomicWriteError, match='No space left'):
        custom_data.convert_clips(
            items, str(out), 'coco', classes, progress=False)
    assert out.read_bytes() == b'previous'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['clips', 'x.pkl']


def _train_one_epoch(run_tool, config, work_dir):
    """``tools/train.py CONFIG``; the run must end with ``epoch_1.pth``."""
    code, text = run_tool(
        osp.join(ROOT, 'tools', 'train.py'),
        [str(config), '--work-dir', str(work_dir)])
    assert code in (0, None), text[-3000:]
    assert (work_dir / 'epoch_1.pth').is_file()
    return work_dir


def _tiny_config(path, base, ann_file, num_classes, layout, num_person=2,
                 clip_len=None):
    """The five-line user config (``dataset_config``) at a tiny width."""
    path.write_text(f'''
_base_ = [{osp.join(ROOT, 'configs', base)!r}]
from lsta_mm.datasets.dataset_config import dataset_config
model, train_dataloader, val_dataloader, test_dataloader = dataset_config(
    ann_file={str(ann_file)!r}, num_classes={num_classes},
    layout={layout!r}, num_person={num_person}, clip_len={clip_len!r},
    batch_size=2, num_workers=0)
# tiny width and one epoch, for the test's time
model['backbone'].update(stage_channels=(12, 24), stage_strides=(1, 2))
model['cls_head']['in_channels'] = 24
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = []
''')
    return path


def _test_with_confusion(run_tool, config, checkpoint, tmp_path, samples,
                         class_names):
    """tools/test.py --confusion: metrics, CSV and PNG with class names."""
    report = tmp_path / 'report'
    code, text = run_tool(
        osp.join(ROOT, 'tools', 'test.py'), [
            str(config), str(checkpoint), '--work-dir',
            str(tmp_path / 'test'), '--confusion',
            str(report)
        ])
    assert code in (0, None), text[-3000:]
    assert 'acc/top1' in text
    rows = list(csv.reader(open(report / 'confusion_matrix.csv')))
    assert rows[0][1:] == class_names
    assert sum(int(v) for row in rows[1:] for v in row[1:]) == samples
    assert (report / 'confusion_matrix.png').stat().st_size > 0
    assert (report / 'per_class_accuracy.csv').is_file()


def test_converted_json_trains_tests_and_infers(mmpose_pkl, tmp_path,
                                                run_tool):
    """Acceptance (a): mmpose JSON tree -> pkl -> 1 epoch of
    tools/train.py -> tools/test.py with the confusion report -> inference
    on a new JSON clip, with the five-line config of lsta_custom_2d.py."""
    out, _, _ = mmpose_pkl
    config = _tiny_config(tmp_path / 'tiny_custom.py', 'lsta_custom_2d.py',
                          out, 2, 'coco')
    work_dir = _train_one_epoch(run_tool, config, tmp_path / 'work')
    # the label map the converter wrote beside the pkl names the classes
    _test_with_confusion(run_tool, config, work_dir / 'epoch_1.pth',
                         tmp_path, 2, ['kick', 'wave'])
    clip = tmp_path / 'new_clip.json'
    _write_mmpose_clip(clip, np.random.default_rng(5), action=1)
    result = tmp_path / 'pred.json'
    code, text = run_tool(
        osp.join(ROOT, 'tools', 'infer.py'), [
            str(config), str(work_dir / 'epoch_1.pth'), str(clip),
            '--label-map', str(out).replace('.pkl', '_classes.txt'),
            '--topk', '2', '--out-json', str(result)
        ])
    assert code in (0, None), text[-3000:]
    record = json.loads(result.read_text())
    assert record['shape'][1:] == [24, 17, 2]  # T, V, x/y (score apart)
    assert record['shape'][0] == 2  # actor and bystander; ghost dropped
    assert sorted(p['label'] for p in record['predictions']) == [
        'kick', 'wave'
    ]


def _documented_commands():
    """The `python tools/data/...` lines of docs/custom_data.md."""
    with open(osp.join(ROOT, 'docs', 'custom_data.md')) as handle:
        text = handle.read()
    blocks = text.split('```bash\n')[1:]
    return [
        line for block in blocks
        for line in block.split('```')[0].splitlines()
        if line.startswith('python tools/data/')
    ]


def test_documented_commands(tmp_path, run_tool, monkeypatch):
    """Every data command of docs/custom_data.md on the files it names."""
    rng = np.random.default_rng(11)
    data = tmp_path / 'data'
    _mmpose_tree(data / 'my_clips', rng)
    (data / 'my_split.json').write_text(
        json.dumps(
            dict(
                train=['kick/clip0', 'kick/clip1', 'wave/clip0'],
                val=['kick/clip2', 'wave/clip1', 'wave/clip2'])))
    (data / 'my_arrays').mkdir()
    for i in range(4):
        np.save(data / 'my_arrays' / f'a{i}.npy',
                rng.normal(size=(2, 8, 10, 3)))
    (data / 'my_labels.csv'
     ).write_text('clip,label\na0,left\na1,right\na2.npy,left\na3,right\n')
    doc = open(osp.join(ROOT, 'docs', 'custom_data.md')).read()
    layout = doc.split('```json\n')[1].split('```')[0]
    (data / 'my_layout.json').write_text(layout)
    assert json.loads(layout) == dict(
        LAYOUT_10, inward=[list(edge) for edge in LAYOUT_10['inward']])
    commands = _documented_commands()
    assert len(commands) == 4
    monkeypatch.chdir(tmp_path)
    for command in commands:
        args = command.split()
        code, text = run_tool(osp.join(ROOT, args[1]), args[2:])
        assert code in (0, None), f'{command}:\n{text}'
    for name in ('my_clips', 'my_clips_own_split', 'my_arrays'):
        assert (data / 'skeleton' / f'{name}.pkl').is_file()
    assert load_label_map(str(data / 'skeleton' / 'my_arrays_classes.txt')) \
        == ['left', 'right']


def _write_openpose_frames(folder, rng, num_node=18, frames=8):
    """OpenPose --write_json output: two persons listed in random order.
    Returns their (T, V, 2) trajectories (left, right)."""
    folder.mkdir(parents=True)
    left = rng.uniform(50, 150,
                       (num_node, 2)) + np.arange(frames)[:, None, None]
    right = rng.uniform(400, 500,
                        (num_node, 2)) - np.arange(frames)[:, None, None]
    for t in range(frames):
        people = [
            dict(
                person_id=[-1],
                pose_keypoints_2d=np.c_[
                    np.round(p[t], 2),
                    np.full(num_node, 0.7)].ravel().tolist())
            for p in (left, right)
        ]
        people = [people[i] for i in rng.permutation(2)]
        (folder / f'video_{t:012d}_keypoints.json').write_text(
            json.dumps(dict(version=1.3, people=people)))
    return np.round(left, 2), np.round(right, 2)


def test_openpose_frame_folders_are_tracked(tmp_path, run_tool):
    rng = np.random.default_rng(12)
    truth = {}
    for name in ('jump', 'sit'):
        for i in range(2):
            truth[f'{name}/v{i}'] = _write_openpose_frames(
                tmp_path / 'clips' / name / f'v{i}', rng)
    out = tmp_path / 'op.pkl'
    code, text = run_tool(TOOL, [
        str(tmp_path / 'clips'), '--out',
        str(out), '--layout', 'openpose', '--workers', '1'
    ])
    assert code == 0, text
    with open(out, 'rb') as handle:
        annotations = pickle.load(handle)['annotations']
    assert len(annotations) == 4
    for anno in annotations:
        left, right = truth[anno['frame_dir']]
        persons = anno['keypoint']  # equal scores: first seen first
        assert persons.shape == (2, 8, 18, 2)
        first = int(persons[0, 0, 0, 0] > 300)
        np.testing.assert_allclose(persons[first], left, atol=1e-3)
        np.testing.assert_allclose(persons[1 - first], right, atol=1e-3)
    # OpenPose's BODY_25 model against the 18-joint layout: refused
    _write_openpose_frames(tmp_path / 'clips' / 'sit' / 'body25', rng, 25)
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl',
                    '--layout', 'openpose')
    assert 'body25/video_000000000000_keypoints.json: frame 0, person 0 ' \
        'has 25 joints but the layout has 18' in text


def test_converted_npy_with_custom_layout_trains_tests_and_infers(
        tmp_path, run_tool):
    """Acceptance (b): .npy clips of the 10-joint layout dict -> pkl ->
    1 epoch -> test with the confusion report -> inference on a new .npy
    clip, the layout stated once (a .json file) in the five-line config
    of lsta_custom_3d.py."""
    rng = np.random.default_rng(13)
    for name in ('a', 'b'):
        (tmp_path / 'clips' / name).mkdir(parents=True)
        for i in range(3):
            np.save(tmp_path / 'clips' / name / f'c{i}.npy',
                    rng.normal(size=(1, 16, 10, 3)))
    layout_file = tmp_path / 'layout.json'
    layout_file.write_text(json.dumps(LAYOUT_10))
    out = tmp_path / 'arrays.pkl'
    code, text = run_tool(TOOL, [
        str(tmp_path / 'clips'), '--out',
        str(out), '--layout',
        str(layout_file), '--workers', '1'
    ])
    assert code == 0, text
    config = _tiny_config(tmp_path / 'tiny_layout10.py', 'lsta_custom_3d.py',
                          out, 2, str(layout_file), num_person=1,
                          clip_len=16)
    work_dir = _train_one_epoch(run_tool, config, tmp_path / 'work')
    _test_with_confusion(run_tool, config, work_dir / 'epoch_1.pth',
                         tmp_path, 2, ['a', 'b'])
    clip = tmp_path / 'new.npy'
    np.save(clip, rng.normal(size=(16, 10, 3)))
    code, text = run_tool(
        osp.join(ROOT, 'tools', 'infer.py'), [
            str(config), str(work_dir / 'epoch_1.pth'), str(clip),
            '--label-map', str(out).replace('.pkl', '_classes.txt'),
            '--topk', '2'
        ])
    assert code in (0, None), text[-3000:]
    assert '1 person(s), 16 frames, 10 joints, 3 channels' in text
    assert '1. a' in text or '1. b' in text


def test_refuses_malformed_values(tmp_path, run_tool):
    rng = np.random.default_rng(14)
    _mmpose_tree(tmp_path / 'clips', rng, per_class=2)
    path = tmp_path / 'clips' / 'kick' / 'clip1.json'
    frames = json.loads(path.read_text())
    frames[2]['instances'][0]['keypoints'] = [['a', 'b']] * 17
    path.write_text(json.dumps(frames))
    text = _refusal(run_tool, tmp_path / 'clips', tmp_path / 'x.pkl')
    assert f'{path}: not readable as auto pose data (ValueError' in text
    assert 'Traceback' not in text
