"""Partner authorities (联合奖惩部门): agreements (what each may read), findings pushed in by API, the
outcome sent back, and the log of every partner read."""
