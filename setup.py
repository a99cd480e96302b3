# Copyright (c) nl1d contributors. All rights reserved.
"""Install nl1d (OpenMMLab style).

Install the pinned stack first (see README, "Install"): torch 2.13.0 alone,
then mmaction2 with ``--no-deps``, then this package with
``-c requirements/constraints.txt``.
"""
import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup


def readme() -> str:
    with open('README.md', encoding='utf-8') as f:
        return f.read()


version_file = 'nl1d/version.py'


def get_version() -> str:
    scope = {}
    with open(version_file) as f:
        exec(compile(f.read(), version_file, 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname: str = 'requirements/runtime.txt') -> list:
    """Read a requirements file, dropping comments and blank lines."""
    requires = []
    with open(fname) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                requires.append(line)
    return requires


def add_mim_extension() -> None:
    """Place ``configs/``, ``tools/`` and ``model-index.yml`` inside the
    package as ``nl1d/.mim`` so that ``mim train nl1d CONFIG`` / ``mim test``
    find them and ``mim search nl1d`` lists the model zoo after a
    non-editable install.

    The stock OpenMMLab version only handles ``develop``; modern editable
    installs go through ``editable_wheel`` (PEP 660), where we symlink too.
    A plain build (``bdist_wheel``, ``install``) copies.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink' if os.name != 'nt' else 'copy'
    elif {'sdist', 'bdist_wheel', 'install', 'build', 'build_py'} & set(
            sys.argv) or any(a.startswith('bdist') for a in sys.argv):
        mode = 'copy'
    else:
        return

    filenames = ['tools', 'configs', 'demo', 'model-index.yml']
    repo_path = osp.dirname(osp.abspath(__file__))
    mim_path = osp.join(repo_path, 'nl1d', '.mim')
    os.makedirs(mim_path, exist_ok=True)

    for filename in filenames:
        src_path = osp.join(repo_path, filename)
        if not osp.exists(src_path):
            continue
        tar_path = osp.join(mim_path, filename)
        if osp.isfile(tar_path) or osp.islink(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)

        if mode == 'symlink':
            src_relpath = osp.relpath(src_path, osp.dirname(tar_path))
            os.symlink(src_relpath, tar_path)
        elif mode == 'copy' and osp.isfile(src_path):
            shutil.copyfile(src_path, tar_path)
        elif mode == 'copy':
            shutil.copytree(
                src_path,
                tar_path,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            warnings.warn(f'Invalid mode {mode}')


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='nl1d',
        version=get_version(),
        description='Non-local 1D ResNets for long physiological signals: '
        'an MMAction2 plugin',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='non-local, resnet, 1d, signal, ecg, mmaction2',
        packages=find_packages(exclude=('configs', 'tools', 'demo',
                                        'benchmarks', 'benchmarks.*', 'tests',
                                        'tests.*')),
        include_package_data=True,
        package_data={'nl1d': ['.mim/**/*']},
        python_requires='>=3.9',
        classifiers=[
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.11',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        license='Apache License 2.0',
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require={
            'tests': parse_requirements('requirements/tests.txt'),
            # TensorBoard, ONNX export and ONNX Runtime inference
            'optional': parse_requirements('requirements/optional.txt'),
        },
        zip_safe=False)
