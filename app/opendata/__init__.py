"""Open data for the public (开放数据): the published quarterly grades as a frozen data set per quarter
(made by the job runner once the quarter is public, with its bulk CSV), signed commitments and the
random-check results, over an anonymous, rate-limited, cached JSON API (/api/open/...) and the public
landing page (/public)."""
