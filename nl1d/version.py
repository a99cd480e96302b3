# Copyright (c) nl1d contributors. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple of ints (and a trailing tag).

    Args:
        version_str (str): The version string, e.g. ``'0.1.0'`` or
            ``'0.1.0rc1'``.

    Returns:
        tuple: e.g. ``(0, 1, 0)`` or ``(0, 1, 0, 'rc1')``.
    """
    version_info = []
    for x in version_str.split('.'):
        if x.isdigit():
            version_info.append(int(x))
        elif 'rc' in x:
            patch, rc = x.split('rc')
            version_info.extend([int(patch), f'rc{rc}'])
    return tuple(version_info)


version_info = parse_version_info(__version__)
