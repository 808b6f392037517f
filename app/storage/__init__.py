"""Stored files: photos and signatures taken in the field (see docs/inspections.md)."""
