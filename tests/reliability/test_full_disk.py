"""A checkpoint write that the disk refuses (ENOSPC) loses nothing.

``LSTA_TEST_KILL=full:epoch_2.pth`` (tests/fixtures/plugins) lets half of
``epoch_2.pth`` reach the disk and then fails the write with ENOSPC, as a
full disk does.
"""
from reliability_utils import (PYTHON, RELIABLE, assert_same_state,
                               data_options, load_state, run_tool)

from lsta_mm.compat import safe_torch_load


def test_full_disk_keeps_the_previous_checkpoint(tmp_path, tiny_ann_file,
                                                 plugin_env, reference_run):
    work_dir = tmp_path / 'full'
    args = [
        PYTHON, 'tools/train.py', RELIABLE, '--work-dir', work_dir, '--resume',
        '--cfg-options', *data_options(tiny_ann_file)
    ]
    out = run_tool(args, dict(plugin_env, LSTA_TEST_KILL='full:epoch_2.pth'),
                   1)

    # one line says what failed, what is kept and what to do; no traceback
    assert 'Traceback' not in out
    (line, ) = [ln for ln in out.splitlines() if '[lsta_mm] error' in ln]
    assert out.rstrip().endswith(line)  # the last word of the run
    epoch_1, epoch_2 = work_dir / 'epoch_1.pth', work_dir / 'epoch_2.pth'
    assert line == (
        f'[lsta_mm] error: could not write {epoch_2}: No space left on '
        f'device [Errno 28]; the partial file was removed and {epoch_2} is '
        f'as it was before. last_checkpoint still names {epoch_1}: free '
        'space, then continue with --resume')
    # the partial file is gone; the previous checkpoint and the pointer
    # are intact
    assert sorted(p.name for p in work_dir.iterdir() if p.is_file()) == [
        'best_acc_top1_epoch_1.pth', 'epoch_1.pth', 'last_checkpoint',
        'tiny_gcn_reliable.py'
    ]
    assert (work_dir / 'last_checkpoint').read_text() == str(epoch_1)
    assert safe_torch_load(str(epoch_1))['meta']['epoch'] == 1

    # space freed: the same command resumes and ends as if never stopped
    out = run_tool(args, plugin_env)
    assert 'resumed epoch: 1' in out
    assert_same_state(
        load_state(work_dir / 'epoch_3.pth'),
        load_state(reference_run / 'epoch_3.pth'))
