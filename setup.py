"""Install lsta_mm: `pip install -r requirements.txt && pip install -e .`
(`.[deploy]` adds onnx and onnxruntime for the deployment tools)."""
import importlib.util
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(path='requirements.txt'):
    """Requirement lines of ``path``; a full mmcv replaces mmcv-lite."""
    requirements = []
    with open(osp.join(HERE, path)) as handle:
        for line in handle:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            name = re.split(r'[<>=!~ ;\[]', line, maxsplit=1)[0]
            if name == 'mmcv-lite' and importlib.util.find_spec('mmcv'):
                # A full mmcv (<2.2) or mmcv-lite is already there; asking
                # for mmcv-lite again would install a second copy of `mmcv`.
                continue
            requirements.append(line)
    return requirements


def read_version():
    with open(osp.join(HERE, 'lsta_mm', '__init__.py')) as handle:
        return re.search(r"__version__ = '([^']+)'", handle.read()).group(1)


setup(
    name='lsta_mm',
    version=read_version(),
    description='LSTA-Net skeleton action recognition as an mmaction2 plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.8',
    packages=find_packages(include=['lsta_mm', 'lsta_mm.*']),
    package_data={'lsta_mm': ['label_maps/*.txt']},
    install_requires=read_requirements(),
    extras_require={
        'tests': read_requirements('requirements-tests.txt'),
        'deploy': read_requirements('requirements-deploy.txt'),
    },
    license='Apache-2.0',
    zip_safe=False,
)
