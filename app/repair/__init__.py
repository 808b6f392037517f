"""Credit repair (信用修复) requests, objections (异议), the repair training and evidence files."""
