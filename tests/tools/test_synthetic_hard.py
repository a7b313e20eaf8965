"""The hard synthetic benchmark generator: its pairs of look-alike actions,
bodies, split and the files it writes (``tools/data/synthetic_hard.py``)."""
import os.path as osp
import sys

import numpy as np
import pytest

import lsta_mm  # noqa: F401
from lsta_mm.safe_pickle import safe_load_pickle

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))
import synthetic_hard as sh  # noqa: E402

LABEL = {action.name: label for label, action in enumerate(sh.ACTIONS)}
BODIES = [sh.make_performer(1), sh.make_performer(3)]


def _perform(name, seed=0):
    return sh.perform(LABEL[name], BODIES, np.random.default_rng(seed))


def _travel(keypoint, joints):
    """Path length of ``joints`` of the first person, (len(joints),)."""
    steps = np.diff(keypoint[0][:, joints], axis=0)
    return np.linalg.norm(steps, axis=-1).sum(0)


def test_twenty_actions_with_every_kind_of_look_alike_pair():
    assert len(sh.ACTIONS) == 20
    assert len({a.name for a in sh.ACTIONS}) == 20
    reversed_pairs = [(a.reverse_of, a.name) for a in sh.ACTIONS
                      if a.reverse_of]
    assert len(reversed_pairs) >= 2
    assert sum(a.persons == 2 for a in sh.ACTIONS) >= 2
    for forward, backward in reversed_pairs:
        assert forward in LABEL


@pytest.mark.parametrize('forward,backward',
                         [('sit down', 'stand up'),
                          ('raise both arms', 'lower both arms'),
                          ('walk towards each other', 'walk apart')])
def test_time_reversed_twins_are_the_same_performance_backwards(
        forward, backward):
    a, b = _perform(forward), _perform(backward)
    np.testing.assert_allclose(b, a[:, ::-1])
    assert not np.allclose(a, b)


@pytest.mark.parametrize('right,left', [('wave right hand', 'wave left hand'),
                                        ('kick with the right foot',
                                         'kick with the left foot')])
def test_side_pairs_move_the_named_side(right, left):
    limb = (sh.ARM if 'wave' in right else sh.LEG)
    end = 2  # wrist / ankle
    for name, moving, still in ((right, 'right', 'left'),
                                (left, 'left', 'right')):
        travel = _travel(_perform(name), [limb[moving][end],
                                          limb[still][end]])
        assert travel[0] > 2 * travel[1], (name, travel)


def test_small_body_part_pair_differs_by_a_hand_width():
    """Hand to mouth and hand to ear end a few centimetres apart."""
    mouth, ear = _perform('hand to mouth (drink)'), _perform(
        'hand to ear (phone call)')
    wrist = sh.ARM['right'][2]

    def peak(k):  # the wrist relative to the head where it is highest
        rel = k[0, :, wrist] - k[0, :, sh.HEAD]
        return rel[np.argmax(k[0, :, wrist, 1])]

    gap = np.linalg.norm(peak(mouth) - peak(ear))
    assert 0.03 < gap < 0.3


def test_rate_and_count_pairs():
    slow, quick = (sh.ACTIONS[LABEL['march in place slowly']],
                   sh.ACTIONS[LABEL['march in place quickly']])
    assert slow.frames >= 1.8 * quick.frames
    twice, four = _perform('clap twice'), _perform('clap four times')
    hands = [sh.ARM['left'][2], sh.ARM['right'][2]]

    def claps(k):  # local minima of the distance between the wrists
        gap = np.linalg.norm(k[0, :, hands[0]] - k[0, :, hands[1]], axis=-1)
        inner = (gap[1:-1] < gap[:-2]) & (gap[1:-1] <= gap[2:])
        return int((inner & (gap[1:-1] < 0.15)).sum())

    assert claps(twice) == 2 and claps(four) == 4


def test_bones_keep_each_performers_lengths():
    k = _perform('shake hands')
    for person, body in zip(k, BODIES):
        forearm = np.linalg.norm(person[:, 10] - person[:, 9], axis=-1)
        shin = np.linalg.norm(person[:, 18] - person[:, 17], axis=-1)
        np.testing.assert_allclose(forearm, sh.FOREARM * body.arm *
                                   body.height, rtol=1e-6)
        np.testing.assert_allclose(shin, sh.SHIN * body.leg * body.height,
                                   rtol=1e-6)
    assert abs(BODIES[0].height - BODIES[1].height) > 0


