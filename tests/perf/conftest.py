"""Puts tools/analysis on sys.path so its benchmark modules import."""
import os.path as osp
import sys

ANALYSIS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools',
    'analysis')
if ANALYSIS not in sys.path:
    sys.path.insert(0, ANALYSIS)
