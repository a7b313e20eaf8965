"""The hard synthetic skeleton benchmark: raw NTU ``.skeleton`` recordings.

Used by ``tools/data/gen_synthetic_ntu.py --preset hard`` (and ``tiny``)
and by the learning benchmark (``tools/analysis/learning_benchmark.py``).
It is built to separate models the way real data does, not to be easy:

* 20 actions (:data:`ACTIONS`), among them pairs that differ only in side
  (wave / kick with the right or the left limb), only in temporal order
  (sit down / stand up, raise / lower both arms, walk towards / apart: the
  second of each pair is the first recording played backwards), only in
  repetition count or rate (clap twice / four times, march slowly /
  quickly), only in a small body part (hand to mouth / ear / top of the
  head), and four two-person interactions;
* 40 performers, each with their own height, limb proportions, shoulder
  width, posture (forward lean, arm carriage) and movement style (speed,
  amplitude, smooth or brisk motion); training and test performers are
  disjoint (NTU-60's cross-subject list);
* three cameras at -45, 0 and +45 degrees (``C001``-``C003``) with the
  performer's own facing, distance, camera height and pitch varying;
* idle time before and after every action with small unrelated movements
  (weight shifts, head turns, a hand lifted a little);
* Kinect-like faults: joint noise, per-frame jitter of the whole body,
  joints that jump for a few frames, left/right arms swapped for a few
  frames, frames where a body is lost, and bodies listed in swapped order.

Everything is drawn from one seed, so a preset always writes the same files.
A body is a 25-joint NTU skeleton posed by two-bone inverse kinematics from
wrist, ankle, pelvis and torso controls, so bone lengths stay those of the
performer in every frame.
"""
import os
import os.path as osp
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

__all__ = [
    'ACTIONS', 'PRESETS', 'TRAIN_SUBJECTS', 'Performer', 'class_names',
    'make_performer', 'perform', 'recordings', 'tempo_pair_error',
    'write_recordings'
]

#: Official NTU-60 cross-subject training subjects (of performers 1-40).
TRAIN_SUBJECTS = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28,
                  31, 34, 35, 38)
NUM_PERFORMERS = 40
#: Camera angles (degrees about the vertical) of C001, C002, C003.
CAMERA_ANGLES = (0.0, -45.0, 45.0)

# NTU joint indices (0-based): spine, head, arms, legs.
BASE, SPINE, NECK, HEAD, SHOULDER_TOP = 0, 1, 2, 3, 20
ARM = dict(left=(4, 5, 6, 7, 21, 22), right=(8, 9, 10, 11, 23, 24))
LEG = dict(left=(12, 13, 14, 15), right=(16, 17, 18, 19))
SIDE_SIGN = dict(left=1.0, right=-1.0)  # body frame: x to the left

#: Segment lengths (metres) of a performer of scale 1.
UPPER_ARM, FOREARM, HAND, HAND_TIP = 0.28, 0.26, 0.07, 0.06
THIGH, SHIN, FOOT = 0.43, 0.41, 0.12
HIP_HALF_WIDTH, SHOULDER_HALF_WIDTH = 0.10, 0.18
PELVIS_HEIGHT = THIGH + SHIN + 0.06  # ankle joint above the floor


class Performer(NamedTuple):
    """Body and style of one performer (all lengths in metres)."""
    subject: int
    height: float  # overall scale
    arm: float  # arm length scale
    leg: float  # leg length scale
    shoulders: float  # shoulder width scale
    lean: float  # forward lean of the torso at rest (radians)
    carriage: float  # how far the hands hang out from the body
    speed: float  # tempo of every movement
    amplitude: float  # size of every movement
    brisk: float  # 0 smooth (sine) to 1 brisk (sharp onsets)


#: Tempo of a performer (the ``speed`` of :class:`Performer`), and of one
#: take of theirs relative to it.
PERFORMER_SPEED = (0.8, 1.25)
TAKE_SPEED = (0.9, 1.1)


