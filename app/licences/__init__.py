"""Licences (许可证): their state from the expiry date, expiry notices to the retailer, and the
licence-verification tasks (虚假户 check) opened when inspectors repeatedly find no shop."""
