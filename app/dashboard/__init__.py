"""The supervisors' dashboard (监管驾驶舱): figures pre-aggregated by the job runner, read by one page."""