def action_frames(frames_at_speed_1, speed):
    """Frames an action lasts at ``speed`` (scalars or arrays)."""
    return np.maximum(np.round(np.divide(frames_at_speed_1, speed)),
                      12).astype(int)


def make_performer(subject: int, seed: int = 0) -> Performer:
    """The performer ``subject`` (1-40) of a dataset seed."""
    rng = np.random.default_rng([seed, subject, 7])
    return Performer(
        subject=subject,
        height=rng.uniform(0.85, 1.15),
        arm=rng.uniform(0.9, 1.1),
        leg=rng.uniform(0.9, 1.1),
        shoulders=rng.uniform(0.85, 1.2),
        lean=rng.uniform(0.0, 0.18),
        carriage=rng.uniform(0.0, 0.12),
        speed=rng.uniform(*PERFORMER_SPEED),
        amplitude=rng.uniform(0.75, 1.25),
        brisk=rng.uniform(0.0, 1.0))


# --------------------------------------------------------------- kinematics
def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def two_bone(root: np.ndarray, target: np.ndarray, first: float,
             second: float, pole: np.ndarray):
    """Middle and end joints ``(T, 3)`` of a two-segment limb.

    The end goes to ``target`` (pulled in when out of reach), the middle
    joint bends towards ``pole`` (a direction), and both segments keep their
    lengths.
    """
    offset = target - root
    dist = np.linalg.norm(offset, axis=-1, keepdims=True)
    reach = np.clip(dist, abs(first - second) + 1e-3,
                    (first + second) * 0.999)
    axis = _unit(offset)
    end = root + axis * reach
    along = (first**2 - second**2 + reach**2) / (2 * reach)
    across = np.sqrt(np.maximum(first**2 - along**2, 0.0))
    bend = pole - (pole * axis).sum(-1, keepdims=True) * axis
    middle = root + axis * along + _unit(bend) * across
    return middle, end


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """Rotations ``(T, 3, 3)`` about the body's left axis (positive bends
    the top forward, towards +z)."""
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    return np.stack([
        np.stack([one, zero, zero], -1),
        np.stack([zero, c, -s], -1),
        np.stack([zero, s, c], -1)
    ], -2)


