# Copyright (c) nl1d contributors. All rights reserved.
from .length_bucket_sampler import LengthBucketBatchSampler, record_durations

__all__ = ['LengthBucketBatchSampler', 'record_durations']