def test_recordings_are_deterministic_subject_disjoint_and_varied():
    first = list(sh.recordings('tiny', seed=0))
    again = list(sh.recordings('tiny', seed=0))
    other = list(sh.recordings('tiny', seed=1))
    assert [r.name for r in first] == [r.name for r in again]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.keypoint, b.keypoint)
    assert not np.array_equal(first[0].keypoint, other[0].keypoint)
    labels = {r.label for r in first}
    assert labels == set(range(len(sh.PRESETS['tiny']['labels'])))
    subjects = {int(r.name[9:12]) for r in first}
    assert subjects & set(sh.TRAIN_SUBJECTS)
    assert subjects - set(sh.TRAIN_SUBJECTS)
    hard = list(sh.recordings('hard'))
    assert len(hard) == 900
    assert {r.name[4:8] for r in hard} == {'C001', 'C002', 'C003'}
    lengths = [r.keypoint.shape[1] for r in hard]
    assert min(lengths) >= 40 and max(lengths) > 2 * min(lengths)
    lost = sum(int((~r.keypoint.any(axis=(2, 3))).any()) for r in hard)
    assert 0.1 * len(hard) < lost < 0.8 * len(hard)  # bodies get lost


def test_preset_files_convert_with_our_converter(tmp_path, run_tool):
    out = tmp_path / 'tiny.pkl'
    code, text = run_tool(
        osp.join(ROOT, 'tools', 'data', 'gen_synthetic_ntu.py'),
        ['--preset', 'tiny', '--out', str(out)])
    assert code in (0, None), text
    data = safe_load_pickle(str(out))
    split = data['split']
    assert len(split['xsub_train']) == 16 and len(split['xsub_val']) == 8
    train_subjects = {name[8:12] for name in split['xsub_train']}
    val_subjects = {name[8:12] for name in split['xsub_val']}
    assert not train_subjects & val_subjects
    raw = tmp_path / 'tiny_skeletons'
    assert len(list(raw.glob('*.skeleton'))) == 24
    names = (tmp_path / 'tiny_classes.txt').read_text().splitlines()
    assert names == [sh.ACTIONS[i].name for i in sh.PRESETS['tiny']['labels']]
    two = [a for a in data['annotations'] if a['keypoint'].shape[0] == 2]
    assert not two  # the tiny preset's four actions are one-person ones


def test_tempo_pair_error_bounds_what_a_stretched_clip_can_tell():
    """The march pair differs only in tempo: a clip stretched over the
    recording keeps only the action's share of it, so some error is
    unavoidable; a clip at one frame rate keeps its duration and separates
    the pair, and so, nearly, does a clip of 100 recorded frames that
    stretches only longer recordings. The clap pair differs in count,
    which timing cannot tell."""
    march = sh.tempo_pair_error(samples=50_000)
    assert 0.1 < march['stretched'] < 0.25
    assert march['one_rate'] < 0.01
    assert march['span'] < 0.03
    # a span shorter than every recording stretches them all
    assert sh.tempo_pair_error(samples=50_000, frame_span=10)['span'] == \
        pytest.approx(march['stretched'], abs=0.01)
    clap = sh.tempo_pair_error('clap twice', 'clap four times',
                               samples=50_000)
    assert clap['stretched'] > 0.45 and clap['one_rate'] > 0.45


def test_recording_duration_follows_the_tempo_rule():
    """A performance lasts idle + action_frames(frames, speed) frames."""
    rng = np.random.default_rng(3)
    keypoint = sh.perform(LABEL['march in place quickly'], BODIES, rng)
    rng = np.random.default_rng(3)
    speed = BODIES[0].speed * rng.uniform(*sh.TAKE_SPEED)
    before = rng.integers(5, 36)
    action = sh.action_frames(45, speed)
    after = rng.integers(5, 36)
    assert keypoint.shape[1] == before + action + after