def _rot_y(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


class Controls:
    """Per-frame controls of one body in its own frame (x left, y up, z
    forward, origin on the floor below the pelvis at rest).

    ``wrist[side]`` (relative to the top of the spine) and ``ankle[side]``
    (relative to the floor below the pelvis) are targets with blend weights
    in [0, 1] (0: the rest position); ``pelvis`` is an offset, ``bend`` the
    forward bend of the torso in radians, ``squat`` the fraction of leg
    length the pelvis drops, ``head_turn`` a sideways head offset, ``gap``
    the distance to the partner of a two-person action. Lengths are in
    units of the performer's height scale.
    """

    def __init__(self, num_frames: int, gap: float = 0.0) -> None:
        t = num_frames
        self.num_frames = t
        self.gap = gap
        self.pelvis = np.zeros((t, 3))
        self.bend = np.zeros(t)
        self.squat = np.zeros(t)
        self.head_turn = np.zeros(t)
        self.wrist = {s: np.zeros((t, 3)) for s in ARM}
        self.wrist_weight = {s: np.zeros(t) for s in ARM}
        self.ankle = {s: np.zeros((t, 3)) for s in LEG}
        self.ankle_weight = {s: np.zeros(t) for s in LEG}


def pose(body: Performer, c: Controls) -> np.ndarray:
    """Joint positions ``(T, 25, 3)`` of ``body`` under controls ``c``."""
    h = body.height
    t = c.num_frames
    joints = np.zeros((t, 25, 3))
    leg_len = (THIGH + SHIN) * body.leg * h
    pelvis = np.zeros((t, 3))
    pelvis[:, 1] = PELVIS_HEIGHT * body.leg * h - c.squat * leg_len
    pelvis += c.pelvis * h
    tilt = _rot_x(body.lean + c.bend)  # (T, 3, 3)

    def torso(point):  # body-frame offset above the pelvis, bent
        return pelvis + tilt @ (np.asarray(point) * h)

    joints[:, BASE] = pelvis
    joints[:, SPINE] = torso([0, 0.28, 0])
    joints[:, SHOULDER_TOP] = torso([0, 0.5, 0])
    joints[:, NECK] = torso([0, 0.56, 0.01])
    head = torso([0, 0.72, 0.03])
    head[:, 0] += c.head_turn * h
    joints[:, HEAD] = head
    for side, (sh, el, wr, hd, tip, thumb) in ARM.items():
        sign = SIDE_SIGN[side]
        shoulder = torso([sign * SHOULDER_HALF_WIDTH * body.shoulders,
                          0.48, -0.01])
        upper, fore = UPPER_ARM * body.arm * h, FOREARM * body.arm * h
        rest = shoulder + np.array(
            [sign * (0.04 + body.carriage) * h,
             -(upper + fore) * 0.97, 0.03 * h])
        target = c.wrist[side] * h + joints[:, SHOULDER_TOP]
        w = c.wrist_weight[side][:, None]
        target = (1 - w) * rest + w * target
        pole = np.array([sign * 0.5, -0.3, -1.0])
        elbow, wrist = two_bone(shoulder, target, upper, fore, pole)
        direction = _unit(wrist - elbow)
        joints[:, sh], joints[:, el], joints[:, wr] = shoulder, elbow, wrist
        hand = wrist + direction * HAND * h
        joints[:, hd] = hand
        joints[:, tip] = hand + direction * HAND_TIP * h
        inward = np.cross(direction, np.array([0.0, 0.0, 1.0])) * sign
        joints[:, thumb] = hand + (0.5 * direction + _unit(inward)) * 0.03 * h
    for side, (hip_j, knee_j, ankle_j, foot_j) in LEG.items():
        sign = SIDE_SIGN[side]
        hip = pelvis + tilt @ np.array([sign * HIP_HALF_WIDTH * h, -0.03 * h,
                                        0])
        thigh, shin = THIGH * body.leg * h, SHIN * body.leg * h
        rest = np.array([sign * HIP_HALF_WIDTH * h, 0.06 * h, 0.0])
        rest = np.broadcast_to(rest, (t, 3)) + c.pelvis * h * [1, 0, 1]
        target = c.ankle[side] * h + pelvis * [1, 0, 1]
        w = c.ankle_weight[side][:, None]
        target = (1 - w) * rest + w * target
        knee, ankle = two_bone(hip, target, thigh, shin,
                               np.array([0.0, 0.2, 1.0]))
        joints[:, hip_j], joints[:, knee_j], joints[:, ankle_j] = (hip, knee,
                                                                   ankle)
        joints[:, foot_j] = ankle + np.array([0, -0.05, FOOT]) * h
    return joints


# ---------------------------------------------------------------- timelines
def _bump(u: np.ndarray, brisk: float) -> np.ndarray:
    """0 -> 1 -> 0 over u in [0, 1]; brisk performers rise faster."""
    b = np.sin(np.pi * np.clip(u, 0, 1))
    return b**(1 - 0.6 * brisk)


def _rise(u: np.ndarray, brisk: float) -> np.ndarray:
    """0 -> 1 over u in [0, 1] (smoothstep, sharper when brisk)."""
    u = np.clip(u, 0, 1)
    s = u * u * (3 - 2 * u)
    return s**(1 - 0.5 * brisk)


def _cycles(u: np.ndarray, count: float, phase: float = 0.0) -> np.ndarray:
    """``count`` full 0 -> 1 -> 0 cycles over u in [0, 1]."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * (count * u + phase))


class Scene(NamedTuple):
    """The timeline of one recording: frames of the action and idle parts."""
    before: int  # idle frames before the action
    action: int  # frames of the action
    after: int  # idle frames after it

    @property
    def total(self) -> int:
        return self.before + self.action + self.after

    def progress(self) -> np.ndarray:
        """u in [0, 1] over the action, 0 before and 1 after it."""
        frames = np.arange(self.total)
        return np.clip((frames - self.before) / max(self.action - 1, 1), 0,
                       1)

    def active(self) -> np.ndarray:
        frames = np.arange(self.total)
        return (frames >= self.before) & (frames < self.before + self.action)


# Each action fills the controls of one or two bodies. ``u`` is the progress
# through the action, ``a`` the performer's amplitude, ``bk`` its briskness.
def _wave(side: str):

    def act(cs, bodies, scene, rng):
        body, c = bodies[0], cs[0]
        u = scene.progress()
        lift = _bump(u, body.brisk)**0.4
        sign = SIDE_SIGN[side]
        swings = rng.uniform(3, 5)
        c.wrist[side][:] = [sign * 0.3, 0.3, 0.12]
        c.wrist[side][:, 0] += sign * 0.13 * body.amplitude * np.sin(
            2 * np.pi * swings * u)
        c.wrist_weight[side][:] = lift

    return act


def _hand_to(point: Sequence[float], side: str = 'right'):

    def act(cs, bodies, scene, rng):
        body, c = bodies[0], cs[0]
        u = scene.progress()
        hold = _bump(u, body.brisk)**0.3  # reach, stay a while, return
        c.wrist[side][:] = point
        c.wrist[side] += rng.normal(0, 0.01, 3)
        c.wrist_weight[side][:] = hold
        c.head_turn[:] += 0.02 * hold * rng.uniform(-1, 1)

    return act


def _sit_down(cs, bodies, scene, rng):
    body, c = bodies[0], cs[0]
    down = _rise(scene.progress(), body.brisk)
    c.squat[:] = 0.42 * down * (0.85 + 0.15 * body.amplitude)
    c.bend[:] = 0.35 * down
    c.pelvis[:, 2] = -0.12 * down  # sit back
    for side in ARM:  # hands to the knees
        c.wrist[side][:] = [SIDE_SIGN[side] * 0.15, -0.55, 0.3]
        c.wrist_weight[side][:] = 0.6 * down


def _raise_arms(cs, bodies, scene, rng):
    body, c = bodies[0], cs[0]
    up = _rise(scene.progress(), body.brisk)
    for side in ARM:
        c.wrist[side][:] = [SIDE_SIGN[side] * 0.2, 0.5 * body.amplitude, 0.05]
        c.wrist_weight[side][:] = up


def _kick(side: str):

    def act(cs, bodies, scene, rng):
        body, c = bodies[0], cs[0]
        k = _bump(scene.progress(), body.brisk)
        c.ankle[side][:] = [SIDE_SIGN[side] * 0.1, 0.4 * body.amplitude, 0.55]
        c.ankle_weight[side][:] = k
        c.bend[:] = -0.1 * k  # lean back for balance
        other = 'left' if side == 'right' else 'right'
        c.wrist[other][:] = [SIDE_SIGN[other] * 0.45, -0.2, 0.0]
        c.wrist_weight[other][:] = 0.4 * k

    return act


def _clap(count: int):

    def act(cs, bodies, scene, rng):
        body, c = bodies[0], cs[0]
        u = scene.progress()
        raised = _bump(u, body.brisk)**0.25
        gap = 0.02 + 0.22 * body.amplitude * _cycles(u, count, 0.5)
        for side in ARM:
            c.wrist[side][:, 0] = SIDE_SIGN[side] * gap
            c.wrist[side][:, 1] = -0.1
            c.wrist[side][:, 2] = 0.32
            c.wrist_weight[side][:] = raised

    return act


def _march(steps: float):

    def act(cs, bodies, scene, rng):
        body, c = bodies[0], cs[0]
        u = scene.progress()
        active = scene.active()
        for side, phase in (('left', 0.0), ('right', 0.5)):
            lift = _cycles(u, steps, phase) * active
            c.ankle[side][:] = [SIDE_SIGN[side] * 0.1,
                                0.3 * body.amplitude, 0.15]
            c.ankle_weight[side][:] = lift
            arm = 'right' if side == 'left' else 'left'  # opposite arm
            c.wrist[arm][:] = [SIDE_SIGN[arm] * 0.22, -0.35, 0.25]
            c.wrist_weight[arm][:] = 0.7 * lift

    return act


def _handshake(cs, bodies, scene, rng):
    u = scene.progress()
    for body, c in zip(bodies, cs):
        reach = _bump(u, body.brisk)**0.3
        c.wrist['right'][:] = [-0.05, -0.15, cs[0].gap / 2 - 0.05]
        c.wrist['right'][:, 1] += 0.04 * np.sin(2 * np.pi * 3 * u) * reach
        c.wrist_weight['right'][:] = reach


def _push(cs, bodies, scene, rng):
    u = scene.progress()
    (pusher, _), (c_a, c_b) = bodies, cs
    reach = _bump(u, pusher.brisk)**0.5
    for side in ARM:
        c_a.wrist[side][:] = [SIDE_SIGN[side] * 0.15, -0.05,
                              cs[0].gap - 0.15]
        c_a.wrist_weight[side][:] = reach
    shove = _rise((u - 0.45) / 0.4, pusher.brisk)
    c_b.pelvis[:, 2] -= 0.35 * pusher.amplitude * shove
    c_b.bend[:] -= 0.25 * _bump((u - 0.4) / 0.5, 0.5)
    c_a.pelvis[:, 2] += 0.12 * shove


def _hug(cs, bodies, scene, rng):
    u = scene.progress()
    for body, c in zip(bodies, cs):
        close = _bump(u, body.brisk)**0.4
        c.pelvis[:, 2] += (cs[0].gap / 2 - 0.2) * close
        for side in ARM:
            c.wrist[side][:] = [SIDE_SIGN[side] * 0.12, 0.05, 0.35]
            c.wrist_weight[side][:] = close


def _walk_towards(cs, bodies, scene, rng):
    u = scene.progress()
    active = scene.active()
    for body, c in zip(bodies, cs):
        walked = _rise(u, 0.0) * (cs[0].gap / 2 - 0.45)
        c.pelvis[:, 2] += walked
        for side, phase in (('left', 0.0), ('right', 0.5)):
            lift = _cycles(u, 3 * body.speed, phase) * active
            c.ankle[side][:] = [SIDE_SIGN[side] * 0.1, 0.15, 0.25]
            c.ankle_weight[side][:] = lift
            c.wrist[side][:] = [SIDE_SIGN[side] * 0.2, -0.5, 0.15]
            c.wrist_weight[side][:] = 0.5 * lift


class Action(NamedTuple):
    """One class of the benchmark."""
    name: str
    persons: int
    frames: int  # frames of the action at speed 1
    animate: Callable
    reverse_of: Optional[str] = None  # played backwards


#: The 20 actions (label = index). ``reverse_of`` names the action whose
#: recordings, played backwards, make this one.
ACTIONS = (
    Action('wave right hand', 1, 70, _wave('right')),
    Action('wave left hand', 1, 70, _wave('left')),
    Action('hand to mouth (drink)', 1, 60, _hand_to([-0.05, 0.16, 0.12])),
    Action('hand to ear (phone call)', 1, 60, _hand_to([-0.1, 0.24, 0.0])),
    Action('hand on top of the head', 1, 60, _hand_to([-0.03, 0.36, 0.0])),
    Action('sit down', 1, 55, _sit_down),
    Action('stand up', 1, 55, _sit_down, reverse_of='sit down'),
    Action('raise both arms', 1, 45, _raise_arms),
    Action('lower both arms', 1, 45, _raise_arms,
           reverse_of='raise both arms'),
    Action('kick with the right foot', 1, 40, _kick('right')),
    Action('kick with the left foot', 1, 40, _kick('left')),
    Action('clap twice', 1, 50, _clap(2)),
    Action('clap four times', 1, 50, _clap(4)),
    Action('march in place slowly', 1, 90, _march(3)),
    Action('march in place quickly', 1, 45, _march(3)),
    Action('shake hands', 2, 70, _handshake),
    Action('push the other person', 2, 55, _push),
    Action('hug', 2, 75, _hug),
    Action('walk towards each other', 2, 80, _walk_towards),
    Action('walk apart', 2, 80, _walk_towards,
           reverse_of='walk towards each other'),
)


# ------------------------------------------------------- one recording
def _fidget(c: Controls, frames: np.ndarray, body: Performer,
            rng: np.random.Generator) -> None:
    """Small unrelated movements inside ``frames`` (a boolean mask)."""
    t = c.num_frames
    time = np.arange(t)
    # weight shifts and head turns all the time
    c.pelvis[:, 0] += 0.03 * np.sin(2 * np.pi * time / rng.uniform(40, 90) +
                                    rng.uniform(0, 6.3))
    c.head_turn += 0.03 * np.sin(2 * np.pi * time / rng.uniform(30, 80) +
                                 rng.uniform(0, 6.3))
    idle = np.flatnonzero(frames)
    if idle.size < 8 or rng.uniform() < 0.3:
        return
    length = int(min(idle.size, rng.integers(8, 20)))
    start = idle[rng.integers(0, idle.size - length + 1)]
    u = np.zeros(t)
    u[start:start + length] = np.linspace(0, 1, length)
    lift = _bump(u, body.brisk) * (u > 0)
    window = lift > 0
    kind = rng.integers(3)
    side = ('left', 'right')[rng.integers(2)]
    if kind == 0 and c.wrist_weight[side][window].max() < 0.05:
        # a hand lifted a little towards the belly (only a resting arm)
        c.wrist[side][window] = [SIDE_SIGN[side] * 0.1, -0.3, 0.25]
        c.wrist_weight[side] = np.maximum(c.wrist_weight[side], 0.6 * lift)
    elif kind == 1:  # a small step sideways and back
        c.pelvis[:, 0] += SIDE_SIGN[side] * 0.08 * lift
    else:  # a shrug-like short bend
        c.bend += 0.12 * lift


def perform(label: int,
            bodies: Sequence[Performer],
            rng: np.random.Generator,
            idle: Sequence[int] = (5, 35)) -> np.ndarray:
    """One clean performance of action ``label``: ``(M, T, 25, 3)`` joint
    positions in the first performer's body frame (metres)."""
    action = ACTIONS[label]
    speed = bodies[0].speed * rng.uniform(*TAKE_SPEED)
    scene = Scene(
        before=int(rng.integers(idle[0], idle[1] + 1)),
        action=int(action_frames(action.frames, speed)),
        after=int(rng.integers(idle[0], idle[1] + 1)))
    people = bodies[:action.persons]
    walking = action.animate is _walk_towards  # they start further apart
    gap = rng.uniform(2.6, 3.2) if walking else rng.uniform(1.2, 1.6)
    cs = [Controls(scene.total, gap) for _ in people]
    action.animate(cs, people, scene, rng)
    for body, c in zip(people, cs):
        _fidget(c, ~scene.active(), body, rng)
    out = []
    for index, (body, c) in enumerate(zip(people, cs)):
        joints = pose(body, c)
        if index == 1:  # the partner faces the first person
            joints = joints @ _rot_y(np.pi).T + [0, 0, gap * bodies[0].height]
        out.append(joints)
    out = np.stack(out)  # (M, T, V, 3)
    if action.reverse_of is not None:
        out = out[:, ::-1]
    return out


def film(keypoint: np.ndarray, camera: int,
         rng: np.random.Generator) -> np.ndarray:
    """Turn, place and tilt a performance in front of camera ``camera``
    (1-3) and add the Kinect's noise and faults. ``(M, T, 25, 3)`` ->
    ``(M, T, 25, 3)`` camera coordinates (zero where a body is lost)."""
    m, t = keypoint.shape[:2]
    facing = np.deg2rad(CAMERA_ANGLES[camera - 1] + rng.uniform(-20, 20))
    pitch = np.deg2rad(rng.uniform(-10, 10))
    c, s = np.cos(pitch), np.sin(pitch)
    tilt = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    rot = tilt @ _rot_y(np.pi + facing)  # the performer faces the camera
    centre = keypoint[0, :, BASE].mean(0)
    out = (keypoint - centre) @ rot.T
    out += [rng.uniform(-0.4, 0.4), rng.uniform(-0.3, 0.1),
            rng.uniform(2.6, 3.6)]
    out += rng.normal(0, rng.uniform(0.004, 0.015), out.shape)  # noise
    out += rng.normal(0, 0.01, (m, t, 1, 3)) * (rng.uniform(size=(m, t, 1, 1))
                                                < 0.1)  # jitter
    for _ in range(rng.poisson(1.0)):  # a joint jumps for a few frames
        joint = rng.choice([7, 11, 15, 19, 21, 23, 6, 10])
        start, length = rng.integers(t), rng.integers(1, 5)
        out[rng.integers(m), start:start + length, joint] += rng.normal(
            0, 0.25, 3)
    if rng.uniform() < 0.15:  # left and right arms swapped
        start, length = rng.integers(t), rng.integers(3, 9)
        left, right = list(ARM['left']), list(ARM['right'])
        seg = out[0, start:start + length]
        seg[:, left + right] = seg[:, right + left]
    for _ in range(rng.binomial(2, 0.25)):  # a body is lost
        start, length = rng.integers(1, max(t - 1, 2)), rng.integers(1, 6)
        out[rng.integers(m), start:start + length] = 0
    return out.astype(np.float32)


class Recording(NamedTuple):
    """One sample: its NTU name, label and camera-space joints."""
    name: str
    label: int
    keypoint: np.ndarray  # (M, T, 25, 3)
    swapped_frames: tuple  # frames whose bodies are listed in reverse


def tempo_pair_error(slow: str = 'march in place slowly',
                     quick: str = 'march in place quickly',
                     preset: str = 'hard',
                     samples: int = 200_000,
                     seed: int = 0,
                     frame_span: int = 100) -> Dict[str, float]:
    """The least error any classifier can make between two actions that
    differ only in tempo, from what a clip keeps of their timing.

    Durations are drawn as :func:`perform` draws them (performer and take
    speed, idle frames before and after from the preset). Two readings:

    - ``'stretched'``: the clip is spread over the whole recording
      (``longer='uniform'``, mmaction2's ``UniformSampleFrames``); only the
      share of the recording the action fills survives, ``action / total``;
    - ``'one_rate'``: every clip frame is the same time apart, so the
      action's duration in frames survives;
    - ``'span'``: ``SkeletonStream(frame_span=frame_span,
      longer='uniform', pad_mode='zero')``: a recording of at most
      ``frame_span`` frames is read at one rate (its duration survives), a
      longer one is stretched (its share survives, and that it was longer).

    The error is the overlap of the two classes' histograms of that
    quantity with equal priors (Bayes error), estimated from ``samples``
    draws per class; small cues the reading may also keep (the length of
    unrelated movements in the idle time) are ignored.

    Returns:
        dict: ``{'stretched': e1, 'one_rate': e2, 'span': e3}``, each in
        [0, 0.5].
    """
    names = [action.name for action in ACTIONS]
    idle = PRESETS[preset]['idle']
    rng = np.random.default_rng(seed)
    shares, durations, totals = [], [], []
    for name in (slow, quick):
        speed = (rng.uniform(*PERFORMER_SPEED, samples) *
                 rng.uniform(*TAKE_SPEED, samples))
        action = action_frames(ACTIONS[names.index(name)].frames, speed)
        idle_frames = rng.integers(idle[0], idle[1] + 1, (2, samples))
        total = action + idle_frames.sum(0)
        shares.append(action / total)
        durations.append(action)
        totals.append(total)

    def overlap(a, b, edges):
        ha, _ = np.histogram(a, edges)
        hb, _ = np.histogram(b, edges)
        return float(np.minimum(ha, hb).sum() / (2 * samples))

    longest = max(int(d.max()) for d in durations) + 2
    # 'span': durations below `longest`, stretched shares in 200 bins above
    kept = [
        np.where(total <= frame_span, action,
                 longest + np.floor(share * 200))
        for action, share, total in zip(durations, shares, totals)
    ]
    return dict(
        stretched=overlap(*shares, np.linspace(0, 1, 201)),
        one_rate=overlap(*durations, np.arange(longest + 1) - 0.5),
        span=overlap(*kept, np.arange(longest + 202) - 0.5))


#: Presets: classes (labels), recordings per class for the training and
#: test subjects, idle frames before/after the action.
PRESETS = dict(
    hard=dict(labels=tuple(range(len(ACTIONS))), train=30, test=15,
              idle=(5, 35)),
    tiny=dict(labels=(0, 1, 5, 6), train=4, test=2, idle=(2, 8)),
)


def recordings(preset: str = 'hard', seed: int = 0):
    """Yield the :class:`Recording` of a preset, in a fixed order."""
    spec = PRESETS[preset]
    train = [s for s in range(1, NUM_PERFORMERS + 1) if s in TRAIN_SUBJECTS]
    test = [s for s in range(1, NUM_PERFORMERS + 1)
            if s not in TRAIN_SUBJECTS]
    performers = {s: make_performer(s, seed) for s in train + test}
    for label in spec['labels']:
        for subjects, count in ((train, spec['train']), (test,
                                                         spec['test'])):
            for index in range(count):
                # rotate through the subjects, every class from a new start
                subject = subjects[(index + 7 * label) % len(subjects)]
                replication = 1 + index // len(subjects)
                rng = np.random.default_rng([seed, label, subject,
                                             replication])
                partner = performers[subjects[(index + 7 * label + 1 +
                                               rng.integers(len(subjects) -
                                                            1)) %
                                              len(subjects)]]
                camera = int(rng.integers(1, 4))
                joints = perform(label, [performers[subject], partner], rng,
                                 spec['idle'])
                keypoint = film(joints, camera, rng)
                swapped = ()
                if keypoint.shape[0] > 1 and rng.uniform() < 0.2:
                    start = int(rng.integers(keypoint.shape[1]))
                    swapped = tuple(range(start, start + 4))
                setup = 1 + subject % 17
                # labels (and NTU action numbers) count the preset's classes
                target = spec['labels'].index(label)
                name = (f'S{setup:03d}C{camera:03d}P{subject:03d}'
                        f'R{replication:03d}A{target + 1:03d}')
                yield Recording(name, target, keypoint, swapped)


def write_recordings(raw_dir: str,
                     preset: str = 'hard',
                     seed: int = 0,
                     progress: Optional[Callable[[], None]] = None
                     ) -> List[str]:
    """Write a preset's recordings as official ``.skeleton`` files into
    ``raw_dir``; returns the written paths."""
    from lsta_mm.datasets.ntu_raw import dump_ntu_skeleton
    os.makedirs(raw_dir, exist_ok=True)
    paths = []
    for rec in recordings(preset, seed):
        path = osp.join(raw_dir, rec.name + '.skeleton')
        body_ids = [str(72057594037927936 + 1000 * rec.label + 7 * m + 1)
                    for m in range(rec.keypoint.shape[0])]
        dump_ntu_skeleton(path, rec.keypoint, body_ids, rec.swapped_frames)
        paths.append(path)
        if progress is not None:
            progress()
    return paths


def class_names(preset: str = 'hard') -> Dict[int, str]:
    """Label -> action name of a preset."""
    return {
        target: ACTIONS[label].name
        for target, label in enumerate(PRESETS[preset]['labels'])
    }
