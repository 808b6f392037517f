"""The credit report (信用报告) as PDF, with a serial number and a QR code to a verification page."""
