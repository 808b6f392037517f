"""The supervisors' map 监管地图: shops by current grade, clustered and filtered, with the density of
confirmed violations this quarter (docs/map.md)."""
