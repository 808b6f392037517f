"""Field inspections (现场检查): check-in, checklist, violations, interviews, signature; offline first.
See docs/inspections.md."""
