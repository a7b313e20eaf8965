"""Shared checks for the model tests."""
import pytest
import torch


def _check_gradients(module: torch.nn.Module) -> None:
    """Every parameter is in the graph and every weight learns.

    A bias directly followed by batch norm has a gradient that is zero up to
    rounding (the norm removes it), so only tensors with more than one axis
    and norm scales must have a non-zero gradient.
    """
    for name, param in module.named_parameters():
        assert param.grad is not None, f'{name} got no gradient'
        assert torch.isfinite(param.grad).all(), name
        if param.dim() > 1 or name.endswith('weight'):
            assert param.grad.abs().sum() > 0, f'{name} has a zero gradient'


@pytest.fixture
def check_gradients():
    return _check_gradients
