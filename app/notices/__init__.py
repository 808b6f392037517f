"""Notices (信息告知): the retailer's notice centre, the supervisor's inbox, an SMS adapter point."""
