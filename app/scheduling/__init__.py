"""Grade-driven inspection scheduling (差异化监管, 双随机一公开): planner, plans, visits, draws."""
