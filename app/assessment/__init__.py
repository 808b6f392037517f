"""The assessment of the bureau's own work (通报督促): visits, confirmation times, deadlines kept, warnings closed."""
